"""The ledger's tables: jurisdictions, funds, accounts, journal entries and lines, balances.

Journal entries, their lines and period closes are append-only: the migrations add
triggers that refuse UPDATE and DELETE on them. `account_balances` and `ledger_head`
are derived state kept for speed; `ledger verify` recomputes both from the journal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from aidledger import users as _users  # noqa: F401  (entries refer to the users table)
from aidledger.codes import AccountType, JurisdictionLevel
from aidledger.orm import Base, Money, one_of


class Jurisdiction(Base):
    """A province, city or county (or, later, a township) that keeps books."""

    __tablename__ = "jurisdictions"
    __table_args__ = (one_of("level", JurisdictionLevel),)

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.name"))


class Fund(Base):
    """A source of money: the four subsidy funds by level, working funds, lottery welfare."""

    __tablename__ = "funds"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    is_subsidy: Mapped[bool] = mapped_column(Boolean)


class Account(Base):
    """One account of one jurisdiction's chart; every line also names a fund."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "name"), one_of("type", AccountType))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    classification: Mapped[str | None] = mapped_column(String(16))
    program_area: Mapped[str | None] = mapped_column(String(32))
    closed_on: Mapped[date | None] = mapped_column(Date)


class JournalEntry(Base):
    """A posted entry. `seq` is its number in the hash chain and its public id."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_jurisdiction_date", "jurisdiction_code", "date"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    date: Mapped[date] = mapped_column(Date)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    fund_transfer: Mapped[bool] = mapped_column(Boolean)
    reverses_seq: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"), unique=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint(
            "(debit_fen > 0 AND credit_fen = 0) OR (debit_fen = 0 AND credit_fen > 0)", name="one_side"
        ),
        Index("ix_journal_lines_account_fund", "account_id", "fund_code"),
    )

    entry_seq: Mapped[int] = mapped_column(ForeignKey("journal_entries.seq"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fund_code: Mapped[str] = mapped_column(ForeignKey("funds.code"))
    debit: Mapped[Decimal] = mapped_column("debit_fen", Money)
    credit: Mapped[Decimal] = mapped_column("credit_fen", Money)


class AccountBalance(Base):
    """Debits and credits per account, fund and day: a trial balance sums these, not lines."""

    __tablename__ = "account_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    fund_code: Mapped[str] = mapped_column(ForeignKey("funds.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    debit: Mapped[Decimal] = mapped_column("debit_fen", Money)
    credit: Mapped[Decimal] = mapped_column("credit_fen", Money)


class LedgerHead(Base):
    """The single row naming the last entry of the chain; posting locks it to serialize appends."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class PeriodClose(Base):
    """A closed month of a jurisdiction: no entry may be dated in it or before it."""

    __tablename__ = "period_closes"

    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
