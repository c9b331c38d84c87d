"""A paying bank's layouts as data (pure): built from a policy's checked `[[bank]]` tables (policy/bank_format.py),
and the routing of an account to its bank by the longest matching prefix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_FILE_NAME = "{code}-{month}.{extension}"
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "fixed": "txt"}
NUMBERS = ("seq", "count", "amount", "total")  # right-aligned in a fixed-width file unless the layout says


@dataclass(frozen=True)
class Cell:
    """One column of a row (a payment line or a control row): what it holds and how it is shown."""

    field: str
    title: str = ""
    value: str = ""  # a literal's text
    width: int | None = None  # fixed-width: bytes in the file's encoding
    align: str = "left"
    fill: str = " "
    amount_format: str = "yuan"


@dataclass(frozen=True)
class ReturnsLayout:
    """The bank's returns file: which row holds the titles, what each titled column is, its failure texts."""

    format: str
    encoding: str
    header_row: int
    amount_format: str
    columns: Mapping[str, str]  # title → field
    reasons: Mapping[str, str]  # the bank's failure text → reason code


@dataclass(frozen=True)
class Bank:
    name: str
    code: str
    prefixes: tuple[str, ...]
    format: str
    encoding: str
    titles: bool
    file_name: str
    columns: tuple[Cell, ...]
    header: tuple[Cell, ...]
    trailer: tuple[Cell, ...]
    returns: ReturnsLayout | None

    def name_of_file(self, month: str, cycle_id: int) -> str:
        return self.file_name.format(code=self.code, month=month, cycle=cycle_id,
                                     extension=EXTENSIONS[self.format])


def _cells(raw: Iterable[Mapping[str, Any]]) -> tuple[Cell, ...]:
    return tuple(Cell(field=c["field"], title=c.get("title", ""), value=c.get("value", ""), width=c.get("width"),
                      align=c.get("align", "right" if c["field"] in NUMBERS else "left"),
                      fill=c.get("fill", " "), amount_format=c.get("format", "yuan")) for c in raw)


def _returns(raw: Mapping[str, Any] | None, encoding: str) -> ReturnsLayout | None:
    if not raw:
        return None
    return ReturnsLayout(format=raw["format"], encoding=raw.get("encoding", encoding),
                         header_row=raw.get("header_row", 1), amount_format=raw.get("amount_format", "yuan"),
                         columns=dict(raw["columns"]), reasons=dict(raw.get("reasons", {})))


def banks_of(raw: Sequence[Mapping[str, Any]] | None) -> tuple[Bank, ...]:
    """The banks of a merged policy body's `bank` list (already checked when the policy loaded); () for none."""
    banks = []
    for b in raw or ():
        encoding = b.get("encoding", "utf-8")
        banks.append(Bank(
            name=b["name"], code=b["code"], prefixes=tuple(b["prefixes"]), format=b["format"], encoding=encoding,
            titles=b.get("titles", b["format"] != "fixed"), file_name=b.get("file_name", DEFAULT_FILE_NAME),
            columns=_cells(b["columns"]), header=_cells(b.get("header", ())), trailer=_cells(b.get("trailer", ())),
            returns=_returns(b.get("returns"), encoding)))
    return tuple(banks)


class Router:
    """Account → bank: the longest prefix among all banks' prefixes that the account starts with."""

    def __init__(self, banks: Sequence[Bank]):
        self.by_prefix = {prefix: bank for bank in banks for prefix in bank.prefixes}
        self.lengths = sorted({len(p) for p in self.by_prefix}, reverse=True)

    def bank_of(self, account: str) -> Bank | None:
        for length in self.lengths:
            bank = self.by_prefix.get(account[:length])
            if bank is not None:
                return bank
        return None
