"""Fund figures read from the books: received, spent, committed, available.

Nothing here is stored: every figure is a sum over the ledger's running balances, so no
side table can disagree with the books.

  received   allocations credited to Income accounts
  spent      debits to Expense accounts (benefits, purchased services, transfers down)
  committed  money set aside but not yet spent: township reserve balances
  available  what remains to spend: opening + received − spent − committed,
             where opening carries every earlier year's received − spent forward
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from ..ledger.balances import movements
from ..ledger.chart import FUNDS

ZERO = Decimal("0.00")
RESERVE_PREFIX = "Assets:Reserve:"
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
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"received": ZERO, "spent": ZERO, "committed": ZERO})
    for m in rows:
        if m.type == "revenue":
            sums[m.fund]["received"] += m.credit - m.debit
        elif m.type == "expense":
            sums[m.fund]["spent"] += m.debit - m.credit
        elif m.account.startswith(RESERVE_PREFIX):
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
            opening=before[fund.code]["received"] - before[fund.code]["spent"],
            received=during[fund.code]["received"],
            spent=during[fund.code]["spent"],
            committed=to_date[fund.code]["committed"],
        )
        for fund in FUNDS
    ]


def available_on(session: Session, jurisdiction: str, day: date) -> dict[str, Decimal]:
    """What each fund of a jurisdiction can still spend at the end of `day`."""
    sums = _net(movements(session, jurisdiction, None, day))
    return {f.code: sums[f.code]["received"] - sums[f.code]["spent"] - sums[f.code]["committed"] for f in FUNDS}


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
