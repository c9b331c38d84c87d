"""A draft's approval entry, given at its last sign-off (signing.py): charged to the funds in funding order, and
posted.

The entry debits each expense account with the new money the cycle spends on it (the
program's account per area; price subsidies, heating and instalments their own), and
re-issued returns from Liabilities:ReturnedPayments; it credits the payable with the
cycle's total. Receivables found by the run and set-offs against earlier ones are posted in
the same entry (recovery.py). A draft that something has overtaken since its run (its
instalments or arrears paid by another cycle, a later price-subsidy declaration, a
receivable recovered meanwhile) is refused: run it again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.budget.rules import charge_in_order
from aidledger.budget.service.figures import spendable_from
from aidledger.disbursement.arrears.service import changed_since_run
from aidledger.disbursement.cycles.checks import DIGEST_MARK, lines_digest
from aidledger.disbursement.payments.accounts import ONE_OFF_ACCOUNTS, expense_account
from aidledger.disbursement.payments.tables import BankReturn, Cycle, CycleLine, ReturnResolution
from aidledger.disbursement.recovery.service import create_receivables, receivables_due, record_set_offs, set_off_lines
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow
from aidledger.disbursement.subsidy.service import declaration_for
from aidledger.disbursement.temporary.service import already_paid
from aidledger.errors import Refusal
from aidledger.ledger.chart import STANDARD_CHART
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.accounts import ensure_accounts
from aidledger.ledger.service.posting import post_entry
from aidledger.policy.store import effective_policy

from .steps import (
    PAYABLE,
    RETURNED,
    ZERO,
    reissued_returns,
    returned_by_fund,
    transition,
)


def _expense_buckets(session: Session, cycle_id: int, reissued: list[BankReturn]) -> list[tuple[str, Decimal]]:
    """The new money a cycle spends, per expense account (re-issued returns were spent before)."""
    rows = session.execute(
        select(CycleLine.program, CycleLine.area, func.sum(CycleLine.amount), func.sum(CycleLine.price_subsidy),
               func.sum(CycleLine.heating), func.sum(CycleLine.temporary)).where(CycleLine.cycle_id == cycle_id)
        .group_by(CycleLine.program, CycleLine.area).order_by(CycleLine.program, CycleLine.area)).all()
    reissued_by_group: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for r in reissued:
        line = session.get(CycleLine, (cycle_id, r.household_id))
        reissued_by_group[(line.program, line.area)] += r.amount
    by_account: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for program, area, amount, price, heating, temporary in rows:
        by_account[expense_account(program, area)] += amount - price - heating - temporary \
            - reissued_by_group[(program, area)]
        for kind, part in (("price_subsidy", price), ("heating", heating), ("temporary", temporary)):
            by_account[ONE_OFF_ACCOUNTS[kind]] += part
    return [(account, amount) for account, amount in by_account.items() if amount > 0]


def _registry_changed(session: Session, cycle: Cycle) -> list[str]:
    """The run's data must stand as it was: a household loaded, or an event recorded, for the county since the run
    may change what the month pays (a death, an income, a void), so the draft is run again before it is approved."""
    inputs = json.loads(cycle.inputs)
    county = cycle.jurisdiction_code
    events = session.execute(
        select(func.count(), func.min(EventRow.household_id)).select_from(EventRow)
        .join(HouseholdRow, HouseholdRow.household_id == EventRow.household_id)
        .where(HouseholdRow.county_code == county, EventRow.id > (inputs.get("registry_event_max") or 0))).one()
    loaded = session.scalar(select(func.count()).select_from(HouseholdRow).where(
        HouseholdRow.county_code == county, HouseholdRow.import_id > (inputs.get("registry_import_max") or 0)))
    found = []
    if events[0]:
        found.append(f"cycle {cycle.id}: {events[0]} registry events of county {county} were recorded after the "
                     f"cycle was run (household {events[1]} among them); run the cycle for {cycle.month} again")
    if loaded:
        found.append(f"cycle {cycle.id}: {loaded} households of county {county} were loaded after the cycle was run; "
                     f"run the cycle for {cycle.month} again")
    return found


def _stale_problems(session: Session, cycle: Cycle) -> list[str]:
    """What changed since a draft was run that it must be run again for: its instalments or
    arrears paid by another cycle meanwhile, or the month's price-subsidy declaration."""
    problems = [f"cycle {cycle.id} pays instalment {n} of temporary grant {g}, which cycle {other} has paid since; "
                f"run the cycle for {cycle.month} again" for g, n, other in already_paid(session, cycle.id)]
    problems += [f"cycle {cycle.id}: what {a.household_id} has received for {a.month} is no longer "
                 f"{a.paid_before:.2f} (another cycle settled it since); run the cycle for {cycle.month} again"
                 for a in changed_since_run(session, cycle.id, cycle.jurisdiction_code)]
    problems += _registry_changed(session, cycle)
    declared = declaration_for(session, cycle.jurisdiction_code, cycle.month)
    if (declared.id if declared else None) != json.loads(cycle.inputs).get("price_declaration"):
        problems.append(f"cycle {cycle.id}: a price subsidy was declared for {cycle.month} after the cycle was run; "
                        f"run the cycle for {cycle.month} again")
    return problems


