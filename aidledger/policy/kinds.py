"""The kinds of value a policy file holds, and how a single value of each kind is checked.

Leaves (Number, Whole, Choice, Text, Flag, ListOf) check one value and return it in its
exact form (integers that are quantities become Decimal, so arithmetic never mixes int,
Decimal and float). Structures (Table, TableList, MapOf) only describe the shape; the
walk over them is in `validate`. Every check adds its problems to a `Problems` list instead
of raising, so one load reports everything wrong with a file at once (as beancount does).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from aidledger.ledger.money import FEN, MAX_LINE_FEN

INVALID = object()  # what a check returns for a value it refused

# The largest amount a policy may name: what one ledger line can carry.
MAX_AMOUNT = Decimal(MAX_LINE_FEN) / 100


class Problems:
    """Problems found in one file, each at a key path ("dibao.addons[2]")."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def messages(self, source: str) -> list[str]:
        return [f"{source}: {path}: {message}" if path else f"{source}: {message}" for path, message in self.items]


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def show(value: Any) -> str:
    """A value as the file wrote it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + " }"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, Decimal, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, date):
        return "a date"
    return type(value).__name__


def wrong_type(value: Any, expected: str) -> str:
    return f"{show(value)} is {type_name(value)}; expected {expected}"


@dataclass(frozen=True)
class Leaf:
    """One value. `dated`: whether the file may give it as a table of start dates."""

    dated: bool = field(default=True, kw_only=True)

    expected = "a value"

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        raise NotImplementedError


def _range_text(low: Decimal | int | None, high: Decimal | int | None, low_open: bool) -> str:
    if high is None:
        return f"more than {low}" if low_open else f"at least {low}"
    return f"from {low} to {high}"


def _out_of_range(value, low, high, low_open) -> bool:
    if low is not None and (value <= low if low_open else value < low):
        return True
    return high is not None and value > high


@dataclass(frozen=True)
class Number(Leaf):
    """An exact decimal quantity: an amount (money, whole fen) or a ratio."""

    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = False  # low itself not allowed (a standard of 0 pays nobody)
    money: bool = False
    what: str = "a number"

    expected = "a number"

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            problems.add(path, wrong_type(value, self.expected))
            return INVALID
        number = Decimal(value)
        if not number.is_finite():
            problems.add(path, f"{show(value)} is not a finite number")
            return INVALID
        if _out_of_range(number, self.low, self.high, self.low_open):
            sign = "negative" if number < 0 else "out of range"
            allowed = _range_text(self.low, self.high, self.low_open)
            problems.add(path, f"{show(value)} is {sign}: {self.what} must be {allowed}")
            return INVALID
        if self.money:
            if number > MAX_AMOUNT:
                problems.add(path, f"{show(value)} is more than one ledger line can carry ({MAX_AMOUNT})")
                return INVALID
            if number != number.quantize(FEN):
                problems.add(path, f"{show(value)} has more than two decimal places (money is whole fen)")
                return INVALID
        return number


@dataclass(frozen=True)
class Whole(Leaf):
    """A whole number: months, days, ages, grades. Kept as int (these are counts, not money)."""

    low: int | None = None
    high: int | None = None
    what: str = "a whole number"

    expected = "a whole number"

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            problems.add(path, wrong_type(value, self.expected))
            return INVALID
        if isinstance(value, Decimal):
            # 6.0 is accepted as 6; 6.5 months is not a count.
            if not value.is_finite() or value != value.to_integral_value():
                problems.add(path, f"{show(value)} is not a whole number")
                return INVALID
            value = int(value)
        if _out_of_range(value, self.low, self.high, False):
            sign = "negative" if value < 0 else "out of range"
            problems.add(path, f"{value} is {sign}: {self.what} must be {_range_text(self.low, self.high, False)}")
            return INVALID
        return value


@dataclass(frozen=True)
class Choice(Leaf):
    """One of a fixed list of words."""

    options: tuple[str, ...] = ()

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(f"'{option}'" for option in self.options)

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, str):
            problems.add(path, wrong_type(value, self.expected))
            return INVALID
        if value not in self.options:
            problems.add(path, f"{show(value)} is not {self.expected}")
            return INVALID
        return value


@dataclass(frozen=True)
class Text(Leaf):
    """Text matching a pattern (a code, a name)."""

    pattern: str = r"^\S(.*\S)?$"
    describe: str = "a non-empty name"

    @property
    def expected(self) -> str:  # type: ignore[override]
        return self.describe

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, str):
            problems.add(path, wrong_type(value, self.describe))
            return INVALID
        if not re.fullmatch(self.pattern, value):
            problems.add(path, f"{show(value)} is not {self.describe}")
            return INVALID
        return value


@dataclass(frozen=True)
class Flag(Leaf):
    """true or false."""

    expected = "true or false"

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, bool):
            problems.add(path, wrong_type(value, self.expected))
            return INVALID
        return value


@dataclass(frozen=True)
class ListOf(Leaf):
    """An array of leaves, kept as a tuple. A dated array is dated as a whole."""

    item: Leaf = field(default_factory=Leaf)
    unique: bool = True
    non_empty: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"an array of {self.item.expected}"

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, list):
            problems.add(path, wrong_type(value, self.expected))
            return INVALID
        if self.non_empty and not value:
            problems.add(path, f"is empty; expected at least one of {self.item.expected}")
            return INVALID
        items, ok = [], True
        for index, raw in enumerate(value):
            checked = self.item.check(raw, f"{path}[{index}]", problems)
            if checked is INVALID:
                ok = False
            elif self.unique and checked in items:
                problems.add(path, f"{show(raw)} is listed twice")
                ok = False
            else:
                items.append(checked)
        return tuple(items) if ok else INVALID


# A check over a whole checked table or list: (checked value, its path, problems) -> None.
CrossCheck = Callable[[Any, str, Problems], None]


@dataclass(frozen=True)
class Table:
    """A table with known keys; tables merge key by key down the chain."""

    keys: Mapping[str, Any]
    required: tuple[str, ...] = ()
    checks: tuple[CrossCheck, ...] = ()


@dataclass(frozen=True)
class TableList:
    """An array of tables ([[dibao.addons]]); replaces the parent's whole list."""

    table: Table
    non_empty: bool = False
    checks: tuple[CrossCheck, ...] = ()


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are names the file chooses (tiers, codes), each holding one leaf."""

    value: Leaf
    key_pattern: str = r"^\S+$"
    key_describe: str = "a name"
    keys: tuple[str, ...] = ()  # when not empty, the only keys allowed
    checks: tuple[CrossCheck, ...] = ()
