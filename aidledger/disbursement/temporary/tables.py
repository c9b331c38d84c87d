"""支出型临时救助: grants paid in instalments, their approvals, and the instalments cycles pay.

A grant is one approval (一次审批) paid in stages (分阶段救助): the grant row records what
the preparer asked for and never changes; the approver's decision is a row of its own
(maker-checker). Which cycle paid which instalment is `cycle_instalments`, which changes
only while its cycle is a draft, like the cycle's lines.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.disbursement.payments import tables as _cycle_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base, Money


class TemporaryGrant(Base):
    __tablename__ = "temporary_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.household_id"))
    total: Mapped[Decimal] = mapped_column("total_fen", Money)
    instalments: Mapped[int] = mapped_column(SmallInteger)
    first_month: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(Text)
    committee_ref: Mapped[str | None] = mapped_column(String(100))  # 一事一议 decision, above the threshold
    granted_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GrantApproval(Base):
    __tablename__ = "temporary_grant_approvals"

    grant_id: Mapped[int] = mapped_column(ForeignKey("temporary_grants.id"), primary_key=True)
    on: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CycleInstalment(Base):
    """Instalment `number` of a grant, paid in a cycle."""

    __tablename__ = "cycle_instalments"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("temporary_grants.id"), primary_key=True)
    number: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    amount: Mapped[Decimal] = mapped_column("amount_fen", Money)
