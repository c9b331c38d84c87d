"""A bank's payment file in its own layout (pure): csv, xlsx or fixed-width text, in the bank's encoding.

Rows: the header control row (if the layout has one), the column titles (`titles`), one row per payment in the
order given, the trailer control row. Fixed-width cells are measured in bytes of the file's encoding (a Chinese
character is 2 bytes in gb18030, 3 in utf-8), padded with `fill` on the side `align` leaves free; a value wider
than its cell is refused naming the household, never cut. Lines end in CRLF, as banks' Windows systems expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from aidledger.errors import Refusal
from aidledger.masking import mask

from . import xlsx
from .layout import Bank, Cell


@dataclass(frozen=True)
class Payment:
    """One household's payment as the bank sees it (no id number: the bank needs the account and the name)."""

    household_id: str
    payee_name: str
    bank_account: str
    amount: Decimal
    purpose: str


@dataclass(frozen=True)
class PaymentFile:
    bank: Bank
    name: str
    data: bytes
    count: int
    total: Decimal


def amount_text(amount: Decimal, fmt: str) -> str:
    """1242.00 as "1242.00" (yuan) or "124200" (fen)."""
    return f"{amount:.2f}" if fmt == "yuan" else str(int(amount * 100))


def _line_value(cell: Cell, n: int, payment: Payment, month: str) -> str:
    field = cell.field
    if field == "seq":
        return str(n)
    if field == "amount":
        return amount_text(payment.amount, cell.amount_format)
    if field == "month":
        return month
    if field == "literal":
        return cell.value
    return str(getattr(payment, field))


def _control_value(cell: Cell, bank: Bank, month: str, cycle_id: int, count: int, total: Decimal) -> str:
    return {"count": lambda: str(count), "total": lambda: amount_text(total, cell.amount_format),
            "month": lambda: month, "code": lambda: bank.code, "cycle": lambda: str(cycle_id),
            "literal": lambda: cell.value}[cell.field]()


def _codec(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _encodable(bank: Bank, text: str, where: str, problems: list[str]) -> bool:
    try:
        text.encode(_codec(bank.encoding))
    except UnicodeEncodeError as exc:
        problems.append(f"{bank.name}: {where}: {text[exc.start:exc.end]!r} cannot be written in {bank.encoding}")
        return False
    return True


def _fixed_cell(bank: Bank, cell: Cell, text: str, where: str, problems: list[str]) -> bytes:
    data = text.encode(_codec(bank.encoding), errors="replace")
    width = cell.width or len(data)
    if len(data) > width:
        problems.append(f"{bank.name}: {where}: {len(data)} bytes do not fit column {cell.title or cell.field} "
                        f"of width {width}")
        return data[:width]
    pad = cell.fill.encode("ascii") * (width - len(data))
    return pad + data if cell.align == "right" else data + pad


def payment_file(bank: Bank, payments: Sequence[Payment], month: str, cycle_id: int, stamp: datetime) -> PaymentFile:
    """The bank's file for its payments; `stamp` dates an xlsx file (the same data, the same bytes)."""
    count, total = len(payments), sum((p.amount for p in payments), Decimal("0.00"))
    problems: list[str] = []
    rows: list[list[tuple[Cell, str, str]]] = []  # cells with their text and where they are (for messages)
    if bank.header:
        rows.append([(c, _control_value(c, bank, month, cycle_id, count, total), "header") for c in bank.header])
    if bank.titles:
        rows.append([(c, c.title, "titles") for c in bank.columns])
    for n, payment in enumerate(payments, start=1):
        where = f"household {payment.household_id} (account {mask(payment.bank_account)})"
        rows.append([(c, _line_value(c, n, payment, month), where) for c in bank.columns])
    if bank.trailer:
        rows.append([(c, _control_value(c, bank, month, cycle_id, count, total), "trailer") for c in bank.trailer])
    for row in rows:
        for _, text, where in row:
            _encodable(bank, text, where, problems)
    if bank.format == "xlsx":
        data = xlsx.write_rows(([text for _, text, _ in row] for row in rows), stamp)
    elif bank.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in rows:
            writer.writerow([text for _, text, _ in row])
        data = out.getvalue().encode(_codec(bank.encoding), errors="replace")
    else:
        data = b"".join(b"".join(_fixed_cell(bank, c, text, where, problems) for c, text, where in row) + b"\r\n"
                        for row in rows)
    if problems:
        raise Refusal(problems)
    if bank.encoding == "utf-8-sig" and bank.format != "xlsx":
        data = b"\xef\xbb\xbf" + data
    return PaymentFile(bank, bank.name_of_file(month, cycle_id), data, count, total)
