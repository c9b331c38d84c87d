"""What registry checks need to know beyond the files: the stored registry and the loaded policies.

Pure. `RegistryContext` is the question list; the service implements it over the database
(and the policy store), tests use `InMemoryRegistryContext`. Every answer is about the
registry as stored before the load began: the checks ask about a household or person
before yielding the record that would change the answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from .records import Event, Household, Member
from .state import StoredHousehold


class RegistryContext(Protocol):
    """The questions registry checks ask of the stored registry and the policies."""

    def townships_of(self, county: str) -> Collection[str] | None:
        """The township codes the county's policy lists (a code → name mapping will do), or
        None when no policy is loaded for the county."""

    def stored_program(self, household_id: str) -> str | None:
        """The program of the stored household with this id, or None when none is stored."""

    def household_approved_on(self, household_id: str) -> date | None:
        """When the stored household was approved, or None when no such household is stored."""

    def stored_households(self, household_ids: Collection[str]) -> dict[str, StoredHousehold]:
        """The stored households among the ids, with their members and events (events carrying their ids)."""

    def households_of_people(self, id_numbers: Collection[str]) -> dict[str, set[str]]:
        """id number → the stored households the person was ever loaded into or added to (people never stored
        left out)."""

    def households_of_accounts(self, accounts: Collection[str]) -> dict[str, set[str]]:
        """bank account → the stored households it was ever the receiving account of."""


@dataclass
class InMemoryRegistryContext:
    """A RegistryContext over plain dictionaries, for tests and small tools."""

    townships: Mapping[str, Collection[str]] = field(default_factory=dict)  # county → township codes
    households: dict[str, StoredHousehold] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        townships: Mapping[str, Collection[str]],
        households: Iterable[Household] = (),
        members: Iterable[Member] = (),
        events: Iterable[Event] = (),
    ) -> InMemoryRegistryContext:
        members, events = list(members), list(events)
        return cls(townships=dict(townships), households={
            h.household_id: StoredHousehold(h, tuple(m for m in members if m.household_id == h.household_id),
                                            tuple(e for e in events if e.household_id == h.household_id))
            for h in households})

    def townships_of(self, county: str) -> Collection[str] | None:
        return self.townships.get(county)

    def stored_program(self, household_id: str) -> str | None:
        stored = self.households.get(household_id)
        return stored.household.program if stored else None

    def household_approved_on(self, household_id: str) -> date | None:
        stored = self.households.get(household_id)
        return stored.household.approved_on if stored else None

    def stored_households(self, household_ids: Collection[str]) -> dict[str, StoredHousehold]:
        return {h: self.households[h] for h in household_ids if h in self.households}

    def households_of_people(self, id_numbers: Collection[str]) -> dict[str, set[str]]:
        wanted, out = set(id_numbers), defaultdict(set)
        for household_id, stored in self.households.items():
            for id_number in {m.id_number for m in stored.members} | {e.id_number for e in stored.events
                                                                      if e.kind in ("add_member", "member_joined")}:
                if id_number in wanted:
                    out[id_number].add(household_id)
        return dict(out)

    def households_of_accounts(self, accounts: Collection[str]) -> dict[str, set[str]]:
        wanted, out = set(accounts), defaultdict(set)
        for household_id, stored in self.households.items():
            for account in {stored.household.bank_account} | {str(e.value) for e in stored.events
                                                               if e.kind in ("payee", "bank_account")}:
                if account in wanted:
                    out[account].add(household_id)
        return dict(out)
