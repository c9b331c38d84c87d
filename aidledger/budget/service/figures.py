"""Fund figures read from the books: received, spent, committed, available.

Nothing here is stored: every figure is a sum over the ledger's running balances, so no
side table can disagree with the books.

  received   allocations credited to Income accounts
  spent      debits to Expense accounts (benefits, purchased services, transfers down)
  committed  money set aside but not yet spent, or spent and owed back: township reserve
             balances and receivables for recovery (追回) not yet recovered — a
             receivable makes no money available until it comes back
  available  what remains to spend: opening + received − spent − committed,
             where opening carries every earlier year's received − spent forward, plus
             the opening balances (期初余额) of a county's first month, posted to
             Equity:NetPosition by `opening load` (on a day inside the period or before it)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from aidledger.ledger.chart import FUNDS
from aidledger.ledger.service.balances import Movement, daily_movements, movements

ZERO = Decimal("0.00")
RESERVE_PREFIX = "Assets:Reserve:"
COMMITTED = (RESERVE_PREFIX, "Assets:Receivable:")
PURCHASED_SERVICES = "Expenses:PurchasedServices"


@dataclass(frozen=True)
class FundFigures:
    fund: str
    opening: Decimal
    received: Decimal
    spent: Decimal
    committed: Decimal

    @property
    def available(self) -> Decimal:
        return self.opening + self.received - self.spent - self.committed


def _net(rows, start: date | None = None) -> dict[str, dict[str, Decimal]]:
    """fund → {received, spent, committed} over the movements given."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"received": ZERO, "spent": ZERO, "committed": ZERO, "handed_over": ZERO})
    for m in rows:
        if m.type == "net_position":  # opening balances handed over by the old books
            sums[m.fund]["handed_over"] += m.credit - m.debit
        elif m.type == "revenue":
            sums[m.fund]["received"] += m.credit - m.debit
        elif m.type == "expense":
            sums[m.fund]["spent"] += m.debit - m.credit
        elif m.account.startswith(COMMITTED):
            sums[m.fund]["committed"] += m.debit - m.credit
    return sums


def fund_figures(session: Session, jurisdiction: str, start: date, end: date) -> list[FundFigures]:
    """Every fund's figures for the period start..end, with what earlier periods carried in."""
    before = _net(movements(session, jurisdiction, None, start - timedelta(days=1)))
    during = _net(movements(session, jurisdiction, start, end))
    to_date = _net(movements(session, jurisdiction, None, end))
    return [
        FundFigures(
            fund.code,
            opening=(before[fund.code]["received"] - before[fund.code]["spent"]
                     + before[fund.code]["handed_over"] + during[fund.code]["handed_over"]),
            received=during[fund.code]["received"],
            spent=during[fund.code]["spent"],
            committed=to_date[fund.code]["committed"],
        )
        for fund in FUNDS
    ]


def available_on(session: Session, jurisdiction: str, day: date) -> dict[str, Decimal]:
    """What each fund of a jurisdiction can still spend at the end of `day`."""
    sums = _net(movements(session, jurisdiction, None, day))
    return {f.code: sums[f.code]["handed_over"] + sums[f.code]["received"] - sums[f.code]["spent"]
            - sums[f.code]["committed"] for f in FUNDS}


def _available_effect(m: Movement) -> Decimal:
    """How one movement changes a fund's availability."""
    if m.type in ("revenue", "expense", "net_position") or m.account.startswith(COMMITTED):
        return m.credit - m.debit
    return ZERO


def spendable_from(session: Session, jurisdiction: str, day: date) -> dict[str, Decimal]:
    """What each fund can spend on `day` without any later day going below zero.

    A back-dated spending lowers every later balance too, so the limit is the lowest
    availability from `day` on, not the availability on `day`.
    """
    running = available_on(session, jurisdiction, day)
    lowest = dict(running)
    for _, movement in daily_movements(session, jurisdiction, day):
        running[movement.fund] = running.get(movement.fund, ZERO) + _available_effect(movement)
        lowest[movement.fund] = min(lowest.get(movement.fund, ZERO), running[movement.fund])
    return lowest


def received_in(session: Session, jurisdiction: str, funds: tuple[str, ...], start: date, end: date) -> Decimal:
    sums = _net(movements(session, jurisdiction, start, end))
    return sum((sums[f]["received"] for f in funds), ZERO)


def purchased_services_used(session: Session, jurisdiction: str, start: date, end: date) -> Decimal:
    return sum(
        (m.debit - m.credit for m in movements(session, jurisdiction, start, end) if m.account == PURCHASED_SERVICES),
        ZERO,
    )


def reserve_balance_by_fund(session: Session, jurisdiction: str, township: str, day: date) -> dict[str, Decimal]:
    name = f"{RESERVE_PREFIX}T{township}"
    return {m.fund: m.debit - m.credit for m in movements(session, jurisdiction, None, day) if m.account == name}


def reserve_range_from(
    session: Session, jurisdiction: str, township: str, day: date
) -> tuple[dict[str, Decimal], Decimal]:
    """From `day` on: the lowest balance of the reserve per fund, and its highest total balance.

    A back-dated payment must fit the lowest later balance; a back-dated advance must keep
    the highest later balance within the reserve's set amount.
    """
    name = f"{RESERVE_PREFIX}T{township}"
    running = reserve_balance_by_fund(session, jurisdiction, township, day)
    lowest = dict(running)
    highest = sum(running.values(), ZERO)
    for _, m in daily_movements(session, jurisdiction, day):
        if m.account != name:
            continue
        running[m.fund] = running.get(m.fund, ZERO) + m.debit - m.credit
        lowest[m.fund] = min(lowest.get(m.fund, ZERO), running[m.fund])
        highest = max(highest, sum(running.values(), ZERO))
    return lowest, highest
