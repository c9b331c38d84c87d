"""The kinds and states of a background job, and their Chinese words. Pure.

Kept beside the jobs rather than in aidledger/codes.py: they name no record of the books, only the operational state
of the web application (a job's row is updated in place). The `jobs` table checks its columns against these sets
(orm.one_of), so adding a code means a migration that replaces the constraint.
"""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    """`jobs.kind`: the long work issue 17 names; only `run` (a county's month, `cycle run`) is started yet."""

    RUN = "run"
    IMPORT = "import"
    REPORT = "report"


class JobState(StrEnum):
    """`jobs.state`: queued (written, its thread not yet begun), running, done (its transaction committed) or
    failed (rolled back: refused, a defect, or interrupted by a restart)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


LIVE = (JobState.QUEUED, JobState.RUNNING)  # not finished: at most one per kind, county and month

KIND_NAMES: dict[str, str] = {JobKind.RUN: "计算发放批次", JobKind.IMPORT: "导入名册", JobKind.REPORT: "生成报表"}
STATE_NAMES: dict[str, str] = {JobState.QUEUED: "排队等待", JobState.RUNNING: "进行中", JobState.DONE: "已完成",
                               JobState.FAILED: "未完成"}

# The lines a failed job shows when it was not a refusal (the defect itself is logged, never shown).
DEFECT = "系统内部错误，任务未能完成，数据库未改变。请联系系统管理员（详情见服务器日志）。"
INTERRUPTED = "服务重启，任务中断，数据库未改变"