@dataclass(frozen=True)
class Posting:
    """What the approval posts, as the draft stands: the entry's lines, the returns it re-issues, the receivables."""

    lines: list[Line]
    reissued: list[BankReturn]
    receivables: list


def posting_of(session: Session, cycle: Cycle, on: date) -> Posting:
    """The approval entry's lines as the draft stands, or a refusal naming what stops it (stale, short of funds)."""
    cycle_id, county = cycle.id, cycle.jurisdiction_code
    order = effective_policy(session, county).on(on).budget.funding_order
    reissued = reissued_returns(session, cycle_id)
    # A return resolved since the draft was run (cancelled back to the fund, or re-issued by
    # another cycle) must not be paid again: the draft is stale and must be re-run.
    stale = [(r, done) for r in reissued if (done := session.get(ReturnResolution, r.id)) is not None]
    if stale:
        raise Refusal([f"cycle {cycle_id} re-issues bank return {r.id} ({r.household_id}, {r.amount:.2f}), which was "
                       f"already {done.kind} on {done.on}" + (f" in cycle {done.cycle_id}" if done.cycle_id else "")
                       + f"; run the cycle for {cycle.month} again" for r, done in stale])
    problems = _stale_problems(session, cycle)
    if problems:
        raise Refusal(problems)
    reissued_total = sum((r.amount for r in reissued), ZERO)
    buckets = _expense_buckets(session, cycle_id, reissued)
    available = spendable_from(session, county, on)
    lines: list[Line] = []
    new_total = sum((amount for _, amount in buckets), ZERO)
    # The whole cycle against the funds first, so that a refusal names the real shortfall
    # and what each fund holds (checked account by account, every failing one would see the
    # same leftover money and the shortfalls would not add up).
    what = f"cycle {cycle_id} ({cycle.month}" + (", besides its re-issued returns)" if reissued_total else ")")
    _, problems = charge_in_order(new_total, available, order, what) if new_total > 0 else ([], [])
    for account, amount in ([] if problems else buckets):
        charges, shortfall = charge_in_order(amount, available, order, f"cycle {cycle_id} {account}")
        problems += shortfall
        for fund, part in charges:
            available[fund] -= part
            lines.append(Line(account, fund, debit=part))
            lines.append(Line(PAYABLE, fund, credit=part))
    if reissued_total > 0:
        held = returned_by_fund(session, county, on)
        charges, shortfall = charge_in_order(reissued_total, held, order + tuple(f for f in held if f not in order),
                                             f"cycle {cycle_id} re-issued returns")
        problems += shortfall
        for fund, part in charges:
            lines.append(Line(RETURNED, fund, debit=part))
            lines.append(Line(PAYABLE, fund, credit=part))
    receivables, shortfall = receivables_due(session, cycle, order)
    problems += shortfall
    for receivable in receivables:
        lines += receivable.lines()
    withheld, stale_set_offs = set_off_lines(session, cycle)
    problems += stale_set_offs
    lines += withheld
    if problems:
        raise Refusal(problems)
    if not lines:
        raise Refusal(f"cycle {cycle_id} pays nothing; cancel it instead")
    return Posting(lines, reissued, receivables)


def post_approval(session: Session, cycle: Cycle, on: date, posting: Posting, approver: str, now: datetime) -> int:
    """The last sign-off: the approval entry, the receivables and set-offs it creates, the returns it re-issues."""
    cycle_id, county = cycle.id, cycle.jurisdiction_code
    ensure_accounts(session, county, STANDARD_CHART)  # books opened before the one-off programs' accounts existed
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=county, kind="cycle_approval",
        reference=f"cycle {cycle_id}; {DIGEST_MARK}{lines_digest(session, cycle_id)}",
        idempotency_key=f"cycle-{cycle_id}-approval", fund_transfer=False,
        description=f"{cycle.month} 救助金发放 (第{cycle_id}号发放批次, {cycle.count}户)", lines=tuple(posting.lines)),
        user=approver, now=now)
    create_receivables(session, cycle, posting.receivables, posted.seq, on)
    record_set_offs(session, cycle, posted.seq, on, approver, now)
    for r in posting.reissued:
        session.add(ReturnResolution(return_id=r.id, kind="reissued", cycle_id=cycle_id, entry_seq=posted.seq,
                                     on=on, reason=f"re-issued in cycle {cycle_id}", user_name=approver, at=now))
    transition(session, cycle, "approved", on, posted.seq, "", approver, now)
    return posted.seq
