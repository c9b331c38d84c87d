"""What a reader sees of the cross-checks' findings (数据比对), id numbers already shown as the reader may see them.

Pure. `as_dict()` is the `--json` of `match findings` and the `findings` of `cycle show --json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aidledger.labels import MATCH_KIND_NAMES, MATCH_STATUS_NAMES


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding and how it was resolved. `status`: open, confirmed or dismissed; `current`: the cycle's latest run
    found it too (a lapsed finding, one a re-run no longer finds, blocks nothing). `todo`: the registry event due
    once a finding is confirmed (None when none is, or once one is recorded)."""

    id: int
    cycle_id: int
    household_id: str
    name: str
    id_number: str
    kind: str
    source: str
    listed_on: date
    list_id: int
    line: int
    row_on: date | None
    detail: str | None
    reason: str
    status: str
    current: bool
    resolved_by: str | None = None
    resolved_by_name: str | None = None
    resolved_on: date | None = None
    resolution_reason: str | None = None
    todo: str | None = None
    month: str = ""  # the cycle's month

    @property
    def kind_name(self) -> str:
        return MATCH_KIND_NAMES.get(self.kind, self.kind)

    @property
    def status_name(self) -> str:
        return MATCH_STATUS_NAMES.get(self.status, self.status) if self.current or self.status != "open" \
            else "已失效"

    @property
    def blocks(self) -> bool:
        """Whether it stops the cycle's sign-off: found by the latest run and not resolved."""
        return self.current and self.status == "open"

    def note(self) -> str:
        """The register's 备注, short enough for its column: 数据比对: 死亡/火化 2022-03-01 已核实 (the list's kind and
        date; its source is on the finding)."""
        return f"数据比对: {self.kind_name} {self.listed_on} {self.status_name}"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "cycle": str(self.cycle_id), "household_id": self.household_id, "name": self.name,
                "id_number": self.id_number, "kind": self.kind, "kind_name": self.kind_name,
                "list": {"id": self.list_id, "source": self.source, "date": self.listed_on, "line": self.line},
                "date": self.row_on, "detail": self.detail, "reason": self.reason, "status": self.status,
                "current": self.current, "resolver": self.resolved_by, "resolver_name": self.resolved_by_name,
                "resolved_on": self.resolved_on, "resolution_reason": self.resolution_reason, "todo": self.todo,
                "month": self.month}
