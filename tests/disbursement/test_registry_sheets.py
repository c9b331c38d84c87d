"""Registry files judged by their content, and Excel workbooks read as the CSV the registry's readers take
(aidledger/disbursement/registry/sheets.py): the worked example as a workbook imports to the very registry its CSV
files do; a number that lost digits, a formula's error, a line break or a cell outside the header is refused
naming the cell; an old .xls, a picture, an archive or UTF-16 text is refused with what it is."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import Cli
from sqlalchemy import select
from support import ADMIN, EXAMPLE_POLICIES, EXAMPLES, PREPARER

from aidledger import db as dbmod
from aidledger.disbursement.registry.sheets import NotAccepted, file_kind, sheet_to_csv
from aidledger.disbursement.registry.tables import HouseholdRow, MemberRow

REGISTRY = EXAMPLES / "registry"
DATES = {"approved_on", "birth_date", "death_date", "date"}
NUMBERS = {"monthly_income", "county", "township", "disability_grade"}


def example_rows(name: str) -> list[list[str]]:
    with (REGISTRY / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def typed(column: str, text: str) -> object:
    """A CSV cell as a clerk's workbook holds it: dates as dates, figures as numbers, ids and accounts as text."""
    if text == "":
        return None
    if column in DATES:
        return date.fromisoformat(text)
    if column in NUMBERS:
        return int(text) if text.isdigit() else float(text)
    return text


def workbook(path: Path, rows: list[list[object]], *, title: str = "名册") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def example_workbook(folder: Path, name: str) -> Path:
    rows = example_rows(name)
    header = rows[0]
    return workbook(folder / name.replace(".csv", ".xlsx"),
                    [header] + [[typed(c, v) for c, v in zip(header, row)] for row in rows[1:]])


def converted(path: Path, tmp_path: Path, source: str = "h.xlsx"):
    out = tmp_path / "converted.csv"
    sheet = sheet_to_csv(path, out, source)
    return sheet, out.read_text(encoding="utf-8")


# ---- what a file is ------------------------------------------------------------------------------------------


def test_an_example_workbook_is_written_as_the_example_csv(tmp_path):
    for name in ("households.csv", "members.csv", "events.csv"):
        path = example_workbook(tmp_path, name)
        assert file_kind(path) == "xlsx"
        sheet, text = converted(path, tmp_path, path.name)
        assert not sheet.problems
        assert text.splitlines() == (REGISTRY / name).read_text(encoding="utf-8-sig").splitlines(), name
        assert sheet.header == tuple(example_rows(name)[0])


@pytest.mark.parametrize(("content", "words"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ["旧版 Excel（.xls）", "另存为 .xlsx 或 CSV（UTF-8）"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["PNG 图片"]),
    (b"%PDF-1.7\n", ["PDF 文件"]),
    (b"PK\x03\x04\x14\x00\x06\x00", ["已损坏"]),
    ("household_id,kind\n".encode("utf-16"), ["UTF-16"]),
    (b"<html><body><table><tr><td>H001</td></tr></table>", ["网页（HTML）"]),
    (b"household_id,kind\nH001,\x00\x01\n", ["二进制"]),
])
def test_files_that_are_no_registry_table_are_refused_by_their_content(tmp_path, content, words):
    path = tmp_path / "households.csv"  # the name says CSV: it is not what decides
    path.write_bytes(content)
    with pytest.raises(NotAccepted) as refused:
        file_kind(path)
    assert all(w in refused.value.reason for w in words), refused.value.reason


def zipped(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_archives_that_are_not_workbooks_say_what_they_are(tmp_path):
    cases = (({"households.csv": b"household_id\n"}, "ZIP 压缩包"),
             ({"word/document.xml": b"<w/>"}, "Word 文档"),
             ({"xl/workbook.bin": b"\x00"}, ".xlsb"),
             ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}, ".ods"))
    for entries, words in cases:
        with pytest.raises(NotAccepted) as refused:
            file_kind(zipped(tmp_path / "h.xlsx", entries))
        assert words in refused.value.reason, (entries, refused.value.reason)


