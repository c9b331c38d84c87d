"""启用月: what the old books handed over when a county started paying with aidledger.

One `openings` row per load names the county's first month; its funds' opening balances,
the township reserves carried over and the 渐退 standings handed over hang from it, and its
open receivables are ordinary `receivables` rows pointing at it. Everything is append-only:
a load is corrected by a reversal (`opening_reversals`, with reversing entries) and a new
load, never edited.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.codes import HandedOverStatus
from aidledger.ledger import tables as _ledger_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base, Money, one_of


class Opening(Base):
    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # the first month aidledger pays
    files: Mapped[str] = mapped_column(Text)  # JSON: each file loaded, its name and sha256
    loaded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OpeningFund(Base):
    """A fund's opening balance (期初余额) in the treasury on the first day of the first month."""

    __tablename__ = "opening_funds"

    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), primary_key=True)
    fund: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    entry_seq: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))  # None for 0.00


class OpeningReserve(Base):
    """A township reserve's balance carried over (already advanced to the township)."""

    __tablename__ = "opening_reserves"

    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), primary_key=True)
    township: Mapped[str] = mapped_column(String(9), primary_key=True)
    fund: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    entry_seq: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))


class OpeningState(Base):
    """A 低保 household handed over in 渐退 (`exit`) or already ended (`ended`)."""

    __tablename__ = "opening_states"
    __table_args__ = (one_of("status", HandedOverStatus),)

    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    exit_started: Mapped[str | None] = mapped_column(String(7))
    exit_base: Mapped[Decimal | None] = mapped_column("exit_base_fen", Money)


class OpeningReversal(Base):
    """An opening load reversed: its entries reversed, its receivables and standings void."""

    __tablename__ = "opening_reversals"

    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    reversed_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    reversed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
