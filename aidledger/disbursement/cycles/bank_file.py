"""The paying bank's files (pure): the payment file we send, and the returns file it sends back.

Payment file: UTF-8 CSV with a BOM (spreadsheet programs open it as Chinese text), columns
序号, 户编号, 收款人, 账号, 金额, 用途, one row per household, then a control row
`合计, , <count>户, , <total>, ` whose figures equal the cycle's.

Returns file: CSV with 账号, 金额, 原因 (or account, amount, reason), optionally 户编号 /
household_id; each row must match one line of the cycle by account and amount.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from aidledger.labels import PROGRAM_PAYMENTS
from aidledger.ledger.money import MoneyError, parse_amount

PAYMENT_COLUMNS = ("序号", "户编号", "收款人", "账号", "金额", "用途")
RETURN_COLUMNS = {"账号": "account", "account": "account", "金额": "amount", "amount": "amount",
                  "原因": "reason", "reason": "reason", "户编号": "household_id", "household_id": "household_id"}


@dataclass(frozen=True)
class PaymentRow:
    household_id: str
    payee_name: str
    bank_account: str
    amount: Decimal
    program: str


def payment_file(rows: Iterable[PaymentRow], month: str) -> tuple[str, int, Decimal]:
    """The file's text, its row count and total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PAYMENT_COLUMNS)
    count, total = 0, Decimal("0.00")
    year, mon = month.split("-")
    for n, row in enumerate(rows, start=1):
        writer.writerow((n, row.household_id, row.payee_name, row.bank_account, f"{row.amount:.2f}",
                         f"{year}年{mon}月{PROGRAM_PAYMENTS.get(row.program, row.program)}"))
        count, total = n, total + row.amount
    writer.writerow(("合计", "", f"{count}户", "", f"{total:.2f}", ""))
    return "\ufeff" + out.getvalue(), count, total


@dataclass(frozen=True)
class ReturnRow:
    line: int
    account: str
    amount: Decimal
    reason: str
    household_id: str | None


def parse_returns(text: str, source: str) -> tuple[list[ReturnRow], list[str]]:
    """The rows of a returns file, or the problems, each naming file and line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        return [], [f"{source}: the file is empty (it needs a header: 账号,金额,原因)"]
    names = [RETURN_COLUMNS.get(h.strip()) for h in header]
    problems = [f"{source} line 1: unknown column {h.strip()!r}" for h, n in zip(header, names) if n is None]
    missing = {"account", "amount"} - set(names)
    problems += [f"{source} line 1: missing column {m}" for m in sorted(missing)]
    if problems:
        return [], problems
    rows: list[ReturnRow] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            problems.append(f"{source} line {number}: {len(cells)} fields, the header has {len(names)}")
            continue
        values = {name: cell.strip() for name, cell in zip(names, cells)}
        try:
            amount = parse_amount(values["amount"])
        except MoneyError as exc:
            problems.append(f"{source} line {number}, column amount: {exc}")
            continue
        rows.append(ReturnRow(number, values["account"], amount, values.get("reason", ""),
                              values.get("household_id") or None))
    return rows, problems
