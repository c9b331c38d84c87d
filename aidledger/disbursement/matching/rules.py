"""What the cross-checks find (数据比对): which lists are in force for a run, and which list rows are findings.

Pure. A run compares every counted member of every household it pays (alive on the month's first day `d`, as the
rules count them) with the rows of the lists in force that carry the member's id number:

- **Lists in force** on the run's day: every death list dated on or before it (a death does not un-happen, and
  funeral homes send the month's cremations, not the whole history); of the other kinds, for each source the
  latest list dated on or before it (a payroll, vehicle or company register is a picture of the present: the later
  list supersedes the earlier).
- **death**: a row whose date of death is before `d` (the member should no longer count), or has no date;
- **payroll**, **business**, **other**: a row dated on or before `d`, or undated;
- **vehicle**: more rows (vehicles) dated on or before `d`, or undated, than `vehicle_max_count`;
each kind only while its `[matching]` key is true (docs/matching.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from aidledger.labels import MATCH_KIND_NAMES


@dataclass(frozen=True, slots=True)
class StoredList:
    id: int
    kind: str
    source: str
    listed_on: date


@dataclass(frozen=True, slots=True)
class ListHit:
    """A list row carrying a member's id number."""

    list: StoredList
    line: int
    on: date | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class Found:
    """A finding about one counted member: the list row it rests on (the first, for vehicles), and why."""

    kind: str
    hit: ListHit
    detail: str | None
    reason: str


def in_force(lists: Iterable[StoredList], on: date) -> list[StoredList]:
    """The lists a run on `on` compares with (see the module's docstring), by id."""
    dated = [s for s in lists if s.listed_on <= on]
    latest: dict[tuple[str, str], StoredList] = {}
    for s in dated:
        if s.kind == "death":
            continue
        key = (s.kind, s.source)
        kept = latest.get(key)
        if kept is None or (s.listed_on, s.id) > (kept.listed_on, kept.id):
            latest[key] = s
    return sorted([s for s in dated if s.kind == "death"] + list(latest.values()), key=lambda s: s.id)


def findings(name: str, hits: Sequence[ListHit], first_day: date, checks: Callable[[str], bool],
             vehicles_allowed: int) -> list[Found]:
    """The findings about a counted member named `name` on the month whose first day is `first_day`, from the rows
    of the lists in force carrying the member's id number. `checks(kind)`: whether the policy checks a kind."""
    out: list[Found] = []
    vehicles: list[ListHit] = []
    for hit in sorted(hits, key=lambda h: (h.list.id, h.line)):
        kind = hit.list.kind
        if kind == "vehicle":
            if hit.on is None or hit.on <= first_day:
                vehicles.append(hit)
            continue
        if not checks(kind):
            continue
        where = f"{hit.list.source}（{hit.list.listed_on}）"
        if kind == "death":
            if hit.on is not None and hit.on >= first_day:
                continue  # died on or after the first day: counted this month by the rules
            when = f"于 {hit.on} 死亡" if hit.on is not None else "已死亡（日期不详）"
            out.append(Found(kind, hit, hit.detail,
                             f"{where}记载 {name} {when}，本月（{first_day:%Y-%m}）仍计入保障人数"))
            continue
        if hit.on is not None and hit.on > first_day:
            continue  # not yet so on the month's first day
        since = f"（{hit.on}起）" if hit.on is not None else ""
        what = {"payroll": "为财政供养人员", "business": "有工商登记"}.get(kind, f"在{MATCH_KIND_NAMES['other']}名单上")
        detail = f"：{hit.detail}" if hit.detail else ""
        out.append(Found(kind, hit, hit.detail, f"{where}记载 {name} {what}{since}{detail}"))
    if len(vehicles) > vehicles_allowed:
        first = vehicles[0]
        details = "；".join(h.detail for h in vehicles if h.detail) or None
        where = f"{first.list.source}（{first.list.listed_on}）"
        out.append(Found("vehicle", first, details,
                         f"{where}记载 {name} 名下车辆 {len(vehicles)} 辆，超过 {vehicles_allowed} 辆"
                         + (f"：{details}" if details else "")))
    return out
