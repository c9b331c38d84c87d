"""The sign-off chain's records: reading a subject's chain, recording a sign-off or a sending back.

The services of the subjects (cycles' approval.py, temporary grants) decide what a sign-off does; this module
keeps the rows. Callers hold the books' lock (lock_books) before they read a chain and add to it, so two approvers
signing at once are served one after the other and the second sees the first's sign-off; the table's unique key
on (subject, subject_id, round, step) holds even if a caller forgot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.codes import SignoffAction, SignoffSubject
from aidledger.disbursement.payments.tables import CycleTransition
from aidledger.users import Standing

from .rules import step_name, waiting_for
from .tables import Signoff


@dataclass(frozen=True)
class Chain:
    """A subject's current round: the sign-offs given so far and how many the policy asks for."""

    subject: str
    subject_id: int
    round: int
    of_steps: int
    signed: tuple[Signoff, ...]

    @property
    def next_step(self) -> int:
        return len(self.signed) + 1

    @property
    def signers(self) -> tuple[str, ...]:
        return tuple(s.user_name for s in self.signed)

    @property
    def waiting(self) -> str:
        return waiting_for(len(self.signed), self.of_steps)

    @property
    def next_name(self) -> str:
        return step_name(self.next_step, self.of_steps)


def cycle_round(session: Session, cycle_id: int) -> int:
    """The cycle's round: the transition that last made it a draft (its run, a re-run, or a sending back)."""
    return session.scalar(select(CycleTransition.id).where(
        CycleTransition.cycle_id == cycle_id, CycleTransition.status == "draft")
        .order_by(CycleTransition.id.desc()).limit(1)) or 0


def chain_of(session: Session, subject: SignoffSubject, subject_id: int, round_: int, of_steps: int) -> Chain:
    signed = tuple(session.scalars(select(Signoff).where(
        Signoff.subject == subject, Signoff.subject_id == subject_id, Signoff.round == round_,
        Signoff.action == SignoffAction.SIGNED).order_by(Signoff.step)))
    return Chain(subject, subject_id, round_, of_steps, signed)


def history(session: Session, subject: SignoffSubject, subject_id: int) -> list[Signoff]:
    """Every decision on the subject, every round, in order (the auditor's view)."""
    return list(session.scalars(select(Signoff).where(Signoff.subject == subject, Signoff.subject_id == subject_id)
                                .order_by(Signoff.id)))


def record(session: Session, chain: Chain, action: SignoffAction, signer: Standing, on: date, now: datetime,
           reason: str = "") -> Signoff:
    row = Signoff(subject=chain.subject, subject_id=chain.subject_id, round=chain.round, step=chain.next_step,
                  of_steps=chain.of_steps, action=action, reason=reason, user_name=signer.name,
                  display_name=signer.display_name, on=on, at=now)
    session.add(row)
    session.flush()
    return row