def test_utf8_and_gbk_text_go_to_the_csv_readers_which_judge_the_encoding(tmp_path):
    for encoding in ("utf-8", "utf-8-sig", "gbk"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes("household_id,kind,date,value\nH001,suspend,2022-03-15,核查\n".encode(encoding))
        assert file_kind(path) == "text"


def test_a_damaged_workbook_is_refused(tmp_path):
    path = zipped(tmp_path / "h.xlsx", {"xl/workbook.xml": b"<not a workbook", "[Content_Types].xml": b"<x"})
    assert file_kind(path) == "xlsx"
    with pytest.raises(NotAccepted) as refused:
        sheet_to_csv(path, tmp_path / "out.csv", "h.xlsx")
    assert "无法读取这个 Excel 文件" in refused.value.reason


# ---- cells -----------------------------------------------------------------------------------------------------


def test_an_id_number_stored_as_a_number_is_refused_naming_the_cell(tmp_path):
    header = ["household_id", "id_number", "name", "relation", "birth_date"]
    path = workbook(tmp_path / "m.xlsx", [header,
                                          ["H001", "230523197705100113", "王建国", "head", date(1977, 5, 10)],
                                          ["H001", 2.30523197809020e17, "马玉梅", "spouse", None],
                                          ["H001", 230523201206150318, "王子涵", "child", None]])
    sheet, _ = converted(path, tmp_path, "members.xlsx")
    assert [(p.source, p.line, p.column) for p in sheet.problems] == [("members.xlsx", 3, "id_number"),
                                                                    ("members.xlsx", 4, "id_number")]
    first = sheet.problems[0]
    assert first.what == ("单元格 B3：身份证号被 Excel 存为数字（230523197809020000），末位已丢失："
                          "请把该列设为文本后重新填写")
    assert dict(first.figures) == {"value": "230523197809020000", "cell": "B3"}
    assert "单元格 B4" in sheet.problems[1].what  # 18 digits as a number: more than Excel keeps, refused too


def test_a_long_bank_account_as_a_number_is_refused_a_short_one_is_its_digits(tmp_path):
    header = ["household_id", "bank_account", "monthly_income"]
    path = workbook(tmp_path / "h.xlsx", [header, ["H001", 6217000010000000011, 900],
                                          ["H002", 621700001000011, 600]])
    sheet, text = converted(path, tmp_path)
    assert [(p.line, p.column) for p in sheet.problems] == [(2, "bank_account")]
    assert "银行账号被 Excel 存为数字" in sheet.problems[0].what and "单元格 B2" in sheet.problems[0].what
    assert text.splitlines()[2] == "H002,621700001000011,600"


def test_cells_become_the_text_the_csv_would_hold(tmp_path):
    header = ["household_id", "approved_on", "monthly_income", "tier", "shared_account", "payee_name"]
    path = workbook(tmp_path / "h.xlsx", [
        header,
        ["H001", date(2021, 6, 15), 900.0, None, None, "  王建国 "],
        ["H002", datetime(2021, 6, 15, 0, 0), 1242.5, "A", True, "李秀英"],
        ["H003", datetime(2021, 6, 15, 8, 30), 0.1 + 0.2, 2, False, "张德明"],
    ])
    sheet, text = converted(path, tmp_path)
    assert not sheet.problems
    assert text.splitlines() == [
        ",".join(header),
        "H001,2021-06-15,900,,,  王建国 ",  # spaces are the readers' to drop, as from a CSV
        "H002,2021-06-15,1242.5,A,TRUE,李秀英",
        "H003,2021-06-15 08:30:00,0.3,2,FALSE,张德明",  # a time of day stays, for the date check to refuse
    ]


def test_empty_rows_keep_every_later_row_on_its_line(tmp_path):
    header = ["household_id", "kind", "date", "value"]
    path = workbook(tmp_path / "e.xlsx", [header, ["H001", "income", date(2022, 3, 1), 900], [], [None, "  "],
                                          ["H002", "income", date(2022, 3, 1), 600], [], []])
    sheet, text = converted(path, tmp_path)
    lines = text.splitlines()
    assert lines[4] == "H002,income,2022-03-01,600" and len(lines) == 5  # row 5 on line 5; trailing rows dropped
    assert lines[2] == lines[3] == ""


def test_error_values_line_breaks_and_cells_beyond_the_header_are_refused(tmp_path):
    header = ["household_id", "name", None, None]
    path = workbook(tmp_path / "m.xlsx", [header, ["H001", "#N/A"], ["H001", "王\n建国"],
                                          ["H001", "王建国", None, "备注"]])
    sheet, _ = converted(path, tmp_path)
    assert sheet.header == ("household_id", "name")  # the trailing empty header cells are no columns
    reasons = [(p.line, p.column, p.what) for p in sheet.problems]
    assert reasons == [
        (2, "name", "单元格 B2 是公式的错误值 #N/A：请改正公式或填写数值后重新上传"),
        (3, "name", "单元格 B3 内有换行：请删去换行后重新上传"),
        (4, None, "单元格 D4 在表头之外（第 1 行只有 2 个列名）却有内容：请删去，或在第 1 行补上列名"),
    ]


def test_an_empty_header_row_is_refused_and_an_empty_sheet_is_left_to_the_readers(tmp_path):
    sheet, _ = converted(workbook(tmp_path / "a.xlsx", [[None, None], ["H001", "x"]]), tmp_path)
    assert len(sheet.problems) == 1 and "第 1 行是空的" in sheet.problems[0].what
    sheet, text = converted(workbook(tmp_path / "b.xlsx", []), tmp_path)
    assert not sheet.problems and text == ""


def test_a_wrong_dimension_in_the_file_loses_no_row(tmp_path):
    """Some programs write the sheet's dimension as A1: read-only openpyxl would stop there; every row is read."""
    path = workbook(tmp_path / "h.xlsx", [["household_id", "kind"], ["H001", "resume"], ["H002", "resume"]])
    data = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data[name] = archive.read(name)
    sheet_xml = data["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:B3" />' in sheet_xml
    data["xl/worksheets/sheet1.xml"] = sheet_xml.replace('<dimension ref="A1:B3" />', '<dimension ref="A1" />').encode()
    zipped(path, data)
    _, text = converted(path, tmp_path)
    assert text.splitlines() == ["household_id,kind", "H001,resume", "H002,resume"]


def test_the_first_sheet_is_read(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["household_id", "kind"])
    book.active.append(["H001", "resume"])
    book.create_sheet("说明").append(["这是说明页"])
    book.save(tmp_path / "e.xlsx")
    _, text = converted(tmp_path / "e.xlsx", tmp_path)
    assert text == "household_id,kind\nH001,resume\n"


# ---- the same registry -----------------------------------------------------------------------------------------


def registry_rows(url: str) -> tuple[list[tuple], list[tuple]]:
    """Households and members as stored, without the import they came with (its id, its files' names)."""
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            def rows(table, order):
                columns = [c for c in table.__table__.columns if c.name not in ("import_id", "id")]
                return [tuple(r) for r in session.execute(select(*columns).order_by(*order))]
            return (rows(HouseholdRow, [HouseholdRow.household_id]),
                    rows(MemberRow, [MemberRow.household_id, MemberRow.id_number]))
    finally:
        database.dispose()


def test_the_example_workbooks_import_to_the_registry_the_csv_files_make(county, templates, backend, tmp_path):
    assert county("registry", "import", "--households", REGISTRY / "households.csv",
                  "--members", REGISTRY / "members.csv", user=PREPARER).exit_code == 0
    other = Cli(templates[backend]())
    assert other("user", "add", ADMIN, "--role", "admin").exit_code == 0
    assert other("user", "add", PREPARER, "--role", "preparer", user=ADMIN).exit_code == 0
    assert other("policy", "load", *EXAMPLE_POLICIES, user=ADMIN).exit_code == 0
    written = []
    for name in ("households.csv", "members.csv"):
        (tmp_path / name).mkdir()
        out = tmp_path / name / name.replace(".csv", ".xlsx")  # problems and the import name the workbook
        sheet = sheet_to_csv(example_workbook(tmp_path, name), out, out.name)
        assert not sheet.problems
        written.append(out)
    result = other("registry", "import", "--households", written[0], "--members", written[1], user=PREPARER)
    assert result.exit_code == 0, result.output
    households, members = registry_rows(other.url)
    assert (households, members) == registry_rows(county.url)
    assert len(households) == 11 and len(members) == 23


def test_a_converted_file_is_a_plain_utf8_csv(tmp_path):
    sheet, text = converted(example_workbook(tmp_path, "members.csv"), tmp_path)
    assert list(csv.reader(io.StringIO(text)))[1][2] == "王建国"
    assert sheet.rows == 23
