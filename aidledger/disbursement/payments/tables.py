"""The payment cycles' tables: a cycle per county and month, its lines, transitions and bank returns.

A cycle's lines are the sub-ledger of its postings: one line per household paid, with the
components and the payee as they were computed. Lines never change; while a cycle is a
draft a re-run replaces them (a trigger refuses deleting the lines of any other cycle).
Every change of status is also a row of `cycle_transitions` (append-only), naming who and
when and the ledger entry it posted. Bank returns and their resolution are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.codes import AdjustmentKind, CycleStatus, ExportKind, ResolutionKind, TrackStatus
from aidledger.disbursement.registry import tables as _registry_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base, Money, one_of


class Cycle(Base):
    __tablename__ = "cycles"
    __table_args__ = (
        # One live cycle per county and month; a cancelled one may be run again.
        Index("uq_cycles_live_month", "jurisdiction_code", "month", unique=True,
              sqlite_where=text("status <> 'cancelled'"), postgresql_where=text("status <> 'cancelled'")),
        one_of("status", CycleStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12))
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column("total_fen", Money)
    inputs: Mapped[str] = mapped_column(Text)  # JSON: policy versions and registry watermark used
    run_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_on: Mapped[date | None] = mapped_column(Date)  # the day the run is booked (`cycle run --date`)


class CycleLine(Base):
    """One household paid by a cycle (a million a month for a large county).

    Its codes carry no CHECK, unlike every other coded column: they are copied from columns the database checks
    (the household's programme and area) or computed by the rules (the track's status), the table is written in
    bulk, and on PostgreSQL three checks cost 2 µs a row, 5 % of a million-line run (docs/benchmarks.md). `ledger
    verify` finds a line with a code outside its set instead (cycles/checks.py).
    """

    __tablename__ = "cycle_lines"
    # The payment register's order (township, then household): the cycle page reads a page from it (0014).
    __table_args__ = (Index("ix_cycle_lines_register", "cycle_id", "township", "household_id"),)

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    program: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(8))
    township: Mapped[str] = mapped_column(String(9))
    head_name: Mapped[str] = mapped_column(String(100))
    head_id_number: Mapped[str] = mapped_column(String(18))
    members: Mapped[int] = mapped_column(SmallInteger)
    payee_name: Mapped[str] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    components: Mapped[str] = mapped_column(Text)  # JSON list, as `explain` shows them
    # The 低保 track after this month (gradual_exit.DibaoTrack), carried to the next cycle.
    track_status: Mapped[str] = mapped_column(String(8))
    exit_month: Mapped[int] = mapped_column(SmallInteger)
    exit_base: Mapped[Decimal] = mapped_column("exit_base_fen", Money)
    dibao_amount: Mapped[Decimal] = mapped_column("dibao_amount_fen", Money)
    # The parts of `amount` charged to accounts other than the program's (approval splits by
    # them): price subsidy, heating, temporary instalments; and the arrears for past months,
    # which the program's account carries but which are not this month's entitlement.
    price_subsidy: Mapped[Decimal] = mapped_column("price_subsidy_fen", Money, server_default="0")
    heating: Mapped[Decimal] = mapped_column("heating_fen", Money, server_default="0")
    temporary: Mapped[Decimal] = mapped_column("temporary_fen", Money, server_default="0")
    arrears: Mapped[Decimal] = mapped_column("arrears_fen", Money, server_default="0")
    # Withheld against the household's receivables (追回 set off, recovery.set_off_ratio): `amount`
    # is what the bank pays, the expense is amount + set_off.
    set_off: Mapped[Decimal] = mapped_column("set_off_fen", Money, server_default="0")


class CycleTrack(Base):
    """The 低保 track of a household the cycle did not pay (ended, or not yet entitled)."""

    __tablename__ = "cycle_tracks"
    __table_args__ = (one_of("track_status", TrackStatus),)

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    track_status: Mapped[str] = mapped_column(String(8))


class CycleHeld(Base):
    """A household whose month the cycle computed but does not pay, and why (the payee has died): its amount and
    its 低保 track after the month, carried as a paid line's would be. Paid once a `payee` event names who is paid
    now (a later cycle adds it as arrears)."""

    __tablename__ = "cycle_held"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payee_name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    reason: Mapped[str] = mapped_column(Text)
    track_status: Mapped[str] = mapped_column(String(8))
    exit_month: Mapped[int] = mapped_column(SmallInteger)
    exit_base: Mapped[Decimal] = mapped_column("exit_base_fen", Money)
    dibao_amount: Mapped[Decimal] = mapped_column("dibao_amount_fen", Money)


class CycleTransition(Base):
    __tablename__ = "cycle_transitions"
    __table_args__ = (one_of("status", CycleStatus),)  # the status the cycle moved to

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    on: Mapped[date] = mapped_column(Date)
    entry_seq: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    reason: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CycleExport(Base):
    """A bank file written for a cycle: the export that posted the transfer, or a reprint of it, with the SHA-256 of
    the bytes (append-only). A reprint must give the same bytes: the file is derived from the lines alone."""

    __tablename__ = "cycle_exports"
    __table_args__ = (one_of("kind", ExportKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # ExportKind: export | reprint
    sha256: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankReturn(Base):
    """A payment the bank could not credit (退票): the money waits in Liabilities:ReturnedPayments."""

    __tablename__ = "bank_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    bank_account: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    reason: Mapped[str] = mapped_column(Text)
    returned_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReturnResolution(Base):
    """How a return ended: re-issued in a later cycle, or cancelled back to the fund."""

    __tablename__ = "bank_return_resolutions"
    __table_args__ = (one_of("kind", ResolutionKind),)

    return_id: Mapped[int] = mapped_column(ForeignKey("bank_returns.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # ResolutionKind: reissued | cancelled
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    entry_seq: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CycleReissue(Base):
    """A bank return the cycle pays again (to the corrected account)."""

    __tablename__ = "cycle_reissues"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("bank_returns.id"), primary_key=True)


class CycleAdjustment(Base):
    """What a cycle found when it recomputed a month already paid (补发 / 追回 / a note).

    kind: `arrears` (paid in this cycle as an `arrears` component), `recovery` (a receivable
    once the cycle is approved) or `note` (a lowered value, or a difference in an earlier year:
    nothing paid or claimed). `paid_before` is what the household had received for the month
    when the cycle was run; approval refuses a draft when that has changed since (never twice).
    """

    __tablename__ = "cycle_adjustments"
    __table_args__ = (one_of("kind", AdjustmentKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    paid_before: Mapped[Decimal] = mapped_column("paid_before_fen", Money)
    entitled: Mapped[Decimal] = mapped_column("entitled_fen", Money)
    reason: Mapped[str] = mapped_column(Text)
