"""The registry as of a day: the loaded household and members plus the events dated on or before it.

Pure. Changes after loading are dated events, never edits, so the state on any day can
be rebuilt, and a payment cycle for a past month sees the past. A voided event is left out
for every day, as if it had never been recorded (`effective`); both stay in the history.

`Unfolding` applies events one at a time: `state_as_of` uses it to reach a day, the checks
of an events file (registry/changes.py) to judge each new event against the household as it
stands just before it, and `memberships` / `account_spans` to find who belonged where, and
which account was paid for whom, on every day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from aidledger.idcard import birth_date_from_id

from .records import Event, Household, Member

# An event that sets a household field to its value, and the field.
_HOUSEHOLD_FIELD = {"income_type": "income_type", "tier": "tier", "township": "township", "area": "area",
                    "tekun_setting": "tekun_setting", "bank_account": "bank_account"}


@dataclass(frozen=True)
class HouseholdState:
    """A household and its members as they stood on `day`."""

    day: date
    household: Household
    members: tuple[Member, ...]  # removed and moved members left out; the dead stay, with their death date
    terminated_on: date | None = None
    suspended: str | None = None  # the reason, while payment is suspended
    reapproved_on: date | None = None  # the last approval after a termination

    @property
    def approved_since(self) -> date:
        """The approval the household is paid under now: its reapproval, or its first approval."""
        return self.reapproved_on or self.household.approved_on


def effective(events: Iterable[Event]) -> list[Event]:
    """The events that count, in date order (recorded order within a day): voids and what they voided left out.

    `events` come in recorded order (stored ones by id, then a file's in file order).
    """
    events = list(events)
    voided = {int(e.value) for e in events if e.kind == "void" and e.value is not None}
    kept = [e for e in events if e.kind != "void" and not (e.event_id and e.event_id in voided)]
    return sorted(kept, key=lambda e: e.date)


def joined_member(event: Event) -> Member:
    """The member an `add_member` (or `member_joined`) event brings into its household."""
    d = event.detail
    assert event.id_number is not None  # the readers require it of these kinds
    grade = d("disability_grade")
    return Member(
        household_id=event.household_id, id_number=event.id_number, name=d("name"), relation=d("relation") or "other",
        birth_date=date.fromisoformat(d("birth_date")) if d("birth_date") else birth_date_from_id(event.id_number),
        disability_grade=int(grade) if grade else None, disability_kind=d("disability_kind") or None,
        flags=tuple(f for f in d("flags").split(";") if f), care_level=d("care_level") or None,
        single_person=d("single_person") == "yes", death_date=None,
    )


def member_details(member: Member) -> tuple[tuple[str, str], ...]:
    """A member's columns as event details: what a `member_joined` carries to the receiving household."""
    # The receiving household has its head: a head who moves arrives as another member (a head event may follow).
    return (("name", member.name), ("relation", "other" if member.relation == "head" else member.relation),
            ("birth_date", member.birth_date.isoformat()),
            ("disability_grade", "" if member.disability_grade is None else str(member.disability_grade)),
            ("disability_kind", member.disability_kind or ""), ("flags", ";".join(member.flags)),
            ("care_level", member.care_level or ""), ("single_person", "yes" if member.single_person else ""))


class Unfolding:
    """One household's registry, changed event by event."""

    def __init__(self, household: Household, members: Iterable[Member]):
        self.household = household
        self.people: dict[str, Member] = {m.id_number: m for m in members}
        self.terminated_on: date | None = None
        self.suspended: str | None = None
        self.reapproved_on: date | None = None

    def state(self, day: date) -> HouseholdState:
        return HouseholdState(day, self.household, tuple(self.people.values()), self.terminated_on, self.suspended,
                              self.reapproved_on)

    def apply(self, event: Event) -> None:
        """Change the household as `event` says; an event about someone no longer here changes nothing (a later
        event left behind when an earlier one was voided)."""
        kind, value = event.kind, event.value
        household = self.household
        if kind == "income":
            self.household = replace(household, monthly_income=Decimal(value) if value is not None else None)
        elif kind in _HOUSEHOLD_FIELD:
            changes: dict[str, Any] = {_HOUSEHOLD_FIELD[kind]: value}
            self.household = replace(household, **changes)
        elif kind == "payee":
            self.household = replace(household, payee_name=event.detail("payee_name"), bank_account=str(value),
                                     shared_account=event.detail("shared_account") == "yes")
        elif kind == "program":
            self._change_program(event)
        elif kind == "suspend":
            self.suspended = str(value or "")
        elif kind == "resume":
            self.suspended = None
        elif kind == "terminate":
            self.terminated_on = self.terminated_on or event.date
        elif kind == "reapprove":
            self.terminated_on, self.suspended, self.reapproved_on = None, None, event.date
        elif kind in ("add_member", "member_joined"):
            if event.id_number is not None and event.id_number not in self.people:
                self.people[event.id_number] = joined_member(event)
        elif event.id_number in self.people:
            self._change_member(event, self.people[event.id_number])

    def _change_member(self, event: Event, person: Member) -> None:
        kind, people = event.kind, self.people
        if kind == "death":
            people[person.id_number] = replace(person, death_date=person.death_date or event.date)
        elif kind in ("remove_member", "move_member"):
            del people[person.id_number]
        elif kind == "head":
            for other in list(people.values()):
                if other.relation == "head":
                    people[other.id_number] = replace(other, relation="other")
            people[person.id_number] = replace(people[person.id_number], relation="head")
        elif kind == "disability":
            grade = event.detail("disability_grade")
            people[person.id_number] = replace(person, disability_grade=int(grade) if grade else None,
                                               disability_kind=event.detail("disability_kind") or None)
        elif kind == "flags":
            people[person.id_number] = replace(person, flags=tuple(f for f in event.detail("flags").split(";") if f))
        elif kind == "single_person":
            people[person.id_number] = replace(person, single_person=event.value == "yes")
        elif kind == "care_level":
            people[person.id_number] = replace(person, care_level=str(event.value))

    def _change_program(self, event: Event) -> None:
        """A new programme with its own terms: the fields the new one does not use are cleared, so no term of the
        old one (a 特困 care level, a 单人户 inclusion, an income) lingers unseen."""
        program, d = str(event.value), event.detail
        income = d("monthly_income")
        self.household = replace(
            self.household, program=program, monthly_income=Decimal(income) if income else None,
            income_type=d("income_type") or None, tier=d("tier") or None, tekun_setting=d("tekun_setting") or None)
        for person in list(self.people.values()):
            changed = person
            if program != "tekun" and person.care_level is not None:
                changed = replace(changed, care_level=None)
            if program != "low_income" and person.single_person:
                changed = replace(changed, single_person=False)
            if changed is not person:
                self.people[person.id_number] = changed


def state_as_of(household: Household, members: Iterable[Member], events: Iterable[Event], day: date) -> HouseholdState:
    """Apply the events that count dated on or before `day`, in date order (recorded order within a day)."""
    unfolding = Unfolding(household, members)
    for event in effective(events):
        if event.date > day:
            break
        unfolding.apply(event)
    return unfolding.state(day)


class Span(NamedTuple):
    """Days from `start` (inclusive) to `end` (exclusive; None: still going) in one household."""

    household_id: str
    start: date
    end: date | None
    shared: bool = False  # for an account: the household's rows say it is knowingly shared

    def overlaps(self, other: Span) -> bool:
        return (other.end is None or self.start < other.end) and (self.end is None or other.start < self.end)


def _spans(household: Household, members: Iterable[Member], events: Iterable[Event],
           keys: Callable[[Unfolding], dict[str, bool]]) -> dict[str, list[Span]]:
    """For each key `keys(unfolding)` gives (a person, an account) while the household is in force: the spans."""
    unfolding = Unfolding(household, members)
    opened: dict[str, tuple[date, bool]] = {}
    out: dict[str, list[Span]] = {}

    def step(day: date) -> None:
        now = {} if unfolding.terminated_on is not None else keys(unfolding)
        for key, (start, shared) in list(opened.items()):
            if now.get(key) != shared:
                del opened[key]
                if start < day:
                    out.setdefault(key, []).append(Span(household.household_id, start, day, shared))
        for key, shared in now.items():
            if key not in opened:
                opened[key] = (day, shared)

    step(household.approved_on)
    for event in effective(events):
        unfolding.apply(event)
        day = max(event.date, household.approved_on)
        if event.kind == "terminate" and unfolding.terminated_on == event.date:
            # The month a termination falls in is still paid (rules/engine.py): its people and account are the
            # household's until the first day of the next month.
            day = _first_of_next_month(day)
        step(day)
    for key, (start, shared) in opened.items():
        out.setdefault(key, []).append(Span(household.household_id, start, None, shared))
    return out


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def memberships(household: Household, members: Iterable[Member], events: Iterable[Event]) -> dict[str, list[Span]]:
    """id number → the spans the person was an active member of the household: present, alive, the household not
    terminated. A person is an active member of at most one household on any day."""
    members = tuple(members)
    died: dict[str, date] = {m.id_number: m.death_date for m in members if m.death_date is not None}
    events = tuple(events)
    for event in effective(events):
        if event.kind == "death" and event.id_number is not None:
            died.setdefault(event.id_number, event.date)
    spans = _spans(household, members, events, lambda u: {pid: False for pid in u.people})
    out = {}
    for pid, found in spans.items():
        death = died.get(pid)
        if death is not None:
            found = [Span(s.household_id, s.start, death if s.end is None else min(s.end, death), False)
                     for s in found if s.start < death]
        if found:
            out[pid] = found
    return out


def account_spans(household: Household, members: Iterable[Member], events: Iterable[Event]) -> dict[str, list[Span]]:
    """bank account → the spans it was the household's receiving account (while not terminated), each saying
    whether the household's rows declared it shared."""
    return _spans(household, members, events, lambda u: {u.household.bank_account: u.household.shared_account})


@dataclass(frozen=True)
class StoredHousehold:
    """A household as loaded, with its members and every event: enough to rebuild any day."""

    household: Household
    members: tuple[Member, ...]
    events: tuple[Event, ...]

    def on(self, day: date) -> HouseholdState:
        return state_as_of(self.household, self.members, self.events, day)

    def memberships(self) -> dict[str, list[Span]]:
        return memberships(self.household, self.members, self.events)

    def account_spans(self) -> dict[str, list[Span]]:
        return account_spans(self.household, self.members, self.events)
