"""Checks that span rows and files of one registry load.

Pure. The readers judge each row alone; these checkers see the records one at a time,
in file order, and keep only what a later row can contradict: per household a few numbers
(`HouseholdSeen`), per person the line of their id number, per event its key. They keep
no rows. Anything that needs the stored registry or a county's policy is asked of a
`RegistryContext`.

A check reports at the later of two clashing rows and names the earlier line. Rows that
depend on a row already refused (members of a household whose row was bad) are not
refused again for that: one mistake, one problem.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from aidledger.problems import Problem

from .context import RegistryContext
from .records import Event, Household, Member


@dataclass(slots=True)
class HouseholdSeen:
    """What a load remembers about one household: where it is and what members it got.

    `line` is 0 for a stored household the members file adds to.
    """

    line: int
    program: str | None  # None when the household's row was refused
    replaces_stored: bool = False
    head_line: int = 0
    first_member_line: int = 0
    member_refused: bool = False


def member_program_problems(member: Member, program: str, source: str) -> list[Problem]:
    """The rules of a member that depend on the household's program.

    care_level is required for 特困 (tekun) members and means nothing elsewhere; a 单人户
    (single_person) is a member of a low-income family.
    """
    problems = []

    def refuse(column: str, reason: str) -> None:
        problems.append(Problem.in_file(source, member.line, column, reason, member.household_id))

    if program == "tekun" and member.care_level is None:
        refuse("care_level", f"required for members of tekun households ({member.household_id} is tekun)")
    if program != "tekun" and member.care_level is not None:
        refuse("care_level", f"applies only to members of tekun households; {member.household_id} is {program}")
    if member.single_person and program != "low_income":
        refuse("single_person", f"applies only to members of low_income households; {member.household_id} is {program}")
    return problems


class HouseholdChecks:
    """households.csv across rows: each id once, not already stored, a township of a loaded policy."""

    def __init__(self, source: str, context: RegistryContext, *, replace: bool = False):
        self.source = source
        self.context = context
        self.replace = replace
        self.seen: dict[str, HouseholdSeen] = {}
        self._townships: dict[str, Collection[str] | None] = {}  # a load names few counties

    def refused(self, problem: Problem) -> None:
        """Note a row the reader refused, so that its members are not refused again."""
        if problem.household_id and problem.household_id not in self.seen:
            self.seen[problem.household_id] = HouseholdSeen(problem.line, None)

    def check(self, household: Household) -> list[Problem]:
        problems = []

        def refuse(column: str, reason: str) -> None:
            problems.append(Problem.in_file(self.source, household.line, column, reason, household.household_id))

        earlier = self.seen.get(household.household_id)
        if earlier is not None:
            refuse("household_id", f"{household.household_id} is also at line {earlier.line}")
            return problems
        stored = self.context.stored_program(household.household_id) is not None
        if stored and not self.replace:
            refuse("household_id", f"{household.household_id} is already stored; a stored household changes only "
                                   "by dated events (registry events)")
        townships = self._townships_of(household.county)
        if townships is None:
            refuse("county", f"no policy is loaded for county {household.county}")
        elif household.township not in townships:
            refuse("township", f"{household.township} is not a township in county {household.county}'s policy")
        program = None if problems else household.program
        self.seen[household.household_id] = HouseholdSeen(household.line, program, replaces_stored=stored)
        return problems

    def _townships_of(self, county: str) -> Collection[str] | None:
        if county not in self._townships:
            self._townships[county] = self.context.townships_of(county)
        return self._townships[county]


class MemberChecks:
    """members.csv across rows: a known household, one head each, each person once in the registry."""

    def __init__(self, source: str, context: RegistryContext, households: HouseholdChecks):
        self.source = source
        self.context = context
        self.households = households
        self._id_lines: dict[int, int] = {}  # first 17 digits of an id number → its line; compact

    def refused(self, problem: Problem) -> None:
        """Note a row the reader refused: it may have been the head, so the head count is not judged."""
        if problem.household_id:
            seen = self._household(problem.household_id)
            if seen is not None:
                seen.member_refused = True

    def check(self, member: Member) -> list[Problem]:
        problems = []

        def refuse(column: str, reason: str) -> None:
            problems.append(Problem.in_file(self.source, member.line, column, reason, member.household_id))

        seen = self._household(member.household_id)
        if seen is None:
            refuse("household_id", f"{member.household_id} is neither in the households file nor stored")
        key = int(member.id_number[:17])  # the 18th character follows from the first 17
        earlier = self._id_lines.setdefault(key, member.line)
        repeated = earlier != member.line
        if repeated:
            refuse("id_number", f"the same id number is also at line {earlier}")
        if seen is None:
            return problems
        if seen.first_member_line == 0:
            seen.first_member_line = member.line
        if member.relation == "head":
            if not seen.head_line:
                seen.head_line = member.line
            elif not repeated:  # a repeated row is one mistake, reported once
                refuse("relation", f"{member.household_id} already has a head at line {seen.head_line}")
        if repeated:
            return problems
        if seen.program is not None:
            problems.extend(member_program_problems(member, seen.program, self.source))
        elsewhere = self.context.stored_person_household(member.id_number)
        # Stored in this very household is fine only when the file brings the household again:
        # then it is replaced, or its own row was refused as already stored.
        same_household_again = elsewhere == member.household_id and seen.line != 0
        if elsewhere is not None and not same_household_again and not self._replaced(elsewhere):
            refuse("id_number", f"this person is already stored in household {elsewhere}")
        return problems

    def finish(self) -> list[Problem]:
        """The problems only the end of the members file reveals: households with no head."""
        problems = []
        for household_id, seen in self.households.seen.items():
            if seen.line == 0 or seen.program is None or seen.member_refused:
                continue  # stored households keep their head; refused ones were reported
            if seen.first_member_line == 0:
                problems.append(
                    Problem.in_file(
                        self.households.source,
                        seen.line,
                        "household_id",
                        f"{household_id} has no members in {self.source} (it needs its head)",
                        household_id,
                    )
                )
            elif seen.head_line == 0:
                problems.append(
                    Problem.in_file(
                        self.source,
                        seen.first_member_line,
                        "relation",
                        f"{household_id} has no head (exactly one member has relation head)",
                        household_id,
                    )
                )
        return problems

    def _household(self, household_id: str) -> HouseholdSeen | None:
        seen = self.households.seen.get(household_id)
        if seen is None:
            program = self.context.stored_program(household_id)
            if program is None:
                return None
            seen = self.households.seen[household_id] = HouseholdSeen(0, program)
        return seen

    def _replaced(self, household_id: str) -> bool:
        seen = self.households.seen.get(household_id)
        return seen is not None and seen.replaces_stored


class EventChecks:
    """events.csv against the stored registry: a known household and member, no clashing events."""

    def __init__(self, source: str, context: RegistryContext):
        self.source = source
        self.context = context
        self._keys: dict[tuple, int] = {}

    def refused(self, problem: Problem) -> None:
        """A refused event row leaves nothing for later rows to depend on."""

    def check(self, event: Event) -> list[Problem]:
        problems = []

        def refuse(column: str, reason: str) -> None:
            problems.append(Problem.in_file(self.source, event.line, column, reason, event.household_id))

        once_per_person = event.kind in ("death", "remove_member")
        key = (
            (event.household_id, event.kind, event.id_number)
            if once_per_person
            else (event.household_id, event.kind, event.date, event.id_number)
        )
        earlier = self._keys.setdefault(key, event.line)
        if earlier != event.line:
            when = "for this person" if once_per_person else f"on {event.date}"
            refuse("kind", f"a second {event.kind} event {when} (the first is at line {earlier})")
            return problems
        approved_on = self.context.household_approved_on(event.household_id)
        if approved_on is None:
            refuse("household_id", f"no household {event.household_id} is stored")
            return problems
        if event.date < approved_on:
            refuse("date", f"{event.date} is before the household was approved ({approved_on})")
        if event.id_number is not None and not self.context.member_in_household(event.household_id, event.id_number):
            refuse("id_number", f"this person is not a member of household {event.household_id}")
        if event.kind == "care_level":
            program = self.context.stored_program(event.household_id)
            if program != "tekun":
                refuse("kind", f"care_level events apply only to tekun households; {event.household_id} is {program}")
        return problems
