"""追回: receivables for months paid and later found overpaid, their funds, and money returned.

A receivable is created by the approval of the cycle that found the overpayment (a late
death, termination or income change): it posts Dr Assets:Receivable:Recovery, Cr the
program's expense, split over the funds that paid the month; or it is taken over from the
old books by `opening load` (Cr Equity:NetPosition, opening.py). Money returned is a
recovery row (Dr Assets:Treasury, Cr Assets:Receivable:Recovery). All three tables are
append-only; a receivable of a cycle later cancelled is void (the cancellation reverses
its posting), which the listing derives from the cycle's status.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.codes import Area, Program, RecoveryHow
from aidledger.disbursement.opening import tables as _opening_tables  # noqa: F401
from aidledger.disbursement.payments import tables as _cycle_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base, Money, one_of


class Receivable(Base):
    __tablename__ = "receivables"
    __table_args__ = (one_of("program", Program), one_of("area", Area))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))  # the month overpaid
    program: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    reason: Mapped[str] = mapped_column(String(64))  # the late events' kinds: death, terminate, income, …
    detail: Mapped[str] = mapped_column(Text)
    # What created it: the approval of a cycle that found the overpayment, or the opening load
    # that took it over from the old books (exactly one of the two).
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    opening_id: Mapped[int | None] = mapped_column(ForeignKey("openings.id"))
    entry_seq: Mapped[int] = mapped_column(ForeignKey("journal_entries.seq"))
    created_on: Mapped[date] = mapped_column(Date)


class ReceivablePart(Base):
    """The share of a receivable owed back to one fund (the funds that paid the month, in funding order)."""

    __tablename__ = "receivable_parts"

    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), primary_key=True)
    fund: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # recoveries fill the parts in this order
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)


class Recovery(Base):
    __tablename__ = "recoveries"
    __table_args__ = (one_of("how", RecoveryHow),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), index=True)
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    on: Mapped[date] = mapped_column(Date)
    how: Mapped[str] = mapped_column(String(10))  # RecoveryHow: returned (paid back) | set_off (withheld)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))  # for a set-off
    entry_seq: Mapped[int] = mapped_column(ForeignKey("journal_entries.seq"))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CycleSetOff(Base):
    """Money a cycle withholds from a household's payment against one of its receivables (抵扣).

    Changes only while its cycle is a draft; the approval turns each into a `recoveries` row.
    """

    __tablename__ = "cycle_set_offs"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
