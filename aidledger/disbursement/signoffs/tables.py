"""The sign-offs' table: one append-only row per decision of an approver on a cycle or a temporary grant.

A cycle is signed in rounds: a round begins when its draft is run, run again or sent back (the `cycle_transitions`
row that moved it to draft), so a sign-off always names the draft it was given on and a re-run leaves the earlier
sign-offs as history of a draft that no longer exists. A grant has one round (0). The unique key on (subject,
subject_id, round, step) is the database's own guarantee that two approvers signing at the same moment can never
both give the same step, so never two last sign-offs and never a double posting.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.codes import SignoffAction, SignoffSubject
from aidledger.disbursement.payments import tables as _cycle_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base, one_of


class Signoff(Base):
    __tablename__ = "signoffs"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "round", "step", name="uq_signoffs_step"),
        one_of("subject", SignoffSubject),
        one_of("action", SignoffAction),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(8))  # SignoffSubject
    subject_id: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)  # the cycle's draft transition signed; 0 for a grant
    step: Mapped[int] = mapped_column(SmallInteger)  # 1 … the policy's number of sign-offs
    of_steps: Mapped[int] = mapped_column(SmallInteger)  # how many the policy asked for when it was given
    action: Mapped[str] = mapped_column(String(12))  # SignoffAction
    reason: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    display_name: Mapped[str] = mapped_column(String(64))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
