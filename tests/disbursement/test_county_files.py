"""Registry files as counties have them (issue 19): Excel workbooks, GBK CSV, Chinese headers and values, every
problem to a file. Workbooks are written by openpyxl, GBK by Python's codec; what they come to is compared with
what the spec's UTF-8 CSV files come to."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from county_files import write_gbk_events, write_workbook
from openpyxl import Workbook
from support import EXAMPLES, PREPARER, assert_refused, snapshot

from aidledger.disbursement.registry.inputs import Wanted, inputs
from aidledger.disbursement.registry.readers import read_events, read_households, read_members

REGISTRY = EXAMPLES / "registry"
TODAY = date(2022, 6, 30)


def records(items):
    return [item for item in items if not hasattr(item, "what")]


def problems(items):
    return [item for item in items if hasattr(item, "what")]


def read_both(households_file, members_file, **sheets):
    with inputs([Wanted(str(households_file), "households", sheets.get("households")),
                 Wanted(str(members_file), "members", sheets.get("members"))]) as (h, m):
        with h.lines() as lines:
            hs = list(read_households(lines, h.name, today=TODAY))
        with m.lines() as lines:
            ms = list(read_members(lines, m.name, today=TODAY))
        return hs, ms, (h, m)



def test_a_county_workbook_reads_as_the_example_csv_files(tmp_path):
    book = write_workbook(tmp_path / "名册.xlsx", REGISTRY / "households.csv", REGISTRY / "members.csv")
    hs, ms, (h, m) = read_both(book, book)
    assert problems(hs) == [] and problems(ms) == []
    assert (h.sheet.name, m.sheet.name) == ("家庭", "成员")  # the hidden 代码表 is never read
    assert h.name == "名册.xlsx（家庭）" and h.described() == "名册.xlsx: Excel workbook, sheet 家庭"
    csv_hs, csv_ms, _ = read_both(REGISTRY / "households.csv", REGISTRY / "members.csv")
    assert records(hs) == records(csv_hs) and len(records(hs)) == 11
    assert records(ms) == records(csv_ms)


def test_sheets_are_found_by_name_by_order_or_as_told(tmp_path):
    from openpyxl import load_workbook

    book = write_workbook(tmp_path / "b.xlsx", REGISTRY / "households.csv", REGISTRY / "members.csv")
    renamed = load_workbook(book)
    renamed["家庭"].title, renamed["成员"].title = "Sheet1", "Sheet2"
    renamed.save(tmp_path / "plain.xlsx")
    hs, ms, (h, m) = read_both(tmp_path / "plain.xlsx", tmp_path / "plain.xlsx")
    assert (h.sheet.name, m.sheet.name) == ("Sheet1", "Sheet2") and len(records(ms)) == 23
    hs, ms, (h, m) = read_both(book, book, households="家庭", members="成员")
    assert len(records(hs)) == 11
    with pytest.raises(Exception) as caught:
        read_both(book, book, households="低保")
    assert "没有名为“低保”的工作表" in str(caught.value) and "家庭、成员、代码表" in str(caught.value)


def test_gbk_events_with_chinese_words_and_excel_dates_read_as_the_csv(tmp_path):
    gbk = write_gbk_events(tmp_path / "三月变动.csv", REGISTRY / "events.csv")
    assert "收入变化".encode("gbk") in gbk.read_bytes() and b"/" in gbk.read_bytes()
    with inputs([Wanted(str(gbk), "events")]) as (events,):
        with events.lines() as lines:
            read = list(read_events(lines, events.name, today=TODAY))
        assert events.seen == "gb18030" and events.described() == "三月变动.csv: GB18030 (GBK)"
    with inputs([Wanted(str(REGISTRY / "events.csv"), "events")]) as (plain,):
        with plain.lines() as lines:
            expected = list(read_events(lines, plain.name, today=TODAY))
    assert problems(read) == [] and len(records(read)) == len(records(expected)) > 0
    assert [(e.household_id, e.kind, e.date, e.value) for e in records(read)] == [
        (e.household_id, e.kind, e.date, e.value) for e in records(expected)]


def test_an_encoding_can_be_forced_and_a_wrong_one_is_named_with_its_line(tmp_path):
    text = (REGISTRY / "households.csv").read_text(encoding="utf-8")
    path = tmp_path / "h.csv"
    path.write_bytes(text.encode("gb18030"))
    with inputs([Wanted(str(path), "households", encoding="utf-8")]) as (h,):
        with h.lines() as lines:
            found = problems(list(read_households(lines, h.name, today=TODAY)))
    assert [(p.line, p.what.split(" (")[0]) for p in found] == [(2, "not UTF-8")]
    with inputs([Wanted(str(path), "households", encoding="gbk")]) as (h,):
        with h.lines() as lines:
            assert len(records(list(read_households(lines, h.name, today=TODAY)))) == 11
        assert h.described() == "h.csv: GB18030 (GBK) (forced)"
    lines_ = text.splitlines(keepends=True)
    mixed = "".join(lines_[:4]).encode("gbk") + "".join(lines_[4:]).encode("utf-8")
    path.write_bytes(mixed)
    with inputs([Wanted(str(path), "households")]) as (h,):
        with h.lines() as lines:
            found = problems(list(read_households(lines, h.name, today=TODAY)))
    assert [(p.line, "mixes encodings" in p.what) for p in found] == [(5, True)]
    path.write_bytes(text.encode("utf-8") + "H099,230523,230523100,urban,dibao,0,2021-06-15,,stable,,李四,"
                     "6217000010000000990\n".encode("gbk"))
    with inputs([Wanted(str(path), "households")]) as (h,):
        with h.lines() as lines:
            found = problems(list(read_households(lines, h.name, today=TODAY)))
    assert [(p.line, "(it reads as GB18030/GBK), although the lines before are" in p.what) for p in found] == [
        (13, True)]


def _sheet(tmp_path, rows, name="h.xlsx", setup=None):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    if setup:
        setup(book)
    book.save(tmp_path / name)
    return tmp_path / name


HEAD = ["户编号", "县区代码", "乡镇代码", "城乡类别", "救助类别", "家庭月收入", "批准日期", "收入类型", "收款人",
        "银行账号"]
ROW = ["H100", "230523", "230523100", "城镇", "低保", 600, date(2021, 6, 15), "收入稳定", "张三", "6217000010000001001"]


def _read_one(path):
    with inputs([Wanted(str(path), "households")]) as (h,):
        with h.lines() as lines:
            items = list(read_households(lines, h.name, today=TODAY))
        return records(items), [*h.problems, *problems(items)]


def test_cells_excel_gets_wrong_are_read_right_or_refused_with_the_reason(tmp_path):
    serial = (date(2021, 6, 15) - date(1899, 12, 30)).days
    found, refused = _read_one(_sheet(tmp_path, [HEAD, [*ROW[:6], serial, *ROW[7:]]]))
    assert refused == [] and found[0].approved_on == date(2021, 6, 15)  # a date formatted as a number
    found, refused = _read_one(_sheet(tmp_path, [HEAD, [*ROW[:9], 6217000010000001001]]))
    assert [("银行账号被 Excel 存为数字" in p.what, p.line) for p in refused][:1] == [(True, 2)]

    def merged(book):
        book.active.merge_cells("A2:A3")
    found, refused = _read_one(_sheet(tmp_path, [HEAD, ROW, ["", *ROW[1:]]], setup=merged))
    assert any("A2:A3 是合并单元格" in p.what for p in refused)

    def hidden_first(book):
        extra = book.create_sheet("草稿", 0)
        extra.append(["不是名册"])
        extra.sheet_state = "hidden"
    found, refused = _read_one(_sheet(tmp_path, [HEAD, ROW], setup=hidden_first))
    assert refused == [] and [h.household_id for h in found] == ["H100"]


def test_import_through_the_cli_stores_the_workbook_and_names_how_it_read(county, tmp_path):
    book = write_workbook(tmp_path / "名册.xlsx", REGISTRY / "households.csv", REGISTRY / "members.csv")
    result = county("registry", "import", "--workbook", str(book), user=PREPARER)
    assert result.exit_code == 0, result.output
    assert "read 名册.xlsx: Excel workbook, sheet 家庭" in result.stderr
    assert "stored 11 households, 23 members" in result.stdout
    gbk = write_gbk_events(tmp_path / "三月变动.csv", REGISTRY / "events.csv")
    result = county("registry", "events", str(gbk), user=PREPARER)
    assert result.exit_code == 0 and "read 三月变动.csv: GB18030 (GBK)" in result.stderr
    shown = json.loads(county("registry", "show", "H001", "--on", "2022-01-01", "--json", user=PREPARER).stdout)
    assert (shown["area"], shown["program"], shown["members"][0]["relation"]) == ("urban", "dibao", "head")
    again = county("registry", "import", "--workbook", str(book), user=PREPARER)
    assert again.exit_code == 0 and "nothing changed" in again.stdout


def test_every_problem_goes_to_the_errors_file_and_nothing_is_stored(county, tmp_path):
    rows = [HEAD] + [[f"H{n:03d}", "230523", "230523100", "城里", "低保", 600, date(2021, 6, 15), "收入稳定",
                      f"户{n}", f"62170000100000{n:05d}"] for n in range(300)]
    book = _sheet(tmp_path, rows, "名册.xlsx")
    members = tmp_path / "成员.csv"
    members.write_text("户编号,身份证号,姓名,与户主关系\n", encoding="utf-8")
    before = snapshot(county.url)
    errors = tmp_path / "problems.csv"
    result = county("registry", "import", "--households", str(book), "--members", str(members),
                    "--errors", str(errors), user=PREPARER)
    assert_refused(result, "名册.xlsx（Sheet） line 2, column area", f"is listed in {errors}")
    assert snapshot(county.url) == before
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        listed = list(csv.reader(handle))
    assert listed[0] == ["文件", "工作表", "行", "列", "值", "原因"]
    area = [row for row in listed[1:] if row[3] == "area"]
    assert len(area) == 300 and area[0][:5] == ["名册.xlsx", "Sheet", "2", "area", "城里"]
    assert len(listed) - 1 > 200  # more than the refusal shows
    clean = county("registry", "import", "--households", str(REGISTRY / "households.csv"), "--members",
                   str(REGISTRY / "members.csv"), "--errors", str(errors), user=PREPARER)
    assert clean.exit_code == 0 and errors.read_bytes() == "\ufeff文件,工作表,行,列,值,原因\r\n".encode()


def test_files_that_are_no_registry_are_refused_before_reading(county, tmp_path):
    old = tmp_path / "名册.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = county("registry", "import", "--workbook", str(old), user=PREPARER)
    assert_refused(result, "名册.xls 是旧版 Excel（.xls）文件")
    result = county("registry", "events", str(REGISTRY / "events.csv"), "--sheet", "x", user=PREPARER)
    assert_refused(result, "is a text (CSV) file, not an Excel workbook")
    result = county("registry", "events", str(REGISTRY / "events.csv"), "--encoding", "latin-1", user=PREPARER)
    assert_refused(result, "unknown encoding 'latin-1'")


def test_a_workbook_where_a_csv_was_expected_is_read_from_its_first_visible_sheet(tmp_path):
    from aidledger.disbursement.registry.csv_source import open_registry_file

    book = _sheet(tmp_path, [HEAD, ROW, [*ROW[:9], 6217000010000001001]])
    with open_registry_file(book, "h.xlsx") as lines:
        items = list(read_households(lines, "h.xlsx", today=TODAY))
    assert [h.household_id for h in records(items)][:1] == ["H100"]  # the load refuses: the cell's problem
    assert [(p.source, p.line, "银行账号被 Excel 存为数字" in p.what) for p in problems(items)][:1] == [
        ("h.xlsx", 3, True)]
