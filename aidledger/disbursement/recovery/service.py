"""追回: receivables for overpaid months, created when a cycle is approved; money returned against them.

The books:
  cycle approval   Dr Assets:Receivable:Recovery   Cr Expenses:<Program>:<Area>
                   per fund, in funding order as far as the overpaid month's approval
                   charged that fund for the program and area
  opening load     Dr Assets:Receivable:Recovery   Cr Equity:NetPosition
                   a receivable still open in the old books (opening.py), first fund of the order
  recovery record  Dr Assets:Treasury              Cr Assets:Receivable:Recovery
                   per fund, filling the receivable's parts in order
  set-off          when the policy allows it (recovery.set_off_ratio), a cycle withholds part of
                   the household's payment: at approval Dr the program's expense, Cr the
                   receivable, per fund as above, besides the net payment (cycle_set_offs →
                   recoveries); a set-off of a cycle later cancelled is void
Until it is recovered a receivable counts as committed money (budget/figures.py): the
overpayment is not available to spend again before it is back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.budget.rules import charge_in_order
from aidledger.disbursement.opening.tables import OpeningReversal
from aidledger.disbursement.payments.accounts import expense_account
from aidledger.disbursement.payments.tables import Cycle, CycleAdjustment, CycleLine, CycleTransition
from aidledger.disbursement.rules.retro import RECOVERY
from aidledger.errors import Refusal
from aidledger.ledger.chart import FUND_CODES
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.balances import balance
from aidledger.ledger.service.posting import load_entry, lock_books, post_entry
from aidledger.orm import existing
from aidledger.users import require_role

from .tables import CycleSetOff, Receivable, ReceivablePart, Recovery
from .views import ReceivableView

RECEIVABLE = "Assets:Receivable:Recovery"
TREASURY = "Assets:Treasury"
ZERO = Decimal("0.00")
FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class NewReceivable:
    adjustment: CycleAdjustment
    program: str
    area: str
    parts: tuple[tuple[str, Decimal], ...]  # (fund, amount) in funding order

    def lines(self) -> list[Line]:
        account = expense_account(self.program, self.area)
        return ([Line(RECEIVABLE, fund, debit=part) for fund, part in self.parts]
                + [Line(account, fund, credit=part) for fund, part in self.parts])


def receivables_due(session: Session, cycle: Cycle, order: tuple[str, ...]) -> tuple[list[NewReceivable], list[str]]:
    """The receivables a draft's approval creates, with their funds; or problems."""
    found, problems = [], []
    for adjustment in session.scalars(select(CycleAdjustment).where(
            CycleAdjustment.cycle_id == cycle.id, CycleAdjustment.kind == RECOVERY).order_by(CycleAdjustment.id)):
        paid = session.execute(
            select(Cycle.id, CycleLine.program, CycleLine.area).join(CycleLine, CycleLine.cycle_id == Cycle.id)
            .where(Cycle.jurisdiction_code == cycle.jurisdiction_code, Cycle.month == adjustment.month,
                   Cycle.status.in_(("approved", "exported", "settled")),
                   CycleLine.household_id == adjustment.household_id)).first()
        if paid is None:
            problems.append(f"cycle {cycle.id}: no approved cycle paid {adjustment.household_id} for "
                            f"{adjustment.month}; run the cycle for {cycle.month} again")
            continue
        account = expense_account(paid.program, paid.area)
        seq = session.scalar(select(CycleTransition.entry_seq).where(
            CycleTransition.cycle_id == paid.id, CycleTransition.status == "approved"))
        charged: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for line in load_entry(session, seq).lines:
            if line.account == account:
                charged[line.fund] += line.debit
        parts, short = charge_in_order(adjustment.amount, charged, order + tuple(f for f in charged if f not in order),
                                       f"receivable for {adjustment.household_id} {adjustment.month}")
        problems += short
        found.append(NewReceivable(adjustment, paid.program, paid.area, tuple(parts)))
    return found, problems


def create_receivables(session: Session, cycle: Cycle, found: list[NewReceivable], seq: int, on: date) -> None:
    for new in found:
        a = new.adjustment
        row = Receivable(county_code=cycle.jurisdiction_code, household_id=a.household_id, month=a.month,
                         program=new.program, area=new.area, amount=a.amount, reason=a.reason,
                         detail=f"{a.month} 已发 {a.paid_before:.2f}, 按登记变更应发 {a.entitled:.2f}",
                         cycle_id=cycle.id, entry_seq=seq, created_on=on)
        session.add(row)
        session.flush()
        session.add_all([ReceivablePart(receivable_id=row.id, fund=fund, position=n, amount=part)
                         for n, (fund, part) in enumerate(new.parts)])
    session.flush()


