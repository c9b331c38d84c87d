"""Running background jobs in threads of the server process: `JobRunner`, one per application.

A job is the command's own service in one write transaction of its own (`cycle run`'s `run_cycle`, `registry
import`'s, all or nothing), or a report drawn in a read transaction, in a thread that outlives the request that
started it: closing the browser stops nothing. The work itself is the caller's (`start`; the month's run is here,
an upload's and a report's are their pages'). Its progress comes through the service's `progress` callback: kept
here for this process's pages at once, and written to the row at most every half second in a short transaction of
the lease's (PostgreSQL; on SQLite the work holds the only write lock, so the row learns the figures when the job
ends). A run or an import says done in its own transaction, so the row is done exactly when the work is committed;
a refusal rolls the work back and the row keeps its lines; anything else is a defect: logged, and the row says so
in Chinese without a traceback.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from aidledger.acting import ACTING, Acting
from aidledger.db import Database
from aidledger.disbursement.cycles.service.run import run_cycle
from aidledger.disbursement.registry.store import count_households
from aidledger.errors import Refusal

from . import store
from .codes import DEFECT, JobState
from .service import Lease, open_run
from .views import JobView

log = logging.getLogger("aidledger.jobs")
EVERY = 0.5  # seconds between two progress writes of one job


@dataclass
class Live:
    """A job of this process as it stands now (fresher than its row)."""

    state: str
    done: int = 0
    total: int = 0


class JobRunner:
    def __init__(self, database: Database, clock: Callable[[], datetime]):
        self.database, self.clock = database, clock
        self._live: dict[int, Live] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._guard = threading.Lock()

    def start_run(self, county: str, month: str, *, on: date | None, user: str, channel: str, now: datetime) -> int:
        """Queue a run of the county's month (refused while one is live) and start it; the job's id."""
        lease = open_run(self.database, county, month, on, user=user, channel=channel, now=now)
        return self.start(lease, self._month(county, month, on, user, now), user=user, channel=channel)

    def run_here(self, county: str, month: str, *, on: date | None, user: str, channel: str, now: datetime) -> int:
        """The same run as a job in the caller's thread (the API's `POST /api/v1/cycles`, which answers with the
        cycle): refused while another of the county's month is live, and refusing others while it runs. The cycle's
        id, or the run's refusal; a defect is raised as one."""
        lease = open_run(self.database, county, month, on, user=user, channel=channel, now=now)
        with self._guard:
            self._live[lease.job_id] = Live(JobState.QUEUED)
        made: dict[str, Any] = {}
        self._execute(lease, self._month(county, month, on, user, now, made), user, channel, None, None)
        if "cycle" in made:
            return int(made["cycle"])
        with self.database.read() as session:
            row = store.job_row(session, lease.job_id)
        lines = row.errors.splitlines() if row is not None and row.errors else [DEFECT]
        if lines == [DEFECT]:
            raise RuntimeError(f"background job {lease.job_id} failed (logged)")
        raise Refusal(lines)

    def _month(self, county: str, month: str, on: date | None, user: str, now: datetime,
               made: dict[str, Any] | None = None) -> Callable[[Work], None]:
        """The work of a county's month: `run_cycle` in one write transaction, the row done inside it."""
        def work(job: Work) -> None:
            with self.database.read() as session:
                total = count_households(session, county)
            job.begin(total)
            with self.database.write() as session:
                outcome = run_cycle(session, county, month, user=user, now=now, on=on, progress=job.step)
                result = {"cycle": outcome.cycle_id, "count": outcome.count, "total": f"{outcome.total:.2f}",
                          "replaced_draft": outcome.replaced_draft}
                job.done_in(session, result)
            if made is not None:
                made.update(result)
        return work

    def start(self, lease: Lease, work: Callable[[Work], None], *, user: str, channel: str,
              explain: Callable[[Refusal], Failure] | None = None, cleanup: Callable[[], None] | None = None) -> int:
        """Start `work` on the job `lease` holds, in a thread of its own; the job's id. `work` says when it begins
        (`Work.begin`), how far it got (`step`) and how it ended (`done_in` inside its write transaction, or `done`);
        a refusal fails the job with `explain(refusal)` (default: its lines); `cleanup` runs however it ended."""
        thread = threading.Thread(target=self._execute, args=(lease, work, user, channel, explain, cleanup),
                                  name=f"aidledger-job-{lease.job_id}", daemon=True)
        with self._guard:
            self._live[lease.job_id] = Live(JobState.QUEUED)
            self._threads[lease.job_id] = thread
        thread.start()
        return lease.job_id

    def current(self, view: JobView) -> JobView:
        """`view` with this process's figures when it runs the job and the row has not yet caught up."""
        live = self._live.get(view.job_id)
        if live is None or view.finished:
            return view
        return view.with_progress(live.state, max(live.done, view.done), max(live.total, view.total))

    def wait(self, job_id: int, timeout: float | None = None) -> bool:
        """Whether the job's thread has ended (within `timeout` seconds); tests and a graceful stop use it."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _execute(self, lease: Lease, work: Callable[[Work], None], user: str, channel: str,
                 explain: Callable[[Refusal], Failure] | None, cleanup: Callable[[], None] | None) -> None:
        acting = ACTING.set(Acting(user, channel))  # the work's writes record the user who asked, as a request's
        try:
            work(Work(self._live[lease.job_id], lease, self.clock))
        except Refusal as refusal:
            self._failed(lease, self._explained(lease, refusal, explain))
        except Exception:
            log.exception("background job %s failed", lease.job_id)
            self._failed(lease, Failure([DEFECT]))
        finally:
            for last in (cleanup, lease.close):
                try:
                    if last is not None:
                        last()
                except Exception:
                    log.exception("background job %s: could not finish cleanly", lease.job_id)
            with self._guard:
                self._live.pop(lease.job_id, None)
                self._threads.pop(lease.job_id, None)
            ACTING.reset(acting)

    @staticmethod
    def _explained(lease: Lease, refusal: Refusal, explain: Callable[[Refusal], Failure] | None) -> Failure:
        if explain is not None:
            try:
                return explain(refusal)
            except Exception:  # the refusal's own lines are still worth recording
                log.exception("background job %s: its refusal could not be explained", lease.job_id)
        return Failure(refusal.messages)

    def _failed(self, lease: Lease, failure: Failure) -> None:
        try:
            lease.write(state=JobState.FAILED, errors="\n".join(failure.lines), finished_at=self.clock(),
                        result=json.dumps(failure.result, ensure_ascii=False) if failure.result else None)
        except Exception:  # the row stays live; the next start fails it (its transaction is rolled back)
            log.exception("background job %s: its failure could not be recorded", lease.job_id)


@dataclass
class Failure:
    """How a refused job is recorded: its lines, and what else its page shows (an import's problems)."""

    lines: list[str]
    result: dict[str, Any] | None = None


class Work:
    """What a job's work tells its row: it began (and of how many), a step, and how it ended."""

    def __init__(self, live: Live, lease: Lease, clock: Callable[[], datetime]):
        self.live, self.lease, self.clock = live, lease, clock
        self._written = 0.0

    def begin(self, total: int) -> None:
        self.lease.write(state=JobState.RUNNING, total=total, started_at=self.clock())
        self.live.total, self.live.state = total, JobState.RUNNING
        self._written = time.monotonic()

    def step(self, count: int = 1) -> None:
        self.live.done += count
        if self.lease.concurrent and time.monotonic() - self._written >= EVERY:
            self._written = time.monotonic()
            try:
                self.lease.write(done=self.live.done, total=max(self.live.total, self.live.done))
            except Exception:  # a progress bar is not worth the work
                log.warning("background job %s: progress not written", self.lease.job_id, exc_info=True)

    def done_in(self, session: Session, result: dict[str, Any]) -> None:
        """Done, in the work's own write transaction: the row says so exactly when the work is committed."""
        store.update_job(session, self.lease.job_id, **self._end(result))

    def done(self, result: dict[str, Any], output: bytes | None = None) -> None:
        """Done, for work that wrote nothing to the books (a report): its result and its file."""
        self.lease.write(**self._end(result), output=output)

    def _end(self, result: dict[str, Any]) -> dict[str, Any]:
        return {"state": JobState.DONE, "done": self.live.done, "total": max(self.live.total, self.live.done),
                "finished_at": self.clock(), "result": json.dumps(result, ensure_ascii=False)}
