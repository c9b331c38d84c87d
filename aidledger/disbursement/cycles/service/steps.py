"""What every step of a cycle after its run shares: finding it, recording a change of status, its postings.

The control accounts a cycle moves money through, the rule that a posted step is never
dated before the one before it, and the readers of a cycle's earlier postings (which funds
its approval charged, what its returns hold).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.payments.tables import BankReturn, Cycle, CycleReissue, CycleTransition
from aidledger.errors import Refusal
from aidledger.ledger.service.balances import movements
from aidledger.ledger.service.posting import load_entry
from aidledger.orm import existing
from aidledger.problems import Problem

PAYABLE, CLEARING, RETURNED = ("Liabilities:Payable:Beneficiaries", "Liabilities:BankClearing",
                               "Liabilities:ReturnedPayments")
ZERO = Decimal("0.00")


def cycle_of(session: Session, cycle_id: int, *expected: str) -> Cycle:
    cycle = existing(session, Cycle, cycle_id, "cycle")
    if expected and cycle.status not in expected:
        raise Refusal(f"cycle {cycle_id} ({cycle.jurisdiction_code} {cycle.month}) is {cycle.status}; "
                      f"this needs it {' or '.join(expected)}")
    return cycle


def cycle_jurisdiction(session: Session, cycle_id: int) -> str:
    """The county a cycle pays (what a user's scope is judged on), or a refusal naming the missing cycle."""
    return existing(session, Cycle, cycle_id, "cycle").jurisdiction_code


def transition(session, cycle: Cycle, status: str, on: date, entry_seq, reason: str, user, now) -> None:
    """Record the move, then make it: the database lets a cycle's status follow only its last transition."""
    session.add(CycleTransition(cycle_id=cycle.id, status=status, on=on, entry_seq=entry_seq, reason=reason,
                                user_name=user, at=now))
    session.flush()
    cycle.status = status
    session.flush()


def run_date(cycle: Cycle) -> date:
    """The day the cycle's run is booked (`cycle run --date`; cycles run before it existed: the day they ran)."""
    return cycle.run_on or cycle.run_at.date()


def not_before_last_posting(session: Session, cycle: Cycle, on: date, step: str, today: date) -> None:
    """A posted step of a cycle is dated on or after its run and the posted step before it (approval, export,
    settlement), and not after today: otherwise the books would show the money leave before it was computed or
    approved, or record a decision not yet taken."""
    if on > today:
        raise Refusal(Problem(f"cycle {cycle.id}: its {step} cannot be dated {on}, after today ({today})",
                              "cycle.posting_date", field="date",
                              figures=(("date", on.isoformat()), ("today", today.isoformat()))))
    last = session.execute(select(CycleTransition.status, CycleTransition.on).where(
        CycleTransition.cycle_id == cycle.id, CycleTransition.entry_seq.is_not(None))
        .order_by(CycleTransition.id.desc()).limit(1)).first()
    if last is not None and on < last.on:
        raise Refusal(f"cycle {cycle.id} ({cycle.jurisdiction_code} {cycle.month}): its {step} cannot be dated {on}, "
                      f"before it was {last.status} on {last.on}")
    ran = run_date(cycle)
    if on < ran:
        raise Refusal(Problem(f"cycle {cycle.id} ({cycle.jurisdiction_code} {cycle.month}): its {step} cannot be "
                              f"dated {on}, before the cycle was run on {ran}", "cycle.posting_date", field="date",
                              figures=(("date", on.isoformat()), ("run", ran.isoformat()))))


def transition_entry(session: Session, cycle_id: int, status: str) -> int | None:
    return session.scalar(select(CycleTransition.entry_seq).where(
        CycleTransition.cycle_id == cycle_id, CycleTransition.status == status).order_by(CycleTransition.id.desc()))


def fund_split(session: Session, seq: int, account: str, side: str) -> list[tuple[str, Decimal]]:
    parts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in load_entry(session, seq).lines:
        if line.account == account:
            parts[line.fund] += line.credit if side == "credit" else line.debit
    return sorted(parts.items())


def reissued_returns(session: Session, cycle_id: int) -> list[BankReturn]:
    return list(session.scalars(select(BankReturn).join(CycleReissue, CycleReissue.return_id == BankReturn.id)
                                .where(CycleReissue.cycle_id == cycle_id).order_by(BankReturn.id)))


def returned_by_fund(session: Session, county: str, on: date) -> dict[str, Decimal]:
    return {m.fund: m.credit - m.debit for m in movements(session, county, None, on) if m.account == RETURNED}
