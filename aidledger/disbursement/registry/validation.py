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
from datetime import date

from aidledger.masking import mask
from aidledger.problems import Problem

from .context import RegistryContext
from .records import Household, Member
from .state import Span


@dataclass(slots=True)
class HouseholdSeen:
    """What a load remembers about one household: where it is and what members it got.

    `line` is 0 for a stored household the members file adds to.
    """

    line: int
    program: str | None  # None when the household's row was refused
    approved_on: date | None = None  # from when its members are its members
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
        self._accounts: dict[int, tuple[int, bool]] = {}  # "1" + account as a number → (its line, shared); compact
        self.replaced: set[str] = set()  # stored households the file brings again (replace mode)

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
        problems.extend(self._account_problems(household, stored))
        program = None if problems else household.program
        self.seen[household.household_id] = HouseholdSeen(household.line, program, household.approved_on,
                                                          replaces_stored=stored)
        if stored:
            self.replaced.add(household.household_id)
        return problems

    def _account_problems(self, household: Household, stored: bool) -> list[Problem]:
        """One account, one household: in the file, and against the stored households from this one's approval."""
        shared, account = household.shared_account, household.bank_account
        earlier = self._accounts.setdefault(int("1" + account), (household.line, shared))
        hint = "if it is intended (an institution's account), say shared_account = yes on both rows"
        found = []
        if earlier[0] != household.line and not (shared and earlier[1]):
            found.append(f"{mask(account)} is also the account of the household at line {earlier[0]}; {hint}")
        replaced = {household.household_id} if stored else set()  # refused as stored, or replaced
        for other in spans_elsewhere(self.context, self.context.households_of_accounts, account, replaced,
                                     accounts=True):
            if other.end is None or household.approved_on < other.end:
                if not (shared and other.shared):
                    found.append(f"{mask(account)} is the account of stored household {other.household_id} "
                                 f"on {max(other.start, household.approved_on)}; {hint}")
                    break
        return [Problem.in_file(self.source, household.line, "bank_account", reason, household.household_id)
                for reason in found]

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
        problems.extend(self._stored_elsewhere(member, seen))
        return problems

    def _stored_elsewhere(self, member: Member, seen: HouseholdSeen) -> list[Problem]:
        """A person is an active member of one household on any day: this one's membership (from its approval to
        the person's death) must not meet one in a stored household. Stored in this very household is fine only
        when the file brings the household again: then it is replaced, or its own row was refused as stored."""
        start = seen.approved_on
        if start is None:
            return []
        skip = self.households.replaced | ({member.household_id} if seen.line != 0 else set())
        for other in spans_elsewhere(self.context, self.context.households_of_people, member.id_number, skip):
            end = member.death_date
            if (other.end is None or start < other.end) and (end is None or other.start < end):
                until = f"until {other.end}" if other.end else "and has not left it"
                return [Problem.in_file(self.source, member.line, "id_number",
                                        f"this person is an active member of stored household {other.household_id} "
                                        f"from {other.start} {until}, which meets {member.household_id}'s approval "
                                        f"on {start}", member.household_id)]
        return []

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
            approved_on = self.context.household_approved_on(household_id)
            seen = self.households.seen[household_id] = HouseholdSeen(0, program, approved_on)
        return seen


def spans_elsewhere(context: RegistryContext, households_of, key: str, skip: set[str], *,
                    accounts: bool = False) -> list[Span]:
    """The spans of a person (or an account) in the stored households, those in `skip` left out."""
    ids = households_of([key]).get(key, set()) - skip
    if not ids:
        return []
    out = []
    for stored in context.stored_households(sorted(ids)).values():
        out += (stored.account_spans() if accounts else stored.memberships()).get(key, [])
    return out
