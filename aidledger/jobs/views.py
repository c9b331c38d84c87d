"""What a page and the API read of a background job. Pure: frozen dataclasses built by jobs/service.py.

`as_dict()` is the API's shape (`GET /api/v1/jobs/{job}`, cli.md): the job, its state and counters, and the cycle
once it is done or the refusal's lines once it failed. A refused import's lines quote the file's cells (id numbers,
accounts), so only the user who sent the file reads them; anyone else who sees the job reads how many problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .codes import JobKind, JobState


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
    result: Mapping[str, Any] = field(default_factory=dict)  # what the work reported: an import's counts or problems
    parameters: Mapping[str, Any] = field(default_factory=dict)  # what it was asked: a run's day, a report's cycle

    @property
    def problem_count(self) -> int:
        """A refused import's problems (0 for any other job)."""
        return int(self.result.get("problem_count", 0))

    def errors_for(self, reader: str) -> tuple[str, ...]:
        """The failed job's lines as `reader` may read them: a refused import's only for the user who sent it."""
        if self.kind == JobKind.IMPORT and reader != self.user_name and self.errors:
            return (f"名册未能导入：共 {max(self.problem_count, 1)} 个问题，问题清单只有上传文件的用户可以查看",)
        return self.errors

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    def with_progress(self, state: str, done: int, total: int) -> JobView:
        """The same job with the figures its own process holds (fresher than the row while it runs)."""
        return replace(self, state=state, done=done, total=total)

    def as_dict(self, reader: str) -> dict[str, Any]:
        shape: dict[str, Any] = {"job": str(self.job_id), "kind": self.kind, "jurisdiction": self.jurisdiction,
                                 "month": self.month, "state": self.state, "done": self.done, "total": self.total}
        if self.state == JobState.DONE and self.cycle_id is not None:
            shape["cycle"] = str(self.cycle_id)
        if self.state == JobState.FAILED:
            shape["errors"] = list(self.errors_for(reader))
        if self.state == JobState.DONE and self.kind != JobKind.RUN:
            shape["result"] = {key: value for key, value in self.result.items() if key != "problems"}
        return shape
