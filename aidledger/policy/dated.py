"""Dated values: a parameter given as a table of start dates instead of one value.

    [dibao.standard_urban]
    2021-01-01 = 640
    2022-01-01 = 680

The value in force on a day is the one with the latest start on or before that day; before
the first start the parameter is undefined (as in OpenFisca's parameters). TOML reads a bare
key such as 2021-01-01 as the string "2021-01-01"; real `date` keys are accepted too, for
bodies built in code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

_DATE_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Undefined:
    """The value of a dated parameter before its first start."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        # Undefined is not "false" or "zero"; using it as either is a bug.
        raise TypeError("an undefined parameter has no truth value")


UNDEFINED = _Undefined()


def parse_date_key(key: object) -> date | None:
    """The start date a key names, or None when it names none (strictly YYYY-MM-DD)."""
    if isinstance(key, datetime):
        return None  # a timestamp is not a start date
    if isinstance(key, date):
        return key
    if isinstance(key, str) and _DATE_KEY.match(key):
        try:
            return date.fromisoformat(key)
        except ValueError:
            return None  # 2021-02-30 and the like
    return None


def looks_dated(value: object) -> bool:
    """A Dated value, or a raw table whose keys are all dates (so it is one value, not a section)."""
    if isinstance(value, Dated):
        return True
    return isinstance(value, Mapping) and bool(value) and all(parse_date_key(k) for k in value)


@dataclass(frozen=True, slots=True)
class Dated:
    """The changes of one parameter: start dates in increasing order and the value from each."""

    starts: tuple[date, ...]
    values: tuple[Any, ...]

    @classmethod
    def of(cls, changes: Mapping[date, Any]) -> Dated:
        if not changes:
            raise ValueError("a dated value needs at least one start date")
        ordered = sorted(changes.items())
        return cls(tuple(d for d, _ in ordered), tuple(v for _, v in ordered))

    @property
    def first_start(self) -> date:
        return self.starts[0]

    def value_on(self, day: date) -> Any:
        """The value in force on `day`, or UNDEFINED before the first start."""
        index = bisect_right(self.starts, day) - 1
        return self.values[index] if index >= 0 else UNDEFINED

    def changes(self) -> list[tuple[date, Any]]:
        return list(zip(self.starts, self.values))
