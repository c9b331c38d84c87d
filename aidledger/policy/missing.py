"""MissingParameter: a rule read a parameter that no policy file gives a value on that day.

A parameter is undefined on a day when no file in the jurisdiction's chain sets it, or when
its dated values all start after that day. The rules must never read such a parameter as
zero (a missing 低保标准 read as 0 would silently pay nobody), so reading it raises this
refusal, naming the parameter, the place and the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from aidledger.errors import Refusal


class MissingParameter(Refusal):
    """A parameter read on a day for which the chain of policy files gives it no value."""

    def __init__(
        self,
        path: str,
        jurisdiction: str,
        day: date,
        first_start: date | None = None,
        chain: Sequence[str] = (),
    ):
        self.path = path
        self.jurisdiction = jurisdiction
        self.day = day
        self.first_start = first_start
        self.chain = tuple(chain)
        if first_start is not None:
            reason = f"its first value starts {first_start.isoformat()}"
        elif self.chain:
            reason = f"no policy file in the chain {' → '.join(self.chain)} sets it"
        else:
            reason = "no policy file sets it"
        super().__init__(
            f"parameter {path} is not defined for {jurisdiction} on {day.isoformat()} ({reason})"
        )


class MissingEntry(MissingParameter, KeyError):
    """An entry of a parameter table (a tier, a classification code) undefined on the day.

    Also a KeyError, so that `Mapping.get` and `in` keep their usual meaning.
    """

    # KeyError would print the message in quotes.
    __str__ = Exception.__str__


@dataclass(frozen=True, slots=True)
class UndefinedAt:
    """Where a value would be: enough to raise MissingParameter when, and only when, it is read."""

    path: str
    jurisdiction: str
    day: date
    first_start: date | None
    chain: tuple[str, ...]

    def error(self, entry: bool = False) -> MissingParameter:
        kind = MissingEntry if entry else MissingParameter
        return kind(self.path, self.jurisdiction, self.day, self.first_start, self.chain)
