"""启用月: the first month aidledger pays for a county, and where each household's 渐退 track begins.

Pure. aidledger computes nothing for a county before its first month: the month recorded by
`opening load`, or, when none is recorded, the first month on whose first day the county's
低保 standards are defined. So a county whose policy files start in 2022 and whose registry
holds households approved in 2015 needs no parameter of 2015: each household's 渐退 track is
walked from the later of its month of approval and the county's first month. It starts there
in normal standing (paid a base if entitled that month, never entering 渐退 without a base to
exit from), unless the old books handed it over in exit or ended (`HandedOver`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from aidledger.codes import HandedOverStatus, values
from aidledger.errors import Refusal

from .facts import first_day, month_of, next_month
from .gradual_exit import ENDED, EXIT, NORMAL, START, DibaoTrack

# The parameters whose first dated value decides a county's first month when none is recorded.
STANDARDS = ("dibao.standard_urban", "dibao.standard_rural")
HANDED_OVER_STATUSES = values(HandedOverStatus)


def months_between(earlier: str, later: str) -> int:
    """How many months `later` is after `earlier` (0 for the same month)."""
    a, b = first_day(earlier), first_day(later)
    return (b.year - a.year) * 12 + (b.month - a.month)


def implicit_first_month(starts: Iterable[date | None]) -> str | None:
    """The first month on whose first day every standard is defined.

    `starts` are the standards' first dated starts (None: a plain value, defined on every day).
    None when every standard is always defined: then nothing bounds the walk but approval.
    """
    dated = [d for d in starts if d is not None]
    if not dated:
        return None
    latest = max(dated)
    return month_of(latest) if latest.day == 1 else next_month(month_of(latest))


@dataclass(frozen=True)
class HandedOver:
    """A 低保 household's standing as the old books hand it over for the first month.

    `exit`: in 渐退 since `exit_started` (a month on or before the first month), paid ratios of
    the fixed exit base `exit_base` (B); `ended`: left 低保, not paid again.
    """

    status: str
    exit_started: str | None = None
    exit_base: Decimal | None = None

    def track_before(self, first_month: str) -> DibaoTrack:
        """The track of the month before the first month, as the rules would have carried it."""
        if self.status == ENDED:
            return DibaoTrack(ENDED)
        assert self.exit_started is not None and self.exit_base is not None
        done = months_between(self.exit_started, first_month)  # exit months paid before the first month
        if done == 0:  # the exit begins in the first month: B is the month before's 低保 amount
            return DibaoTrack(NORMAL, amount=self.exit_base)
        return DibaoTrack(EXIT, done, self.exit_base)

    def describe(self, first_month: str) -> str:
        if self.status == ENDED:
            return f"启用月 {first_month} 移交: 已退出低保"
        return f"启用月 {first_month} 移交: 渐退始于 {self.exit_started}, 渐退基数 {self.exit_base:.2f}"


class Begin(NamedTuple):
    """Where a household's walk begins: the first month computed, the track before it, in words."""

    month: str
    track: DibaoTrack
    origin: str


@dataclass(frozen=True)
class CountyStart:
    """A county's first month and the standings handed over for it."""

    county: str
    first_month: str | None  # None: the standards are defined on every day
    recorded: bool  # recorded by `opening load`, not taken from the standards
    handed_over: Mapping[str, HandedOver] = field(default_factory=dict)

    def refuse_before(self, month: str, what: str) -> None:
        """Refuse `what` for a month before the first month, naming the first month."""
        if self.first_month is not None and month < self.first_month:
            how = ("recorded by opening load" if self.recorded
                   else "the first month on whose first day its dibao standards are defined")
            raise Refusal(f"first month (启用月): {self.county} starts in {self.first_month} ({how}); "
                          f"{what} for {month} is before it and is never computed")

    def begin(self, household_id: str, approved_on: date) -> Begin:
        approved = month_of(approved_on)
        if self.first_month is None or approved >= self.first_month:
            return Begin(approved, START, f"渐退自批准月 {approved} 起算")
        handed = self.handed_over.get(household_id)
        if handed is not None:
            return Begin(self.first_month, handed.track_before(self.first_month), handed.describe(self.first_month))
        return Begin(self.first_month, START, f"渐退自启用月 {self.first_month} 起算")


def county_start(county: str, standards_from: Iterable[date | None], recorded_month: str | None,
                 handed_over: Mapping[str, HandedOver] | None = None) -> CountyStart:
    """The county's start: the recorded first month, else the month its standards begin."""
    if recorded_month is not None:
        return CountyStart(county, recorded_month, True, dict(handed_over or {}))
    return CountyStart(county, implicit_first_month(standards_from), False)
