"""Household facts the rules read on the first day d of a month: who counts, ages, per-capita income."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from aidledger.disbursement.registry.records import Member
from aidledger.disbursement.registry.state import HouseholdState


def counts(member: Member, day: date) -> bool:
    """A member counts in the month when alive on d: no death date, or died on or after d."""
    return member.death_date is None or member.death_date >= day


def counted_members(state: HouseholdState) -> tuple[Member, ...]:
    day = state.day
    return tuple([m for m in state.members if m.death_date is None or m.death_date >= day])  # `counts`, inlined


def age_on(birth: date, day: date) -> int:
    """Completed years on `day` (a birthday on the day itself counts)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# The month helpers are pure and called for every household-month with a handful of distinct
# arguments (the first days of the months being run, approval dates): cached.
@lru_cache(maxsize=4096)
def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@lru_cache(maxsize=4096)
def first_day(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


@lru_cache(maxsize=4096)
def previous_month(month: str) -> str:
    day = first_day(month)
    return f"{day.year - 1:04d}-12" if day.month == 1 else f"{day.year:04d}-{day.month - 1:02d}"


@lru_cache(maxsize=4096)
def next_month(month: str) -> str:
    day = first_day(month)
    return f"{day.year + 1:04d}-01" if day.month == 12 else f"{day.year:04d}-{day.month + 1:02d}"
