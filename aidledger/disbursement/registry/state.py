"""The registry as of a day: the loaded household and members plus the events dated on or before it.

Pure. Changes after loading are dated events, never edits, so the state on any day can
be rebuilt, and a payment cycle for a past month sees the past.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import cast

from .records import Event, Household, Member


@dataclass(frozen=True)
class HouseholdState:
    """A household and its members as they stood on `day`."""

    day: date
    household: Household
    members: tuple[Member, ...]  # removed members left out; the dead stay, with their death date
    terminated_on: date | None = None


def state_as_of(household: Household, members: Iterable[Member], events: Iterable[Event], day: date) -> HouseholdState:
    """Apply the events dated on or before `day`, in date order (file order within a day)."""
    people = {m.id_number: m for m in members}
    terminated_on = None
    for event in sorted((e for e in events if e.date <= day), key=lambda e: e.date):
        if event.kind == "income":
            household = replace(household, monthly_income=cast(Decimal, event.value))
        elif event.kind == "tier":
            household = replace(household, tier=cast(str, event.value))
        elif event.kind == "bank_account":  # recorded by `registry account`, not by events.csv
            household = replace(household, bank_account=cast(str, event.value))
        elif event.kind == "terminate":
            terminated_on = terminated_on or event.date
        elif event.id_number in people:
            person = people[event.id_number]
            if event.kind == "death":
                people[event.id_number] = replace(person, death_date=person.death_date or event.date)
            elif event.kind == "remove_member":
                del people[event.id_number]
            elif event.kind == "care_level":
                people[event.id_number] = replace(person, care_level=cast(str, event.value))
    return HouseholdState(day, household, tuple(people.values()), terminated_on)


@dataclass(frozen=True)
class StoredHousehold:
    """A household as loaded, with its members and every event: enough to rebuild any day."""

    household: Household
    members: tuple[Member, ...]
    events: tuple[Event, ...]

    def on(self, day: date) -> HouseholdState:
        return state_as_of(self.household, self.members, self.events, day)
