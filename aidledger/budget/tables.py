"""The township reserves' case records (乡镇临时救助备用金), all append-only.

A case is an emergency payment made from a reserve (先行救助); documenting it afterwards
(补充说明) and replenishing the reserve by it are later records that point at it. The money
itself moves only through the ledger: each case and replenishment names its entry.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.orm import Base, Money
from aidledger.policy import tables as _policy_tables  # noqa: F401  (referred to by foreign keys)


class ReserveCase(Base):
    __tablename__ = "reserve_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    township: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    paid_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)  # documentation due by this day
    reason: Mapped[str] = mapped_column(Text)
    entry_seq: Mapped[int] = mapped_column(ForeignKey("journal_entries.seq"))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReserveDocumentation(Base):
    __tablename__ = "reserve_documentations"

    case_id: Mapped[int] = mapped_column(ForeignKey("reserve_cases.id"), primary_key=True)
    documented_on: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReserveReplenishment(Base):
    __tablename__ = "reserve_replenishments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township: Mapped[str] = mapped_column(ForeignKey("townships.code"))
    replenished_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
    entry_seq: Mapped[int] = mapped_column(ForeignKey("journal_entries.seq"))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReplenishedCase(Base):
    __tablename__ = "reserve_replenished_cases"

    case_id: Mapped[int] = mapped_column(ForeignKey("reserve_cases.id"), primary_key=True)
    replenishment_id: Mapped[int] = mapped_column(ForeignKey("reserve_replenishments.id"))
