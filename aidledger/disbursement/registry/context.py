"""What registry checks need to know beyond the files: the stored registry and the loaded policies.

Pure. `RegistryContext` is the question list; the service implements it over the database
(and the policy store), tests use `InMemoryRegistryContext`. Every answer is about the
registry as stored before the load began: the checks ask about a household or person
before yielding the record that would change the answer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from .records import Household, Member


class RegistryContext(Protocol):
    """The questions registry checks ask of the stored registry and the policies."""

    def townships_of(self, county: str) -> Collection[str] | None:
        """The township codes the county's policy lists (a code → name mapping will do), or
        None when no policy is loaded for the county."""

    def stored_program(self, household_id: str) -> str | None:
        """The program of the stored household with this id, or None when none is stored."""

    def stored_person_household(self, id_number: str) -> str | None:
        """The id of the stored household this person belongs to, or None."""

    def household_approved_on(self, household_id: str) -> date | None:
        """When the stored household was approved, or None when no such household is stored."""

    def member_in_household(self, household_id: str, id_number: str) -> bool:
        """Whether the person is a stored member of the stored household."""


@dataclass
class InMemoryRegistryContext:
    """A RegistryContext over plain dictionaries, for tests and small tools."""

    townships: Mapping[str, Collection[str]] = field(default_factory=dict)  # county → township codes
    households: dict[str, Household] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)  # id number → member

    @classmethod
    def of(
        cls,
        townships: Mapping[str, Collection[str]],
        households: Iterable[Household] = (),
        members: Iterable[Member] = (),
    ) -> InMemoryRegistryContext:
        return cls(
            townships=dict(townships),
            households={household.household_id: household for household in households},
            members={member.id_number: member for member in members},
        )

    def townships_of(self, county: str) -> Collection[str] | None:
        return self.townships.get(county)

    def stored_program(self, household_id: str) -> str | None:
        household = self.households.get(household_id)
        return household.program if household else None

    def stored_person_household(self, id_number: str) -> str | None:
        member = self.members.get(id_number)
        return member.household_id if member else None

    def household_approved_on(self, household_id: str) -> date | None:
        household = self.households.get(household_id)
        return household.approved_on if household else None

    def member_in_household(self, household_id: str, id_number: str) -> bool:
        member = self.members.get(id_number)
        return member is not None and member.household_id == household_id
