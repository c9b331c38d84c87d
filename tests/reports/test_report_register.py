"""`report register`: the payment register (发放花名册) of a cycle, read back from the PDF it writes."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from report_helpers import (
    PAGE_MARK,
    allocate,
    amounts_in,
    approve,
    export,
    line_starting,
    load_example,
    money,
    ok,
    pdf_pages,
    printed_rows,
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
    PAGE_TOTALS,
    ROWS_PER_PAGE,
    page_bounds,
    page_count,
    write_register,
)
from aidledger.reports.register_data import CycleHeader, Signoff, StoredLine, build_register

D = Decimal
TOWNSHIP_NAMES = {"230523100": "宝清镇", "230523101": "七星泡镇", "230523102": "青原镇"}
PROGRAMS = {"dibao": "低保", "tekun": "特困", "low_income": "低收入"}
COLUMNS = ("序号", "户主", "身份证号", "城乡", "类别", "人数", "基本", "加发", "临时救助", "补发/其他", "扣减", "实发",
           "收款人", "账号", "备注")
AREAS = {"urban": "城镇", "rural": "农村"}
BASIC = {"base", "basic", "care", "single_person", "exit", "rounding"}


def register(run, cycle_id, out, *extra):
    return ok(run("report", "register", cycle_id, "--out", str(out), *extra))


def expected_amounts(line: dict) -> list[Decimal]:
    """The row's amounts as printed: 基本, then 加发, 临时救助, 补发/其他 and 扣减 when not nil, then 实发."""
    parts = {"basic": D(0), "addon": D(0), "temporary": D(0), "other": D(0), "deducted": D(0)}
    for c in line["components"]:
        kind, amount = c["kind"], D(c["amount"])
        key = ("basic" if kind in BASIC else "addon" if kind == "addon" else "temporary" if kind == "temporary"
               else "deducted" if kind == "recovery" else "other")
        parts[key] += -amount if key == "deducted" else amount
    assert sum(parts.values()) - 2 * parts["deducted"] == D(line["amount"])
    return [parts["basic"]] + [v for k, v in parts.items() if k != "basic" and v] + [D(line["amount"])]


