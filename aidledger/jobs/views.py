"""What a page and the API read of a background job. Pure: frozen dataclasses built by jobs/service.py.

`as_dict()` is the API's shape (`GET /api/v1/jobs/{job}`, cli.md): the job, its state and counters, and the cycle
once it is done or the refusal's lines once it failed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .codes import JobState


@dataclass(frozen=True, slots=True)
class JobView:
    job_id: int
    kind: str
    jurisdiction: str
    month: str | None
    label: str
    state: str
    done: int
    total: int
    user_name: str
    user_display: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cycle_id: int | None  # a run's cycle, once done
    errors: tuple[str, ...]  # a failed job's lines (a refusal's messages)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    def with_progress(self, state: str, done: int, total: int) -> JobView:
        """The same job with the figures its own process holds (fresher than the row while it runs)."""
        return replace(self, state=state, done=done, total=total)

    def as_dict(self) -> dict[str, Any]:
        shape: dict[str, Any] = {"job": str(self.job_id), "kind": self.kind, "jurisdiction": self.jurisdiction,
                                 "month": self.month, "state": self.state, "done": self.done, "total": self.total}
        if self.state == JobState.DONE and self.cycle_id is not None:
            shape["cycle"] = str(self.cycle_id)
        if self.state == JobState.FAILED:
            shape["errors"] = list(self.errors)
        return shape