def _recovered(session: Session, receivable_ids, as_of: date | None = None) -> dict[int, Decimal]:
    """What has come back against each receivable (by `as_of`): money returned, and set-offs of cycles
    not cancelled."""
    void = select(Cycle.id).where(Cycle.status == "cancelled")
    stmt = (select(Recovery.receivable_id, func.sum(Recovery.amount))
            .where(Recovery.receivable_id.in_(receivable_ids),
                   Recovery.cycle_id.is_(None) | Recovery.cycle_id.not_in(void))
            .group_by(Recovery.receivable_id))
    if as_of is not None:
        stmt = stmt.where(Recovery.on <= as_of)
    return dict(session.execute(stmt).all())


def _live():
    """Receivables in force: created by a cycle not cancelled, or by an opening load not reversed."""
    cancelled = select(Cycle.id).where(Cycle.status == "cancelled")
    reversed_ = select(OpeningReversal.opening_id)
    return ((Receivable.cycle_id.is_not(None) & Receivable.cycle_id.not_in(cancelled))
            | (Receivable.opening_id.is_not(None) & Receivable.opening_id.not_in(reversed_)))


def _live_receivables(session: Session, county: str) -> list[Receivable]:
    return list(session.scalars(select(Receivable).where(Receivable.county_code == county, _live())
                                .order_by(Receivable.id)))


def _void_reason(session: Session, receivable: Receivable) -> str | None:
    if receivable.cycle_id is not None:
        if session.scalar(select(Cycle.status).where(Cycle.id == receivable.cycle_id)) == "cancelled":
            return f"cycle {receivable.cycle_id}, whose approval created it, was cancelled"
    elif session.get(OpeningReversal, receivable.opening_id) is not None:
        return f"opening {receivable.opening_id}, which took it over from the old books, was reversed"
    return None


def owed_by_household(session: Session, county: str) -> dict[str, Decimal]:
    """household → what its live receivables have outstanding (households owing nothing left out)."""
    rows = _live_receivables(session, county)
    recovered = _recovered(session, [r.id for r in rows])
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        owed[r.household_id] += r.amount - recovered.get(r.id, ZERO)
    return {h: amount for h, amount in owed.items() if amount > 0}


def store_set_offs(session: Session, cycle_id: int, county: str) -> None:
    """Spread what each line of a run withheld over the household's receivables, oldest first."""
    withheld = dict(session.execute(select(CycleLine.household_id, CycleLine.set_off)
                                    .where(CycleLine.cycle_id == cycle_id, CycleLine.set_off > 0)).all())
    if not withheld:
        return
    rows = [r for r in _live_receivables(session, county) if r.household_id in withheld]
    recovered = _recovered(session, [r.id for r in rows])
    for r in rows:
        take = min(withheld[r.household_id], r.amount - recovered.get(r.id, ZERO))
        if take > 0:
            session.add(CycleSetOff(cycle_id=cycle_id, receivable_id=r.id, household_id=r.household_id, amount=take))
            withheld[r.household_id] -= take
    session.flush()


def set_off_lines(session: Session, cycle: Cycle) -> tuple[list[Line], list[str]]:
    """A draft's set-offs as approval lines (Dr the program's expense, Cr the receivable), or problems."""
    lines, problems = [], []
    for set_off in session.scalars(select(CycleSetOff).where(CycleSetOff.cycle_id == cycle.id)
                                   .order_by(CycleSetOff.receivable_id)):
        receivable = session.get(Receivable, set_off.receivable_id)
        recovered = _recovered(session, [receivable.id]).get(receivable.id, ZERO)
        if set_off.amount > receivable.amount - recovered:
            problems.append(f"cycle {cycle.id} withholds {set_off.amount:.2f} against receivable {receivable.id}, "
                            f"which has {receivable.amount - recovered:.2f} outstanding now; run the cycle for "
                            f"{cycle.month} again")
            continue
        parts = list(session.scalars(select(ReceivablePart).where(ReceivablePart.receivable_id == receivable.id)))
        before = dict(_outstanding_parts(parts, recovered))
        after = dict(_outstanding_parts(parts, recovered + set_off.amount))
        line = session.get(CycleLine, (cycle.id, set_off.household_id))
        for fund in before:
            share = before[fund] - after[fund]
            if share:
                lines += [Line(expense_account(line.program, line.area), fund, debit=share),
                          Line(RECEIVABLE, fund, credit=share)]
    return lines, problems


def record_set_offs(session: Session, cycle: Cycle, seq: int, on: date, user: str, now: datetime) -> None:
    for set_off in session.scalars(select(CycleSetOff).where(CycleSetOff.cycle_id == cycle.id)):
        session.add(Recovery(receivable_id=set_off.receivable_id, amount=set_off.amount, on=on, how="set_off",
                             cycle_id=cycle.id, entry_seq=seq, recorded_by=user, recorded_at=now))
    session.flush()


