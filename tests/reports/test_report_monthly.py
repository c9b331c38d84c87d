"""`report monthly`: the monthly statistics report (民政统计月报), its PDF and CSV read back and every figure compared
with figures worked out here from the registry's files and the cycles' own JSON.

Three months of the example county are built through the CLI once per backend, so that every column has money in it:
  - January paid, exported and settled with H002's payment returned by the bank;
  - before February runs: H002's account corrected (February re-issues the return: 退票重发), H001's child dies
    (2022-01-20: not counted in February), H004's income falls from January (February pays 补发 for January),
    H011's income rises from January (a receivable once February is approved) and a member born 1962-02-20 joins
    H011 (59 on 1 February, 60 on the 28th: 老年人 in February's report), a temporary grant for H003 (临时救助 in
    three instalments from February), a price subsidy declared for February (价格临时补贴), and the county pays
    heating in February (取暖救助; its policy here says months = [2, 10]) and sets off receivables (追回抵扣, at most
    half a payment);
  - February approved, and its report written; then H002's spouse is recorded dead on 2022-01-25: February's report
    still counts her (the cycle counted her: the registry as it saw it), March's does not;
  - March approved (the set-off withheld), April run and left a draft.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from conftest import BACKENDS, Cli
from report_helpers import (
    COUNTY,
    PAGE_MARK,
    allocate,
    approve,
    export,
    load_example,
    ok,
    pdf_pages,
    poppler,
    render_pages,
    run_cycle,
    settle,
    show,
)
from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, EXAMPLES, PREPARER, assert_refused
from test_report_fonts import dark_pixels

from aidledger.idcard import check_character
from aidledger.reports import monthly_data as data

D = Decimal
ZERO = D("0.00")
H002_ACCOUNT, H002_NEW = "6217000010000000029", "6217000010000009999"
DEAD_CHILD = "230523201206150318"  # H001's child
H002_SPOUSE = "230523195903050525"
NEWCOMER = "23052319620220251" + check_character("23052319620220251")  # joins H011, 60 on 2022-02-20
PROGRAMS = {"dibao": "低保", "tekun": "特困", "low_income": "低收入"}
AREAS = {"urban": "城市", "rural": "农村"}
INTERNAL = ("dibao", "tekun", "low_income", "urban", "rural", "central_subsidy", "approved", "exported", "settled",
            "draft", "price_subsidy", "heating", "arrears", "recovery", "None")
COUNT_COLUMNS = ("户数", "人数", "老年人（60周岁及以上）", "成年人（18至59周岁）", "未成年人（不满18周岁）", "残疾人",
                 "其中：重度残疾人（一、二级）")
FUND_COLUMNS = ("保障金", "补发", "退票重发", "临时救助", "价格临时补贴", "取暖救助", "追回抵扣", "实发金额")
# The registry's events this test records, each with the month whose cycle first saw it (run after it was stored).
EVENTS = [
    # household, kind, date, value, id_number, name, relation, birth_date; seen from
    (("H001", "death", "2022-01-20", "", DEAD_CHILD, "", "", ""), "2022-02"),
    (("H004", "income", "2022-01-01", "600", "", "", "", ""), "2022-02"),
    (("H011", "income", "2022-01-01", "2000", "", "", "", ""), "2022-02"),
    (("H011", "add_member", "2022-01-10", "", NEWCOMER, "马德福", "parent", "1962-02-20"), "2022-02"),
    (("H002", "death", "2022-01-25", "", H002_SPOUSE, "", "", ""), "2022-03"),
]


@dataclass
class Books:
    run: Cli
    url: str
    tmp: Path
    cycles: dict[str, int]
    feb_before: bytes  # February's PDF written before H002's late death was recorded
    feb_csv_before: bytes


def _events_file(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("household_id", "kind", "date", "value", "id_number", "name", "relation", "birth_date"))
        writer.writerows(rows)
    return path


def report(run: Cli, month: str, out: Path, *extra: str, user: str | None = None):
    return run("report", "monthly", "--jurisdiction", COUNTY, "--month", month, "--out", str(out), *extra, user=user)


def _build(run: Cli, tmp: Path) -> Books:
    ok(run("user", "add", ADMIN, "--role", "admin"))
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        ok(run("user", "add", name, "--role", role, user=ADMIN))
    ok(run("user", "add", "clerk", "--role", "auditor", "--scope", "230523100", user=ADMIN))
    policies = [str(p) for p in EXAMPLE_POLICIES if not p.name.startswith("230523")]
    county = tmp / "230523-baoqing.toml"
    county.write_text(next(p for p in EXAMPLE_POLICIES if p.name.startswith("230523")).read_text(encoding="utf-8")
                      + "\n[recovery]\nset_off_ratio = 0.5\n\n[heating]\nmonths = [2, 10]\n", encoding="utf-8")
    ok(run("policy", "load", *policies, str(county), user=ADMIN))
    load_example(run)
    allocate(run, "200000.00", "2021-12-01")
    cycles = {}
    cycles["2022-01"] = run_cycle(run, "2022-01")
    approve(run, cycles["2022-01"], "2022-01-05")
    export(run, cycles["2022-01"], tmp / "jan-bank.csv", "2022-01-06")
    settle(run, cycles["2022-01"], tmp / "jan-returns.csv", [(H002_ACCOUNT, "1032.00", "账户已销户")], "2022-01-10")
    ok(run("registry", "account", "H002", "--account", H002_NEW, "--date", "2022-01-15", user=PREPARER))
    ok(run("registry", "events", str(_events_file(tmp / "feb-events.csv",
                                                 [e for e, seen in EVENTS if seen == "2022-02"])), user=PREPARER))
    grant = ok(run("temporary", "grant", "--household", "H003", "--total", "900.00", "--instalments", "3",
                   "--first-month", "2022-02", "--reason", "重病住院", user=PREPARER))
    ok(run("temporary", "approve", grant, "--date", "2022-01-28", user=APPROVER))
    ok(run("subsidy", "declare", "--jurisdiction", COUNTY, "--month", "2022-02", "--cpi", "3.6", "--food", "2.0",
           user=PREPARER))
    cycles["2022-02"] = run_cycle(run, "2022-02")
    approve(run, cycles["2022-02"], "2022-02-05")
    first = tmp / "feb-first.pdf"
    ok(report(run, "2022-02", first))
    ok(run("registry", "events", str(_events_file(tmp / "mar-events.csv",
                                                 [e for e, seen in EVENTS if seen == "2022-03"])), user=PREPARER))
    cycles["2022-03"] = run_cycle(run, "2022-03")
    approve(run, cycles["2022-03"], "2022-03-05")
    cycles["2022-04"] = run_cycle(run, "2022-04")  # left a draft
    return Books(run, run.url, tmp, cycles, first.read_bytes(), first.with_suffix(".csv").read_bytes())


@pytest.fixture(scope="module", params=BACKENDS)
def books(request, templates, tmp_path_factory) -> Books:
    tmp = tmp_path_factory.mktemp(f"monthly-{request.param}")
    run = Cli(templates[request.param]())
    return _build(run, tmp)


@dataclass
class Written:
    pdf: Path
    csv: Path
    said: str
    pages: list[str]
    text: str  # every page, the footers left out


@pytest.fixture(scope="module")
def written(books) -> dict[str, Written]:
    out = {}
    for month in ("2022-02", "2022-03"):
        pdf = books.tmp / f"{month}-月报.pdf"
        said = ok(report(books.run, month, pdf, user=AUDITOR))
        pages = pdf_pages(pdf)
        text = "\n".join(ln for page in pages for ln in page.splitlines() if not PAGE_MARK.search(ln))
        out[month] = Written(pdf, pdf.with_suffix(".csv"), said, pages, text)
    return out


# ---- what the report must say, worked out here ------------------------------------------------------------------


def _read(name: str) -> list[dict[str, str]]:
    with open(EXAMPLES / "registry" / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


HOUSEHOLDS = {h["household_id"]: h for h in _read("households.csv")}


def _born(member: dict[str, str]) -> date:
    text = member["birth_date"] or f"{member['id_number'][6:10]}-{member['id_number'][10:12]}-" \
                                   f"{member['id_number'][12:14]}"
    return date.fromisoformat(text)


def people_counted(month: str) -> dict[str, list[dict]]:
    """household → the members a cycle for `month` counts: in the household on the month's first day (added on or
    before it) and alive on it, by the events the cycle saw (those recorded before it ran)."""
    first = date.fromisoformat(f"{month}-01")
    people: dict[str, list[dict]] = {}
    for m in _read("members.csv"):
        people.setdefault(m["household_id"], []).append(
            dict(id=m["id_number"], born=_born(m), grade=int(m["disability_grade"]) if m["disability_grade"] else None,
                 died=date.fromisoformat(m["death_date"]) if m["death_date"] else None, since=date.min))
    for (household, kind, day, _, id_number, _, _, birth), seen in EVENTS:
        if seen > month or date.fromisoformat(day) > first:
            continue
        if kind == "add_member":
            people[household].append(dict(id=id_number, born=date.fromisoformat(birth), grade=None, died=None,
                                          since=date.fromisoformat(day)))
        elif kind == "death":
            next(p for p in people[household] if p["id"] == id_number)["died"] = date.fromisoformat(day)
    return {h: [p for p in found if p["died"] is None or p["died"] >= first] for h, found in people.items()}


def _age(born: date, on: date) -> int:
    return on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)


def _last_day(month: str) -> date:
    year, number = map(int, month.split("-"))
    following = date(year + (number == 12), number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _with_totals(groups: dict[tuple[str, str], list]) -> dict[tuple[str, str], list]:
    """(programme, area) → figures, with each programme's 小计, each area's 合计 and the 合计 总计 added."""
    out = {}
    for program in PROGRAMS.values():
        for area in AREAS.values():
            out[(program, area)] = groups.get((program, area))
        out[(program, "小计")] = [sum(x) for x in zip(*(out[(program, a)] for a in AREAS.values()))]
    for area in AREAS.values():
        out[("合计", area)] = [sum(x) for x in zip(*(out[(p, area)] for p in PROGRAMS.values()))]
    out[("合计", "总计")] = [sum(x) for x in zip(*(out[("合计", a)] for a in AREAS.values()))]
    return out


def expected_counts(books: Books, month: str) -> dict[tuple[str, str], list[int]]:
    """By programme and area: 户数, 人数, 老年人, 成年人, 未成年人, 残疾人, 重度残疾人 of the households the month's
    cycle paid (its JSON names them), from the registry's files and this test's events."""
    last = _last_day(month)
    counted = people_counted(month)
    groups: dict[tuple[str, str], list[int]] = {(p, a): [0] * 7 for p in PROGRAMS.values() for a in AREAS.values()}
    for line in show(books.run, books.cycles[month])["lines"]:
        household = HOUSEHOLDS[line["household_id"]]
        assert (line["program"], line["area"]) == (household["program"], household["area"])
        people = counted[line["household_id"]]
        assert len(people) == line["members"]
        ages = [_age(p["born"], last) for p in people]
        figures = [1, len(people), sum(a >= 60 for a in ages), sum(18 <= a < 60 for a in ages),
                   sum(a < 18 for a in ages), sum(p["grade"] is not None for p in people),
                   sum(p["grade"] in (1, 2) for p in people)]
        key = (PROGRAMS[household["program"]], AREAS[household["area"]])
        groups[key] = [a + b for a, b in zip(groups[key], figures)]
    return _with_totals(groups)


def _line_funds(line: dict) -> list:
    """保障金, 补发, 退票重发, 临时救助, 价格临时补贴, 取暖救助, 追回抵扣, 实发金额 of one line, from its components."""
    def kind(name, test=lambda c: True):
        return sum((D(c["amount"]) for c in line["components"] if c["kind"] == name and test(c)), ZERO)
    arrears = kind("arrears", lambda c: "return_id" not in c)
    reissued = kind("arrears", lambda c: "return_id" in c)
    temporary, price, heating = kind("temporary"), kind("price_subsidy"), kind("heating")
    set_off = -kind("recovery")
    paid = D(line["amount"])
    assert sum((D(c["amount"]) for c in line["components"]), ZERO) == paid
    base = paid + set_off - arrears - reissued - temporary - price - heating
    return [base, arrears, reissued, temporary, price, heating, set_off, paid]


def expected_funds(books: Books, months: list[str]) -> dict[tuple[str, str], list]:
    """By programme and area: 户次, 人次, then the amounts of FUND_COLUMNS, over the posted cycles of `months`."""
    groups: dict[tuple[str, str], list] = {(p, a): [0, 0] + [ZERO] * 8 for p in PROGRAMS.values()
                                           for a in AREAS.values()}
    for month in months:
        view = show(books.run, books.cycles[month])
        assert view["status"] in ("approved", "exported", "settled")
        for line in view["lines"]:
            key = (PROGRAMS[line["program"]], AREAS[line["area"]])
            groups[key] = [a + b for a, b in zip(groups[key], [1, line["members"], *_line_funds(line)])]
    return _with_totals(groups)


def per_person(base: Decimal, persons: int) -> Decimal | None:
    return (base / persons).quantize(D("0.01"), rounding=ROUND_HALF_UP) if persons else None


# ---- reading the PDF and the CSV back ---------------------------------------------------------------------------

ROW = re.compile(r"^\s*(低保|特困|低收入|合计)\s+(城市|农村|小计|总计)\s+(\S.*?)\s*$")
HEADINGS = ("一、救助对象", "二、本月资金发放", "三、本年累计资金发放", "四、保障标准")


def _cell(text: str):
    if text == "—":
        return None
    return D(text.replace(",", "")) if "." in text else int(text.replace(",", ""))


def table(written: Written, heading: str) -> dict[tuple[str, str], list]:
    """The rows of the section that starts with `heading`, by (programme, area)."""
    start = written.text.index(heading)
    later = [written.text.index(h) for h in HEADINGS if written.text.index(h) > start]
    rows = {}
    for line in written.text[start:min(later, default=len(written.text))].splitlines():
        found = ROW.match(line)
        if found:
            program, area, rest = found.groups()
            assert (program, area) not in rows, (heading, line)
            rows[(program, area)] = [_cell(c) for c in rest.split()]
    assert len(rows) == 12, (heading, sorted(rows))
    return rows


def csv_figures(written: Written) -> dict[tuple[str, str, str, str], str]:
    raw = written.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["地区代码", "地区", "统计月份", "部分", "救助类别", "城乡", "指标", "数值", "单位", "说明"]
    figures = {}
    for row in rows[1:]:
        assert row[:3] == [COUNTY, "宝清县", written.pdf.stem[:7]], row
        key = (row[3], row[4], row[5], row[6])
        assert key not in figures, key
        figures[key] = row[7]
    return figures


def _csv_value(text: str):
    if text == "":
        return None
    return D(text) if "." in text else int(text)


# ---- the tests ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["2022-02", "2022-03"])
def test_counts_by_programme_area_age_and_disability_match_the_registry(books, written, month):
    expected = expected_counts(books, month)
    assert table(written[month], HEADINGS[0]) == expected
    figures = csv_figures(written[month])
    for (program, area), values in expected.items():
        assert [_csv_value(figures[("救助对象", program, area, c)]) for c in COUNT_COLUMNS] == values


def test_the_counts_are_those_the_cycle_saw(books, written):
    """February: H001's child (died 2022-01-20, known before the run) is not counted; H002's spouse (dead since
    2022-01-25 but recorded after February was paid) is, as the cycle counted her; the newcomer of H011 is 59 on
    1 February and 60 on the 28th: 老年人. March counts H002 alone."""
    feb, mar = table(written["2022-02"], HEADINGS[0]), table(written["2022-03"], HEADINGS[0])
    feb_lines = {ln["household_id"]: ln for ln in show(books.run, books.cycles["2022-02"])["lines"]}
    mar_lines = {ln["household_id"]: ln for ln in show(books.run, books.cycles["2022-03"])["lines"]}
    assert (feb_lines["H001"]["members"], feb_lines["H002"]["members"], feb_lines["H011"]["members"]) == (2, 2, 4)
    assert mar_lines["H002"]["members"] == 1
    assert feb[("合计", "总计")][1] == sum(ln["members"] for ln in feb_lines.values())
    assert mar[("合计", "总计")][1] == sum(ln["members"] for ln in mar_lines.values())
    # 低保 城市 in February: H001 (2), H002 (2, both 60+), H008 (2), H009, H010 (2), H011 (4, the newcomer 60+).
    assert feb[("低保", "城市")][:3] == [6, 13, 3]
    assert books.feb_before == written["2022-02"].pdf.read_bytes(), "a late event changed February's report"
    assert books.feb_csv_before == written["2022-02"].csv.read_bytes()


@pytest.mark.parametrize("month", ["2022-02", "2022-03"])
def test_funds_of_the_month_and_the_year_match_the_cycles(books, written, month):
    months = [m for m in ("2022-01", "2022-02", "2022-03") if m <= month]
    this_month, year = expected_funds(books, [month]), expected_funds(books, months)
    printed_month = table(written[month], HEADINGS[1])
    printed_year = table(written[month], HEADINGS[2])
    figures = csv_figures(written[month])
    for key in this_month:
        households, persons, *amounts = this_month[key]
        assert printed_month[key] == amounts + [per_person(amounts[0], persons)], key
        households, persons, *amounts = year[key]
        assert printed_year[key] == [households, persons, *amounts, per_person(amounts[0], persons)], key
        assert [_csv_value(figures[("本月资金", *key, c)]) for c in FUND_COLUMNS] == this_month[key][2:]
        assert _csv_value(figures[("本月资金", *key, "月人均保障金")]) == per_person(this_month[key][2],
                                                                                 this_month[key][1])
        assert [_csv_value(figures[("本年累计资金", *key, c)]) for c in ("户次", "人次", *FUND_COLUMNS)] == year[key]
    total = show(books.run, books.cycles[month])
    assert printed_month[("合计", "总计")][7] == D(total["total"])
    assert printed_year[("合计", "总计")][9] == sum((D(show(books.run, books.cycles[m])["total"]) for m in months),
                                                   ZERO)
    assert f"{total['count']} households" in written[month].said


def test_every_part_of_a_payment_has_money_in_it(books, written):
    """The scenario is built so that each column is tested with money, not zeros that would pass any split."""
    feb = table(written["2022-02"], HEADINGS[1])[("合计", "总计")]
    mar = table(written["2022-03"], HEADINGS[1])[("合计", "总计")]
    base, arrears, reissued, temporary, price, heating, set_off, paid = feb[:8]
    assert min(base, arrears, reissued, temporary, price, heating) > 0 and set_off == 0
    assert base + arrears + reissued + temporary + price + heating - set_off == paid
    assert reissued == D("1032.00") and temporary == D("300.00") and heating > 0
    assert mar[6] > 0, "March sets off H011's receivable"
    assert mar[0] + sum(mar[1:6]) - mar[6] == mar[7]
    year = table(written["2022-03"], HEADINGS[2])[("合计", "总计")]
    assert year[:2] == [sum(len(show(books.run, books.cycles[m])["lines"]) for m in ("2022-01", "2022-02", "2022-03")),
                        sum(ln["members"] for m in ("2022-01", "2022-02", "2022-03")
                            for ln in show(books.run, books.cycles[m])["lines"])]


def test_the_standards_in_force_are_printed(written):
    standards = {}
    for line in written["2022-02"].text[written["2022-02"].text.index(HEADINGS[3]):].splitlines():
        found = re.match(r"^\s*(\S+)\s+([\d,]+\.\d\d)\s+([\d,]+\.\d\d)\s+元/人/月", line)
        if found:
            standards[found[1]] = (_cell(found[2]), _cell(found[3]))
    # Worked by hand from the example policies on 2022-02-01: 低保 680 / 460 (双鸭山市 from 2022-01-01); 特困 1.3 ×;
    # care ratios of the minimum wage 1690; 低收入 1.5 ×, 单人户 1.0 ×; the county's elderly add-on 20 % in 2022.
    assert standards["最低生活保障标准"] == (D("680.00"), D("460.00"))
    assert standards["特困人员基本生活标准（分散供养）"] == (D("884.00"), D("598.00"))
    assert standards["特困人员照料护理标准（集中供养·全护理）"] == (D("422.50"), D("422.50"))
    assert standards["低收入家庭认定标准（家庭人均月收入）"] == (D("1020.00"), D("690.00"))
    assert standards["低收入家庭单人户保障金"] == (D("680.00"), D("460.00"))
    assert standards["分类施保加发（老年人）"] == (D("136.00"), D("92.00"))
    assert standards["分类施保加发（重度精神、智力残疾人）"] == (D("102.00"), D("69.00"))
    # 低保; 特困 basic by setting, care by setting and level; 低收入; the add-ons.
    assert len(standards) == 1 + 2 + 6 + 2 + 8
    figures = csv_figures(written["2022-02"])
    for name, (urban, rural) in standards.items():
        assert D(figures[("保障标准", "", "城市", name)]) == urban
        assert D(figures[("保障标准", "", "农村", name)]) == rural


def test_the_page_is_in_chinese_and_names_its_month_and_cycle(books, written):
    feb = written["2022-02"]
    flat = re.sub(r"\s+", "", feb.text)
    assert "宝清县2022年2月社会救助统计月报" in flat
    assert f"发放批次第{books.cycles['2022-02']}号（已审批，2022-02-05审批）" in flat
    assert "年龄计算日2022-02-28" in flat and "编制日期2022-02-28" in flat
    assert "未启用身份认证" in flat  # the test books are --no-auth
    assert "累计月份：2022-01、2022-02" in flat
    for written_month in written.values():
        for text in (written_month.text, written_month.csv.read_text(encoding="utf-8-sig")):
            lowered = text.lower()
            assert not [code for code in INTERNAL if code.lower() in lowered], "an internal code reached the reader"


def test_fonts_are_embedded_and_the_bytes_are_reproducible(books, written, tmp_path):
    feb = written["2022-02"]
    rows = [ln.split() for ln in subprocess.run([poppler("pdffonts"), str(feb.pdf)], check=True, capture_output=True,
                                                text=True).stdout.splitlines()[2:] if ln.strip()]
    assert rows
    for row in rows:
        assert row[-5:-2] == ["yes", "yes", "yes"], row
        assert "WenQuanYiMicroHei" in row[0]
    assert len(render_pages(feb.pdf, tmp_path / "png")) == len(feb.pages)
    # On a machine with no font at all (an empty font configuration) poppler draws the same first page.
    (tmp_path / "none").mkdir()
    (tmp_path / "fonts.conf").write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{tmp_path / "none"}</dir>'
                                         f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n', encoding="utf-8")
    bare = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"), "FONTCONFIG_PATH": str(tmp_path)}
    assert dark_pixels(feb.pdf, tmp_path / "bare", bare) == dark_pixels(feb.pdf, tmp_path / "usual",
                                                                       dict(os.environ)) > 500
    assert all(re.search(rf"第\s*{n}\s*页\s*共\s*{len(feb.pages)}\s*页", page)
               for n, page in enumerate(feb.pages, start=1))
    again = tmp_path / "again.pdf"
    ok(report(books.run, "2022-02", again))
    assert again.read_bytes() == feb.pdf.read_bytes()
    assert again.with_suffix(".csv").read_bytes() == feb.csv.read_bytes()
    assert b"/CreationDate (D:20220228000000+00'00')" in again.read_bytes()
    dated = tmp_path / "dated.pdf"
    ok(report(books.run, "2022-02", dated, "--created", "2022-03-03"))
    assert b"/CreationDate (D:20220303000000+00'00')" in dated.read_bytes()
    assert "编制日期 2022-03-03" in pdf_pages(dated)[0]


@pytest.mark.parametrize("month, args, user, fragments", [
    ("2022-02", ("--jurisdiction", "999999"), None, ("999999", "not in the books", "行政区划代码不在账簿中",
                                                         "(--jurisdiction)")),
    ("2022-02", ("--jurisdiction", "230500"), None, ("230500", "is a city", "(--jurisdiction)")),
    ("2022-13", (), None, ("2022-13 is not a month written YYYY-MM", "统计月份应写作", "(--month)")),
    ("22-02", (), None, ("22-02 is not a month written YYYY-MM",)),
    ("2022-04", (), None, ("is a draft", "approve it first", "草稿批次不统计", "(--month)")),
    ("2022-05", (), None, ("no posted cycle for 2022-05", "该月无已审批的发放批次")),
    ("2022-02", (), "clerk", ("outside the scope 230523100",)),
])
def test_refusals_exit_3_and_write_nothing(books, tmp_path, month, args, user, fragments):
    out = tmp_path / "refused.pdf"
    argv = ["report", "monthly", "--jurisdiction", COUNTY, "--month", month, "--out", str(out)]
    if args:
        argv[2:4] = list(args)
    assert_refused(books.run(*argv, user=user), *fragments)
    assert list(tmp_path.iterdir()) == []


def test_an_out_named_csv_is_refused(books, tmp_path):
    assert_refused(report(books.run, "2022-02", tmp_path / "report.csv"), "may not be named .csv", "(--out)")
    assert list(tmp_path.iterdir()) == []


# ---- the pure parts -----------------------------------------------------------------------------------------------


def test_age_groups_turn_on_the_birthday_and_severity_is_grades_1_and_2():
    on = date(2022, 2, 28)
    people = [data.Person(date(1962, 2, 28), None),  # 60 on the day: 老年人
              data.Person(date(1962, 3, 1), 4),  # 59
              data.Person(date(2004, 2, 28), 2),  # 18 on the day: 成年人
              data.Person(date(2004, 3, 1), 1),  # 17: 未成年人
              data.Person(date(1950, 1, 1), 3)]
    assert data.person_counts(people, on) == data.Counts(1, 5, 2, 2, 1, 4, 2)


def test_a_line_splits_into_its_parts_and_the_average_rounds_half_up():
    record = data.FundRecord("2022-02", "dibao", "urban", 2, 3, paid=D("1000.00"), arrears=D("100.00"),
                             reissued=D("50.00"), temporary=D("30.00"), price_subsidy=D("20.00"), heating=D("10.00"),
                             set_off=D("40.00"))
    funds = data.fund_of(record)
    assert funds.base == D("830.00")
    assert funds.base + funds.arrears + funds.reissued + funds.temporary + funds.price_subsidy + funds.heating \
        - funds.set_off == funds.paid
    assert funds.per_person == D("276.67")
    assert data.Funds().per_person is None
    rows = data.report_rows([], [record], "2022-02", date(2022, 2, 28))
    assert [(r.program_name, r.area_name) for r in rows][:3] == [("低保", "城市"), ("低保", "农村"), ("低保", "小计")]
    assert rows[-1].month == funds and rows[-1].year == funds and rows[-1].area_name == "总计"
    later = data.report_rows([], [record], "2022-03", date(2022, 3, 31))
    assert later[-1].month == data.Funds() and later[-1].year == funds


def test_months_are_read_strictly():
    assert data.month_days("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert data.month_days("2022-12") == (date(2022, 12, 1), date(2022, 12, 31))
    for bad in ("2022-13", "2022-1", "2022/01", "202201", "2022-00"):
        with pytest.raises(ValueError):
            data.month_days(bad)
    assert data.year_months("2022-03") == ("2022-01", "2022-02", "2022-03")
