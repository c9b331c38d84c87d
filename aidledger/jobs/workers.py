"""Running background jobs in threads of the server process: `JobRunner`, one per application.

A job is the command's own service in one write transaction of its own (`cycle run`'s `run_cycle`, all or
nothing), in a thread that outlives the request that started it: closing the browser stops nothing. Its progress
comes through the service's `progress` callback: kept here for this process's pages at once, and written to the row
at most every half second in a short transaction of the lease's (PostgreSQL; on SQLite the run holds the only write
lock, so the row learns the figures when the job ends). The row says done in the run's own transaction, so it is
done exactly when the cycle is committed; a refusal rolls the run back and the row keeps its lines; anything else is
a defect: logged, and the row says so in Chinese without a traceback.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

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
        thread = threading.Thread(target=self._run, args=(lease, county, month, on, user, channel, now),
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

    def _run(self, lease: Lease, county: str, month: str, on: date | None, user: str, channel: str,
             now: datetime) -> None:
        ACTING.set(Acting(user, channel))  # this thread's writes record the user who asked, as the request's would
        progress = _Progress(self._live[lease.job_id], lease)
        try:
            with self.database.read() as session:
                total = count_households(session, county)
            progress.begin(total, self.clock())
            with self.database.write() as session:
                outcome = run_cycle(session, county, month, user=user, now=now, on=on, progress=progress.step)
                store.update_job(session, lease.job_id, state=JobState.DONE, done=progress.live.done,
                                 total=max(total, progress.live.done), finished_at=self.clock(),
                                 result=json.dumps({"cycle": outcome.cycle_id, "count": outcome.count,
                                                    "total": f"{outcome.total:.2f}",
                                                    "replaced_draft": outcome.replaced_draft}))
        except Refusal as refusal:
            self._failed(lease, refusal.messages)
        except Exception:
            log.exception("background job %s (%s %s) failed", lease.job_id, county, month)
            self._failed(lease, [DEFECT])
        finally:
            try:
                lease.close()
            except Exception:
                log.exception("background job %s: its lease could not be let go", lease.job_id)
            with self._guard:
                self._live.pop(lease.job_id, None)
                self._threads.pop(lease.job_id, None)

    def _failed(self, lease: Lease, lines: list[str]) -> None:
        try:
            lease.write(state=JobState.FAILED, errors="\n".join(lines), finished_at=self.clock())
        except Exception:  # the row stays live; the next start fails it (its transaction is rolled back)
            log.exception("background job %s: its failure could not be recorded", lease.job_id)


class _Progress:
    """The run's `progress` callback: counts households and writes the figures now and then."""

    def __init__(self, live: Live, lease: Lease):
        self.live, self.lease = live, lease
        self._written = 0.0

    def begin(self, total: int, at: datetime) -> None:
        self.lease.write(state=JobState.RUNNING, total=total, started_at=at)
        self.live.total, self.live.state = total, JobState.RUNNING
        self._written = time.monotonic()

    def step(self, households: int = 1) -> None:
        self.live.done += households
        if self.lease.concurrent and time.monotonic() - self._written >= EVERY:
            self._written = time.monotonic()
            try:
                self.lease.write(done=self.live.done, total=max(self.live.total, self.live.done))
            except Exception:  # a progress bar is not worth the run
                log.warning("background job %s: progress not written", self.lease.job_id, exc_info=True)
