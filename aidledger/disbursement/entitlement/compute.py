"""Computing a county's month, household after household: carry each 低保 track, apply the rules.

Pure: the households come streamed from entitlement/store.py (three streams ordered by household id, merged,
so memory stays flat for a million households), the previous month's tracks likewise. Each household's
previous 低保 track comes from the previous month's cycle when there is one; otherwise it is rebuilt by
walking from approval, or from the county's first month with the standing handed over for it
(rules/first_month.py) — but only for the few households whose income could ever have reached the standard;
for every other one the track is plainly "normal".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from aidledger.disbursement.registry.records import Member, record_builder
from aidledger.disbursement.registry.state import HouseholdState, StoredHousehold
from aidledger.disbursement.rules import Benefit, DibaoTrack, compute_month, first_paid_month, walk
from aidledger.disbursement.rules.dibao import below_standard
from aidledger.disbursement.rules.facts import counted_members, first_day, next_month, previous_month
from aidledger.disbursement.rules.first_month import CountyStart
from aidledger.disbursement.rules.gradual_exit import NORMAL, START
from aidledger.disbursement.rules.one_offs import PriceDeclaration
from aidledger.policy import EffectivePolicy

_state = record_builder(HouseholdState)


class Computed(NamedTuple):
    """One household's month (a named tuple: one is made per household)."""

    stored: StoredHousehold
    state: HouseholdState  # the household as of the first day of the month
    benefit: Benefit
    track: DibaoTrack


class MonthComputer:
    """Computes one county month, household after household, with policy lookups done once."""

    def __init__(self, policy: EffectivePolicy, month: str, price: PriceDeclaration | None,
                 carried: Iterator[tuple[str, DibaoTrack]] | None, *, start: CountyStart):
        start.refuse_before(month, "a payment cycle")
        self.policy = policy
        self.start = start
        self.month = month
        self.day = first_day(month)
        self.snap = policy.on(self.day)
        self.price = price
        self._carried = carried
        self._next_carried = next(carried, None) if carried is not None else None

    @lru_cache(maxsize=None)
    def _lowest_standard(self, area: str, since: str) -> Decimal:
        """The lowest standard of an area over the months since..M (inclusive)."""
        lowest = self.policy.on(first_day(since)).dibao.standard(area)
        current = next_month(since)
        while current <= self.month:
            lowest = min(lowest, self.policy.on(first_day(current)).dibao.standard(area))
            current = next_month(current)
        return lowest

    def _carried_track(self, household_id: str) -> DibaoTrack | None:
        while self._next_carried is not None and self._next_carried[0] < household_id:
            assert self._carried is not None  # there is a next one only from a stream
            self._next_carried = next(self._carried, None)
        if self._next_carried is not None and self._next_carried[0] == household_id:
            return self._next_carried[1]
        return None

    def track_before(self, stored: StoredHousehold, state: HouseholdState) -> DibaoTrack:
        """The household's 低保 track after the month before this one: carried from the previous cycle when one
        is, else rebuilt (or known without walking)."""
        household = stored.household
        if state.household.program != "dibao":  # a programme change makes a new 低保 household start normal
            return START
        start = first_paid_month(household.approved_on, self.snap.dibao.start)
        if start >= self.month:
            return START
        begin = self.start.begin(household.household_id, household.approved_on)
        if begin.month >= self.month:  # the county's first month: the standing handed over, or normal
            return begin.track
        if self._carried is not None:
            carried = self._carried_track(household.household_id)
            if carried is not None:
                return carried
            if household.approved_on >= first_day(previous_month(self.month)):
                return START
        if begin.track is START and self._always_below_standard(stored, max(start, begin.month)):
            return DibaoTrack(NORMAL)
        _, track = walk(previous_month(self.month), household.approved_on, self.policy.on, stored.on, begin=begin)
        return track

    def _always_below_standard(self, stored: StoredHousehold, start: str) -> bool:
        """Income below the standard in every month since the first paid one, without walking.

        Only when nothing changed (no event dated up to d) and the income is below the lowest
        standard since then times the members who lived throughout.
        """
        day = self.day
        if stored.events and any(e.date <= day for e in stored.events):
            return False
        household = stored.household
        if household.monthly_income is None:  # a 低保 household's income is required by the registry checks
            return False
        throughout = len([m for m in stored.members if m.death_date is None])
        return below_standard(household.monthly_income, self._lowest_standard(household.area, start), throughout)

    def compute(self, stored: StoredHousehold) -> Computed:
        state = household_on(stored, self.day)
        benefit, track = compute_month(self.snap, state, self.track_before(stored, state), self.price)
        return Computed(stored, state, benefit, track)


def household_on(stored: StoredHousehold, day: date) -> HouseholdState:
    """The household as of `day`: `stored.on(day)`, made directly when no event was ever recorded (what
    state_as_of gives then: the household as loaded)."""
    if stored.events:
        return stored.on(day)
    return _state((day, stored.household, stored.members, None, None, None))


def head_of(members: tuple[Member, ...]) -> Member:
    return next((m for m in members if m.relation == "head"), members[0])


def counted(stored: StoredHousehold, day: date) -> int:
    return len(counted_members(stored.on(day)))

