"""启用月: a county whose policy files start in 2022 and whose households were approved years before.

The county's policy history begins 2022-01-01 (the standards), its registry's households were
approved 2015–2021, and its old books hand over fund balances, a township reserve, an open
receivable and three 低保 standings (two in 渐退, one ended). Everything is read back through the
CLI, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import FrozenInstanceError
from decimal import Decimal as D
from pathlib import Path

import pytest
from cycle_helpers import (
    COUNTY,
    EXPECTED,
    allocate,
    approve,
    balances,
    entry,
    entry_net,
    ok,
    run_cycle,
    show,
    trial_balance,
    verify,
)
from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, EXAMPLES, PREPARER, assert_refused, snapshot

from aidledger import db as dbmod
from aidledger.disbursement.opening.service import opening_view

T1 = "230523100"
APPROVALS = {"H001": "2015-03-10", "H002": "2016-07-01", "H003": "2017-01-15", "H004": "2018-05-20",
             "H005": "2019-09-09", "H006": "2020-02-02", "H007": "2021-04-30", "H008": "2021-06-15",
             "H010": "2021-11-11", "H011": "2019-12-31"}  # H009 stays approved 2022-01-20


def _policy_files(tmp_path: Path, steps: str | None = None) -> list[Path]:
    """The example chain with every standard starting 2022-01-01 (and `steps` for 渐退, if given)."""
    out = []
    for path in EXAMPLE_POLICIES:
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("230500"):
            text = text.replace("2021-01-01 = 640\n", "").replace("2021-01-01 = 430\n", "")
        if path.name.startswith("230000") and steps:
            text = text.replace("steps = [ { from_month = 1, ratio = 1.0 } ]", steps)
        target = tmp_path / path.name
        target.write_text(text, encoding="utf-8")
        out.append(target)
    return out


def _registry(run, tmp_path: Path, events: list[str] = ()) -> None:
    with open(EXAMPLES / "registry" / "households.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["approved_on"] = APPROVALS.get(row["household_id"], row["approved_on"])
    households = tmp_path / "households.csv"
    with open(households, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ok(run("registry", "import", "--households", str(households),
           "--members", str(EXAMPLES / "registry" / "members.csv"), user=PREPARER))
    lines = (EXAMPLES / "registry" / "events.csv").read_text(encoding="utf-8").splitlines() + list(events)
    (tmp_path / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok(run("registry", "events", str(tmp_path / "events.csv"), user=PREPARER))


@pytest.fixture
def newcomer(people, tmp_path):
    """A county whose standards start 2022-01-01, with households approved 2015–2021, no opening recorded."""
    ok(people("policy", "load", *map(str, _policy_files(tmp_path)), user=ADMIN))
    _registry(people, tmp_path)
    return people


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def _explain(run, household: str, month: str) -> dict:
    return json.loads(ok(run("explain", household, "--month", month, "--json", user=PREPARER)))


def _paid(run, month: str) -> dict[str, str]:
    found = {}
    for n in range(1, 12):
        data = _explain(run, f"H{n:03d}", month)
        if data["amount"] != "0.00":
            found[data["household_id"]] = data["amount"]
    return found


def test_a_newcomer_is_paid_from_the_month_its_standards_begin(newcomer):
    # The track begins at the first month: no parameter of 2015–2021 is needed.
    for month in ("2022-01", "2022-02", "2022-03"):
        assert _paid(newcomer, month) == EXPECTED[month], month
    assert _explain(newcomer, "H001", "2022-01")["track_origin"] == "渐退自启用月 2022-01 起算"
    assert _explain(newcomer, "H009", "2022-02")["track_origin"] == "渐退自批准月 2022-01 起算"
    shown = json.loads(ok(newcomer("opening", "show", "--jurisdiction", COUNTY, "--json")))
    assert (shown["first_month"], shown["source"], shown["opening"]) == ("2022-01", "standards", None)
    for command in (("explain", "H001", "--month", "2021-12"),
                    ("cycle", "run", "--jurisdiction", COUNTY, "--month", "2021-12")):
        before = snapshot(newcomer.url)
        assert_refused(newcomer(*command, user=PREPARER), "first month", "starts in 2022-01", "2021-12")
        assert snapshot(newcomer.url) == before


def test_cycles_of_a_newcomer_equal_the_worked_example(newcomer):
    allocate(newcomer, on="2022-01-01")
    for month in ("2022-01", "2022-02", "2022-03"):
        cycle_id = run_cycle(newcomer, month)
        view = show(newcomer, cycle_id)
        assert {ln["household_id"]: ln["amount"] for ln in view["lines"]} == EXPECTED[month], month
        approve(newcomer, cycle_id, f"{month}-05")
    verify(newcomer)


@pytest.fixture
def handed_over(people, tmp_path):
    """The newcomer with an opening load for 2022-01: funds, a reserve, a receivable, three standings.

    渐退 steps down to half from exit month 4. H011 has been in exit since 2021-10 (base 1000.00);
    H002's income rises to the standard from 2022-01-01, so its exit begins in the first month
    (base 1032.00); H008 had already left 低保.
    """
    steps = "steps = [ { from_month = 1, ratio = 1.0 }, { from_month = 4, ratio = 0.5 } ]"
    ok(people("policy", "load", *map(str, _policy_files(tmp_path, steps)), user=ADMIN))
    _registry(people, tmp_path, ["H011,income,2022-01-01,2100,", "H002,income,2022-01-01,1400,"])
    files = {
        "funds": _write(tmp_path / "funds.csv", "fund,amount\ncentral_subsidy,100000.00\ncounty_subsidy,2500.50\n"
                                                "working_funds,0\n"),
        "reserves": _write(tmp_path / "reserves.csv", f"township,amount\n{T1},5000\n"),
        "receivables": _write(tmp_path / "receivables.csv",
                              "household_id,month,amount,reason\nH003,2021-11,300.00,收入未如实申报\n"),
        "states": _write(tmp_path / "states.csv", "household_id,status,exit_started,exit_base\n"
                                                  "H011,exit,2021-10,1000.00\nH002,exit,2022-01,1032.00\n"
                                                  "H008,ended,,\n"),
    }
    args = [a for kind, path in files.items() for a in (f"--{kind}", path)]
    opening_id = ok(people("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", *args, user=PREPARER))
    assert opening_id == "1"
    return people


def test_households_handed_over_in_exit_continue_and_step_down(handed_over):
    h011 = {m: _explain(handed_over, "H011", m)["amount"] for m in ("2022-01", "2022-02", "2022-03", "2022-04")}
    assert h011 == {"2022-01": "500.00", "2022-02": "500.00", "2022-03": "500.00", "2022-04": "0.00"}  # months 4–6
    h002 = {m: _explain(handed_over, "H002", m)["amount"] for m in ("2022-01", "2022-03", "2022-04")}
    assert h002 == {"2022-01": "1032.00", "2022-03": "1032.00", "2022-04": "516.00"}  # months 1, 3, 4
    assert _explain(handed_over, "H008", "2022-01")["amount"] == "0.00"  # ended: never paid again
    assert _explain(handed_over, "H011", "2022-01")["track_origin"] == \
        "启用月 2022-01 移交: 渐退始于 2021-10, 渐退基数 1000.00"
    exit_part = _explain(handed_over, "H011", "2022-01")["components"]
    assert [(c["kind"], c["amount"]) for c in exit_part] == [("exit", "500.00")]
    # Real cycles carry the same tracks month after month.
    paid = {}
    for month in ("2022-01", "2022-02", "2022-03", "2022-04"):
        cycle_id = run_cycle(handed_over, month)
        view = show(handed_over, cycle_id)
        paid[month] = {ln["household_id"]: ln["amount"] for ln in view["lines"]}
        approve(handed_over, cycle_id, f"{month}-05")
    assert [paid[m].get("H011") for m in sorted(paid)] == ["500.00", "500.00", "500.00", None]
    assert [paid[m].get("H002") for m in sorted(paid)] == ["1032.00", "1032.00", "1032.00", "516.00"]
    assert all("H008" not in p for p in paid.values())
    assert paid["2022-01"]["H001"] == EXPECTED["2022-01"]["H001"]  # not listed: normal standing
    verify(handed_over)


def test_opening_balances_reach_the_books_the_budget_and_the_audit_pack(handed_over, tmp_path):
    status = json.loads(ok(handed_over("budget", "status", "--jurisdiction", COUNTY, "--year", "2022", "--json")))
    funds = {f["fund"]: f for f in status["funds"]}
    # 期初: the fund's whole net position handed over (treasury, reserve, receivable); only the treasury
    # part is available, the reserve and the receivable being committed.
    assert (funds["central_subsidy"]["opening"], funds["central_subsidy"]["available"]) == ("105300.00", "100000.00")
    assert funds["county_subsidy"]["available"] == "2500.50"
    # The reserve and the receivable sit on the first fund of the funding order.
    assert funds["central_subsidy"]["committed"] == "5300.00"
    net = balances(handed_over, "2022-01-01")
    assert net["Assets:Treasury"] == D("102500.50")
    assert net["Assets:Reserve:T230523100"] == D("5000.00")
    assert net["Assets:Receivable:Recovery"] == D("300.00")
    tb = trial_balance(handed_over, "2022-01-31")
    assert tb["total_debit"] == tb["total_credit"]
    equity = [r for r in tb["rows"] if r["account"] == "Equity:NetPosition"]
    assert sum((D(r["credit"]) for r in equity), D("0")) == D("107800.50")
    pdf = tmp_path / "audit.pdf"
    ok(handed_over("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(pdf), user=AUDITOR))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    central = next(line for line in text.splitlines() if line.strip().startswith("中央补助"))
    assert central.split()[1] == "105,300.00" and central.split()[-3:] == ["5,300.00", "105,300.00", "100,000.00"]
    reserve = next(line for line in text.splitlines() if line.strip().startswith(T1))
    assert "5,000.00" in reserve
    verify(handed_over)
    shown = json.loads(ok(handed_over("opening", "show", "--jurisdiction", COUNTY, "--json")))
    assert shown["first_month"] == "2022-01" and shown["source"] == "opening"
    assert [(f["fund"], f["amount"]) for f in shown["funds"]] == [
        ("central_subsidy", "100000.00"), ("county_subsidy", "2500.50"), ("working_funds", "0.00")]
    assert [(s["household_id"], s["status"]) for s in shown["states"]] == [("H002", "exit"), ("H008", "ended"),
                                                                          ("H011", "exit")]


def test_an_opening_reserve_pays_emergency_cases(handed_over):
    case = ok(handed_over("reserve", "pay", "--township", T1, "--id-number", "230523197705100113", "--name", "王建国",
                          "--amount", "500", "--date", "2022-01-15", "--reason", "火灾", user=PREPARER))
    assert case == "1"
    rows = json.loads(ok(handed_over("reserve", "status", "--jurisdiction", COUNTY, "--as-of", "2022-01-31",
                                     "--json")))["townships"]
    t1 = next(t for t in rows if t["township"] == T1)
    assert (t1["opening"], t1["paid"], t1["balance"]) == ("5000.00", "500.00", "4500.00")
    verify(handed_over)


def test_an_opening_receivable_is_recovered_and_set_off(handed_over, tmp_path):
    listed = json.loads(ok(handed_over("recovery", "list", "--jurisdiction", COUNTY, "--json")))["receivables"]
    assert [(r["household_id"], r["month"], r["amount"], r["outstanding"]) for r in listed] == [
        ("H003", "2021-11", "300.00", "300.00")]
    seq = int(ok(handed_over("recovery", "record", listed[0]["id"], "--amount", "100", "--date", "2022-01-10",
                             user=PREPARER)))
    assert entry_net(entry(handed_over, seq))["Assets:Treasury"] == D("100.00")
    # The county allows set-off: the January cycle withholds from H003's payment what is still owed.
    county_file = tmp_path / "230523-baoqing.toml"
    county_file.write_text(county_file.read_text(encoding="utf-8") + "\n[recovery]\nset_off_ratio = 0.5\n",
                           encoding="utf-8")
    ok(handed_over("policy", "load", str(county_file), user=ADMIN))
    cycle_id = run_cycle(handed_over, "2022-01")
    line = next(ln for ln in show(handed_over, cycle_id)["lines"] if ln["household_id"] == "H003")
    assert [c["amount"] for c in line["components"] if c["kind"] == "recovery"] == ["-200.00"]
    approve(handed_over, cycle_id, "2022-01-05")
    listed = json.loads(ok(handed_over("recovery", "list", "--jurisdiction", COUNTY, "--json")))["receivables"]
    assert (listed[0]["recovered"], listed[0]["outstanding"]) == ("300.00", "0.00")
    verify(handed_over)


def test_an_opening_is_reversed_and_loaded_again(handed_over, tmp_path):
    before = json.loads(ok(handed_over("opening", "show", "--jurisdiction", COUNTY, "--json")))
    assert_refused(handed_over("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", user=PREPARER),
                   "already starts in 2022-01", "opening reverse")
    seqs = ok(handed_over("opening", "reverse", "--jurisdiction", COUNTY, "--reason", "期初余额录错",
                          user=PREPARER)).split()
    assert len(seqs) == 4  # two funds, one reserve, the receivables (a zero balance posts nothing)
    assert balances(handed_over, "2022-12-31").get("Assets:Treasury", D("0")) == D("0")
    assert json.loads(ok(handed_over("recovery", "list", "--jurisdiction", COUNTY, "--json")))["receivables"] == []
    after = json.loads(ok(handed_over("opening", "show", "--jurisdiction", COUNTY, "--json")))
    assert after["source"] == "standards" and after["reversed"][0]["opening"] == 1
    funds = _write(tmp_path / "funds2.csv", "fund,amount\ncentral_subsidy,90000.00\n")
    assert ok(handed_over("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-02", "--funds", funds,
                          user=PREPARER)) == "2"
    assert balances(handed_over, "2022-02-01")["Assets:Treasury"] == D("90000.00")
    assert before["first_month"] == "2022-01"
    assert_refused(handed_over("explain", "H001", "--month", "2022-01", user=PREPARER), "starts in 2022-02")
    verify(handed_over)


def test_a_cycle_run_on_an_opening_blocks_its_reversal(handed_over):
    run_cycle(handed_over, "2022-01")
    before = snapshot(handed_over.url)
    assert_refused(handed_over("opening", "reverse", "--jurisdiction", COUNTY, "--reason", "x", user=PREPARER),
                   "cycles 1 of 230523 were run on it")
    assert snapshot(handed_over.url) == before


BAD_FILES = [
    ("funds", "fund,amount\nspecial_fund,100\n", "funds.csv line 2, column fund: 'special_fund' is not one of"),
    ("funds", "fund,amount\ncentral_subsidy,-5\n", "funds.csv line 2, column amount: -5 is negative"),
    ("funds", "fund,amount\ncentral_subsidy,10.005\n", "column amount: '10.005' has more than two decimal places"),
    ("funds", "fund,amount\ncentral_subsidy,1\ncentral_subsidy,2\n", "line 3, column fund: central_subsidy is already"),
    ("reserves", "township,amount\n230523999,100\n",
     "reserves.csv line 2, column township: 230523999 is not a township"),
    ("reserves", "township,amount\n230523100,30000.01\n", "reserve.amount"),
    ("receivables", "household_id,month,amount,reason\nH999,2021-11,10,x\n",
     "receivables.csv line 2, column household_id: household H999 is not in the registry"),
    ("receivables", "household_id,month,amount,reason\nH003,2022-01,10,x\n", "is not before the first month 2022-01"),
    ("receivables", "household_id,month,amount,reason\nH003,2021-11,0,x\n", "must be more than 0.00"),
    ("states", "household_id,status,exit_started,exit_base\nH005,exit,2021-12,900\n",
     "states.csv line 2, column status: household H005 is tekun"),
    ("states", "household_id,status,exit_started,exit_base\nH001,exit,2022-02,900\n",
     "column exit_started: 2022-02 is after the first month 2022-01"),
    ("states", "household_id,status,exit_started,exit_base\nH001,exit,2021-01,900\n",
     "hand the household over as ended"),
    ("states", "household_id,status,exit_started,exit_base\nH009,ended,,\n", "first paid in 2022-02"),
    ("states", "household_id,status,exit_started,exit_base\nH001,paused,,\n", "'paused' is not one of exit, ended"),
    ("states", "household_id,status,exit_started,exit_base\nH001,exit,2021-12,\n", "required for status exit"),
]


@pytest.mark.parametrize("kind,text,message", BAD_FILES, ids=[m[:40] for _, _, m in BAD_FILES])
def test_bad_opening_files_are_refused_and_store_nothing(newcomer, tmp_path, kind, text, message):
    path = _write(tmp_path / f"{kind}.csv", text)
    before = snapshot(newcomer.url)
    result = newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", f"--{kind}", path,
                      user=PREPARER)
    assert_refused(result, message)
    assert snapshot(newcomer.url) == before


def test_every_bad_row_of_every_file_is_reported_at_once(newcomer, tmp_path):
    funds = _write(tmp_path / "funds.csv", "fund,amount\nspecial_fund,1\ncentral_subsidy,1.234\n")
    states = _write(tmp_path / "states.csv", "household_id,status\nH999,ended\n")
    result = newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", "--funds", funds,
                      "--states", states, user=PREPARER)
    assert_refused(result, "funds.csv line 2", "funds.csv line 3", "states.csv line 2")


def test_opening_files_as_a_county_has_them_gbk_and_a_workbook_with_every_problem_listed(newcomer, tmp_path):
    from openpyxl import Workbook

    funds = tmp_path / "期初余额.csv"
    funds.write_bytes("资金,金额\n中央补助,100000.00\n县级补助,1.234\n".encode("gbk"))
    book = Workbook()
    book.active.append(["户编号", "状态"])
    book.active.append(["H999", "已退出"])
    book.save(tmp_path / "移交状态.xlsx")
    errors = tmp_path / "problems.csv"
    before = snapshot(newcomer.url)
    result = newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", "--funds", str(funds),
                      "--states", str(tmp_path / "移交状态.xlsx"), "--errors", str(errors), user=PREPARER)
    assert_refused(result, "期初余额.csv line 3, column amount", "移交状态.xlsx（Sheet） line 2",
                   f"every problem (2) is listed in {errors}")
    assert snapshot(newcomer.url) == before
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        listed = list(csv.reader(handle))
    assert [row[:5] for row in listed] == [["文件", "工作表", "行", "列", "值"],
                                           ["期初余额.csv", "", "3", "amount", "1.234"],
                                           ["移交状态.xlsx", "Sheet", "2", "household_id", "H999"]]
    funds.write_bytes("资金,金额\n中央补助,100000.00\n".encode("gbk"))
    ok(newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", "--funds", str(funds),
                user=PREPARER))
    shown = json.loads(ok(newcomer("opening", "show", "--jurisdiction", COUNTY, "--json")))
    assert "100000.00" in json.dumps(shown)


def test_an_opening_after_a_month_already_paid_is_refused(newcomer, tmp_path):
    allocate(newcomer, on="2022-01-01")
    approve(newcomer, run_cycle(newcomer, "2022-01"), "2022-01-05")
    funds = _write(tmp_path / "funds.csv", "fund,amount\ncentral_subsidy,1\n")
    before = snapshot(newcomer.url)
    for month, message in (("2022-02", "2022-02 is after 2022-01, a month 230523 has already paid"),
                           ("2022-01", "has already run cycles")):
        assert_refused(newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", month, "--funds", funds,
                                user=PREPARER), message)
    assert snapshot(newcomer.url) == before


def test_a_first_month_before_the_standards_is_refused(newcomer):
    before = snapshot(newcomer.url)
    assert_refused(newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2021-06", user=PREPARER),
                   "parameter dibao.standard_urban is not defined for 230523 on 2021-06-01")
    assert snapshot(newcomer.url) == before


def test_a_county_code_that_is_not_a_county_is_refused(newcomer):
    assert_refused(newcomer("opening", "load", "--jurisdiction", "230500", "--month", "2022-01", user=PREPARER),
                   "230500 双鸭山市 is a city")
    assert_refused(newcomer("opening", "load", "--jurisdiction", "999999", "--month", "2022-01", user=PREPARER))
    assert_refused(newcomer("opening", "reverse", "--jurisdiction", COUNTY, "--reason", "x", user=PREPARER),
                   "230523 has no opening load to reverse")
    missing = newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", "--funds", "/nonexistent.csv",
                       user=PREPARER)
    assert_refused(missing, "nonexistent.csv: cannot be read")


def test_only_a_preparer_loads_an_opening(newcomer, tmp_path):
    funds = _write(tmp_path / "funds.csv", "fund,amount\ncentral_subsidy,1\n")
    for user in (APPROVER, AUDITOR, None):
        before = snapshot(newcomer.url)
        result = newcomer("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", "--funds", funds,
                          user=user)
        assert result.exit_code == 3
        assert snapshot(newcomer.url) == before


def test_only_a_preparer_reverses_an_opening(handed_over):
    for user in (APPROVER, AUDITOR, None):
        before = snapshot(handed_over.url)
        result = handed_over("opening", "reverse", "--jurisdiction", COUNTY, "--reason", "x", user=user)
        assert result.exit_code == 3, (user, result.output)
        assert snapshot(handed_over.url) == before


def test_opening_show_prints_the_services_typed_view(handed_over):
    """The service returns a frozen view; `opening show --json` is its as_dict(), nothing added or edited."""
    database = dbmod.Database(handed_over.url)
    try:
        with database.read() as session:
            view = opening_view(session, COUNTY)
    finally:
        database.dispose()
    assert view.opening is not None and view.opening.month == "2022-01"
    assert [(s.household_id, s.status, s.exit_base) for s in view.states] == [
        ("H002", "exit", D("1032.00")), ("H008", "ended", None), ("H011", "exit", D("1000.00"))]
    with pytest.raises(FrozenInstanceError):
        view.source = "standards"  # type: ignore[misc]
    printed = ok(handed_over("opening", "show", "--jurisdiction", COUNTY, "--json"))
    assert json.loads(printed) == json.loads(json.dumps(view.as_dict(), default=lambda v: (
        f"{v:.2f}" if isinstance(v, D) else v.isoformat())))
