"""The rows of `jobs`: written, moved on, read for a page. Each function takes a connection or a session.

A job's own writes (its creation, its progress, its end when refused) go in short transactions of their own, beside
the job's one big transaction; only its end when done is written inside that transaction, so a row says done exactly
when the work is committed.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Row, Table, func, insert, or_, select, update

from aidledger.auth.scope import level_of

from .codes import LIVE
from .tables import Job

JOBS = cast(Table, Job.__table__)
NEWEST = 100  # jobs a list shows
_ROW = [column for column in JOBS.c if column.name != "output"]

# PostgreSQL: the advisory-lock class of a job's lease (held by the process running it; "JOBS" in ASCII).
LEASE_CLASS = 0x4A4F4253


def insert_job(connection: Any, values: dict[str, Any]) -> int:
    return int(connection.execute(insert(JOBS).values(**values)).inserted_primary_key[0])


def update_job(connection: Any, job_id: int, **values: Any) -> None:
    connection.execute(update(JOBS).where(JOBS.c.id == job_id).values(**values))


def fail_if_live(connection: Any, job_id: int, **values: Any) -> bool:
    """Mark a job failed unless it has ended meanwhile; whether it was still live."""
    done = connection.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.state.in_(LIVE))
                              .values(state="failed", **values))
    return bool(done.rowcount)


def job_row(connection: Any, job_id: int) -> Row[Any] | None:
    """A job's row without its file (a PDF of megabytes is read only to be downloaded)."""
    found: Row[Any] | None = connection.execute(select(*_ROW).where(JOBS.c.id == job_id)).first()
    return found


def job_output(connection: Any, job_id: int) -> bytes | None:
    found = connection.execute(select(JOBS.c.output).where(JOBS.c.id == job_id)).scalar()
    return bytes(found) if found is not None else None


def live_jobs(connection: Any, kind: str | None = None, county: str | None = None,
              month: str | None = None) -> list[Row[Any]]:
    """Jobs not finished (queued or running), oldest first; of one kind, county and month when given."""
    stmt = select(*_ROW).where(JOBS.c.state.in_(LIVE)).order_by(JOBS.c.id)
    if kind is not None:
        stmt = stmt.where(JOBS.c.kind == kind, JOBS.c.jurisdiction_code == county, JOBS.c.month == month)
    return list(connection.execute(stmt))


def jobs_seen_from(connection: Any, scope: str | None, limit: int = NEWEST) -> list[Row[Any]]:
    """The newest jobs of the jurisdictions a user of `scope` sees (auth/scope.py): those inside it, and those of
    the county, city and province holding a township clerk's township (as a cycle's page shows the clerk its part)."""
    stmt = select(*_ROW).order_by(JOBS.c.id.desc()).limit(limit)
    if scope is not None:
        stmt = stmt.where(or_(JOBS.c.jurisdiction_code.like(_prefix(scope) + "%"),
                              JOBS.c.jurisdiction_code.in_(_above(scope))))
    return list(connection.execute(stmt))


def _prefix(scope: str) -> str:
    level = level_of(scope)
    return {"province": scope[:2], "city": scope[:4]}.get(level or "", scope)


def _above(scope: str) -> list[str]:
    return [code for code in (scope[:6], scope[:4] + "00", scope[:2] + "0000") if code != scope]


# ---- leases (PostgreSQL): whether a live job's process is still alive ---------------------------------------


def hold_lease(connection: Any, job_id: int) -> None:
    """Hold the job's lease for as long as `connection` lives: the session-level lock outlasts its transaction and
    goes with the connection when the process dies."""
    connection.execute(select(func.pg_advisory_lock(LEASE_CLASS, job_id)))


def try_lease(connection: Any, job_id: int) -> bool:
    return bool(connection.execute(select(func.pg_try_advisory_lock(LEASE_CLASS, job_id))).scalar())


def drop_lease(connection: Any, job_id: int) -> None:
    connection.execute(select(func.pg_advisory_unlock(LEASE_CLASS, job_id)))
