"""Cross-checks before payment (数据比对): other departments' lists loaded all or nothing, each cycle run's findings,
sign-off refused while any is open, resolutions (confirmed: the line held; dismissed), roles. Through the CLI."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from cycle_helpers import COUNTY, allocate, line_of, load_example_registry, ok, run_cycle, scalar, show, verify
from support import ADMIN, APPROVER, AUDITOR, PREPARER, assert_refused, refused_unchanged

SPOUSE = ("230523197809020222", "马玉梅")  # H001, not its payee
WIFE = ("230523198212122028", "何静")  # H010
BAD_CHECK = "230523197809020223"  # SPOUSE with a wrong check character


def write_list(path: Path, rows, header=("id_number", "name", "date", "detail")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load(run, path: Path, kind="death", source="县殡仪馆火化名单", on="2021-12-20", user=PREPARER, *extra):
    return run("match", "load", "--kind", kind, "--source", source, "--date", on, "--file", str(path), *extra,
               user=user)


def findings(run, cycle_id: int, user=PREPARER) -> list[dict]:
    return json.loads(ok(run("match", "findings", "--cycle", str(cycle_id), "--json", user=user)))["findings"]


@pytest.fixture
def month(county):
    load_example_registry(county)
    allocate(county, "200000.00")
    return county


# ---- loading ---------------------------------------------------------------------------------------------------


def test_a_list_with_bad_rows_is_refused_whole_naming_every_problem(month, db_url, tmp_path):
    bad = write_list(tmp_path / "deaths.csv", [(SPOUSE[0], SPOUSE[1], "2021-12-15", ""),
                                               (BAD_CHECK, "某人", "2021-12-01", ""),
                                               (WIFE[0], "", "2021-13-01", ""),
                                               ("230523198010101915", "吴国庆", "2022-01-05", "")])
    result = refused_unchanged(month, db_url, ["match", "load", "--kind", "death", "--source", "火化名单", "--date",
                                               "2021-12-20", "--file", str(bad)], PREPARER,
                               f"deaths.csv line 3, column id_number: '{BAD_CHECK}': check character is 3, expected 2")
    errors = result.stderr
    assert "deaths.csv line 4, column name: the name is empty" in errors
    assert "deaths.csv line 4, column date: '2021-13-01': not a date written YYYY-MM-DD" in errors
    assert "deaths.csv line 5, column date: '2022-01-05': a death on 2022-01-05 is after the list's date" in errors
    assert scalar(db_url, "SELECT count(*) FROM match_lists") == 0


def test_chinese_headers_dry_run_and_an_identical_reload_change_nothing(month, db_url, tmp_path):
    path = write_list(tmp_path / "payroll.csv", [(WIFE[0], WIFE[1], "2020-09-01", "县教育局")],
                      header=("身份证号", "姓名", "入编日期", "备注"))
    assert ok(load(month, path, "payroll", "县财政供养人员名单", "2021-12-01", PREPARER, "--dry-run")) == \
        "dry run: valid, would store a list of 1 rows"
    assert scalar(db_url, "SELECT count(*) FROM match_lists") == 0
    assert ok(load(month, path, "payroll", "县财政供养人员名单", "2021-12-01")).startswith("stored list 1: 财政供养")
    assert ok(load(month, path, "payroll", "县财政供养人员名单", "2021-12-01")) == \
        "this list was loaded before (list 1): nothing changed"
    assert scalar(db_url, "SELECT count(*) FROM match_rows") == 1
    other = write_list(tmp_path / "payroll2.csv", [(WIFE[0], WIFE[1], "2020-09-02", "县教育局")])
    assert_refused(load(month, other, "payroll", "县财政供养人员名单", "2021-12-01"), "is stored with other rows")


def test_roles(month, tmp_path):
    path = write_list(tmp_path / "deaths.csv", [(SPOUSE[0], SPOUSE[1], "2021-12-15", "")])
    assert_refused(load(month, path, user=APPROVER), "role must be preparer")
    assert_refused(load(month, path, user=AUDITOR), "role must be preparer")
    ok(load(month, path))
    cycle_id = run_cycle(month, "2022-01")
    finding = findings(month, cycle_id)[0]["id"]
    assert_refused(month("match", "resolve", str(finding), "--confirm", "--reason", "x", user=PREPARER),
                   "role must be approver")
    # auditors read the findings with the id number masked
    seen = findings(month, cycle_id, user=AUDITOR)[0]
    assert seen["id_number"] == "230523********0222"


# ---- a month's cross-checks -------------------------------------------------------------------------------------


def test_a_death_list_holds_the_line_once_confirmed_and_the_month_can_then_be_approved(month, db_url, tmp_path):
    ok(load(month, write_list(tmp_path / "deaths.csv", [(SPOUSE[0], SPOUSE[1], "2021-12-15", "已火化")])))
    cycle_id = run_cycle(month, "2022-01")
    before = show(month, cycle_id)
    paid = Decimal(line_of(before, "H001")["amount"])
    [found] = findings(month, cycle_id)
    assert (found["household_id"], found["name"], found["kind"], found["status"], found["date"]) == \
        ("H001", SPOUSE[1], "death", "open", "2021-12-15")
    assert found["list"]["source"] == "县殡仪馆火化名单" and found["id_number"] == SPOUSE[0]
    assert "于 2021-12-15 死亡" in found["reason"]
    assert before["findings"][0]["id"] == found["id"] and before["open_findings"] == 1
    # the sign-off is refused while it is open, naming how many and the command that lists them
    result = refused_unchanged(month, db_url, ["cycle", "approve", str(cycle_id), "--date", "2022-01-05"], APPROVER,
                               "1 open finding", f"match findings --cycle {cycle_id}")
    assert result.exit_code == 3
    ok(month("match", "resolve", str(found["id"]), "--confirm", "--reason", "经殡仪馆核实已火化", user=APPROVER))
    view = show(month, cycle_id)
    assert "H001" not in {ln["household_id"] for ln in view["lines"]}
    assert [h["household_id"] for h in view["held"]] == ["H001"] and "数据比对已核实" in view["held"][0]["reason"]
    assert (view["count"], Decimal(view["total"])) == (before["count"] - 1, Decimal(before["total"]) - paid)
    [done] = view["findings"]
    assert (done["status"], done["resolver"], done["resolution_reason"]) == \
        ("confirmed", APPROVER, "经殡仪馆核实已火化")
    assert "死亡事件" in done["todo"]
    # resolved once
    assert_refused(month("match", "resolve", str(found["id"]), "--dismiss", "--reason", "again", user=APPROVER),
                   "already confirmed")
    ok(month("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    assert show(month, cycle_id)["status"] == "approved"
    verify(month)
    # the audit pack lists the year's findings and how each was resolved
    pack = tmp_path / "audit.pdf"
    ok(month("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(pack), user=AUDITOR))
    text = " ".join(pdf_text(pack).split())
    assert "数据比对发现（1）" in text
    assert "已核实（wang.fang，" in text and "经殡仪馆核实已火化" in text and "230523********0222" in text


def test_a_rerun_finds_it_again_holds_it_again_and_a_recorded_death_lapses_it(month, db_url, tmp_path):
    ok(load(month, write_list(tmp_path / "deaths.csv", [(SPOUSE[0], SPOUSE[1], "2021-12-15", "")])))
    cycle_id = run_cycle(month, "2022-01")
    [found] = findings(month, cycle_id)
    ok(month("match", "resolve", str(found["id"]), "--confirm", "--reason", "核实", user=APPROVER))
    assert run_cycle(month, "2022-01") == cycle_id
    view = show(month, cycle_id)
    assert [h["household_id"] for h in view["held"]] == ["H001"] and view["open_findings"] == 0
    assert len(view["findings"]) == 1  # the same finding, found again: not a second one
    # the death recorded in the registry: the re-run counts two members, pays H001 and the finding lapses
    events = tmp_path / "events.csv"
    with open(events, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("household_id", "kind", "date", "id_number"),
                                      ("H001", "death", "2021-12-15", SPOUSE[0])])
    ok(month("registry", "events", str(events), user=PREPARER))
    run_cycle(month, "2022-01")
    view = show(month, cycle_id)
    assert view["held"] == [] and line_of(view, "H001")["amount"]
    [lapsed] = view["findings"]
    assert (lapsed["status"], lapsed["current"], lapsed["todo"]) == ("confirmed", False, None)
    ok(month("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))


def test_a_payroll_finding_dismissed_lets_the_month_be_signed_and_shows_in_the_register(month, db_url, tmp_path):
    ok(load(month, write_list(tmp_path / "payroll.csv", [(WIFE[0], WIFE[1], "2020-09-01", "县教育局")]),
            "payroll", "县财政供养人员名单", "2021-12-01"))
    cycle_id = run_cycle(month, "2022-01")
    [found] = findings(month, cycle_id)
    assert (found["household_id"], found["kind"], found["detail"]) == ("H010", "payroll", "县教育局")
    text = ok(month("match", "findings", "--cycle", str(cycle_id), user=PREPARER))
    assert "财政供养" in text and "待核实" in text and "230523********2028" in text
    ok(month("match", "resolve", str(found["id"]), "--dismiss", "--reason", "同名同号系录入错误, 已与财政局核对",
             user=APPROVER))
    view = show(month, cycle_id)
    assert line_of(view, "H010") and view["held"] == []
    assert view["findings"][0]["status"] == "dismissed" and view["findings"][0]["todo"] is None
    ok(month("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    register = tmp_path / "register.pdf"
    ok(month("report", "register", str(cycle_id), "--out", str(register), user=PREPARER))
    assert "数据比对: 财政供养 2021-12-01 已排除" in pdf_text(register)


def test_a_decision_stands_for_the_months_after_while_the_list_stays_in_force(month, db_url, tmp_path):
    """February's run finds the person January's approver checked: the decision is carried (as that approver's,
    naming the finding it comes from), so the month is not blocked again; a confirmed one holds the line again."""
    ok(load(month, write_list(tmp_path / "payroll.csv", [(WIFE[0], WIFE[1], "2020-09-01", "县教育局")]),
            "payroll", "县财政供养人员名单", "2021-12-01"))
    ok(load(month, write_list(tmp_path / "deaths.csv", [(SPOUSE[0], SPOUSE[1], "2021-12-15", "")])))
    january = run_cycle(month, "2022-01")
    payroll, death = sorted(findings(month, january), key=lambda f: f["kind"], reverse=True)
    ok(month("match", "resolve", str(payroll["id"]), "--dismiss", "--reason", "已与财政局核对: 同号录入错误",
             user=APPROVER))
    ok(month("match", "resolve", str(death["id"]), "--confirm", "--reason", "已火化", user=APPROVER))
    ok(month("cycle", "approve", str(january), "--date", "2022-01-05", user=APPROVER))
    february = run_cycle(month, "2022-02")
    carried = {f["kind"]: f for f in findings(month, february)}
    assert {k: f["status"] for k, f in carried.items()} == {"payroll": "dismissed", "death": "confirmed"}
    assert carried["payroll"]["id"] != payroll["id"] and carried["payroll"]["resolver"] == APPROVER
    assert carried["payroll"]["resolution_reason"].startswith(f"沿用第 {payroll['id']} 号发现的结论")
    view = show(month, february)
    assert view["open_findings"] == 0 and [h["household_id"] for h in view["held"]] == ["H001"]
    ok(month("cycle", "approve", str(february), "--date", "2022-02-05", user=APPROVER))
    march = {f["kind"]: f for f in findings(month, run_cycle(month, "2022-03"))}  # from the first, not a copy
    assert march["payroll"]["resolution_reason"] == carried["payroll"]["resolution_reason"]
    verify(month)


def test_lists_in_force_and_the_policy(month, tmp_path):
    """A list dated after the run's day is not yet in force; a later list of the same source supersedes an earlier
    (payroll), a death list adds up; a vehicle is a finding only above vehicle_max_count."""
    ok(load(month, write_list(tmp_path / "p1.csv", [(WIFE[0], WIFE[1], "", "")]), "payroll", "财政局", "2021-11-01"))
    ok(load(month, write_list(tmp_path / "p2.csv", [("230523198010101915", "吴国庆", "", "")]), "payroll", "财政局",
            "2021-12-01"))
    ok(load(month, write_list(tmp_path / "v.csv", [(SPOUSE[0], SPOUSE[1], "2019-05-01", "捷达")]), "vehicle",
            "县公安局车管所", "2021-12-01"))
    ok(load(month, write_list(tmp_path / "late.csv", [(SPOUSE[0], SPOUSE[1], "2021-12-15", "")]), "death",
            "火化名单", "2022-01-10"))
    cycle_id = run_cycle(month, "2022-01")  # run on 2022-01-01
    found = findings(month, cycle_id)
    assert [(f["household_id"], f["kind"]) for f in found] == [("H001", "vehicle"), ("H010", "payroll")]
    assert "名下车辆 1 辆，超过 0 辆：捷达" in found[0]["reason"] and "吴国庆" in found[1]["reason"]


def pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_the_example_amounts_are_unchanged_without_lists(month):
    """The lists are empty: every run finds nothing and pays what expected.json says (test_cycle_example)."""
    cycle_id = run_cycle(month, "2022-01")
    view = show(month, cycle_id)
    assert view["findings"] == [] and view["open_findings"] == 0
    assert COUNTY == view["jurisdiction"]
    assert ADMIN


def test_a_workbook_and_a_gbk_file_are_read_like_a_csv(month, db_url, tmp_path):
    """open_registry_file reads .xlsx (its first sheet) and GB18030/GBK text: the lists come in as the registry's
    files do."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "车型"])
    sheet.append([SPOUSE[0], SPOUSE[1], "捷达"])
    sheet.append([SPOUSE[0], SPOUSE[1], "桑塔纳"])
    workbook = tmp_path / "vehicles.xlsx"
    book.save(workbook)
    assert ok(load(month, workbook, "vehicle", "县公安局车管所", "2021-12-01")).endswith("2 rows")
    gbk = tmp_path / "companies.csv"
    gbk.write_bytes("身份证号,姓名,企业名称\n{},{},宝清县某商贸有限公司\n".format(*WIFE).encode("gbk"))
    assert ok(load(month, gbk, "business", "县市场监管局", "2021-12-01")).endswith("1 rows")
    cycle_id = run_cycle(month, "2022-01")
    found = {f["kind"]: f for f in findings(month, cycle_id)}
    assert set(found) == {"vehicle", "business"}
    assert found["vehicle"]["detail"] == "捷达；桑塔纳" and "名下车辆 2 辆" in found["vehicle"]["reason"]
    assert found["business"]["detail"] == "宝清县某商贸有限公司"


