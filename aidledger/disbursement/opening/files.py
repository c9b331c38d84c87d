"""The files an opening load reads: what the old books hand over for a county's first month.

Pure. Four small CSV files, read like the registry's (UTF-8, a header in any order, every bad
row reported with file, line, column and reason):

  funds.csv        fund,amount                                   期初余额 in the treasury
  reserves.csv     township,amount                               township reserves carried over
  receivables.csv  household_id,month,amount,reason              追回 still open
  states.csv       household_id,status,exit_started,exit_base    渐退 (`exit`) or `ended` standings

What a row alone decides is decided here; what needs the registry or the policy is judged by
`opening_checks` against facts the service looks up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from aidledger.disbursement.registry.csv_source import Columns, read_rows
from aidledger.disbursement.registry.fields import Cells, shown
from aidledger.disbursement.rules.first_month import HANDED_OVER_STATUSES
from aidledger.ledger.chart import FUND_CODES
from aidledger.problems import Problem

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)
_TOO_PRECISE = re.compile(r"-?[0-9]+\.[0-9]{3,}", re.ASCII)
MAX_REASON = 64  # the receivables.reason column
R = TypeVar("R")

FUNDS = Columns(("fund", "amount"))
RESERVES = Columns(("township", "amount"))
RECEIVABLES = Columns(("household_id", "month", "amount", "reason"))
STATES = Columns(("household_id", "status"), ("exit_started", "exit_base"))


@dataclass(frozen=True)
class FundBalance:
    line: int
    fund: str
    amount: Decimal


@dataclass(frozen=True)
class ReserveBalance:
    line: int
    township: str
    amount: Decimal


@dataclass(frozen=True)
class OpenReceivable:
    line: int
    household_id: str
    month: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class StateRow:
    line: int
    household_id: str
    status: str
    exit_started: str | None
    exit_base: Decimal | None


def _amount(cells: Cells, column: str, positive: bool) -> Decimal | None:
    """A yuan amount of at most two decimal places (the old books' figures are never rounded here)."""
    raw = cells.raw(column)
    if _TOO_PRECISE.fullmatch(raw):
        cells.refuse(column, f"{shown(raw)} has more than two decimal places: amounts are yuan with whole fen")
        return None
    amount = cells.amount(column, "required")
    if amount is not None and positive and amount == 0:
        cells.refuse(column, "must be more than 0.00")
        return None
    return amount


def _month(cells: Cells, column: str, required: str | None) -> str | None:
    raw = cells.raw(column)
    if not raw:
        if required:
            cells.refuse(column, required)
        return None
    if not _MONTH.fullmatch(raw):
        cells.refuse(column, f"{shown(raw)} is not a month written YYYY-MM")
        return None
    return raw


def _rows(lines: Iterable[str], source: str, columns: Columns,
          build: Callable[[Cells], tuple[R | None, str | None]]) -> Iterator[R | Problem]:
    """Each row built by `build(cells)`, or its problems; a key seen twice is refused at the later row."""
    seen: dict[object, int] = {}
    for row in read_rows(lines, source, columns):
        if isinstance(row, Problem):
            yield row
            continue
        cells = Cells(source, row.line, row.values)
        record, key_column = build(cells)
        if record is not None and not cells.problems and key_column is not None:
            key = getattr(record, key_column)
            if key in seen:
                cells.refuse(key_column, f"{key} is already given on line {seen[key]}")
            else:
                seen[key] = row.line
        if cells.problems:
            yield from cells.problems
        elif record is not None:
            yield record


def read_funds(lines: Iterable[str], source: str = "funds.csv") -> Iterator[FundBalance | Problem]:
    def build(cells: Cells) -> tuple[FundBalance | None, str]:
        fund = cells.choice("fund", sorted(FUND_CODES), "required")
        amount = _amount(cells, "amount", positive=False)
        return (FundBalance(cells.line, fund, amount) if fund and amount is not None else None), "fund"
    return _rows(lines, source, FUNDS, build)


def read_reserves(lines: Iterable[str], source: str = "reserves.csv") -> Iterator[ReserveBalance | Problem]:
    def build(cells: Cells) -> tuple[ReserveBalance | None, str]:
        township = cells.digits("township", range(9, 10), "required")
        amount = _amount(cells, "amount", positive=False)
        return (ReserveBalance(cells.line, township, amount) if township and amount is not None else None), "township"
    return _rows(lines, source, RESERVES, build)


def read_receivables(lines: Iterable[str], source: str = "receivables.csv"
                     ) -> Iterator[OpenReceivable | Problem]:
    def build(cells: Cells) -> tuple[OpenReceivable | None, None]:
        household = cells.household_id = cells.text("household_id", "required")
        month = _month(cells, "month", "required")
        amount = _amount(cells, "amount", positive=True)
        reason = cells.text("reason", "required: why the month was overpaid (死亡未报, 收入增加 …)")
        if reason is not None and len(reason) > MAX_REASON:
            cells.refuse("reason", f"{shown(reason)} is longer than {MAX_REASON} characters")
            reason = None
        if household and month and amount is not None and reason:
            return OpenReceivable(cells.line, household, month, amount, reason), None
        return None, None
    return _rows(lines, source, RECEIVABLES, build)


def read_states(lines: Iterable[str], source: str = "states.csv") -> Iterator[StateRow | Problem]:
    def build(cells: Cells) -> tuple[StateRow | None, str]:
        household = cells.household_id = cells.text("household_id", "required")
        status = cells.choice("status", HANDED_OVER_STATUSES, "required")
        started = base = None
        if status == "exit":
            started = _month(cells, "exit_started", "required for status exit: the month the 渐退 began")
            if cells.raw("exit_base"):
                base = _amount(cells, "exit_base", positive=True)
            else:
                cells.refuse("exit_base", "required for status exit: the fixed exit base B (yuan)")
        elif status == "ended":
            for column in ("exit_started", "exit_base"):
                if cells.raw(column):
                    cells.refuse(column, "must be empty for status ended")
        if household and status and (status == "ended" or (started and base is not None)):
            return StateRow(cells.line, household, status, started, base), "household_id"
        return None, "household_id"
    return _rows(lines, source, STATES, build)
