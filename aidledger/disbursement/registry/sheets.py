"""What an uploaded registry file is, judged by its content, and an Excel workbook read as the CSV text the
registry's readers take.

Pure apart from reading the files it is given (no database, no web). A file's name says nothing: a county's
clerk renames a workbook `households.csv`, a system exports an HTML table as `.xls`. `file_kind` looks at the
bytes: a ZIP holding `xl/workbook.xml` is an Excel workbook (.xlsx, .xlsm); UTF-8 or other text without NUL bytes
is handed to the CSV readers as it is (which refuse any encoding but UTF-8 themselves, naming the line and byte);
anything else is refused with what it is and what to do, in Chinese: an old .xls (OLE2, which is also what an
.xlsx with an opening password is), an .xlsb, an .ods, a Word file, a picture, an archive, UTF-16 text.

`sheet_to_csv` writes the first worksheet of a workbook as a CSV file (openpyxl in read-only mode, so a county's
100,000 rows stream through; cached values, never formulas). Row 1 is the header, with the CSV files' column
names; every later row is written on the CSV line of the same number (empty rows as empty lines, which the readers
skip), so a problem the import finds at "line 12" is row 12 of the sheet. A cell becomes the text a CSV of the
same data would hold:

- text as it is; a date (a cell Excel formats as a date) as YYYY-MM-DD; a whole number as its digits, without
  ".0"; another number with Excel's 15 significant digits (1242.5, not 1242.4999999999998); TRUE and FALSE;
- refused, naming the cell: a number of more than 15 digits (Excel keeps 15, so the last digits of an id number
  or a bank account stored as a number are gone: 2.30523E+17; the reason asks for the column to be set to text),
  a formula's error value (#N/A, #VALUE!…), a line break inside a cell (it would move every later row off its
  line), and content to the right of the header's last name.

When the sheet has any such problem, the caller refuses the file with them and imports nothing: a lost id number
could still pass the check character by chance, one time in eleven.
"""

from __future__ import annotations

import csv
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

from aidledger.problems import Problem

from .county_words import DATE_COLUMNS, HEADERS

Kind = Literal["text", "xlsx"]

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97–2003: .xls, .doc, WPS .et, an encrypted .xlsx
ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
SAVE_AS = "请另存为 .xlsx 或 CSV（UTF-8）后上传"
# Binary files a clerk might pick by mistake, by their first bytes.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"%PDF-", "PDF 文件"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩文件"),
    (b"{\\rtf", "RTF 文档（写字板或 Word 保存的）"),
)
# A workbook is read only when what it unpacks to stays below this: a county's 100,000 households come to about
# 100 MB of sheet XML; a ZIP declaring more is refused before openpyxl reads it (a "zip bomb" would otherwise hold
# the worker for minutes). Python's zipfile never yields more than an entry declares.
UNPACKED_LIMIT = 2 * 1024 * 1024 * 1024
EXCEL_DIGITS = 15  # significant digits Excel keeps of a number
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!"})
ID_COLUMNS = frozenset({"id_number"})
MAX_SERIAL = 2958466  # Excel's last day, 9999-12-31
ACCOUNT_COLUMNS = frozenset({"bank_account"})


