"""Computing a county's month: stream the registry, carry each 低保 track, apply the rules.

The registry is read as three streams ordered by household id (households, members,
events) and merged, so memory stays flat for a million households. Each household's
previous 低保 track comes from the previous month's cycle when there is one; otherwise it
is rebuilt by walking from approval — but only for the few households whose income could
ever have reached the standard; for every other one the track is plainly "normal".
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..policy import EffectivePolicy
from .cycle_tables import CycleLine, CycleTrack
from .registry_store import StoredHousehold, event_record
from .registry_tables import EventRow, HouseholdRow, MemberRow
from .registry_records import Household, Member
from .rules import Benefit, DibaoTrack, compute_month, first_paid_month, walk
from .rules.dibao import below_standard
from .rules.extras import PriceDeclaration
from .rules.facts import counted_members, first_day, next_month, previous_month
from .rules.gradual_exit import NORMAL

_STREAM = 10_000


def binary(column, session: Session):
    """Order by code point, as Python compares strings: the streams are merged in Python."""
    return column.collate("C" if session.get_bind().dialect.name == "postgresql" else "BINARY")


@dataclass(frozen=True)
class Computed:
    stored: StoredHousehold
    benefit: Benefit
    track: DibaoTrack


def stream_county(session: Session, county: str) -> Iterator[StoredHousehold]:
    """Every household of the county with its members and events, in household-id order."""
    h = HouseholdRow
    households = session.execute(
        select(h.household_id, h.county_code, h.township, h.area, h.program, h.monthly_income, h.approved_on,
               h.tier, h.income_type, h.tekun_setting, h.payee_name, h.bank_account, h.source_line)
        .where(h.county_code == county).order_by(binary(h.household_id, session)).execution_options(yield_per=_STREAM))
    m = MemberRow
    members = session.execute(
        select(m.household_id, m.id_number, m.name, m.relation, m.birth_date, m.disability_grade,
               m.disability_kind, m.flags, m.care_level, m.single_person, m.death_date, m.source_line)
        .join(h, h.household_id == m.household_id).where(h.county_code == county)
        .order_by(binary(m.household_id, session), m.source_line).execution_options(yield_per=_STREAM))
    events = session.scalars(
        select(EventRow).join(h, h.household_id == EventRow.household_id).where(h.county_code == county)
        .order_by(binary(EventRow.household_id, session), EventRow.date, EventRow.id).execution_options(yield_per=_STREAM))
    next_member, next_event = next(members, None), next(events, None)
    for row in households:
        household = Household(*row[:12], line=row[12])
        people = []
        while next_member is not None and next_member[0] == household.household_id:
            r = next_member
            people.append(Member(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                                 tuple(f for f in r[7].split(";") if f), r[8], r[9], r[10], line=r[11]))
            next_member = next(members, None)
        changes = []
        while next_event is not None and next_event.household_id == household.household_id:
            changes.append(event_record(next_event))
            next_event = next(events, None)
        yield StoredHousehold(household, tuple(people), tuple(changes))


def previous_tracks(session: Session, cycle_id: int) -> Iterator[tuple[str, DibaoTrack]]:
    """(household, track) of a cycle, paid and unpaid, in household-id order."""
    lines = session.execute(
        select(CycleLine.household_id, CycleLine.track_status, CycleLine.exit_month, CycleLine.exit_base,
               CycleLine.dibao_amount).where(CycleLine.cycle_id == cycle_id)
        .order_by(binary(CycleLine.household_id, session)).execution_options(yield_per=_STREAM))
    tracks = session.execute(
        select(CycleTrack.household_id, CycleTrack.track_status).where(CycleTrack.cycle_id == cycle_id)
        .order_by(binary(CycleTrack.household_id, session)))
    paid = ((hid, DibaoTrack(status, exit_month, exit_base, amount))
            for hid, status, exit_month, exit_base, amount in lines)
    unpaid = ((hid, DibaoTrack(status)) for hid, status in tracks)
    return heapq.merge(paid, unpaid, key=lambda pair: pair[0])


class MonthComputer:
    """Computes one county month, household after household, with policy lookups done once."""

    def __init__(self, policy: EffectivePolicy, month: str, price: PriceDeclaration | None,
                 carried: Iterator[tuple[str, DibaoTrack]] | None):
        self.policy = policy
        self.month = month
        self.day = first_day(month)
        self.snap = policy.on(self.day)
        self.price = price
        self._carried = carried
        self._next_carried = next(carried, None) if carried is not None else None

    @lru_cache(maxsize=None)
    def _lowest_standard(self, area: str, since: str) -> Decimal:
        """The lowest standard of an area over the months since..M (inclusive)."""
        lowest, current = None, since
        while current <= self.month:
            value = self.policy.on(first_day(current)).dibao.standard(area)
            lowest = value if lowest is None else min(lowest, value)
            current = next_month(current)
        return lowest

    def _carried_track(self, household_id: str) -> DibaoTrack | None:
        while self._next_carried is not None and self._next_carried[0] < household_id:
            self._next_carried = next(self._carried, None)
        if self._next_carried is not None and self._next_carried[0] == household_id:
            return self._next_carried[1]
        return None

    def _previous(self, stored: StoredHousehold) -> DibaoTrack:
        household = stored.household
        if household.program != "dibao":
            return DibaoTrack()
        start = first_paid_month(household.approved_on, self.snap.dibao.start)
        if start >= self.month:
            return DibaoTrack()
        if self._carried is not None:
            carried = self._carried_track(household.household_id)
            if carried is not None:
                return carried
            if household.approved_on >= first_day(previous_month(self.month)):
                return DibaoTrack()
        if self._always_below_standard(stored, start):
            return DibaoTrack(NORMAL)
        _, track = walk(previous_month(self.month), household.approved_on, self.policy.on, stored.on)
        return track

    def _always_below_standard(self, stored: StoredHousehold, start: str) -> bool:
        """Income below the standard in every month since the first paid one, without walking.

        Only when nothing changed (no event dated up to d) and the income is below the lowest
        standard since then times the members who lived throughout.
        """
        if any(e.date <= self.day for e in stored.events):
            return False
        household = stored.household
        throughout = sum(1 for m in stored.members if m.death_date is None)
        return below_standard(household.monthly_income, self._lowest_standard(household.area, start), throughout)

    def compute(self, stored: StoredHousehold) -> Computed:
        state = stored.on(self.day)
        benefit, track = compute_month(self.snap, state, self._previous(stored), self.price)
        return Computed(stored, benefit, track)


def head_of(members: tuple[Member, ...]) -> Member:
    return next((m for m in members if m.relation == "head"), members[0])


def counted(stored: StoredHousehold, day: date) -> int:
    return len(counted_members(stored.on(day)))

