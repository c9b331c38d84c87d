"""The checks of an events file: each new event judged against its household as it stands just before it, then
the registry's lasting rules over what the file makes of every day.

Pure. An event is checked in its place in the household's history: after the stored events and the file's
earlier ones dated on or before it (state.Unfolding), so a death recorded late is judged against the household
as it was on the day of the death, and an event dated while the household was terminated is refused unless it
is the reapproval. Then, over the whole of time with the file applied:

- a person is an active member of at most one household on any day (a move, an addition, a void of a removal,
  a reapproval can each break it);
- one bank account is paid for one household on any day, unless both households' rows say it is shared.

A `move_member` is stored as two events: the file's, in the household the person leaves, and `member_joined`
in the one they join, carrying the member's columns as they stood on the day; voiding the move voids both.

Households are judged `CHUNK` at a time, so a file of a hundred thousand events against a county of
400,000 households keeps only the file and a chunk of stored households in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import combinations

from aidledger.masking import mask
from aidledger.problems import Problem

from .context import RegistryContext
from .records import MEMBER_EVENTS, Event
from .state import (
    Span,
    StoredHousehold,
    Unfolding,
    account_spans,
    effective,
    joined_member,
    member_details,
    memberships,
)
from .validation import member_program_problems

CHUNK = 2_000
SpansByKey = dict[str, list[Span]]  # a person's id number (or an account) → its spans in one household
# What a kind needs of the household's programme on its day.
NEEDS_PROGRAM = {"income": ("dibao", "low_income"), "income_type": ("dibao", "low_income"), "tier": ("dibao",),
                 "care_level": ("tekun",), "tekun_setting": ("tekun",), "single_person": ("low_income",)}


@dataclass
class CheckedFile:
    """What an events file comes to: the events to store (the file's, then those recorded with them) and the
    problems; nothing is stored unless `problems` is empty."""

    events: list[Event] = field(default_factory=list)
    derived: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def out_of(by_household: dict[str, list[Event]]) -> Iterable[Event]:
    return (event for events in by_household.values() for event in events)


def check_events(events: Iterable[Event], context: RegistryContext, source: str, *, lasting: bool = True
                 ) -> CheckedFile:
    """Judge a file's events (those its rows gave); `lasting` False leaves out the rules over every day, for a file
    whose other rows were refused already: judged on part of a file, they would blur what is left to correct."""
    out = CheckedFile()
    by_household: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_household[event.household_id].append(event)
    checker = _Checker(context, source, out)
    # The households people move to come last, so that their events about a person who moves in (a head
    # event, a death) are judged after the arrival, in its place.
    targets = {str(e.value) for e in out_of(by_household) if e.kind == "move_member"}
    ids = sorted(by_household, key=lambda h: (h in targets, h))
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        stored = context.stored_households(part)
        for household_id in part:
            checker.household(stored.get(household_id), household_id, by_household[household_id],
                              checker.joins.pop(household_id, []))
    checker.receiving_households()
    if lasting:
        checker.lasting_rules()
    out.events.sort(key=lambda e: e.line)
    out.problems.sort(key=lambda p: (p.line or 0))
    return out


class _Checker:
    def __init__(self, context: RegistryContext, source: str, out: CheckedFile):
        self.context = context
        self.source = source
        self.out = out
        self.kept: dict[str, list[Event]] = {}  # household → its new events that passed, in file order
        self.joins: dict[str, list[Event]] = defaultdict(list)  # receiving household → member_joined events
        self.spans: dict[str, tuple[SpansByKey, SpansByKey]] = {}  # household → (people's, accounts')

    def refuse(self, event: Event, column: str | None, reason: str) -> None:
        self.out.problems.append(Problem.in_file(self.source, event.line, column, reason, event.household_id))

    def refuse_arrival(self, join: Event, reason: str) -> None:
        """A move refused for what the household joined says: named at the move's row, in the household left."""
        self.out.problems.append(Problem.in_file(self.source, join.line, "value", reason, str(join.value)))

    # ---- each household's own events ------------------------------------------------------------------

    def household(self, stored: StoredHousehold | None, household_id: str, new: list[Event],
                  arrivals: list[Event]) -> None:
        """Judge the household's new events, and the arrivals of people moving in known by now, in their places."""
        if stored is None:
            for event in new:
                self.refuse(event, "household_id", f"no household {household_id} is stored")
            for join in arrivals:
                self.refuse_arrival(join, f"no household {household_id} is stored")
            return
        new = self._once_a_day(new)
        voids = [e for e in new if e.kind == "void"]
        passed_voids = self._voids(stored, voids)
        others = [e for e in new if e.kind != "void"]
        # a move voided by a household judged before this one voids its arrival here
        incoming = [e for e in self.out.derived if e.household_id == household_id and e.kind == "void"]
        timeline = effective(list(stored.events) + passed_voids + incoming + arrivals + others)
        fresh = {id(e) for e in others}
        coming = {id(e) for e in arrivals}
        unfolding = Unfolding(stored.household, stored.members)
        kept = list(passed_voids)
        arrived = []
        tekun_since: Event | None = None  # a change to 特困 whose day must end with every member's care level
        for event in timeline:
            if tekun_since is not None and event.date > tekun_since.date:
                self._care_levels(unfolding, tekun_since)
                tekun_since = None
            if id(event) in coming:
                why = self._arrival_refusal(event, unfolding, stored)
                if why is not None:
                    self.refuse_arrival(event, why)
                    continue
                arrived.append(event)
            elif id(event) in fresh:
                reason = self._refusal(event, unfolding, stored)
                if reason is not None:
                    self.refuse(event, *reason)
                    continue
                kept.append(event)
                if event.kind == "move_member":
                    self._move(event, unfolding)
                if event.kind == "program" and event.value == "tekun":
                    tekun_since = event
            unfolding.apply(event)
        if tekun_since is not None:
            self._care_levels(unfolding, tekun_since)
        self.kept[household_id] = kept
        self.out.events.extend(kept)
        self.out.derived.extend(arrived)
        self._derived_voids(stored, passed_voids)
        self.spans[household_id] = self._spans_of(stored, kept + incoming + arrived)

    def _once_a_day(self, new: list[Event]) -> list[Event]:
        """Two rows of one kind for the same household (or person) on the same day contradict or repeat each
        other: the second is refused, naming the first."""
        first: dict[tuple[object, ...], int] = {}
        kept = []
        for event in new:
            key = (event.kind, event.date, event.id_number, event.value if event.kind == "void" else None)
            earlier = first.setdefault(key, event.line)
            if earlier != event.line:
                self.refuse(event, "kind", f"a second {event.kind} event on {event.date} (the first is at line "
                                           f"{earlier})")
            else:
                kept.append(event)
        return kept

    def _voids(self, stored: StoredHousehold, voids: list[Event]) -> list[Event]:
        by_id = {e.event_id: e for e in stored.events}
        voided = {int(e.value) for e in stored.events if e.kind == "void" and e.value is not None}
        passed = []
        for void in voids:
            target = by_id.get(int(str(void.value)))
            if target is None:
                self.refuse(void, "value", f"no event {void.value} is recorded for household {void.household_id} "
                                           "(registry history lists its events)")
            elif target.event_id in voided:
                self.refuse(void, "value", f"event {void.value} is already voided")
            elif target.kind == "void":
                self.refuse(void, "value", f"event {void.value} is itself a void: record the voided event again")
            elif target.kind == "member_joined":
                self.refuse(void, "value", f"event {void.value} is the arrival of a move: void the move_member "
                                           f"event of household {target.value}")
            elif void.date < target.date:
                self.refuse(void, "date", f"{void.date} is before the voided event's date ({target.date})")
            elif target.kind == "add_member" and (moved := next(
                    (e for e in effective(stored.events) if e.kind == "move_member"
                     and e.id_number == target.id_number and e.date >= target.date), None)) is not None:
                self.refuse(void, "value", f"event {void.value} added the person who moved to household "
                                           f"{moved.value} on {moved.date} (event {moved.event_id}): void the move "
                                           "first")
            else:
                voided.add(target.event_id)
                passed.append(void)
        return passed

    def _refusal(self, event: Event, u: Unfolding, stored: StoredHousehold) -> tuple[str | None, str] | None:
        """Why `event` cannot happen to the household as it stands just before it (column, reason), or None."""
        kind, household = event.kind, u.household
        approved_on = stored.household.approved_on
        if event.date < approved_on:
            return "date", f"{event.date} is before the household was approved ({approved_on})"
        if kind == "reapprove":
            return None if u.terminated_on is not None else ("kind", f"{household.household_id} is not terminated "
                                                                     f"on {event.date}: nothing to reapprove")
        if u.terminated_on is not None:
            return "date", (f"{household.household_id} was terminated on {u.terminated_on}: record a reapprove "
                            "event first")
        allowed = NEEDS_PROGRAM.get(kind)
        if allowed is not None and household.program not in allowed:
            return "kind", (f"{kind} events apply only to {' or '.join(allowed)} households; "
                            f"{household.household_id} is {household.program} on {event.date}")
        if kind in MEMBER_EVENTS:
            return self._member_refusal(event, u)
        if kind == "add_member":
            return self._addition_refusal(event, u)
        if kind == "program" and event.value == household.program:
            return "value", f"{household.household_id} is already {household.program} on {event.date}"
        if kind == "township":
            townships = self.context.townships_of(household.county)
            if townships is None or event.value not in townships:
                return "value", f"{event.value} is not a township in county {household.county}'s policy"
        if kind == "suspend" and u.suspended is not None:
            return "kind", f"{household.household_id} is already suspended on {event.date} ({u.suspended})"
        if kind == "resume" and u.suspended is None:
            return "kind", f"{household.household_id} is not suspended on {event.date}: nothing to resume"
        return None

    def _member_refusal(self, event: Event, u: Unfolding) -> tuple[str | None, str] | None:
        person = u.people.get(event.id_number or "")
        if person is None:
            return "id_number", f"this person is not a member of household {event.household_id} on {event.date}"
        dead = person.death_date is not None and person.death_date <= event.date
        if event.kind == "death" and person.death_date is not None:
            return "kind", f"this person's death is already recorded ({person.death_date})"
        if dead and event.kind != "remove_member":
            return "id_number", f"this person died on {person.death_date}"
        if event.kind == "head" and person.relation == "head":
            return "id_number", f"this person is already the head of household {event.household_id}"
        if event.kind in ("remove_member", "move_member") and person.relation == "head" and not dead and any(
                m.id_number != person.id_number and (m.death_date is None or m.death_date > event.date)
                for m in u.people.values()):
            return "id_number", (f"this person is the head of household {event.household_id}: record a head event "
                                 "naming the new head first (or terminate the household)")
        if event.kind == "move_member":
            if event.value == event.household_id:
                return "value", "the household the person moves to is this one"
        return None

    def _addition_refusal(self, event: Event, u: Unfolding) -> tuple[str | None, str] | None:
        if event.id_number in u.people:
            return "id_number", f"this person is already a member of household {event.household_id} on {event.date}"
        if event.detail("relation") == "head" and any(m.relation == "head" for m in u.people.values()):
            return "relation", (f"{event.household_id} already has a head: add the person with another relation, "
                                "then record a head event")
        member = joined_member(event)
        found = member_program_problems(member, u.household.program, self.source)
        return (found[0].column, found[0].reason) if found else None

    def _care_levels(self, u: Unfolding, change: Event) -> None:
        lacking = [m.name for m in u.people.values()
                   if m.care_level is None and (m.death_date is None or m.death_date > change.date)]
        if lacking:
            self.refuse(change, "value", f"a tekun household's members need a care level: record care_level events "
                                         f"dated {change.date} after this row for {', '.join(lacking)}")

    def _move(self, event: Event, u: Unfolding) -> None:
        person = u.people[str(event.id_number)]
        self.joins[str(event.value)].append(Event(
            str(event.value), "member_joined", event.date, event.household_id, event.id_number,
            details=member_details(person), line=event.line))

    def _derived_voids(self, stored: StoredHousehold, voids: list[Event]) -> None:
        """Voiding a move voids its arrival too: find the receiving household's member_joined."""
        by_id = {e.event_id: e for e in stored.events}
        for void in voids:
            target = by_id[int(str(void.value))]
            if target.kind != "move_member":
                continue
            receiving = self.context.stored_households([str(target.value)]).get(str(target.value))
            arrival = None if receiving is None else next(
                (e for e in effective(receiving.events) if e.kind == "member_joined"
                 and e.value == target.household_id and e.id_number == target.id_number and e.date == target.date),
                None)
            if arrival is not None:
                self.out.derived.append(replace(void, household_id=arrival.household_id,
                                                value=str(arrival.event_id)))
                self.joins.setdefault(arrival.household_id, [])  # judged again without it

    # ---- the households people move to ------------------------------------------------------------------

    def receiving_households(self) -> None:
        targets = sorted(self.joins)
        for start in range(0, len(targets), CHUNK):
            part = targets[start:start + CHUNK]
            stored = self.context.stored_households(part)
            for household_id in part:
                self._receiving(stored.get(household_id), household_id, self.joins[household_id])

    def _receiving(self, stored: StoredHousehold | None, household_id: str, joins: list[Event]) -> None:
        if stored is None:
            for join in joins:
                self.refuse_arrival(join, f"no household {household_id} is stored")
            return
        own = self.kept.get(household_id, [])
        voided_arrivals = [e for e in self.out.derived if e.household_id == household_id]
        timeline = effective(list(stored.events) + own + voided_arrivals + joins)
        fresh = {id(j) for j in joins}
        unfolding = Unfolding(stored.household, stored.members)
        passed = []
        for event in timeline:
            if id(event) in fresh:
                reason = self._arrival_refusal(event, unfolding, stored)
                if reason is not None:
                    self.refuse_arrival(event, reason)
                    continue
                passed.append(event)
            unfolding.apply(event)
        self.out.derived.extend(passed)
        self.spans[household_id] = self._spans_of(stored, own + voided_arrivals + passed)

    def _arrival_refusal(self, join: Event, u: Unfolding, stored: StoredHousehold) -> str | None:
        target = join.household_id
        if join.date < stored.household.approved_on:
            return f"{join.date} is before household {target} was approved ({stored.household.approved_on})"
        if u.terminated_on is not None:
            return f"household {target} was terminated on {u.terminated_on}"
        if join.id_number in u.people:
            return f"this person is already a member of household {target} on {join.date}"
        found = member_program_problems(joined_member(join), u.household.program, self.source)
        if found:
            return f"in household {target}: {found[0].column}: {found[0].reason}"
        return None

    # ---- the rules over every day -----------------------------------------------------------------------

    @staticmethod
    def _spans_of(stored: StoredHousehold, new: list[Event]) -> tuple[SpansByKey, SpansByKey]:
        events = list(stored.events) + new
        return (memberships(stored.household, stored.members, events),
                account_spans(stored.household, stored.members, events))

    def lasting_rules(self) -> None:
        if self.out.problems:
            return  # judged on a file that stores: the rows already refused would blur what is left
        self._one_at_a_time(0, self.context.households_of_people, "id_number",
                            "this person would be an active member of households {a} and {b} at once from {day}",
                            shared_allowed=False)
        self._one_at_a_time(1, self.context.households_of_accounts, "bank_account",
                            "account {account} would be paid for households {a} and {b} at once from {day}; if it "
                            "is intended (an institution's account), say shared_account = yes on both",
                            shared_allowed=True)

    def _one_at_a_time(self, which: int, households_of: Callable[[list[str]], dict[str, set[str]]], column: str,
                       message: str, *, shared_allowed: bool) -> None:
        spans: dict[str, list[Span]] = defaultdict(list)
        for both in self.spans.values():
            for key, key_spans in both[which].items():
                spans[key].extend(key_spans)
        affected = set(self.spans)
        elsewhere = households_of(list(spans))
        others = sorted({h for hs in elsewhere.values() for h in hs} - affected)
        for start in range(0, len(others), CHUNK):
            for stored in self.context.stored_households(others[start:start + CHUNK]).values():
                found = stored.memberships() if which == 0 else stored.account_spans()
                for key, key_spans in found.items():
                    if key in spans:
                        spans[key].extend(key_spans)
        for key, key_spans in spans.items():
            for a, b in combinations(key_spans, 2):
                if a.household_id == b.household_id or not a.overlaps(b):
                    continue
                if shared_allowed and a.shared and b.shared:
                    continue
                if a.household_id not in affected and b.household_id not in affected:
                    continue
                day = max(a.start, b.start)
                row = self._row_about(key, b.household_id if b.household_id in affected else a.household_id,
                                      column)
                self.out.problems.append(Problem.in_file(
                    self.source, row.line if row else 0, column if row and row.kind != "void" else "kind",
                    message.format(a=a.household_id, b=b.household_id, day=day, account=mask(key)),
                    row.household_id if row else a.household_id))
                break

    def _row_about(self, key: str, household_id: str, column: str) -> Event | None:
        """The file's row that made the clash: one about the person or account, else the household's last."""
        rows = self.kept.get(household_id, []) + [j for j in self.joins.get(household_id, [])]
        for event in reversed(rows):
            if event.id_number == key or (column == "bank_account" and event.value == key):
                return event
        return rows[-1] if rows else None
