"""Reading the cells of one registry row: text, choices, dates, amounts, digit codes.

Pure. A `Cells` reads one row and collects a problem per bad cell instead of stopping at
the first, so an operator sees everything wrong with a row at once. Each reader returns
None when the cell is empty or bad; `problems` says which.

Dates are written YYYY-MM-DD exactly (no other ISO forms) and lie between 1900-01-01 and
9999-12-31; whether one may be after today is the caller's rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from aidledger.ledger.money import FEN, MAX_LINE_FEN, MoneyError, parse_amount
from aidledger.problems import Problem

EARLIEST_DATE = date(1900, 1, 1)
MAX_TEXT = 200  # characters of a name or an identifier
MAX_YUAN_DIGITS = len(str(MAX_LINE_FEN // 100))  # 13: an amount one journal line can carry

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_SPREADSHEET_NUMBER = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")


class Cells:
    """The cells of one row, read with their problems collected."""

    def __init__(self, source: str, line: int, values: dict[str, str]):
        self.source = source
        self.line = line
        self.values = values
        self.problems: list[Problem] = []
        self.household_id: str | None = None  # set once known, carried on the problems

    def refuse(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem.in_file(self.source, self.line, column, reason, self.household_id))

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    def text(self, column: str, required: str | None = None) -> str | None:
        """Free text (names, identifiers): no control characters, at most MAX_TEXT characters.

        `required` is the reason given when the cell is empty ("required"); None leaves it optional.
        """
        value = self.raw(column)
        if not value:
            if required:
                self.refuse(column, required)
            return None
        if _CONTROL.search(value):
            self.refuse(column, f"{shown(value)} holds a control character (a line break or tab)")
            return None
        if len(value) > MAX_TEXT:
            self.refuse(column, f"{shown(value)} is longer than {MAX_TEXT} characters")
            return None
        return value

    def choice(self, column: str, allowed: Sequence[str], required: str | None = None) -> str | None:
        value = self.raw(column)
        if not value:
            if required:
                self.refuse(column, required)
            return None
        if value not in allowed:
            self.refuse(column, f"{shown(value)} is not one of {', '.join(allowed)}")
            return None
        return value

    def date(self, column: str, required: str | None = None) -> date | None:
        value = self.raw(column)
        if not value:
            if required:
                self.refuse(column, required)
            return None
        if not _DATE.fullmatch(value):
            self.refuse(column, f"{shown(value)} is not a date written YYYY-MM-DD")
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.refuse(column, f"{value} is not a real date")
            return None
        if day < EARLIEST_DATE:
            self.refuse(column, f"{value} is before 1900")
            return None
        return day

    def amount(self, column: str, required: str | None = None) -> Decimal | None:
        """A yuan amount ≥ 0 in whole fen ("900", "1242.50")."""
        value = self.raw(column)
        if not value:
            if required:
                self.refuse(column, required)
            return None
        if not _plain_number(value):
            self.refuse(column, f"{shown(value)} is not an amount in yuan such as 900 or 1242.50")
            return None
        if value.startswith("-"):
            self.refuse(column, f"{value} is negative; an amount here is 0 or more")
            return None
        if len(value.partition(".")[0].lstrip("0")) > MAX_YUAN_DIGITS:
            # checked before parse_amount, whose Decimal context cannot quantize 29 digits
            self.refuse(column, f"{shown(value)} is too large to be an amount")
            return None
        try:
            amount = parse_amount(value)
        except MoneyError:
            self.refuse(column, f"{value} has more than two decimal places: amounts are whole fen")
            return None
        return amount.quantize(FEN)  # "900" and "900.00" are the same 900.00

    def digits(self, column: str, lengths: range, required: str | None = None) -> str | None:
        """A code of ASCII digits whose length is in `lengths` (leading zeros kept)."""
        value = self.raw(column)
        if not value:
            if required:
                self.refuse(column, required)
            return None
        if _SPREADSHEET_NUMBER.fullmatch(value):
            reason = "looks like a number a spreadsheet shortened: format the column as text"
            self.refuse(column, f"{shown(value)} {reason}")
            return None
        if not _DIGITS.fullmatch(value):
            self.refuse(column, f"{shown(value)} must be digits only")
            return None
        if len(value) not in lengths:
            wanted = f"{lengths.start}" if len(lengths) == 1 else f"{lengths.start}–{lengths.stop - 1}"
            self.refuse(column, f"{value} has {len(value)} digits, it must have {wanted}")
            return None
        return value


def _plain_number(value: str) -> bool:
    # parse_amount takes "1,200" and "1E3"; a registry cell is plain digits and a point
    return _AMOUNT.fullmatch(value) is not None


def shown(value: str, limit: int = 40) -> str:
    """A cell value quoted for a message, cut short when long."""
    if len(value) > limit:
        value = value[:limit] + "…"
    return repr(value)