def bank_rows(path) -> dict[int, list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == ("序号", "户编号", "收款人", "账号", "金额", "用途")
    return {int(r[0]): r for r in rows[1:] if r[0].isdigit()}


def test_the_register_carries_the_cycles_lines_and_totals(county, tmp_path):
    load_example(county)
    allocate(county, "100000.00", "2021-12-01")
    cycle_id = run_cycle(county, "2022-01")

    draft = tmp_path / "draft.pdf"
    register(county, cycle_id, draft)
    draft_pages = pdf_pages(draft)
    text = "\n".join(draft_pages)
    assert "状态：草稿（未审批）" in text and "审批：—" in text
    # Marked on every page, and nobody may pay from a draft: it has no place to sign or seal, and says so.
    assert all("草稿 未审批 不得发放" in page for page in draft_pages)
    assert "草稿不设签字栏和盖章栏" in text and "制表人：" not in text and "负责人" not in text
    assert "单位盖章" not in text
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
    header = next(ln for ln in pages[0].splitlines() if ln.strip().startswith("序号"))
    assert header.split() == list(COLUMNS)

    # Each township's total, the page's subtotal and running total, and the grand total.
    for township, figures in view["by_township"].items():
        total = line_starting(pages, f"{TOWNSHIP_NAMES[township]} 合计（{figures['count']}户）")
        people = sum(ln["members"] for ln in view["lines"] if ln["township"] == township)
        assert amounts_in(total)[-1] == D(figures["total"]) and total.split()[2] == str(people)
    grand = line_starting(pages, "总计（10户）")
    assert amounts_in(grand)[-1] == D("9639.00") == D(view["total"])
    assert grand.split()[1] == str(sum(ln["members"] for ln in view["lines"]))
    assert amounts_in(line_starting(pages, "本页小计（10户）")) == amounts_in(grand)
    assert amounts_in(line_starting(pages, "累计（10户）")) == amounts_in(grand)
    assert "合计金额（大写）：人民币玖仟陆佰叁拾玖元整" in text and "¥9,639.00" in text
    for program, figures in view["by_program"].items():
        people = sum(ln["members"] for ln in view["lines"] if ln["program"] == program)
        assert f"{PROGRAMS[program]} {figures['count']}户 {people}人 {money(figures['total'])}元" in text
    run_day = next(h["on"] for h in view["history"] if h["status"] == "draft")
    assert f"制表：li.ming（{run_day}）" in text and "审批：wang.fang（2022-01-05）" in text
    assert "不设签字栏" not in text and "单位盖章" in text
    assert re.search(r"制表人：\s+日期：\s+审核人：\s+日期：\s+负责人：\s+日期：", text)
    # The books it was made from: the cycle's seal, and the evidence chain's head (ledger verify prints it).
    sealed = re.search(r"证据链：本批次封存于第 (\d+) 号印记 ([0-9a-f]{16})；"
                       r"制表时链头第 (\d+) 号印记 ([0-9a-f]{16})", text)
    evidence = ok(county("ledger", "verify")).splitlines()[-1]
    assert sealed and evidence == f"evidence verified: {sealed[3]} seals, head {sealed[4]}" + evidence[-48:]
    assert 0 < int(sealed[1]) <= int(sealed[3])
    assert [PAGE_MARK.search(p).groups() for p in pages] == [("1", "1")]
    assert re.search(rf"发放批次 第{cycle_id}号\s+审批分录 第{entry}号", pages[0])  # the posting, on every page
    assert f"证据链头 第{sealed[3]}号印记 {sealed[4]}" in pages[0]
    assert "审批分录" not in "\n".join(draft_pages)

    assert len(render_pages(out, tmp_path / "png")) == len(pages) == 1
    # The same cycle gives the same bytes; the PDF is dated by the approval.
    again = tmp_path / "again.pdf"
    register(county, cycle_id, again)
    assert again.read_bytes() == out.read_bytes()
    assert b"/CreationDate (D:20220105000000+00'00')" in out.read_bytes()
    register(county, cycle_id, again, "--created", "2022-02-01")
    assert b"/CreationDate (D:20220201000000+00'00')" in again.read_bytes()

    # The 序号 is the bank file's: each row is ticked against the file the bank pays from (exported last: the
    # export moves the evidence chain on, and the register printed now would name the new head).
    bank = tmp_path / "bank.csv"
    export(county, cycle_id, bank, "2022-01-06")
    paid = bank_rows(bank)
    rows = printed_rows(pages)
    assert sorted(rows) == sorted(paid) == list(range(1, view["count"] + 1))
    by_id = {line["household_id"]: line for line in view["lines"]}
    for seq, cells in rows.items():
        line = by_id[paid[seq][1]]
        assert cells["head"] == line["head_name"] and cells["area"] == AREAS[line["area"]]
        assert cells["id_number"] == mask(line["head_id_number"]) and "*" in cells["id_number"]
        assert cells["category"].startswith(PROGRAMS[line["program"]])
        assert cells["members"] == line["members"]
        assert cells["amounts"] == expected_amounts(line)
        assert cells["amounts"][-1] == D(paid[seq][4])
        assert cells["payee"] == paid[seq][2] == line["payee_name"]
        assert cells["account"] == mask(paid[seq][3]) and "*" in cells["account"]
        assert line["head_id_number"] not in text and line["bank_account"] not in text
    tekun = [seq for seq, cells in rows.items() if by_id[paid[seq][1]]["program"] == "tekun"]
    assert tekun and all(rows[seq]["category"] in ("特困集中", "特困分散") for seq in tekun)


def test_each_townships_register_and_the_county_summary_tie_to_the_bank_file(county, tmp_path):
    load_example(county)
    allocate(county, "100000.00", "2021-12-01")
    cycle_id = run_cycle(county, "2022-01")
    approve(county, cycle_id, "2022-01-05")
    view = show(county, cycle_id)
    bank = tmp_path / "bank.csv"
    export(county, cycle_id, bank, "2022-01-06")
    paid = bank_rows(bank)

    seen: dict[int, str] = {}
    for township, figures in view["by_township"].items():
        out = tmp_path / f"{township}.pdf"
        said = register(county, cycle_id, out, "--township", township)
        assert f"{figures['count']} households, {money(figures['total'])}" in said
        pages = pdf_pages(out)
        assert f"宝清县{TOWNSHIP_NAMES[township]}2022年1月社会救助资金发放花名册" in pages[0]
        rows = printed_rows(pages)
        assert len(rows) == figures["count"]
        for seq, cells in rows.items():  # the county's bank file's 序号, not a township's own count
            assert seq not in seen and cells["amounts"][-1] == D(paid[seq][4])
            assert next(ln for ln in view["lines"] if ln["household_id"] == paid[seq][1])["township"] == township
            seen[seq] = township
        grand = line_starting(pages, f"总计（{figures['count']}户）")
        assert amounts_in(grand)[-1] == D(figures["total"])
    assert sorted(seen) == sorted(paid)

    summary = tmp_path / "summary.pdf"
    said = register(county, cycle_id, summary, "--summary")
    assert "10 households, 9,639.00" in said
    pages = pdf_pages(summary)
    text = "\n".join(pages)
    assert "宝清县2022年1月社会救助资金发放汇总表" in text and "单位盖章" in text
    for township, figures in view["by_township"].items():
        total = next(ln for ln in text.splitlines() if re.match(rf"\s*{TOWNSHIP_NAMES[township]}\s+合计\s", ln))
        assert total.split()[2] == str(figures["count"]) and amounts_in(total)[-1] == D(figures["total"])
        for program in PROGRAMS:
            lines = [ln for ln in view["lines"] if ln["township"] == township and ln["program"] == program]
            found = [ln for ln in text.splitlines()
                     if re.match(rf"\s*{TOWNSHIP_NAMES[township]}\s+{PROGRAMS[program]}\s", ln)]
            assert len(found) == (1 if lines else 0)
            if lines:
                assert found[0].split()[2] == str(len(lines))
                assert amounts_in(found[0])[-1] == sum(D(ln["amount"]) for ln in lines)
    grand = line_starting(pages, "总计（10户）")
    assert amounts_in(grand)[-1] == D(view["total"])
    control = next(r for r in csv.reader(open(bank, encoding="utf-8-sig")) if r[0] == "合计")
    assert D(control[4]) == amounts_in(grand)[-1] and control[2] == "10户"
    assert_refused(county("report", "register", cycle_id, "--summary", "--township", "230523100", "--out",
                          str(tmp_path / "x.pdf")), "not both")


def test_an_unknown_cycle_or_an_unwritable_file_is_refused(county, tmp_path):
    assert_refused(county("report", "register", "99", "--out", str(tmp_path / "x.pdf")), "cycle 99 does not exist")
    load_example(county)
    cycle_id = run_cycle(county, "2022-01")
    result = county("report", "register", cycle_id, "--out", str(tmp_path / "missing" / "x.pdf"))
    assert_refused(result, "cannot be written")


# ---- the data and the layout, without a database ----------------------------------------------------------------


def _components(*parts) -> str:
    return json.dumps([dict(kind=kind, amount=f"{amount:.2f}", rule=rule, parameter=parameter, **extra)
                       for kind, amount, rule, parameter, extra in parts], ensure_ascii=False)


def _line(seq, household_id, amount, components, program="dibao", township="230523100", track=("normal", 0),
          head="王建国", id_number="230523197705100113", account="6217000010000000011", payee=None) -> StoredLine:
    return StoredLine(seq, household_id, head, id_number, township, "rural", 2, program, payee or head, account,
                      D(amount), components, *track)


def _lines(n: int) -> list[StoredLine]:
    programs = ("dibao", "tekun", "low_income")
    lines = []
    for i in range(n):
        amount = D(500 + i % 300) + D("0.50") * (i % 2)
        lines.append((f"23052310{i % 3}", f"H{i:05d}", programs[i % 7 % 3], amount, i))
    lines.sort()
    return [StoredLine(seq, household_id, "王建国", f"2305231977051{i % 10000:04d}1", township, "urban", 1 + i % 4,
                       program, "王建国", f"6217000010{i:09d}", amount,
                       _components(("base", amount, "低保", "dibao.standard_urban", {})), "normal", 0)
            for seq, (township, household_id, program, amount, i) in enumerate(lines, start=1)]


def _header(lines, status="approved") -> CycleHeader:
    return CycleHeader(5, "230523", "宝清县", "2022-03", status, len(lines), sum((ln.amount for ln in lines), D(0)),
                       Signoff("制表", "li.ming", date(2022, 3, 2)), Signoff("审核", "wang.fang", date(2022, 3, 4)))


def test_the_register_data_follows_the_bank_file_and_masks():
    lines = _lines(40)
    data = build_register(_header(lines), reversed(lines), TOWNSHIP_NAMES)
    rows = list(data.rows)
    assert [r.seq for r in rows] == list(range(1, 41))
    assert [r.household_id for r in rows] == [ln.household_id for ln in lines]
    assert all("*" in r.head_id_number and "*" in r.bank_account for r in rows)
    assert sum((s.amount for s in data.by_township), D(0)) == data.total == _header(lines).total
    assert sum(s.households for s in data.by_program) == 40 == sum(s.households for s in data.by_township_program)
    assert data.figures.paid == data.total
    assert data.created == date(2022, 3, 4) and data.title == "宝清县2022年3月社会救助资金发放花名册"
    assert data.total_capitals.endswith(("元整", "角", "分"))


def test_a_rows_amount_is_split_into_its_columns_and_its_unusual_parts_noted():
    lines = [
        # June's H003 of the worked example: 529.00 of 低保 and a 2,000.00 临时救助 instalment, not 2,529.00 of 低保.
        _line(1, "H003", "2529.00", _components(
            ("base", D("529.00"), "低保", "dibao.standard_rural", {}),
            ("temporary", D("2000.00"), "支出型临时救助 第3号: 总额 6000.00 分 3 期, 第 2 期 (2022-06)", "temporary",
             {"grant_id": 3, "instalment": 2}))),
        _line(2, "H004", "370.00", _components(
            ("exit", D("300.00"), "渐退第3个月", "dibao.gradual_exit.steps", {}),
            ("addon", D("40.00"), "老年人", "dibao.addons", {}),
            ("arrears", D("120.00"), "退票重发", "bank return", {"month": "2022-03", "return_id": 4}),
            ("recovery", D("-90.00"), "追回抵扣", "recovery.set_off_ratio", {})), track=("exit", 3)),
        _line(3, "H005", "1400.00", _components(
            ("basic", D("1100.00"), "基本生活", "tekun.basic_ratio_centralized, dibao.standard_rural", {}),
            ("care", D("300.00"), "照料护理", "tekun.care_centralized.full", {})), program="tekun",
            head="杨树林", payee="宝清县社会福利院"),
        _line(4, "H006", "650.00", _components(
            ("base", D("600.00"), "低保", "dibao.standard_rural", {}),
            ("price_subsidy", D("30.00"), "价格临时补贴", "price", {}),
            ("arrears", D("20.00"), "补发", "policy change (retroactive)", {"month": "2022-02"}))),
    ]
    data = build_register(_header(lines), lines, TOWNSHIP_NAMES)
    rows = {r.household_id: r for r in data.rows}
    h003, h004, h005, h006 = rows["H003"], rows["H004"], rows["H005"], rows["H006"]
    assert tuple(h003.figures) == (D("529.00"), 0, D("2000.00"), 0, 0, D("2529.00"))
    assert h003.note == "临时救助分期2/3" and h003.category == "低保"
    assert tuple(h004.figures) == (D("300.00"), D("40.00"), 0, D("120.00"), D("90.00"), D("370.00"))
    assert h004.note == "渐退第3个月；补发2022-03退票；追回抵扣" and h004.category == "低保渐退"
    assert h005.category == "特困集中" and h005.payee_name == "宝清县社会福利院" and h005.head_name == "杨树林"
    assert h006.note == "价格临时补贴；补发2022-02" and h006.figures.other == D("50.00")
    assert data.figures == (D("2829.00"), D("40.00"), D("2000.00"), D("170.00"), D("90.00"), D("4949.00"))

    broken = lines[:1] + [lines[1]._replace(amount=D("371.00"))] + lines[2:]
    with pytest.raises(Refusal, match="components of household H004's line do not add up to the 371.00"):
        build_register(_header(broken), broken, TOWNSHIP_NAMES)


def test_the_split_and_the_notes_are_printed(tmp_path):
    lines = [_line(1, "H003", "2529.00", _components(
        ("base", D("529.00"), "低保", "dibao.standard_rural", {}),
        ("temporary", D("2000.00"), "支出型临时救助 第3号: 总额 6000.00 分 3 期, 第 2 期 (2022-06)", "temporary",
         {"grant_id": 3, "instalment": 2}))),
        _line(2, "H004", "370.00", _components(
            ("exit", D("300.00"), "渐退第3个月", "dibao.gradual_exit.steps", {}),
            ("addon", D("40.00"), "老年人", "dibao.addons", {}),
            ("arrears", D("120.00"), "退票重发", "bank return", {"month": "2022-03", "return_id": 4}),
            ("recovery", D("-90.00"), "追回抵扣", "recovery.set_off_ratio", {})), track=("exit", 3))]
    out = tmp_path / "parts.pdf"
    write_register(build_register(_header(lines), lines, TOWNSHIP_NAMES), out)
    rows = printed_rows(pdf_pages(out))
    assert rows[1]["amounts"] == [D("529.00"), D("2000.00"), D("2529.00")] and rows[1]["note"] == "临时救助分期2/3"
    assert rows[2]["amounts"] == [D("300.00"), D("40.00"), D("120.00"), D("90.00"), D("370.00")]
    assert rows[2]["note"] == "渐退第3个月；补发2022-03退票；追回抵扣" and rows[2]["category"] == "低保渐退"


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
    running = D(0)
    for number, page in enumerate(texts, start=1):
        assert data.title in page and "状态：已审批" in page
        header = next(ln for ln in page.splitlines() if ln.strip().startswith("序号"))
        assert header.split() == list(COLUMNS)
        assert PAGE_MARK.search(page).groups() == (str(number), str(pages))
        rows = printed_rows([page])
        seen += sorted(rows)
        # Every page ends its rows with its own subtotal and the running total so far.
        page_total = sum((r["amounts"][-1] for r in rows.values()), D(0))
        subtotal = line_starting([page], f"本页小计（{len(rows)}户）")
        running += page_total
        assert amounts_in(subtotal)[-1] == page_total
        assert amounts_in(line_starting([page], f"累计（{len(seen)}户）"))[-1] == running
    assert seen == list(range(1, len(lines) + 1)) and running == data.total
    assert f"总计（{len(lines)}户）" in texts[-1] and "负责人" in texts[-1] and "负责人" not in texts[0]
    assert "单位盖章" in texts[-1] and "单位盖章" not in texts[0]
    assert len(render_pages(out, tmp_path / "png")) == pages


def test_a_draft_is_marked_on_every_page(tmp_path):
    lines = _lines(2 * ROWS_PER_PAGE)
    out = tmp_path / "draft.pdf"
    pages = write_register(build_register(_header(lines, "draft"), lines, TOWNSHIP_NAMES), out)
    texts = pdf_pages(out)
    assert len(texts) == pages >= 2
    assert all("草稿 未审批 不得发放" in page and page.count("草") >= 2 for page in texts)  # the title's, the page's
    assert "负责人" not in "".join(texts) and "单位盖章" not in "".join(texts)


def test_page_count_leaves_room_for_the_closing_block():
    room = ROWS_PER_PAGE - PAGE_TOTALS
    assert page_count(1) == 1
    assert page_count(room) == 2  # a full page: the totals, 大写 and signatures go on the next
    assert page_count(room + 1) == 2
    assert page_count(2 * room - END_BLOCK) == 2
    assert page_count(2 * room - END_BLOCK + 1) == 3
    # The page that takes the closing block takes the last rows with it, never a bare header.
    for items in (room, room - END_BLOCK + 1, 2 * room, 2 * room - 3):
        bounds = page_bounds(items)
        assert bounds[0][0] == 0 and bounds[-1][1] == items
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
        assert all(end - start <= room for start, end in bounds)
        start, end = bounds[-1]
        assert end - start >= min(CARRIED, items) and room - (end - start) >= END_BLOCK, (items, bounds)


def test_a_full_last_page_carries_rows_to_the_closing_blocks_page(tmp_path):
    lines = _lines(ROWS_PER_PAGE - PAGE_TOTALS - 3)  # with the three townships' totals, a full page
    data = build_register(_header(lines), lines, TOWNSHIP_NAMES)
    assert len(data.body) + 1 == ROWS_PER_PAGE - PAGE_TOTALS + 1
    out = tmp_path / "full.pdf"
    write_register(data, out)
    last = pdf_pages(out)[-1]
    assert printed_rows([last]) and "合计金额（大写）" in last and f"总计（{len(lines)}户）" in last


def test_a_cell_too_wide_for_its_column_is_set_smaller_then_cut(tmp_path):
    base = _components(("base", D("1242.00"), "低保", "dibao", {}))
    lines = [_line(1, "H1", "1242.00", base, head="欧阳某某某某", account="62170000100000000112345678901"),
             _line(2, "H2", "1242.00", base, head="欧阳某某某某某某某某某某某某某某某某")]
    out = tmp_path / "wide.pdf"
    write_register(build_register(_header(lines), lines, TOWNSHIP_NAMES), out)
    text = "\n".join(pdf_pages(out))
    assert "欧阳某某某某" in text  # smaller, whole
    assert "欧阳某某某某某某某某某某某某某某某某" not in text and "…" in text  # cut
    assert "621700*******************8901" in text
