"""The `jobs` table: one row per background job, updated in place as it moves (queued → running → done | failed).

Operational state of the web application, like `web_sessions`: neither append-only nor under the evidence chain. What
a job did is recorded by its own transaction (the cycle, its transitions, the write's user and channel), sealed as
the command line's; the row only tells the page how far it got and how it ended.

The partial unique index `uq_jobs_live` is the database's own guard against two live jobs of one kind, county and
month: two posts at the same moment cannot both start a county's month (the second insert fails and is refused).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.orm import Base, one_of

from .codes import JobKind, JobState

LIVE_CONDITION = "state = 'queued' OR state = 'running'"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        one_of("kind", JobKind),
        one_of("state", JobState),
        Index("uq_jobs_live", "kind", "jurisdiction_code", "month", unique=True,
              sqlite_where=text(LIVE_CONDITION), postgresql_where=text(LIVE_CONDITION)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    jurisdiction_code: Mapped[str] = mapped_column(String(12), index=True)
    month: Mapped[str | None] = mapped_column(String(7))
    label: Mapped[str] = mapped_column(String(200))
    parameters: Mapped[str] = mapped_column(Text)  # JSON: what the work was asked (a run's booking day)
    state: Mapped[str] = mapped_column(String(8))
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)  # 0 until known
    result: Mapped[str | None] = mapped_column(Text)  # JSON: {"cycle": 4, …} once done; an import's problems if refused
    output: Mapped[bytes | None] = mapped_column(LargeBinary)  # a report job's PDF, for its own user only
    errors: Mapped[str | None] = mapped_column(Text)  # once failed: the refusal's lines, one a line
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    channel: Mapped[str] = mapped_column(String(8))  # web or api: recorded with the job's write
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