def test_the_policy_switches_kinds_off_and_allows_vehicles(month, tmp_path):
    from support import EXAMPLE_POLICIES

    county_file = next(p for p in EXAMPLE_POLICIES if p.name.startswith(COUNTY))
    text = county_file.read_text(encoding="utf-8")  # the spec's example: no [matching], so the defaults
    assert "[matching]" not in text
    changed = tmp_path / county_file.name
    changed.write_text(text + "\n[matching]\npayroll = false\nvehicle_max_count = 1\n", encoding="utf-8")
    bad = tmp_path / "bad" / county_file.name
    bad.parent.mkdir()
    bad.write_text(text + '\n[matching]\nvehicle_max_count = -1\ndeath = "yes"\n', encoding="utf-8")
    result = month("policy", "load", str(bad), user=ADMIN)
    assert_refused(result, "matching.vehicle_max_count", "matching.death")
    ok(month("policy", "load", str(changed), user=ADMIN))
    ok(load(month, write_list(tmp_path / "p.csv", [(WIFE[0], WIFE[1], "", "")]), "payroll", "财政局", "2021-12-01"))
    ok(load(month, write_list(tmp_path / "v.csv", [(SPOUSE[0], SPOUSE[1], "", "捷达")]), "vehicle", "车管所",
            "2021-12-01"))
    assert findings(month, run_cycle(month, "2022-01")) == []


