"""A cycle's life: run (and re-run) as a draft, approve (maker-checker, funds), export, cancel.

Every refusal is exit 3 with `error:` lines naming the rule, and leaves the database exactly
as it was (a snapshot of every table). The database itself refuses to rewrite the lines of
a cycle past draft.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from cycle_helpers import (
    COUNTY,
    EXPECTED,
    PAYMENT_HEADER,
    ZERO,
    D,
    allocate,
    amounts,
    approve,
    balances,
    day,
    entry,
    entry_net,
    export,
    history_entry,
    load_example_registry,
    ok,
    read_payment_file,
    run_cycle,
    scalar,
    settle,
    show,
    sql,
    verify,
    write_returns,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support import ADMIN, APPROVER, AUDITOR, PREPARER, refused_unchanged, snapshot

from aidledger import db as dbmod

MONTH = "2022-01"
TOTAL = "9639.00"


@pytest.fixture
def example(county):
    load_example_registry(county)
    return county


@pytest.fixture
def funded(example):
    allocate(example)
    return example




def live_cycles(db_url, month=MONTH) -> int:
    return scalar(db_url, "SELECT count(*) FROM cycles WHERE jurisdiction_code = :c AND month = :m "
                          "AND status <> 'cancelled'", c=COUNTY, m=month)


def stored_lines(db_url, cycle_id) -> int:
    return scalar(db_url, "SELECT count(*) FROM cycle_lines WHERE cycle_id = :i", i=cycle_id)


# --- run and re-run -------------------------------------------------------------------------------------------


def test_running_a_draft_again_replaces_it(funded, db_url, tmp_path):
    first = run_cycle(funded, MONTH)
    before = show(funded, first)
    again = run_cycle(funded, MONTH)
    assert again == first
    after = show(funded, again)
    assert after["lines"] == before["lines"] and (after["count"], after["total"]) == (10, TOTAL)
    assert live_cycles(db_url) == 1 and stored_lines(db_url, first) == 10
    assert scalar(db_url, "SELECT count(*) FROM cycles") == 1
    assert [(h["status"], h["reason"]) for h in after["history"]] == [("draft", "run"), ("draft", "re-run")]

    # The registry changes: the re-run recomputes in place of the old draft.
    events = tmp_path / "events.csv"
    events.write_text("household_id,kind,date,value,id_number\nH001,income,2022-01-01,300,\n", encoding="utf-8")
    ok(funded("registry", "events", str(events), user=PREPARER))
    explained = json.loads(ok(funded("explain", "H001", "--month", MONTH, "--json", user=PREPARER)))
    assert explained["amount"] != "1242.00"
    assert run_cycle(funded, MONTH) == first
    changed = show(funded, first)
    assert amounts(changed)["H001"] == explained["amount"]
    assert changed["count"] == 10 and stored_lines(db_url, first) == 10
    assert D(changed["total"]) == D(TOTAL) - D("1242.00") + D(explained["amount"])
    assert {k: v for k, v in amounts(changed).items() if k != "H001"} == \
        {k: v for k, v in EXPECTED[MONTH].items() if k != "H001"}
    assert changed["inputs"]["registry_event_max"] != before["inputs"]["registry_event_max"]
    verify(funded)


def test_one_live_cycle_per_county_and_month(funded, db_url):
    cycle_id = run_cycle(funded, MONTH)
    database = dbmod.Database(db_url)
    row = {"c": COUNTY, "m": MONTH, "u": PREPARER, "at": datetime(2022, 1, 3, tzinfo=timezone.utc)}
    insert = ("INSERT INTO cycles (jurisdiction_code, month, status, count, total_fen, inputs, run_by, run_at) "
              "VALUES (:c, :m, :s, 0, 0, '{}', :u, :at)")
    try:
        with pytest.raises(DBAPIError):
            with database.engine.begin() as connection:
                connection.execute(text(insert), row | {"s": "draft"})
        with database.engine.connect() as connection:  # a cancelled one beside it is allowed
            transaction = connection.begin()
            connection.execute(text(insert), row | {"s": "cancelled"})
            transaction.rollback()
    finally:
        database.dispose()
    assert live_cycles(db_url) == 1
    assert run_cycle(funded, MONTH) == cycle_id
    assert run_cycle(funded, "2022-02") != cycle_id  # another month is another cycle


def test_an_approved_cycle_cannot_be_rerun(funded, db_url):
    cycle_id = run_cycle(funded, MONTH)
    approve(funded, cycle_id, day(MONTH, 5))
    result = refused_unchanged(funded, db_url, ("cycle", "run", "--jurisdiction", COUNTY, "--month", MONTH),
                               PREPARER, f"cycle {cycle_id}", "approved", "cancel")
    assert result.stdout == ""
    assert show(funded, cycle_id)["status"] == "approved"


def test_run_refusals(funded, db_url):
    refused_unchanged(funded, db_url, ("cycle", "run", "--jurisdiction", COUNTY, "--month", MONTH), APPROVER,
                      "role", "preparer")
    refused_unchanged(funded, db_url, ("cycle", "run", "--jurisdiction", COUNTY, "--month", MONTH), None,
                      "--user")
    refused_unchanged(funded, db_url, ("cycle", "run", "--jurisdiction", "230500", "--month", MONTH), PREPARER,
                      "230500", "city", "per county")
    refused_unchanged(funded, db_url, ("cycle", "run", "--jurisdiction", "239999", "--month", MONTH), PREPARER,
                      "239999")
    assert funded("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-13", user=PREPARER).exit_code == 2
    refused_unchanged(funded, db_url, ("cycle", "show", "99", "--json"), PREPARER, "cycle 99 does not exist")


# --- approval ---------------------------------------------------------------------------------------------------


def test_maker_checker(funded, db_url):
    cycle_id = run_cycle(funded, MONTH)
    approve_args = ("cycle", "approve", str(cycle_id), "--date", day(MONTH, 5))
    refused_unchanged(funded, db_url, approve_args, PREPARER, "li.ming", "role must be approver")
    refused_unchanged(funded, db_url, approve_args, AUDITOR, "zhao.audit", "role must be approver")
    refused_unchanged(funded, db_url, approve_args, None, "--user")
    refused_unchanged(funded, db_url, approve_args, "nobody", "unknown user 'nobody'")

    # Running needs the preparer role, so an approver never runs a cycle through the CLI; make
    # the draft's recorded runner an approver (a draft row may change) to reach the maker-checker rule.
    sql(db_url, "UPDATE cycles SET run_by = :u WHERE id = :i", u=APPROVER, i=cycle_id)
    refused_unchanged(funded, db_url, approve_args, APPROVER, "maker-checker", APPROVER, f"cycle {cycle_id}")
    ok(funded("user", "add", "sun.shen", "--role", "approver", user=ADMIN))
    seq = approve(funded, cycle_id, day(MONTH, 5), user="sun.shen")
    view = show(funded, cycle_id)
    assert view["status"] == "approved"
    assert view["history"][-1]["user"] == "sun.shen"
    assert entry(funded, seq)["user"] == "sun.shen"
    verify(funded)


def test_approving_twice_or_something_else_is_refused(funded, db_url):
    cycle_id = run_cycle(funded, MONTH)
    approve(funded, cycle_id, day(MONTH, 5))
    refused_unchanged(funded, db_url, ("cycle", "approve", str(cycle_id), "--date", day(MONTH, 6)), APPROVER,
                      f"cycle {cycle_id}", "is approved", "draft")
    refused_unchanged(funded, db_url, ("cycle", "approve", "77", "--date", day(MONTH, 6)), APPROVER,
                      "cycle 77 does not exist")


def test_approval_refused_when_the_funds_cannot_cover_it(example, db_url):
    allocate(example, "1000.00", "2021-12-01", "central_subsidy")
    allocate(example, "500.00", "2021-12-01", "county_subsidy")
    allocate(example, "20000.00", "2022-02-01", "provincial_subsidy")  # arrives after the approval date
    cycle_id = run_cycle(example, MONTH)
    result = refused_unchanged(example, db_url, ("cycle", "approve", str(cycle_id), "--date", day(MONTH, 5)),
                               APPROVER, f"cycle {cycle_id}", "central_subsidy available 1000.00",
                               "county_subsidy available 500.00", "provincial_subsidy available 0.00")
    # The figures add up: the cycle needs 9639.00, the funds hold 1500.00, short by 8139.00.
    errors = "\n".join(line for line in result.stderr.splitlines() if line.startswith("error:"))
    shortfalls = [D(s) for s in re.findall(r"short by (\d+\.\d\d)", errors)]
    assert sum(shortfalls) == D(TOTAL) - D("1500.00"), errors
    assert "needs 9639.00" in errors and "hold 1500.00" in errors, errors
    assert show(example, cycle_id)["status"] == "draft"
    # On a later day the provincial money is there: the cycle is charged in funding order.
    seq = approve(example, cycle_id, "2022-02-02")
    funds = {}
    for line in entry(example, seq)["lines"]:
        funds[line["fund"]] = funds.get(line["fund"], ZERO) + D(line["debit"])
    assert funds == {"central_subsidy": D("1000.00"), "provincial_subsidy": D("8639.00")}
    verify(example)


def test_an_approved_cycle_commits_its_money(example, db_url):
    allocate(example, "10000.00")
    first = run_cycle(example, MONTH)
    approve(example, first, day(MONTH, 5))
    second = run_cycle(example, "2022-02")  # 10,640.50 more than the 361.00 left
    refused_unchanged(example, db_url, ("cycle", "approve", str(second), "--date", "2022-02-05"), APPROVER,
                      "central_subsidy available 361.00")


# --- cancel -----------------------------------------------------------------------------------------------------


def test_cancel_a_draft_then_run_the_month_again(funded, db_url):
    cycle_id = run_cycle(funded, MONTH)
    cancel = ("cycle", "cancel", str(cycle_id), "--reason", "收入核算有误", "--date", day(MONTH, 4))
    refused_unchanged(funded, db_url, cancel, PREPARER, "role must be approver")
    refused_unchanged(funded, db_url, ("cycle", "cancel", str(cycle_id), "--reason", "  "), APPROVER, "reason")
    out = ok(funded(*cancel, user=APPROVER))
    assert out == f"cycle {cycle_id} cancelled"
    view = show(funded, cycle_id)
    assert view["status"] == "cancelled" and view["history"][-1]["entry"] is None
    assert view["history"][-1]["reason"] == "收入核算有误" and view["count"] == 10
    refused_unchanged(funded, db_url, cancel, APPROVER, "cancelled")
    refused_unchanged(funded, db_url, ("cycle", "approve", str(cycle_id)), APPROVER, "cancelled")
    again = run_cycle(funded, MONTH)
    assert again != cycle_id and live_cycles(db_url) == 1
    assert amounts(show(funded, again)) == EXPECTED[MONTH]
    assert stored_lines(db_url, cycle_id) == 10  # the cancelled cycle keeps its lines
    verify(funded)


def test_cancel_an_approved_cycle_reverses_its_posting(funded, db_url):
    cycle_id = run_cycle(funded, MONTH)
    seq = approve(funded, cycle_id, day(MONTH, 5))
    assert balances(funded, day(MONTH, 5))["Liabilities:Payable:Beneficiaries"] == -D(TOTAL)
    out = ok(funded("cycle", "cancel", str(cycle_id), "--reason", "名单有误", "--date", day(MONTH, 7),
                    user=APPROVER))
    view = show(funded, cycle_id)
    reversal = history_entry(view, "cancelled")
    assert out == f"cycle {cycle_id} cancelled; entry {reversal} reverses its posting"
    assert view["status"] == "cancelled"
    posted, undone = entry(funded, seq), entry(funded, reversal)
    assert undone["reverses"] == seq and undone["date"] == day(MONTH, 7)
    assert entry_net(undone) == {a: -v for a, v in entry_net(posted).items()}
    held = balances(funded, day(MONTH, 7))
    assert all(v == ZERO for a, v in held.items() if a.startswith("Expenses:") or a.startswith("Liabilities:"))
    assert held["Assets:Treasury"] == D("100000.00")
    verify(funded)

    again = run_cycle(funded, MONTH)
    assert again != cycle_id
    approve(funded, again, day(MONTH, 8))
    assert balances(funded, day(MONTH, 8))["Liabilities:Payable:Beneficiaries"] == -D(TOTAL)
    verify(funded)


def test_cancel_after_export_is_refused(funded, db_url, tmp_path):
    cycle_id = run_cycle(funded, MONTH)
    approve(funded, cycle_id, day(MONTH, 5))
    export(funded, cycle_id, tmp_path / "bank.csv", day(MONTH, 6))
    cancel = ("cycle", "cancel", str(cycle_id), "--reason", "太晚了")
    refused_unchanged(funded, db_url, cancel, APPROVER, f"cycle {cycle_id}", "exported", "draft or approved")
    settle(funded, cycle_id, write_returns(tmp_path / "none.csv", []), day(MONTH, 10))
    refused_unchanged(funded, db_url, cancel, APPROVER, "settled")
    refused_unchanged(funded, db_url, ("cycle", "run", "--jurisdiction", COUNTY, "--month", MONTH), PREPARER,
                      "settled", "cancel")
    verify(funded)


# --- export -----------------------------------------------------------------------------------------------------


def test_export_writes_the_bank_file_with_a_control_row(funded, db_url, tmp_path):
    cycle_id = run_cycle(funded, MONTH)
    out = tmp_path / "bank.csv"
    refused_unchanged(funded, db_url, ("cycle", "export-bank", str(cycle_id), "--out", str(out)), PREPARER,
                      "draft", "approved")
    assert not out.exists()
    approve(funded, cycle_id, day(MONTH, 5))
    refused_unchanged(funded, db_url, ("cycle", "export-bank", str(cycle_id), "--out", str(out)), AUDITOR, "role")
    assert not out.exists()
    message = export(funded, cycle_id, out, day(MONTH, 6))
    assert message == f"10 payments, total {TOTAL}, written to {out}"
    view = show(funded, cycle_id)
    raw, rows = read_payment_file(out)
    assert raw.startswith("\ufeff") and "\r\n" in raw
    assert rows[0] == PAYMENT_HEADER
    body, control = rows[1:-1], rows[-1]
    assert [int(r[0]) for r in body] == list(range(1, view["count"] + 1))
    by_household = {line["household_id"]: line for line in view["lines"]}
    assert [r[1] for r in body] == [line["household_id"] for line in view["lines"]]
    for number, household, payee, account, amount, purpose in body:
        line = by_household[household]
        assert (payee, account, amount) == (line["payee_name"], line["bank_account"], line["amount"])
        assert purpose.startswith("2022年01月")
    assert by_household["H006"]["payee_name"] == "宝清县社会福利院"
    assert control == ["合计", "", f"{view['count']}户", "", view["total"], ""]
    assert sum(D(r[4]) for r in body) == D(view["total"]) == D(TOTAL)
    assert view["status"] == "exported"
    posted = entry_net(entry(funded, history_entry(view, "exported")))
    assert posted == {"Liabilities:Payable:Beneficiaries": D(TOTAL), "Liabilities:BankClearing": -D(TOTAL)}
    verify(funded)
    # Exported again (a lost file, a crash before it was written): the same bytes, recorded, nothing posted.
    before = snapshot(db_url)
    again = tmp_path / "again.csv"
    assert export(funded, cycle_id, again, day(MONTH, 7)) == \
        f"10 payments, total {TOTAL}, reprinted (the same bytes as exported) to {again}"
    assert again.read_bytes() == out.read_bytes()
    after = snapshot(db_url)
    assert after["journal_entries"] == before["journal_entries"] and after["cycles"] == before["cycles"]
    exports = [(row[2], row[3]) for row in after["cycle_exports"]]
    assert exports == [("export", hashlib.sha256(out.read_bytes()).hexdigest()),
                       ("reprint", hashlib.sha256(out.read_bytes()).hexdigest())]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".aidledger-")]  # no temporary file left
    verify(funded)


def test_export_to_an_unwritable_path_is_refused(funded, db_url, tmp_path):
    cycle_id = run_cycle(funded, MONTH)
    approve(funded, cycle_id, day(MONTH, 5))
    out = tmp_path / "no-such-folder" / "bank.csv"
    refused_unchanged(funded, db_url, ("cycle", "export-bank", str(cycle_id), "--out", str(out)), PREPARER,
                      "cannot be written")
    assert show(funded, cycle_id)["status"] == "approved"


# --- the database's own guards ------------------------------------------------------------------------------------


def raw_refused(db_url, statement, **params) -> str:
    database = dbmod.Database(db_url)
    try:
        with pytest.raises(DBAPIError) as caught:
            with database.engine.begin() as connection:
                connection.execute(text(statement), params)
        return str(caught.value)
    finally:
        database.dispose()


def test_the_database_refuses_changing_an_approved_cycle(funded, db_url):
    draft = run_cycle(funded, MONTH)
    approve(funded, draft, day(MONTH, 5))
    before = snapshot(db_url)
    message = "of a cycle that is no longer a draft cannot change"
    assert message in raw_refused(db_url, "DELETE FROM cycle_lines WHERE cycle_id = :i", i=draft)
    assert message in raw_refused(db_url, "DELETE FROM cycle_lines WHERE cycle_id = :i AND household_id = 'H001'",
                                  i=draft)
    assert message in raw_refused(db_url, "UPDATE cycle_lines SET amount_fen = amount_fen + 100 WHERE cycle_id = :i",
                                  i=draft)
    assert message in raw_refused(db_url, "UPDATE cycle_lines SET bank_account = '6217000099999999999' "
                                          "WHERE cycle_id = :i AND household_id = 'H002'", i=draft)
    guard = "a cycle past draft changes only its status"
    assert guard in raw_refused(db_url, "UPDATE cycles SET total_fen = total_fen + 100 WHERE id = :i", i=draft)
    assert guard in raw_refused(db_url, "DELETE FROM cycles WHERE id = :i", i=draft)
    assert "append-only" in raw_refused(db_url, "DELETE FROM cycle_transitions WHERE cycle_id = :i", i=draft)
    assert snapshot(db_url) == before
    verify(funded)


def test_lines_of_a_draft_are_replaced_only_by_rerunning(funded, db_url):
    draft = run_cycle(funded, MONTH)
    # Never updated, even in a draft.
    assert "cannot change" in raw_refused(db_url, "UPDATE cycle_lines SET amount_fen = 1 WHERE cycle_id = :i",
                                          i=draft)
    # A draft's lines may be deleted (that is how a re-run replaces them).
    database = dbmod.Database(db_url)
    try:
        with database.engine.connect() as connection:
            transaction = connection.begin()
            deleted = connection.execute(text("DELETE FROM cycle_lines WHERE cycle_id = :i"), {"i": draft}).rowcount
            transaction.rollback()
    finally:
        database.dispose()
    assert deleted == 10
    assert stored_lines(db_url, draft) == 10
    assert run_cycle(funded, MONTH) == draft and stored_lines(db_url, draft) == 10
    verify(funded)


# --- dates --------------------------------------------------------------------------------------------------------


def test_a_step_cannot_be_dated_before_the_posted_step_before_it(funded, db_url, tmp_path):
    """Otherwise the books show the money leave before it was approved (and verify cannot see it)."""
    cycle_id = run_cycle(funded, MONTH)
    approve(funded, cycle_id, day(MONTH, 5))
    refused_unchanged(funded, db_url, ("cycle", "cancel", str(cycle_id), "--reason", "x", "--date", day(MONTH, 4)),
                      APPROVER, "cancellation cannot be dated 2022-01-04", "approved on 2022-01-05")
    out = tmp_path / "bank.csv"
    refused_unchanged(funded, db_url, ("cycle", "export-bank", str(cycle_id), "--out", str(out), "--date",
                                       day(MONTH, 2)), PREPARER, "export cannot be dated 2022-01-02",
                      "approved on 2022-01-05")
    assert not out.exists()
    export(funded, cycle_id, out, day(MONTH, 5))  # the same day is fine
    none = write_returns(tmp_path / "none.csv", [])
    refused_unchanged(funded, db_url, ("cycle", "returns", str(cycle_id), "--file", str(none), "--date",
                                       "2021-12-20"), PREPARER, "settlement cannot be dated 2021-12-20",
                      "exported on 2022-01-05")
    settle(funded, cycle_id, none, day(MONTH, 9))
    held = balances(funded, day(MONTH, 4))
    assert held["Liabilities:BankClearing"] == ZERO and held["Assets:Treasury"] == D("100000.00")
    verify(funded)


def test_a_month_after_next_month_is_refused_and_changes_nothing(funded, db_url):
    today = date.today()
    ahead = f"{today.year + (today.month + 1) // 12:04d}-{(today.month + 1) % 12 + 1:02d}"  # the month after next
    refused_unchanged(funded, db_url, ["cycle", "run", "--jurisdiction", COUNTY, "--month", ahead], PREPARER,
                      f"{ahead} is too far ahead", "(--month)")
    refused_unchanged(funded, db_url, ["cycle", "run", "--jurisdiction", COUNTY, "--month", "2031-01"], PREPARER,
                      "2031-01 is too far ahead")


def test_an_approval_dated_after_today_is_refused_and_changes_nothing(funded, db_url):
    cycle_id = run_cycle(funded, "2022-01")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    refused_unchanged(funded, db_url, ["cycle", "approve", str(cycle_id), "--date", tomorrow], APPROVER,
                      f"an approval dated {tomorrow} is after today", "(--date)")