def _outstanding_parts(parts: list[ReceivablePart], recovered: Decimal) -> list[tuple[str, Decimal]]:
    """Each fund's part still owed: what was recovered fills the parts in order."""
    out = []
    for part in sorted(parts, key=lambda p: p.position):
        taken = min(part.amount, recovered)
        recovered -= taken
        out.append((part.fund, part.amount - taken))
    return out


def record_recovery(session: Session, receivable_id: int, amount: Decimal, on: date, *, user: str | None,
                    now: datetime) -> int:
    """Money returned against a receivable (preparer); returns the entry id."""
    require_role(session, user, "preparer", action="record recoveries")
    lock_books(session)
    receivable = existing(session, Receivable, receivable_id, "receivable")
    void = _void_reason(session, receivable)
    if void is not None:
        raise Refusal(f"receivable {receivable_id} is void: {void}")
    recovered = _recovered(session, [receivable_id]).get(receivable_id, ZERO)
    outstanding = receivable.amount - recovered
    problems = []
    if amount <= 0:
        problems.append(f"a recovery must be more than 0.00, not {amount:.2f}")
    elif amount > outstanding:
        problems.append(f"receivable {receivable_id} ({receivable.household_id} {receivable.month}) has "
                        f"{outstanding:.2f} outstanding of {receivable.amount:.2f}; {amount:.2f} is more than that")
    if on < receivable.created_on:
        problems.append(f"receivable {receivable_id} was created on {receivable.created_on}; money cannot be "
                        f"returned against it on {on}")
    if problems:
        raise Refusal(problems)
    parts = list(session.scalars(select(ReceivablePart).where(ReceivablePart.receivable_id == receivable_id)))
    before = dict(_outstanding_parts(parts, recovered))
    after = dict(_outstanding_parts(parts, recovered + amount))
    shares = [(fund, before[fund] - after[fund]) for fund in before if before[fund] != after[fund]]
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=receivable.county_code, kind="recovery", reference=f"receivable {receivable_id}",
        description=f"追回 {receivable.household_id} {receivable.month} 多发救助金 {amount:.2f}",
        lines=tuple([Line(TREASURY, fund, debit=part) for fund, part in shares]
                    + [Line(RECEIVABLE, fund, credit=part) for fund, part in shares])), user=user, now=now)
    session.add(Recovery(receivable_id=receivable_id, amount=amount, on=on, how="returned", cycle_id=None,
                         entry_seq=posted.seq, recorded_by=user, recorded_at=now))
    session.flush()
    return posted.seq


def receivable_list(session: Session, county: str, as_of: date | None = None) -> list[ReceivableView]:
    """The county's receivables of approved cycles, oldest first, with what is recovered and outstanding
    (by `as_of`, for a report of a past day: receivables created later are left out)."""
    require_jurisdiction(session, county)
    rows = [r for r in _live_receivables(session, county) if as_of is None or r.created_on <= as_of]
    recovered = _recovered(session, [r.id for r in rows], as_of)
    return [ReceivableView(r.id, r.household_id, r.month, r.program, r.amount, r.reason, r.detail, r.cycle_id,
                           r.opening_id, r.created_on, recovered.get(r.id, ZERO),
                           r.amount - recovered.get(r.id, ZERO)) for r in rows]


def recoveries_blocking_cancel(session: Session, cycle_id: int) -> list[Recovery]:
    """Recoveries recorded against the receivables a cycle created (its own set-offs aside)."""
    void = select(Cycle.id).where(Cycle.status == "cancelled")
    return list(session.scalars(select(Recovery).join(Receivable, Receivable.id == Recovery.receivable_id)
                                .where(Receivable.cycle_id == cycle_id,
                                       Recovery.cycle_id.is_(None) | Recovery.cycle_id.not_in(void))))


def check_receivables(session: Session) -> list[str]:
    """`ledger verify`: each county's receivable account holds, per fund, what its live receivables have outstanding."""
    problems = []
    rows = list(session.scalars(select(Receivable).where(_live())))
    recovered = _recovered(session, [r.id for r in rows])
    want: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for receivable in rows:
        parts = list(session.scalars(select(ReceivablePart).where(ReceivablePart.receivable_id == receivable.id)))
        if sum((p.amount for p in parts), ZERO) != receivable.amount:
            problems.append(f"receivable {receivable.id}: its fund parts do not add up to {receivable.amount:.2f}")
        for fund, left in _outstanding_parts(parts, recovered.get(receivable.id, ZERO)):
            want[receivable.county_code][fund] += left
    counties = set(want) | set(session.scalars(select(Receivable.county_code).distinct()))
    for county in sorted(counties):
        for fund in sorted(FUND_CODES):
            have = balance(session, county, RECEIVABLE, fund, FAR_FUTURE)
            if have != want[county][fund]:
                problems.append(f"{county} {RECEIVABLE} {fund} holds {have:.2f} but the receivables have "
                                f"{want[county][fund]:.2f} outstanding")
    return problems