def test_an_open_finding_stops_every_sign_off_and_a_resolution_needs_a_draft_and_a_reason(month, db_url, tmp_path):
    ok(load(month, write_list(tmp_path / "deaths.csv", [(SPOUSE[0], SPOUSE[1], "", "")])))
    cycle_id = run_cycle(month, "2022-01")
    [found] = findings(month, cycle_id)
    assert "已死亡（日期不详）" in found["reason"]
    refused_unchanged(month, db_url, ["match", "resolve", str(found["id"]), "--dismiss", "--reason", " "], APPROVER,
                      "a resolution needs its reason")
    assert_refused(month("match", "resolve", "99", "--dismiss", "--reason", "x", user=APPROVER), "no finding 99")
    result = month("match", "resolve", str(found["id"]), "--reason", "x", user=APPROVER)
    assert result.exit_code == 2 and "give --confirm or --dismiss" in result.output


def test_a_township_clerk_sees_the_townships_findings_and_loads_no_list(month, tmp_path):
    clerk = "town.clerk"
    ok(month("user", "add", clerk, "--role", "preparer", "--scope", "230523101", user=ADMIN))
    path = write_list(tmp_path / "payroll.csv", [(WIFE[0], WIFE[1], "", ""), ("230523197111110613", "张德明", "", "")])
    assert_refused(load(month, path, "payroll", "财政局", "2021-12-01", clerk), "works for township 230523101")
    ok(load(month, path, "payroll", "财政局", "2021-12-01"))
    cycle_id = run_cycle(month, "2022-01")
    assert [f["household_id"] for f in findings(month, cycle_id)] == ["H003", "H010"]
    assert [f["household_id"] for f in findings(month, cycle_id, user=clerk)] == ["H003"]
