"""Workbooks as plain rows of text (pure): written byte-for-byte reproducibly, read without formulas or floats.

openpyxl stamps a workbook with the clock (its core properties and every zip entry's date): a re-export must be
the same bytes, so both are set from a date the caller takes from the data (the cycle's approval).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.writer.excel import ExcelWriter

from aidledger.errors import Refusal


def write_rows(rows: Iterable[Sequence[str]], stamp: datetime, sheet: str = "Sheet1") -> bytes:
    """A one-sheet workbook of text cells (amounts as text: exact, and as the bank's own files show them)."""
    book = Workbook(write_only=True)
    book.properties.creator = "aidledger"
    moment = stamp.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = moment
    ws = book.create_sheet(sheet)
    for row in rows:
        ws.append(list(row))
    raw = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_dates(raw.getvalue(), moment)


def _fixed_dates(data: bytes, moment: datetime) -> bytes:
    """The archive rewritten with every entry dated `moment` (zip dates start in 1980)."""
    when = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def cell_text(value: object) -> str:
    """A cell as text. A number the bank typed is read through its shortest decimal form (repr), which is exact for
    any amount of two decimals that a float can stand for, so no float reaches the books."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def read_rows(data: bytes, source: str) -> list[list[str]]:
    """The first sheet's rows as text (read-only; values, not formulas)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Refusal(f"{source}: 不是可读的 Excel 工作簿 (.xlsx): {exc}") from None
    try:
        sheet = book.worksheets[0]
        return [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
