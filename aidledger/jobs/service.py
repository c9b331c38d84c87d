"""Opening a job, its lease, reading jobs for a page, and failing what a dead process left behind.

A job's row is written outside `Database.write()`: it is no record of the books (nothing to seal), and it must go in
while another job's transaction is open. On PostgreSQL every write transaction of the books holds the evidence
head's lock until it commits, so a job opened through it would wait for the run before it could be refused; here it
needs only its own row (and the partial unique index `uq_jobs_live`). SQLite has one writer at a time: while a run
holds the lock nothing can be written, so the request waits a few seconds at most and then says which job holds it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from aidledger.db import Database
from aidledger.errors import Refusal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.users import list_users, require_role, require_whole, standing

from . import store
from .codes import INTERRUPTED, JobKind, JobState
from .views import JobView

WAIT_MS = 3_000  # SQLite: how long opening a job waits for the write lock before saying who holds it
BUSY_MS = 60_000  # SQLite: the wait every other connection keeps (db.py)


class Lease:
    """A job's own way to its row, for as long as this process runs it.

    On PostgreSQL a connection of its own, holding a session-level advisory lock on the job from the moment the row
    exists: a process that dies drops the connection and with it the lock, so start-up fails only the live jobs
    nobody holds (several server processes may share the book). Its writes are short transactions that go in beside
    the job's big one (`concurrent`). On SQLite (one server process) each write is a short transaction of its own,
    possible only while no other transaction writes: progress then stays in the process (workers.py)."""

    def __init__(self, database: Database):
        self.database = database
        self.job_id = 0
        self._connection = database.engine.connect() if database.dialect == "postgresql" else None
        self.concurrent = self._connection is not None
        self._held = False

    def open(self, values: dict[str, Any]) -> int:
        if self._connection is None:
            with _short_write(self.database, WAIT_MS) as connection:
                self.job_id = store.insert_job(connection, values)
        else:
            with self._connection.begin():
                self.job_id = store.insert_job(self._connection, values)
                store.hold_lease(self._connection, self.job_id)
            self._held = True
        return self.job_id

    def write(self, **values: Any) -> None:
        if self._connection is None:
            with _short_write(self.database) as connection:
                store.update_job(connection, self.job_id, **values)
        else:
            with self._connection.begin():
                store.update_job(self._connection, self.job_id, **values)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if self._held:  # a pooled connection keeps its session's locks: let go before it goes back
                with connection.begin():
                    store.drop_lease(connection, self.job_id)
        except Exception:
            connection.invalidate()  # closed for good, and the lock with it
            raise
        finally:
            connection.close()


def open_run(database: Database, county: str, month: str, on: date | None, *, user: str, channel: str,
             now: datetime) -> Lease:
    """A queued run of `county`'s `month`, refused while another of the same county and month is live (named).

    What the run would refuse at its very start is refused here, before any job (`run_cycle`'s own words): a user
    who is no preparer or whose scope does not hold the whole county, a county not in the books. The rest is the
    run's to find."""
    with database.read() as session:
        require_role(session, user, "preparer", action="run payment cycles")
        require_whole(session, user, county, what=f"the payment cycle of {county}")
        place = require_jurisdiction(session, county)
        if place.level != "county":
            raise Refusal(f"{county} {place.name} is a {place.level}; payment cycles run per county")
    return open_job(database, JobKind.RUN, county, month, f"{county} {month} 发放批次计算",
                    {"date": on and on.isoformat()}, user=user, channel=channel, now=now)


def open_job(database: Database, kind: JobKind, jurisdiction: str, month: str | None, label: str,
             parameters: dict[str, Any], *, user: str, channel: str, now: datetime) -> Lease:
    """A queued job, its lease held. A run or an import is refused while another of its kind, jurisdiction and month
    is live (named): two of them would write the same records; reports only read, and any number may run."""
    if kind != JobKind.REPORT:
        with database.read() as session:
            refuse_while_live(session, kind, jurisdiction, month)
    lease = Lease(database)
    values = {"kind": kind, "jurisdiction_code": jurisdiction, "month": month, "label": label,
              "parameters": json.dumps(parameters, ensure_ascii=False), "state": JobState.QUEUED, "done": 0,
              "total": 0, "user_name": user, "channel": channel, "created_at": now}
    try:
        lease.open(values)
    except (IntegrityError, OperationalError) as error:
        lease.close()
        if isinstance(error, OperationalError) and "locked" not in str(error.orig):
            raise
        raise Refusal(_why_not(database, kind, jurisdiction, month)) from None
    except BaseException:
        lease.close()
        raise
    return lease


def refuse_while_live(session: Session, kind: JobKind, jurisdiction: str, month: str | None) -> None:
    """A refusal naming the live job of this kind, jurisdiction and month, if there is one."""
    found = store.live_jobs(session, kind, jurisdiction, month)
    if found:
        raise Refusal(_running(session, found[0]))


def _why_not(database: Database, kind: JobKind, jurisdiction: str, month: str | None) -> str:
    """Why a job could not be written: another of the same kind, jurisdiction and month went in first (two posts at
    once), or, on SQLite, a job's transaction holds the write lock."""
    with database.read() as session:
        for live in store.live_jobs(session, kind, jurisdiction, month) if kind != JobKind.REPORT else ():
            return _running(session, live)
        for live in store.live_jobs(session):
            return (f"数据库正在写入第 {live.id} 号任务（{live.label}，{_who(session, live)}）：本账簿同一时间只能写入"
                    f"一项，请在它完成后再试（/jobs/{live.id}）")
    return "数据库正忙（另一项写入尚未完成），请稍后再试"


def _running(session: Session, live: Row[Any]) -> str:
    if live.kind == JobKind.IMPORT:
        return (f"正在导入名册：第 {live.id} 号任务（{live.label}），{_who(session, live)}，尚未结束。同一工作范围"
                f"不能同时导入两批名册，请等它完成（/jobs/{live.id}）")
    return (f"{live.jurisdiction_code} {live.month} 的发放批次正在计算：第 {live.id} 号任务，{_who(session, live)}，"
            f"尚未结束。同一县同一月份不能同时计算两次，请等它完成（/jobs/{live.id}）")


def _who(session: Session, row: Row[Any]) -> str:
    user = standing(session, row.user_name)
    shown = user.display_name if user is not None else row.user_name
    return f"{shown}（{row.user_name}）于 {row.created_at:%Y-%m-%d %H:%M} 发起"


@contextmanager
def _short_write(database: Database, wait_ms: int | None = None) -> Iterator[Any]:
    """One short transaction on the jobs table alone; on SQLite waiting `wait_ms` at most for the write lock."""
    with database.engine.connect() as connection:
        waiting = wait_ms is not None and database.dialect == "sqlite"
        if waiting:
            _busy_timeout(connection, wait_ms or 0)
        try:
            with connection.begin():
                yield connection
        finally:
            if waiting:
                _busy_timeout(connection, BUSY_MS)


def _busy_timeout(connection: Any, ms: int) -> None:
    # On the driver's connection, outside any transaction (SQLAlchemy's would begin one, and wait for the lock).
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    finally:
        cursor.close()


def fail_interrupted(database: Database, now: datetime) -> list[int]:
    """At a server's start: the jobs left queued or running by a process that died are failed. Their transaction
    died with the process (rolled back), so the books are as they were. On PostgreSQL a job whose lease another
    live process holds is left alone."""
    with database.read() as session:
        live = [row.id for row in store.live_jobs(session)]
    if not live:
        return []
    failed = []
    with database.engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        for job_id in live:
            with connection.begin():
                if postgresql and not store.try_lease(connection, job_id):
                    continue
                if store.fail_if_live(connection, job_id, errors=INTERRUPTED, finished_at=now):
                    failed.append(job_id)
                if postgresql:
                    store.drop_lease(connection, job_id)
    return failed


# ---- what pages read ---------------------------------------------------------------------------------------------


def job_view(session: Session, job_id: int) -> JobView | None:
    row = store.job_row(session, job_id)
    if row is None:
        return None
    user = standing(session, row.user_name)
    return _view(row, user.display_name if user is not None else row.user_name)


def job_list(session: Session, scope: str | None) -> list[JobView]:
    """The newest jobs a user of `scope` sees, newest first."""
    names = {user.name: user.display_name for user in list_users(session)}
    return [_view(row, names.get(row.user_name, row.user_name)) for row in store.jobs_seen_from(session, scope)]


def _view(row: Row[Any], display: str) -> JobView:
    result = json.loads(row.result) if row.result else {}
    return JobView(job_id=row.id, kind=row.kind, jurisdiction=row.jurisdiction_code, month=row.month,
                   label=row.label, state=row.state, done=row.done, total=row.total, user_name=row.user_name,
                   user_display=display, created_at=row.created_at, started_at=row.started_at,
                   finished_at=row.finished_at, cycle_id=result.get("cycle"),
                   errors=tuple(row.errors.splitlines()) if row.errors else (), result=result,
                   parameters=json.loads(row.parameters) if row.parameters else {})


def job_output(session: Session, job_id: int) -> bytes | None:
    """The file a report job made (None: none, or not yet)."""
    return store.job_output(session, job_id)
