"""`report register`: the payment register (发放花名册) of a cycle, read back from the PDF it writes."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from report_helpers import (
    PAGE_MARK,
    allocate,
    amounts_in,
    approve,
    line_starting,
    load_example,
    money,
    ok,
    pdf_pages,
    render_pages,
    run_cycle,
    show,
)
from support import assert_refused

from aidledger.errors import Refusal
from aidledger.masking import mask
from aidledger.reports.pdf.register import (
    CARRIED,
    END_BLOCK,
    ROWS_PER_PAGE,
    page_bounds,
    page_count,
    write_register,
)
from aidledger.reports.register_data import CycleHeader, Signoff, StoredLine, build_register

D = Decimal
TOWNSHIP_NAMES = {"230523100": "宝清镇", "230523101": "七星泡镇", "230523102": "青原镇"}
PROGRAMS = {"dibao": "低保", "tekun": "特困", "low_income": "低收入"}
COLUMNS = ("序号", "户编号", "户主", "身份证号", "乡镇", "人数", "项目", "金额", "银行账号")


def register(run, cycle_id, out, *extra):
    return ok(run("report", "register", cycle_id, "--out", str(out), *extra))


def test_the_register_carries_the_cycles_lines_and_totals(county, tmp_path):
    load_example(county)
    allocate(county, "100000.00", "2021-12-01")
    cycle_id = run_cycle(county, "2022-01")

    draft = tmp_path / "draft.pdf"
    register(county, cycle_id, draft)
    text = "\n".join(pdf_pages(draft))
    assert "状态：草稿（未审批）" in text and "审批：—" in text and "草稿 未审批 不得发放" in text
    # Nobody may pay from a draft: it has no place to sign, and says so.
    assert "草稿不设签字栏" in text and "制表人：" not in text and "负责人" not in text
    assert "证据链：本批次尚未封存（草稿）" in text
    # The tests' books are local single-user books (db upgrade --no-auth): the paper says its signers were not
    # authenticated (tests/web prints a register of a book that authenticates, without it).
    assert "未启用身份认证" in text

    entry = approve(county, cycle_id, "2022-01-05")
    view = show(county, cycle_id)
    out = tmp_path / "register.pdf"
    said = register(county, cycle_id, out)
    assert said == f"{out}: cycle {cycle_id} 2022-01 (已审批), 10 households, 9,639.00 (玖仟陆佰叁拾玖元整), 1 pages"
    pages = pdf_pages(out)
    text = "\n".join(pages)

    assert "宝清县2022年1月社会救助资金发放花名册" in text
    assert "项目：最低生活保障、特困人员救助供养、低收入家庭单人户救助" in text
    assert "状态：已审批" in text and "草稿" not in text
    # One row per line: 序号, 户编号, 户主, masked id number, 乡镇, 人数, 项目, 金额, masked account.
    rows = {}
    for page in pages:
        for ln in page.splitlines():
            cells = ln.split()
            if len(cells) == 9 and cells[0].isdigit():
                rows[cells[1]] = cells
    assert sorted(int(r[0]) for r in rows.values()) == list(range(1, view["count"] + 1))
    for line in view["lines"]:
        cells = rows[line["household_id"]]
        assert cells[2] == line["head_name"]
        assert cells[3] == mask(line["head_id_number"]) and "*" in cells[3]
        assert cells[4] == TOWNSHIP_NAMES[line["township"]]
        assert int(cells[5]) == line["members"]
        assert cells[6] == PROGRAMS[line["program"]]
        assert cells[7] == money(line["amount"])
        assert cells[8] == mask(line["bank_account"])
        assert line["head_id_number"] not in text and line["bank_account"] not in text
    # Subtotals per township and program, the township totals and the grand total.
    for township, figures in view["by_township"].items():
        total = line_starting(pages, f"{TOWNSHIP_NAMES[township]} 合计（{figures['count']}户）")
        people = sum(ln["members"] for ln in view["lines"] if ln["township"] == township)
        assert amounts_in(total) == [D(figures["total"])] and total.split()[-2] == str(people)
    for township in TOWNSHIP_NAMES:
        for program in PROGRAMS:
            lines = [ln for ln in view["lines"] if ln["township"] == township and ln["program"] == program]
            if lines:
                label = f"{TOWNSHIP_NAMES[township]} {PROGRAMS[program]} 小计（{len(lines)}户）"
                subtotal = line_starting(pages, label)
                assert amounts_in(subtotal) == [sum(D(ln["amount"]) for ln in lines)]
    grand = line_starting(pages, "总计（10户）")
    assert amounts_in(grand) == [D("9639.00")] == [D(view["total"])]
    assert grand.split()[-2] == str(sum(ln["members"] for ln in view["lines"]))
    assert "合计金额（大写）：人民币玖仟陆佰叁拾玖元整" in text and "¥9,639.00" in text
    for program, figures in view["by_program"].items():
        people = sum(ln["members"] for ln in view["lines"] if ln["program"] == program)
        assert f"{PROGRAMS[program]} {figures['count']}户 {people}人 {money(figures['total'])}元" in text
    run_day = next(h["on"] for h in view["history"] if h["status"] == "draft")
    assert f"制表：li.ming（{run_day}）" in text and "审批：wang.fang（2022-01-05）" in text
    assert "不设签字栏" not in text
    assert re.search(r"制表人：\s+日期：\s+审核人：\s+日期：\s+负责人：\s+日期：", text)
    # The books it was made from: the cycle's seal, and the evidence chain's head (ledger verify prints it).
    sealed = re.search(r"证据链：本批次封存于第 (\d+) 号印记 ([0-9a-f]{16})；"
                       r"制表时链头第 (\d+) 号印记 ([0-9a-f]{16})", text)
    evidence = ok(county("ledger", "verify")).splitlines()[-1]
    assert sealed and evidence == f"evidence verified: {sealed[3]} seals, head {sealed[4]}" + evidence[-48:]
    assert 0 < int(sealed[1]) <= int(sealed[3])
    assert [PAGE_MARK.search(p).groups() for p in pages] == [("1", "1")]
    assert re.search(rf"发放批次 第{cycle_id}号\s+审批分录 第{entry}号", pages[0])  # the posting, on every page
    assert "审批分录" not in "\n".join(pdf_pages(draft))

    assert len(render_pages(out, tmp_path / "png")) == len(pages) == 1
    # The same cycle gives the same bytes; the PDF is dated by the approval.
    again = tmp_path / "again.pdf"
    register(county, cycle_id, again)
    assert again.read_bytes() == out.read_bytes()
    assert b"/CreationDate (D:20220105000000+00'00')" in out.read_bytes()
    register(county, cycle_id, again, "--created", "2022-02-01")
    assert b"/CreationDate (D:20220201000000+00'00')" in again.read_bytes()


def test_an_unknown_cycle_or_an_unwritable_file_is_refused(county, tmp_path):
    assert_refused(county("report", "register", "99", "--out", str(tmp_path / "x.pdf")), "cycle 99 does not exist")
    load_example(county)
    cycle_id = run_cycle(county, "2022-01")
    result = county("report", "register", cycle_id, "--out", str(tmp_path / "missing" / "x.pdf"))
    assert_refused(result, "cannot be written")


# ---- the data and the layout, without a database ----------------------------------------------------------------


def _lines(n: int) -> list[StoredLine]:
    programs = ("dibao", "tekun", "low_income")
    return [StoredLine(f"H{i:05d}", "王建国", f"2305231977051{i % 10000:04d}1", f"23052310{i % 3}", 1 + i % 4,
                       programs[i % 7 % 3], D(500 + i % 300) + D("0.50") * (i % 2), f"6217000010{i:09d}")
            for i in range(n)]


def _header(lines, status="approved") -> CycleHeader:
    return CycleHeader(5, "230523", "宝清县", "2022-03", status, len(lines), sum((ln.amount for ln in lines), D(0)),
                       Signoff("制表", "li.ming", date(2022, 3, 2)), Signoff("审核", "wang.fang", date(2022, 3, 4)))


def test_the_register_data_orders_groups_and_masks():
    lines = _lines(40)
    data = build_register(_header(lines), reversed(lines), TOWNSHIP_NAMES)
    rows = list(data.rows)
    assert [r.seq for r in rows] == list(range(1, 41))
    keys = [(ln.township, ln.program, ln.household_id) for ln in lines]
    by_id = {ln.household_id: ln for ln in lines}
    shown = [(by_id[r.household_id].township, by_id[r.household_id].program, r.household_id) for r in rows]
    assert shown == sorted(keys)
    assert all("*" in r.head_id_number and "*" in r.bank_account for r in rows)
    assert sum((s.amount for s in data.by_township), D(0)) == data.total == _header(lines).total
    assert sum(s.households for s in data.by_program) == 40
    assert data.created == date(2022, 3, 4) and data.title == "宝清县2022年3月社会救助资金发放花名册"
    assert data.total_capitals.endswith(("元整", "角", "分"))


def test_lines_that_disagree_with_the_cycle_are_refused():
    lines = _lines(5)
    header = _header(lines)
    with pytest.raises(Refusal, match="lines hold 4 households"):
        build_register(header, lines[:4], TOWNSHIP_NAMES)


def test_a_long_register_repeats_its_header_and_numbers_every_page(tmp_path):
    lines = _lines(3 * ROWS_PER_PAGE + 7)
    data = build_register(_header(lines), lines, TOWNSHIP_NAMES)
    out = tmp_path / "long.pdf"
    with open(out, "wb") as handle:
        pages = write_register(data, handle)
    assert pages == page_count(len(data.body) + 1) >= 4
    texts = pdf_pages(out)
    assert len(texts) == pages
    seen = []
    for number, page in enumerate(texts, start=1):
        assert data.title in page and "状态：已审批" in page
        header = next(ln for ln in page.splitlines() if ln.strip().startswith("序号"))
        assert header.split() == list(COLUMNS)
        assert PAGE_MARK.search(page).groups() == (str(number), str(pages))
        seen += [int(ln.split()[0]) for ln in page.splitlines() if ln.split() and ln.split()[0].isdigit()
                 and len(ln.split()) == 9]
    assert seen == list(range(1, len(lines) + 1))
    assert f"总计（{len(lines)}户）" in texts[-1] and "负责人" in texts[-1] and "负责人" not in texts[0]
    assert len(render_pages(out, tmp_path / "png")) == pages


def test_page_count_leaves_room_for_the_closing_block():
    assert page_count(1) == 1
    assert page_count(ROWS_PER_PAGE) == 2  # a full page: the totals, 大写 and signatures go on the next
    assert page_count(ROWS_PER_PAGE + 1) == 2
    assert page_count(2 * ROWS_PER_PAGE - END_BLOCK) == 2
    assert page_count(2 * ROWS_PER_PAGE - END_BLOCK + 1) == 3
    # The page that takes the closing block takes the last rows with it, never a bare header.
    for items in (ROWS_PER_PAGE, ROWS_PER_PAGE - END_BLOCK + 1, 2 * ROWS_PER_PAGE, 2 * ROWS_PER_PAGE - 3):
        bounds = page_bounds(items)
        assert bounds[0][0] == 0 and bounds[-1][1] == items
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
        assert all(end - start <= ROWS_PER_PAGE for start, end in bounds)
        start, end = bounds[-1]
        assert end - start >= min(CARRIED, items) and ROWS_PER_PAGE - (end - start) >= END_BLOCK, (items, bounds)


def test_a_full_last_page_carries_rows_to_the_closing_blocks_page(tmp_path):
    lines = _lines(ROWS_PER_PAGE)
    data = build_register(_header(lines), lines, TOWNSHIP_NAMES)
    out = tmp_path / "full.pdf"
    write_register(data, out)
    last = pdf_pages(out)[-1]
    rows = [ln for ln in last.splitlines() if len(ln.split()) == 9 and ln.split()[0].isdigit()]
    assert rows and "合计金额（大写）" in last and f"总计（{len(lines)}户）" in last



def test_a_cell_too_wide_for_its_column_is_set_smaller_then_cut(tmp_path):
    lines = [StoredLine("HOUSEHOLD-2022-0000017", "欧阳某某某某某某某某", "230523197705100113", "230523100", 3, "dibao",
                        D("1242.00"), "62170000100000000112345678901"),
             StoredLine("H" + "9" * 63, "王建国", "230523197705100113", "230523100", 1, "dibao", D("600.00"),
                        "6217000010000000011")]
    out = tmp_path / "wide.pdf"
    write_register(build_register(_header(lines), lines, TOWNSHIP_NAMES), out)
    text = "\n".join(pdf_pages(out))
    assert "HOUSEHOLD-2022-0000017" in text and "欧阳某某某某某某某某" in text  # smaller, whole
    assert "H999999999" in text and "9" * 63 not in text and "…" in text  # cut
    assert "621700*******************8901" in text