class NotAccepted(Exception):
    """The file is not one the registry reads: `reason` says what it is and what to do (Chinese, for the reader)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def file_kind(path: Path) -> Kind:
    """'xlsx' for an Excel workbook, 'text' for a file to hand to the CSV readers; else NotAccepted."""
    with path.open("rb") as handle:
        head = handle.read(4096)
        if head.startswith(ZIP):
            return _zip_kind(path)
        if head.startswith(OLE2):
            raise NotAccepted(f"是旧版 Excel（.xls）文件：{SAVE_AS}（设了打开密码的 .xlsx 也是这种格式：请先取消密码）")
        for signature, what in SIGNATURES:
            if head.startswith(signature):
                raise NotAccepted(f"是{what}，不是名册表格：请选择 CSV（UTF-8）或 Excel（.xlsx）文件")
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise NotAccepted("是 UTF-16 编码的文本（Excel 的“Unicode 文本”）：请在表格软件中“另存为 CSV UTF-8”后上传")
        opening = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:100].lower()
        if opening.startswith((b"<?xml", b"<html", b"<!doctype", b"<table", b"<meta")):
            raise NotAccepted("是网页（HTML）或 XML 格式的表格（有些系统导出的 .xls 实为这种格式），不是 CSV："
                              f"请在 Excel 中打开后{SAVE_AS}")
        chunk = head
        while chunk:
            if b"\x00" in chunk:
                raise NotAccepted("不是 CSV 文本文件（内容含二进制数据，可能是图片、Word 或其他程序的文件）："
                                  "请在表格软件中“另存为 CSV UTF-8”后再上传")
            chunk = handle.read(1 << 20)
    return "text"


def _zip_kind(path: Path) -> Kind:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "xl/workbook.xml" in names:
                if sum(entry.file_size for entry in entries) > UNPACKED_LIMIT:
                    raise NotAccepted(f"是 Excel 文件，但解压后超过 {UNPACKED_LIMIT >> 30} GB：请分成几个文件上传，"
                                      "或另存为 CSV（UTF-8）后上传")
                return "xlsx"
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except zipfile.BadZipFile:
        raise NotAccepted(f"像是 ZIP 或 Excel（.xlsx）文件，但已损坏，无法打开：请在 Excel 中重新{SAVE_AS}") from None
    if "xl/workbook.bin" in names:
        raise NotAccepted(f"是 Excel 二进制工作簿（.xlsb）：{SAVE_AS}")
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise NotAccepted(f"是 OpenDocument 表格（.ods，WPS 或 LibreOffice 保存的）：{SAVE_AS}")
    if "word/document.xml" in names:
        raise NotAccepted("是 Word 文档（.docx），不是名册表格：请选择 CSV（UTF-8）或 Excel（.xlsx）文件")
    if "ppt/presentation.xml" in names:
        raise NotAccepted("是 PowerPoint 演示文稿（.pptx），不是名册表格：请选择 CSV（UTF-8）或 Excel（.xlsx）文件")
    raise NotAccepted("是 ZIP 压缩包，不是名册表格：请解压后上传其中的 CSV（UTF-8）或 Excel（.xlsx）文件")


@dataclass
class Sheet:
    """What the first worksheet came to: its header (the column names of row 1) and the cells refused; the CSV
    written is to be imported only when `problems` is empty. A problem's `figures` hold the cell's value as
    ("value", text) and its reference as ("cell", "C5")."""

    header: tuple[str, ...] = ()
    rows: int = 0  # the rows written after the header, empty ones included
    problems: list[Problem] = field(default_factory=list)
    name: str = ""  # the worksheet read
    columns: tuple[str, ...] = ()  # the header's names as the columns they most likely are (canonical_column)
    epoch: datetime = datetime(1899, 12, 30)  # the workbook's date system (1900, or 1904 on an old Mac)
    merged: tuple[str, ...] = ()  # merged ranges the sheet declares, e.g. "A5:A7"


def sheet_to_csv(workbook: Path, out: Path, source: str, sheet_name: str | None = None,
                 role: str | None = None, after: str | None = None,
                 progress: Callable[[int], None] | None = None) -> Sheet:
    """Write a worksheet of `workbook` to `out` as UTF-8 CSV (see the module's docstring): the one named, else
    the one `choose_sheet` picks for `role`; problems name `source` (the file as it was sent) and the cell. An
    unreadable workbook, or a sheet it does not have, is NotAccepted."""
    sheet = Sheet()
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        rows = _rows(workbook, sheet, sheet_name, role, after)
        first = next(rows, None)
        if first is None:
            return sheet  # an empty sheet: the readers say the file needs a header row
        header = [_header_text(value, index, sheet, source) for index, value in enumerate(first)]
        while header and not header[-1].strip():
            header.pop()  # the trailing empty cells a formatted row carries
        if not header:
            sheet.problems.append(Problem.in_file(source, 1, None, "第一个工作表的第 1 行是空的：第 1 行须是列名，"
                                                  "与 CSV 文件的表头相同（如 household_id, county, …）"))
            return sheet
        sheet.header = tuple(header)
        sheet.columns = tuple(canonical_column(name.strip()) for name in header)
        writer.writerow(header)
        blank = 0  # empty rows not yet written: only rows that follow one are (the readers skip them)
        for number, values in enumerate(rows, start=2):
            sheet.rows += 1
            if progress is not None and sheet.rows % 1000 == 0:
                progress(1000)
            fields = _row_texts(values, number, sheet, source)
            if not any(text.strip() for text in fields):
                blank += 1
                continue
            for _ in range(blank):
                writer.writerow([])
            blank = 0
            writer.writerow(fields)
    for cells in sheet.merged:
        first_row = int("".join(ch for ch in cells.split(":")[0] if ch.isdigit()) or 0)
        sheet.problems.append(Problem(
            f"单元格 {cells} 是合并单元格：合并后只有左上角的格子有值，其余各行读出来是空的；请取消合并，"
            "并在每一行填上各自的值后重新上传", "sheet.merged", source, first_row, None,
            figures=(("cell", cells),)))
    return sheet


HOUSEHOLD_SHEETS = ("households", "家庭", "户", "家庭信息", "户信息", "家庭基本信息", "低保户", "救助对象")
MEMBER_SHEETS = ("members", "成员", "家庭成员", "成员信息", "家庭成员信息", "人员")
SHEETS_BY_ROLE = {"households": HOUSEHOLD_SHEETS, "members": MEMBER_SHEETS}


def choose_sheet(names: list[str], states: list[str], named: str | None, role: str | None,
                 after: str | None = None) -> str:
    """Which worksheet a file's rows are on: the one named (hidden or not: the clerk said so); else, for the
    households or the members of a registry, a visible sheet called so (家庭, 成员 …, SHEETS_BY_ROLE); else the
    first visible sheet, or, when `after` names the sheet another role already took from the same workbook
    (households and members in one workbook), the next visible one. Hidden sheets hold a clerk's working
    copies and lookup tables: never read unless named."""
    if named is not None:
        if named in names:
            return named
        raise NotAccepted(f"没有名为“{named}”的工作表：工作簿里的工作表是 {'、'.join(names)}")
    visible = [name for name, state in zip(names, states) if state == "visible"]
    if not visible:
        raise NotAccepted("工作簿里没有可见的工作表：请取消隐藏存放名册的工作表，或用 --sheet 指明")
    for wanted in SHEETS_BY_ROLE.get(role or "", ()):
        found = next((name for name in visible if name.strip().lower() == wanted), None)
        if found is not None:
            return found
    if after in visible and visible.index(after) + 1 < len(visible):
        return visible[visible.index(after) + 1]
    return visible[0]


def sheet_rows(workbook: Path) -> int:
    """The rows a workbook's visible sheets declare (their dimension), for a progress bar's estimate; 0 when the
    file cannot tell."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(workbook, read_only=True, data_only=True, keep_links=False)
        try:
            return sum(ws.max_row or 0 for ws in book.worksheets if ws.sheet_state == "visible")
        finally:
            book.close()
    except Exception:  # an estimate only: the import itself names what is wrong with the file
        return 0


def canonical_column(name: str) -> str:
    """A header name as the column it most likely is (户编号 → household_id), for judging a cell before the
    readers take the header: whether it holds an id number, an account or a date."""
    return HEADERS.get(name, (name,))[0]


def _rows(workbook: Path, sheet: Sheet, sheet_name: str | None = None, role: str | None = None,
          after: str | None = None) -> Iterator[tuple[object, ...]]:
    """A worksheet's rows, as values (cached results of formulas), row 1 first; every row number in turn,
    the missing ones as empty rows. Records in `sheet` the sheet's name, the workbook's date system and, once
    every row is read, the merged cells the sheet declares."""
    from openpyxl import load_workbook  # only an Excel upload pays for importing it

    def unreadable(exc: Exception) -> NotAccepted:
        return NotAccepted(f"无法读取这个 Excel 文件（{type(exc).__name__}）：请在 Excel 中打开后{SAVE_AS}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on styles and extensions it does not read
        try:
            book = load_workbook(workbook, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises what its parts raise for a damaged file (KeyError, ParseError…)
            raise unreadable(exc) from None
        try:
            if not book.worksheets:
                raise NotAccepted("工作簿里没有工作表：请把名册放在第一个工作表中")
            sheet.name = choose_sheet(book.sheetnames, [ws.sheet_state for ws in book.worksheets], sheet_name,
                                      role, after)
            worksheet = book[sheet.name]
            sheet.epoch = book.epoch
            # The dimension a file declares may be wrong (some programs write A1): read every row it holds.
            reset = getattr(worksheet, "reset_dimensions", None)
            if reset is not None:
                reset()
            values = worksheet.iter_rows(values_only=True)
            while True:
                try:
                    row = next(values)
                except StopIteration:
                    break
                except Exception as exc:  # a damaged sheet, met while reading it
                    raise unreadable(exc) from None
                yield tuple(row)
            sheet.merged = _merged_cells(book, worksheet)
        finally:
            book.close()


MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def _merged_cells(book: object, worksheet: object) -> tuple[str, ...]:
    """The ranges a sheet's XML declares merged (read-only openpyxl does not parse them): they come after the
    sheet's data, so the part is read through once more, in chunks (a second or so at 100,000 rows)."""
    path = getattr(worksheet, "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if path is None or archive is None:
        return ()
    found: dict[str, None] = {}
    tail = b""
    with archive.open(path) as part:
        while chunk := part.read(1 << 20):
            text = tail + chunk  # a ref cut at a chunk's end is whole in the next one's overlap
            found.update(dict.fromkeys(match.decode() for match in MERGE_CELL.findall(text)))
            tail = text[-200:]
    return tuple(found)


def _row_texts(values: tuple[object, ...], number: int, sheet: Sheet, source: str) -> list[str]:
    width = len(sheet.header)
    fields = [""] * width
    for index, value in enumerate(values):
        if value is None:
            continue
        column = sheet.header[index] if index < width else None
        text = _cell_text(value, column, number, index, sheet, source)
        if index < width:
            fields[index] = text
        elif text.strip():
            _refuse(sheet, source, number, index, None, text,
                    f"单元格 {_cell(index, number)} 在表头之外（第 1 行只有 {width} 个列名）却有内容："
                    "请删去，或在第 1 行补上列名")
    return fields


def _header_text(value: object, index: int, sheet: Sheet, source: str) -> str:
    return "" if value is None else _cell_text(value, None, 1, index, sheet, source)


def _cell_text(value: object, column: str | None, number: int, index: int, sheet: Sheet, source: str) -> str:
    """The cell as CSV text; a refused cell is recorded in `sheet` and reads as its text shown."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)) and column is not None and _canonical(sheet, index) in DATE_COLUMNS:
        serial = _whole(value)
        if serial is not None and 0 < int(serial) < MAX_SERIAL:
            # A date cell formatted as a number (44621): Excel's day count, in the workbook's date system.
            return (sheet.epoch + timedelta(days=int(serial))).date().isoformat()
    if isinstance(value, (int, float)):
        digits = _whole(value)
        if digits is None:
            return format(value, f".{EXCEL_DIGITS}g")
        if len(digits.lstrip("-")) <= EXCEL_DIGITS:
            return digits
        shown = _as_excel_shows(value)
        cell = _cell(index, number)
        column = _canonical(sheet, index)
        if column in ID_COLUMNS:
            reason = f"单元格 {cell}：身份证号被 Excel 存为数字（{shown}），末位已丢失：请把该列设为文本后重新填写"
        elif column in ACCOUNT_COLUMNS:
            reason = (f"单元格 {cell}：银行账号被 Excel 存为数字（{shown}），第 15 位之后已丢失："
                      "请把该列设为文本后重新填写")
        else:
            reason = (f"单元格 {cell}：数字 {shown} 超过 15 位，Excel 只保留 15 位有效数字，末位已丢失："
                      "请把该列设为文本后重新填写")
        _refuse(sheet, source, number, index, column, shown, reason)
        return shown
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    text = str(value)
    if text.strip() in ERROR_VALUES:
        _refuse(sheet, source, number, index, column, text,
                f"单元格 {_cell(index, number)} 是公式的错误值 {text.strip()}：请改正公式或填写数值后重新上传")
    elif "\n" in text or "\r" in text:
        _refuse(sheet, source, number, index, column, text.replace("\r", "").replace("\n", " "),
                f"单元格 {_cell(index, number)} 内有换行：请删去换行后重新上传")
    return text


def _canonical(sheet: Sheet, index: int) -> str | None:
    return sheet.columns[index] if index < len(sheet.columns) else None


def _whole(value: int | float) -> str | None:
    """The digits of a whole number (an int, or a float without a fraction), else None."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
        return None
    return str(int(value))


def _as_excel_shows(value: int | float) -> str:
    """A long number as a cell formatted as a number shows it: 15 significant digits, then zeros."""
    return str(int(float(format(value, f".{EXCEL_DIGITS - 1}e"))))


def column_letter(index: int) -> str:
    """A column's letters as Excel shows them: C for the third (index 2)."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _cell(index: int, number: int) -> str:
    """A cell's name as Excel shows it: C5 for the third column of row 5."""
    return f"{column_letter(index)}{number}"


def _refuse(sheet: Sheet, source: str, number: int, index: int, column: str | None, shown: str, reason: str) -> None:
    sheet.problems.append(Problem(reason, "sheet.cell", source, number, column,
                                  figures=(("value", shown), ("cell", _cell(index, number)))))
