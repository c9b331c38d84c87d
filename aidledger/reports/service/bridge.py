"""Reading the reconciliation bridge (bridge_data.py) of a jurisdiction's year, from 1 January to the as-of day.

The period is the books' own dates: a cycle counts when its approval is dated in it (a December cycle approved
in January is January's spending), a cancellation when its reversal is, a return when the bank sent it back, a
resolution when it was decided. The cycle steps come from the sub-ledgers (cycle lines, re-issues, set-offs,
receivables, returns, reserve cases), never from the journal, so that what the journal holds beyond them shows as
the difference; entries of the kinds no sub-ledger holds are read from the journal by kind.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from aidledger.budget.tables import ReserveCase
from aidledger.disbursement.cycles.service.steps import RETURNED
from aidledger.disbursement.payments.accounts import ONE_OFF_ACCOUNTS
from aidledger.disbursement.payments.tables import (
    BankReturn,
    Cycle,
    CycleLine,
    CycleReissue,
    CycleTransition,
    ReturnResolution,
)
from aidledger.disbursement.recovery.tables import CycleSetOff, Receivable
from aidledger.errors import Refusal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.balances import balance, movements
from aidledger.ledger.tables import Account, JournalEntry, JournalLine
from aidledger.policy.store import effective_policy
from aidledger.problems import Problem
from aidledger.reports.bridge_data import (
    ZERO,
    AccountSpending,
    Bridge,
    CycleFlows,
    Figure,
    ReturnsMemo,
    SubLedgers,
    bridge_steps,
    budget_lines,
    code_lines,
    journal_key,
)
from aidledger.reports.classification import BY_AREA, classification_table

# Entry kinds whose expense lines the sub-ledgers explain (besides the reversals that cancel cycles).
SUB_LEDGER_KINDS = ("cycle_approval", "return_cancelled", "reserve_payment")
_SPLIT_PARTS = {account: kind for kind, account in ONE_OFF_ACCOUNTS.items() if account in BY_AREA}


def bridge(session: Session, jurisdiction: str, year: int, as_of: date | None = None) -> Bridge:
    place = require_jurisdiction(session, jurisdiction)
    start, as_of = date(year, 1, 1), as_of or date(year, 12, 31)
    if not start <= as_of <= date(year, 12, 31):
        raise Refusal(Problem(f"the day {as_of} is not in {year}", "audit.as_of", field="as_of"))
    approved = _transitions(jurisdiction, "approved", start, as_of)
    cancelled = _transitions(jurisdiction, "cancelled", start, as_of).where(CycleTransition.entry_seq.is_not(None))
    approved_lines, cancelled_lines = _lines(session, approved), _lines(session, cancelled)
    sub = SubLedgers(_cycle_flows(session, approved, approved_lines[0]),
                     _cycle_flows(session, cancelled, cancelled_lines[0]),
                     _returns_cancelled(session, jurisdiction, start, as_of),
                     _figure(session, select(func.count(), func.sum(ReserveCase.amount)).where(
                         ReserveCase.county_code == jurisdiction, ReserveCase.paid_on.between(start, as_of))))
    spending = _spending(session, jurisdiction, start, as_of)
    table = classification_table(_restated(session, jurisdiction, as_of))
    return Bridge(
        jurisdiction=jurisdiction, name=place.name, year=year, start=start, as_of=as_of,
        steps=bridge_steps(sub, _journal(session, jurisdiction, start, as_of)),
        ledger_total=sum((s.amount for s in spending), ZERO),
        by_line=budget_lines(spending, table),
        by_code=code_lines(spending, _by_area(session, jurisdiction, approved_lines[1], cancelled_lines[1], start,
                                              as_of), table),
        returns=_returns_memo(session, jurisdiction, start, as_of),
    )


def _restated(session: Session, jurisdiction: str, as_of: date) -> dict[str, str]:
    """The codes the policy in force on the day restates ([classification]); none for books without a policy."""
    try:
        snapshot = effective_policy(session, jurisdiction).on(as_of)
    except Refusal:
        return {}
    return {key: snapshot.classification[key] for key in snapshot.classification}


def _transitions(county: str, status: str, start: date, end: date) -> Select[Any]:
    """The cycles of the county that moved to `status` on a day of the period (one column: the cycle id)."""
    return (select(CycleTransition.cycle_id).join(Cycle, Cycle.id == CycleTransition.cycle_id)
            .where(Cycle.jurisdiction_code == county, CycleTransition.status == status,
                   CycleTransition.on.between(start, end)))


def _figure(session: Session, stmt: Select[int, Decimal]) -> Figure:
    count, amount = session.execute(stmt).one()
    return Figure(amount or ZERO, count or 0)


def _lines(session: Session, cycles: Select[Any]) -> tuple[Figure, dict[tuple[str, str], Decimal]]:
    """The cycles' lines in one pass (a million a month in a large county): their count and sum, and the parts
    that go to the accounts split by area, by (account, area)."""
    columns = [func.sum(getattr(CycleLine, _SPLIT_PARTS[a])) for a in _SPLIT_PARTS]
    count, total, parts = 0, ZERO, {}
    for area, n, amount, *split in session.execute(
            select(CycleLine.area, func.count(), func.sum(CycleLine.amount), *columns)
            .where(CycleLine.cycle_id.in_(cycles)).group_by(CycleLine.area)):
        count, total = count + n, total + (amount or ZERO)
        parts.update({(account, area): part or ZERO for account, part in zip(_SPLIT_PARTS, split, strict=True)})
    return Figure(total, count), parts


def _cycle_flows(session: Session, cycles: Select[Any], gross: Figure) -> CycleFlows:
    ids = cycles
    return CycleFlows(
        cycles=session.scalar(select(func.count(distinct(cycles.subquery().c.cycle_id)))) or 0,
        gross=gross,
        reissued=_figure(session, select(func.count(), func.sum(BankReturn.amount))
                         .join(CycleReissue, CycleReissue.return_id == BankReturn.id)
                         .where(CycleReissue.cycle_id.in_(ids))),
        set_off=_figure(session, select(func.count(), func.sum(CycleSetOff.amount))
                        .where(CycleSetOff.cycle_id.in_(ids))),
        receivables=_figure(session, select(func.count(), func.sum(Receivable.amount))
                            .where(Receivable.cycle_id.in_(ids))),
    )


def _returns_cancelled(session: Session, county: str, start: date, end: date) -> Figure:
    return _figure(session, select(func.count(), func.sum(BankReturn.amount))
                   .join(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
                   .join(Cycle, Cycle.id == BankReturn.cycle_id)
                   .where(Cycle.jurisdiction_code == county, ReturnResolution.kind == "cancelled",
                          ReturnResolution.on.between(start, end)))


def _journal(session: Session, county: str, start: date, end: date) -> dict[str, Figure]:
    """The expense accounts' net movement from entries no sub-ledger explains, by bridge step."""
    cancellations = select(CycleTransition.entry_seq).join(Cycle, Cycle.id == CycleTransition.cycle_id).where(
        Cycle.jurisdiction_code == county, CycleTransition.status == "cancelled",
        CycleTransition.entry_seq.is_not(None))
    rows = session.execute(
        select(JournalEntry.kind, func.count(distinct(JournalEntry.seq)),
               func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .join(JournalLine, JournalLine.entry_seq == JournalEntry.seq)
        .join(Account, Account.id == JournalLine.account_id)
        .where(JournalEntry.jurisdiction_code == county, JournalEntry.date.between(start, end),
               Account.type == "expense", JournalEntry.kind.not_in(SUB_LEDGER_KINDS),
               JournalEntry.seq.not_in(cancellations))
        .group_by(JournalEntry.kind))
    out: dict[str, Figure] = {}
    for kind, count, debit, credit in rows:
        key = journal_key(kind)
        done = out.get(key, Figure())
        out[key] = Figure(done.amount + (debit or ZERO) - (credit or ZERO), done.count + count)
    return out


def _spending(session: Session, county: str, start: date, end: date) -> list[AccountSpending]:
    titles = dict(session.execute(select(Account.name, Account.title).where(
        Account.jurisdiction_code == county, Account.type == "expense")).all())
    net: dict[str, Decimal] = {}
    for m in movements(session, county, start, end):
        if m.type == "expense":
            net[m.account] = net.get(m.account, ZERO) + m.debit - m.credit
    return [AccountSpending(account, titles.get(account, account), amount) for account, amount in sorted(net.items())]


def _by_area(session: Session, county: str, plus: dict[tuple[str, str], Decimal],
             minus: dict[tuple[str, str], Decimal], start: date, end: date) -> dict[str, tuple[Decimal, Decimal]]:
    """What the cycle lines put on each account split by area, urban and rural: the approvals of the period
    (`plus`), less the cancelled cycles' (`minus`) and the cancelled returns' parts."""
    returned: dict[tuple[str, str], Decimal] = {}
    for area, *parts in session.execute(
            select(CycleLine.area, *[func.sum(getattr(CycleLine, _SPLIT_PARTS[a])) for a in _SPLIT_PARTS])
            .join(BankReturn, (BankReturn.cycle_id == CycleLine.cycle_id)
                  & (BankReturn.household_id == CycleLine.household_id))
            .join(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
            .join(Cycle, Cycle.id == BankReturn.cycle_id)
            .where(Cycle.jurisdiction_code == county, ReturnResolution.kind == "cancelled",
                   ReturnResolution.on.between(start, end)).group_by(CycleLine.area)):
        returned.update({(account, area): part or ZERO for account, part in zip(_SPLIT_PARTS, parts, strict=True)})

    def net(account: str, area: str) -> Decimal:
        key = (account, area)
        return plus.get(key, ZERO) - minus.get(key, ZERO) - returned.get(key, ZERO)

    return {account: (net(account, "urban"), net(account, "rural")) for account in _SPLIT_PARTS}


def _returns_memo(session: Session, county: str, start: date, end: date) -> ReturnsMemo:
    returns = (select(func.count(), func.sum(BankReturn.amount)).join(Cycle, Cycle.id == BankReturn.cycle_id)
               .where(Cycle.jurisdiction_code == county))
    resolved = returns.join(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
    before = _figure(session, returns.where(BankReturn.returned_on < start))
    settled_before = _figure(session, resolved.where(BankReturn.returned_on < start, ReturnResolution.on < start))

    def resolved_in(kind: str) -> Figure:
        return _figure(session, resolved.where(ReturnResolution.kind == kind, ReturnResolution.on.between(start, end)))

    return ReturnsMemo(
        opening=Figure(before.amount - settled_before.amount, before.count - settled_before.count),
        returned=_figure(session, returns.where(BankReturn.returned_on.between(start, end))),
        reissued=resolved_in("reissued"), cancelled=resolved_in("cancelled"),
        ledger=balance(session, county, RETURNED, None, end))

