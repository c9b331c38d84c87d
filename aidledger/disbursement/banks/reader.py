"""Reading files in a bank's layout (pure): its returns file (退票), and a payment file read back (for checks).

Returns: csv in the layout's encoding or xlsx; the row `header_row` holds the column titles (rows above it, a
title banner, are skipped), each title the layout names is read as its field, other columns are ignored; rows
with an empty account cell (blank lines, a 合计 row) are skipped. Every problem is named by file, line, column
and value, and nothing is returned when there is one. A failure text is mapped to its reason code: exactly, else
the longest text of the map it contains, else `other` (the text is kept either way).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from aidledger.errors import Refusal
from aidledger.ledger.money import MoneyError, parse_amount
from aidledger.policy.bank_format import REASON_CODES

from . import xlsx
from .layout import Bank, ReturnsLayout
from .writer import _codec


@dataclass(frozen=True)
class BankReturnRow:
    line: int
    account: str
    amount: Decimal
    reason: str  # the bank's text
    code: str  # no_account, name_mismatch, frozen, closed, other
    household_id: str | None
    name: str | None


def reason_code(text: str, reasons: dict[str, str] | None) -> str:
    """The code of a bank's failure text."""
    reasons = reasons or {}
    text = text.strip()
    if text in reasons:
        return reasons[text]
    inside = [key for key in reasons if key and key in text]
    return reasons[max(inside, key=len)] if inside else "other"


def stored_reason(code: str, text: str) -> str:
    """What bank_returns.reason keeps: "closed: 账户已销户" (parse it back with `parse_reason`)."""
    return f"{code}: {text.strip()}" if text.strip() else code


def parse_reason(stored: str) -> tuple[str | None, str]:
    """(code, text) of a stored reason; code None for a reason booked without a bank layout."""
    head, sep, rest = stored.partition(": ")
    if head in REASON_CODES and (sep or stored == head):
        return head, rest
    return None, stored


def rows_of(data: bytes, fmt: str, encoding: str, source: str) -> list[list[str]]:
    """A csv or xlsx file's rows as text cells."""
    if fmt == "xlsx":
        return xlsx.read_rows(data, source)
    try:
        text = data.decode("utf-8-sig" if encoding.startswith("utf-8") else encoding)
    except UnicodeDecodeError as exc:
        raise Refusal(f"{source}: not {encoding} text (byte {exc.start}); the bank's layout says {encoding}") from None
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def header_fits(layout: ReturnsLayout, rows: list[list[str]]) -> bool:
    """Whether the titles row holds every title the layout reads account and amount from."""
    if len(rows) < layout.header_row:
        return False
    titles = set(rows[layout.header_row - 1])
    return all(t in titles for t, f in layout.columns.items() if f in ("account", "amount"))


def read_returns(bank: Bank, rows: list[list[str]], source: str) -> tuple[list[BankReturnRow], list[str]]:
    """The returned payments of a bank's returns file (its rows, from `rows_of`), or the problems."""
    layout = bank.returns
    if layout is None:
        return [], [f"{source}: bank {bank.name} ({bank.code}) has no returns layout in the policy"]
    if len(rows) < layout.header_row:
        return [], [f"{source}: the file has no row {layout.header_row} with the column titles"]
    titles = rows[layout.header_row - 1]
    where = {layout.columns[t]: i for i, t in enumerate(titles) if t in layout.columns}
    missing = [t for t, f in layout.columns.items() if f in ("account", "amount") and f not in where]
    if missing:
        return [], [f"{source} line {layout.header_row}: missing column {t!r} (bank {bank.name}'s returns layout)"
                    for t in missing]
    title_of = {f: t for t, f in layout.columns.items()}
    found, problems = [], []
    for number, cells in enumerate(rows[layout.header_row:], start=layout.header_row + 1):
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in where.items()}
        if not values["account"]:
            continue
        raw = values["amount"]
        try:
            amount = parse_amount(raw) if layout.amount_format == "yuan" else _fen(raw)
        except MoneyError as exc:
            problems.append(f"{source} line {number}, column {title_of['amount']}: {raw!r}: {exc}")
            continue
        if not values["account"].isdigit():
            problems.append(f"{source} line {number}, column {title_of['account']}: {values['account']!r} is not an "
                            "account number")
            continue
        text = values.get("reason", "")
        found.append(BankReturnRow(number, values["account"], amount, text, reason_code(text, dict(layout.reasons)),
                                   values.get("household_id") or None, values.get("name") or None))
    return ([] if problems else found), problems


def _fen(raw: str) -> Decimal:
    if not raw.isdigit():
        raise MoneyError("an amount in fen is whole digits")
    return Decimal(int(raw)) / 100


def read_payment_file(bank: Bank, data: bytes) -> list[dict[str, str]]:
    """A payment file read back in its layout: the payment rows as field → text (control rows left out)."""
    if bank.format == "fixed":
        codec = _codec(bank.encoding)
        lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\r\n")[:-1]
        rows: list[list[str]] = []
        for raw in lines:
            cells, at = [], 0
            for cell in bank.columns:
                width = cell.width or 0
                cells.append(raw[at:at + width].decode(codec).strip(" "))
                at += width
            rows.append(cells)
    else:
        rows = rows_of(data, bank.format, bank.encoding, "payment file")
    body = rows[(1 if bank.header else 0) + (1 if bank.titles else 0):]
    if bank.trailer:
        body = body[:-1]
    return [{c.field: text for c, text in zip(bank.columns, row)} for row in body]
