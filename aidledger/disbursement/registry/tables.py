"""The registry's tables: imports, households, members and their dated events.

Households and members hold what was loaded; every later change is a row of
`registry_events` (append-only, like the imports that record who loaded what and the
digests of the files). The registry as of a day is the loaded rows plus the events dated
on or before it (registry_state.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.codes import (
    Area,
    CareLevel,
    DisabilityKind,
    EventKind,
    ImportKind,
    IncomeType,
    Program,
    Relation,
    TekunSetting,
)
from aidledger.orm import Base, Money, one_of
from aidledger.policy import tables as _policy_tables  # noqa: F401  (referred to by foreign keys)


class RegistryImport(Base):
    """One load of registry files: who, when, and which files (by SHA-256); its rows point at it."""

    __tablename__ = "registry_imports"
    __table_args__ = (one_of("kind", ImportKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ImportKind: registry | events | command
    sources: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64), index=True)  # over the files' contents
    loaded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HouseholdRow(Base):
    __tablename__ = "households"
    __table_args__ = (
        Index("ix_households_county_township", "county_code", "township"),
        Index("ix_households_bank_account", "bank_account"),
        one_of("area", Area), one_of("program", Program), one_of("income_type", IncomeType),
        one_of("tekun_setting", TekunSetting),
    )

    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    township: Mapped[str] = mapped_column(ForeignKey("townships.code"))
    area: Mapped[str] = mapped_column(String(8))
    program: Mapped[str] = mapped_column(String(16))
    monthly_income: Mapped[Decimal | None] = mapped_column("monthly_income_fen", Money)
    approved_on: Mapped[date] = mapped_column(Date)
    tier: Mapped[str | None] = mapped_column(String(32))
    income_type: Mapped[str | None] = mapped_column(String(16))
    tekun_setting: Mapped[str | None] = mapped_column(String(16))
    payee_name: Mapped[str] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(String(30))
    shared_account: Mapped[bool] = mapped_column(Boolean, server_default=false())
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_imports.id"))
    source_line: Mapped[int] = mapped_column(Integer)


class MemberRow(Base):
    """A person as loaded into a household. A person who left one household may be loaded into another later,
    so the key is the pair; the checks keep each person an active member of one household on any day."""

    __tablename__ = "members"
    __table_args__ = (one_of("relation", Relation), one_of("disability_kind", DisabilityKind),
                      one_of("care_level", CareLevel), Index("ix_members_id_number", "id_number"))

    household_id: Mapped[str] = mapped_column(ForeignKey("households.household_id"), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str] = mapped_column(String(16))
    birth_date: Mapped[date] = mapped_column(Date)
    disability_grade: Mapped[int | None] = mapped_column(SmallInteger)
    disability_kind: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[str] = mapped_column(String(100))  # ';'-separated, as in the file
    care_level: Mapped[str | None] = mapped_column(String(8))
    single_person: Mapped[bool] = mapped_column(Boolean)
    death_date: Mapped[date | None] = mapped_column(Date)
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_imports.id"))
    source_line: Mapped[int] = mapped_column(Integer)


class EventRow(Base):
    """One dated change. `value` and `id_number` as records.Event says; `details` the kind's other columns as a
    JSON object (a new member's, a payee's name, a programme's terms); `reason` why a `void` voids."""

    __tablename__ = "registry_events"
    __table_args__ = (Index("ix_registry_events_household_date", "household_id", "date"), one_of("kind", EventKind),
                      Index("ix_registry_events_id_number", "id_number"), Index("ix_registry_events_value", "value"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.household_id"))
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[date] = mapped_column(Date)
    value: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(18))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_imports.id"))
    source_line: Mapped[int] = mapped_column(Integer)


class ReviewRow(Base):
    """A completed review (核查) of a household; the next one falls due a cadence later."""

    __tablename__ = "registry_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.household_id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
