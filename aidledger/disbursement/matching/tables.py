"""The cross-checks' tables (数据比对): other departments' lists, the findings a cycle's run raises, their resolutions.

Every table is append-only (database triggers) and sealed by the evidence chain:
- `match_lists`: one list as loaded (kind, source, the list's own date, the SHA-256 of the rows, who, when);
- `match_rows`: its rows (id number, name, an optional date and detail), by the line of the file;
- `match_findings`: a counted member of a household the cycle pays found on a list in force, raised on a run of the
  cycle (`raised_in`: that run's `cycle_transitions` row); one per cycle, household, person and list row;
- `match_sightings`: every run of the cycle that found it (a re-run that no longer finds it leaves it lapsed);
- `match_resolutions`: an approver's decision on a finding, once: confirmed (the line is held) or dismissed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.codes import MatchKind, MatchResolution
from aidledger.disbursement.payments import tables as _cycle_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base, one_of


class MatchList(Base):
    __tablename__ = "match_lists"
    __table_args__ = (one_of("kind", MatchKind), Index("ix_match_lists_kind_source", "kind", "source"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # MatchKind
    source: Mapped[str] = mapped_column(String(200))  # who sent it: 县殡仪馆火化名单
    listed_on: Mapped[date] = mapped_column(Date)  # the list's own date
    file_name: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 over the rows as read
    rows: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MatchRow(Base):
    __tablename__ = "match_rows"
    __table_args__ = (Index("ix_match_rows_id_number", "id_number"),)

    list_id: Mapped[int] = mapped_column(ForeignKey("match_lists.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)  # the row's line in the file (the header is 1)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    on: Mapped[date | None] = mapped_column(Date)  # date of death, of entry on the payroll, of registration
    detail: Mapped[str | None] = mapped_column(Text)  # a vehicle's model, a company's name, a value


class MatchFinding(Base):
    __tablename__ = "match_findings"
    __table_args__ = (
        UniqueConstraint("cycle_id", "household_id", "id_number", "list_id", "line", name="uq_match_findings_row"),
        one_of("kind", MatchKind),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))  # the member's name in the registry
    kind: Mapped[str] = mapped_column(String(12))  # MatchKind
    list_id: Mapped[int] = mapped_column(ForeignKey("match_lists.id"))
    line: Mapped[int] = mapped_column(Integer)  # the list row (its line in the file)
    row_on: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raised_in: Mapped[int] = mapped_column(ForeignKey("cycle_transitions.id"))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MatchSighting(Base):
    """A run of the finding's cycle that found it (the run that raised it included)."""

    __tablename__ = "match_sightings"

    finding_id: Mapped[int] = mapped_column(ForeignKey("match_findings.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cycle_transitions.id"), primary_key=True)


class MatchResolutionRow(Base):
    """An approver's decision on a finding; a finding is resolved once (the key is the finding)."""

    __tablename__ = "match_resolutions"
    __table_args__ = (one_of("action", MatchResolution),)

    finding_id: Mapped[int] = mapped_column(ForeignKey("match_findings.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(12))  # MatchResolution
    reason: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    display_name: Mapped[str] = mapped_column(String(64))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
