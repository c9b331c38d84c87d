"""Bank returns (退票): booking the returns file, re-issuing to a corrected account, cancelling back to the fund.

  returns   Dr Liabilities:BankClearing  Cr Assets:Treasury (paid) + Liabilities:ReturnedPayments (returned)
  re-issue  the next cycle pays an `arrears` component; approval debits ReturnedPayments, not an expense
  cancel    Dr Liabilities:ReturnedPayments  Cr the line's expense account
"""

from __future__ import annotations

import pytest
from cycle_helpers import (
    EXPECTED,
    ZERO,
    D,
    allocate,
    amounts,
    approve,
    balances,
    entry,
    entry_net,
    export,
    history_entry,
    households_csv,
    line_of,
    load_example_registry,
    ok,
    read_payment_file,
    run_cycle,
    settle,
    show,
    verify,
    write_returns,
)
from support import APPROVER, AUDITOR, PREPARER, refused_unchanged

HOUSEHOLDS = households_csv()
H001, H002 = HOUSEHOLDS["H001"]["bank_account"], HOUSEHOLDS["H002"]["bank_account"]
NEW_H002 = "6217000010000009999"
JAN_TOTAL = D("9639.00")
JAN_DIBAO_URBAN = sum(D(EXPECTED["2022-01"][h]) for h in ("H001", "H002", "H008", "H010", "H011"))


@pytest.fixture
def exported(county, tmp_path):
    """2022-01 run, approved and exported; returns (run, cycle id)."""
    load_example_registry(county)
    allocate(county)
    cycle_id = run_cycle(county, "2022-01")
    approve(county, cycle_id, "2022-01-05")
    export(county, cycle_id, tmp_path / "2022-01-bank.csv", "2022-01-06")
    return county, cycle_id




def return_h002(run, cycle_id, tmp_path, extra=()) -> list[int]:
    """The bank returns H002's 2022-01 payment (and `extra` rows); the ids of the returns booked."""
    rows = [(H002, "1032.00", "账户已销户"), *extra]
    out = settle(run, cycle_id, write_returns(tmp_path / "returns.csv", rows), "2022-01-10")
    total = sum(D(r[1]) for r in rows)
    assert out == f"cycle {cycle_id} settled; {len(rows)} payment(s) returned, {total:.2f} held for re-issue"
    view = show(run, cycle_id)
    assert view["status"] == "settled"
    return [r["id"] for r in view["returns"]]


def test_matching_returns_settle_the_cycle(exported, db_url, tmp_path):
    run, cycle_id = exported
    assert balances(run, "2022-01-06")["Liabilities:BankClearing"] == -JAN_TOTAL
    ids = return_h002(run, cycle_id, tmp_path)
    view = show(run, cycle_id)
    assert [(r["household_id"], r["amount"], r["reason"], r["returned_on"], r["resolution"])
            for r in view["returns"]] == [("H002", "1032.00", "账户已销户", "2022-01-10", None)]
    assert len(ids) == 1
    settlement = entry_net(entry(run, history_entry(view, "settled")))
    assert settlement == {"Liabilities:BankClearing": JAN_TOTAL, "Assets:Treasury": -(JAN_TOTAL - D("1032.00")),
                          "Liabilities:ReturnedPayments": D("-1032.00")}
    held = balances(run, "2022-01-31")
    assert held["Assets:Treasury"] == D("100000.00") - JAN_TOTAL + D("1032.00")
    assert held["Liabilities:ReturnedPayments"] == D("-1032.00")
    assert held["Liabilities:BankClearing"] == ZERO and held["Liabilities:Payable:Beneficiaries"] == ZERO
    assert held["Expenses:Dibao:Urban"] == JAN_DIBAO_URBAN  # the expense stands until re-issued or cancelled
    assert amounts(view) == EXPECTED["2022-01"]  # the lines never change
    verify(run)
    refused_unchanged(run, db_url, ("cycle", "returns", str(cycle_id), "--file", str(tmp_path / "returns.csv")),
                      PREPARER, "settled", "exported")


def test_an_empty_returns_file_settles_everything(exported, tmp_path):
    run, cycle_id = exported
    out = settle(run, cycle_id, write_returns(tmp_path / "none.csv", []), "2022-01-10")
    assert out == f"cycle {cycle_id} settled; 0 payment(s) returned, 0.00 held for re-issue"
    view = show(run, cycle_id)
    assert view["returns"] == []
    assert entry_net(entry(run, history_entry(view, "settled"))) == {
        "Liabilities:BankClearing": JAN_TOTAL, "Assets:Treasury": -JAN_TOTAL}
    verify(run)


def test_english_headers_and_a_household_column_are_accepted(exported, tmp_path):
    run, cycle_id = exported
    path = write_returns(tmp_path / "r.csv", [(H002, "1032", "closed", "H002")],
                         header=("account", "amount", "reason", "household_id"))
    settle(run, cycle_id, path, "2022-01-10")
    assert [(r["household_id"], r["amount"]) for r in show(run, cycle_id)["returns"]] == [("H002", "1032.00")]
    verify(run)


def test_a_return_matching_no_payment_is_refused_line_by_line(exported, db_url, tmp_path):
    run, cycle_id = exported
    path = write_returns(tmp_path / "bad.csv", [
        (H002, "1032.00", "账户已销户"),           # line 2: fine
        ("6217000010000008888", "500.00", "无此账户"),  # line 3: no payment to this account
        (H001, "1000.00", "户名不符"),             # line 4: H001 was paid 1242.00
        (H002, "1032.00", "重复"),                 # line 5: H002's only payment is already returned (line 2)
    ])
    result = refused_unchanged(
        run, db_url, ("cycle", "returns", str(cycle_id), "--file", str(path), "--date", "2022-01-10"), PREPARER,
        "line 3", "6217000010000008888", "matches no payment", "line 4", H001, "1242.00", "not 1000.00", "line 5")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3 and not any("line 2" in e for e in errors), errors
    assert show(run, cycle_id)["status"] == "exported"
    verify(run)


def test_malformed_returns_files_are_refused(exported, db_url, tmp_path):
    run, cycle_id = exported
    cases = [
        ("账号,金额,备注\n", ("unknown column '备注'",)),
        ("账号,原因\n", ("missing column amount",)),
        ("", ("empty",)),
        ("账号,金额,原因\n6217000010000000029,abc,x\n6217000010000000029,1032.00\n", ("line 2", "line 3")),
    ]
    for n, (content, fragments) in enumerate(cases):
        path = tmp_path / f"bad{n}.csv"
        path.write_text(content, encoding="utf-8")
        refused_unchanged(run, db_url, ("cycle", "returns", str(cycle_id), "--file", str(path)), PREPARER,
                          *fragments)
    none = write_returns(tmp_path / "none.csv", [])
    refused_unchanged(run, db_url, ("cycle", "returns", str(cycle_id), "--file", str(none)), APPROVER, "role")
    refused_unchanged(run, db_url, ("cycle", "returns", str(cycle_id), "--file", str(tmp_path / "missing.csv")),
                      PREPARER, "missing.csv")
    assert show(run, cycle_id)["status"] == "exported"


def test_returns_need_an_exported_cycle(county, db_url, tmp_path):
    load_example_registry(county)
    allocate(county)
    cycle_id = run_cycle(county, "2022-01")
    none = write_returns(tmp_path / "none.csv", [])
    args = ("cycle", "returns", str(cycle_id), "--file", str(none))
    refused_unchanged(county, db_url, args, PREPARER, "draft", "exported")
    approve(county, cycle_id, "2022-01-05")
    refused_unchanged(county, db_url, args, PREPARER, "approved", "exported")


def test_a_corrected_account_reissues_the_return_in_the_next_cycle(exported, db_url, tmp_path):
    run, january = exported
    [return_id] = return_h002(run, january, tmp_path)

    # Before the account is corrected the next cycle does not pay the return again.
    february = run_cycle(run, "2022-02")
    assert amounts(show(run, february)) == EXPECTED["2022-02"]

    ok(run("registry", "account", "H002", "--account", NEW_H002, "--date", "2022-01-15", user=PREPARER))
    assert run_cycle(run, "2022-02") == february  # the draft is recomputed with the re-issue
    view = show(run, february)
    h002 = line_of(view, "H002")
    assert h002["bank_account"] == NEW_H002 and h002["payee_name"] == "李秀英"
    assert h002["amount"] == "2064.00"
    arrears = [c for c in h002["components"] if c["kind"] == "arrears"]
    assert len(arrears) == 1
    assert (arrears[0]["amount"], arrears[0]["month"], arrears[0]["return_id"]) == ("1032.00", "2022-01", return_id)
    assert sum(D(c["amount"]) for c in h002["components"]) == D("2064.00")
    others = {k: v for k, v in amounts(view).items() if k != "H002"}
    assert others == {k: v for k, v in EXPECTED["2022-02"].items() if k != "H002"}
    february_new_money = sum(D(v) for v in EXPECTED["2022-02"].values())
    assert D(view["total"]) == february_new_money + D("1032.00") and view["count"] == 11
    verify(run)

    seq = approve(run, february, "2022-02-05")
    posted = entry_net(entry(run, seq))
    assert posted["Liabilities:ReturnedPayments"] == D("1032.00")  # debited, not an expense
    assert sum(v for a, v in posted.items() if a.startswith("Expenses:")) == february_new_money
    assert posted["Liabilities:Payable:Beneficiaries"] == -D(view["total"])
    held = balances(run, "2022-02-05")
    assert held["Liabilities:ReturnedPayments"] == ZERO
    assert held["Expenses:Dibao:Urban"] == JAN_DIBAO_URBAN + sum(
        D(EXPECTED["2022-02"][h]) for h in ("H001", "H002", "H008", "H009", "H010", "H011"))
    january_view = show(run, january)
    assert [(r["id"], r["resolution"], r["resolved_in_cycle"]) for r in january_view["returns"]] == [
        (return_id, "reissued", february)]
    assert line_of(january_view, "H002")["bank_account"] == H002  # the old cycle's line stands
    verify(run)
    refused_unchanged(run, db_url, ("cycle", "cancel-return", str(return_id), "--reason", "x"), APPROVER,
                      f"bank return {return_id}", "already reissued")

    bank_file = tmp_path / "2022-02-bank.csv"
    export(run, february, bank_file, "2022-02-06")
    _, rows = read_payment_file(bank_file)
    assert [r[3:5] for r in rows if r[1] == "H002"] == [[NEW_H002, "2064.00"]]
    settle(run, february, write_returns(tmp_path / "none.csv", []), "2022-02-10")
    verify(run)

    march = run_cycle(run, "2022-03")  # paid once: not re-issued again
    assert amounts(show(run, march)) == EXPECTED["2022-03"]
    assert line_of(show(run, march), "H002")["bank_account"] == NEW_H002
    verify(run)


def test_a_returned_reissue_is_reissued_again(exported, tmp_path):
    run, january = exported
    return_h002(run, january, tmp_path)
    ok(run("registry", "account", "H002", "--account", NEW_H002, "--date", "2022-01-15", user=PREPARER))
    february = run_cycle(run, "2022-02")
    approve(run, february, "2022-02-05")
    export(run, february, tmp_path / "feb.csv", "2022-02-06")
    settle(run, february, write_returns(tmp_path / "feb-returns.csv", [(NEW_H002, "2064.00", "账号错误")]),
           "2022-02-10")
    assert balances(run, "2022-02-10")["Liabilities:ReturnedPayments"] == D("-2064.00")
    verify(run)
    ok(run("registry", "account", "H002", "--account", "6217000010000007777", "--date", "2022-02-15",
           user=PREPARER))
    march = run_cycle(run, "2022-03")
    h002 = line_of(show(run, march), "H002")
    assert h002["amount"] == "3096.00" and h002["bank_account"] == "6217000010000007777"
    assert [(c["amount"], c["month"]) for c in h002["components"] if c["kind"] == "arrears"] == [
        ("2064.00", "2022-02")]
    approve(run, march, "2022-03-05")
    assert balances(run, "2022-03-05")["Liabilities:ReturnedPayments"] == ZERO
    verify(run)


def test_cancel_return_sends_the_money_back_to_the_fund(exported, db_url, tmp_path):
    run, january = exported
    [return_id] = return_h002(run, january, tmp_path)
    cancel = ("cycle", "cancel-return", str(return_id), "--reason", "户主已迁出本县", "--date", "2022-01-20")
    refused_unchanged(run, db_url, cancel, PREPARER, "role must be approver")
    refused_unchanged(run, db_url, cancel, AUDITOR, "role must be approver")
    refused_unchanged(run, db_url, ("cycle", "cancel-return", str(return_id), "--reason", " "), APPROVER, "reason")
    refused_unchanged(run, db_url, ("cycle", "cancel-return", "404", "--reason", "x"), APPROVER,
                      "bank return 404 does not exist")

    seq = int(ok(run(*cancel, user=APPROVER)))
    posted = entry(run, seq)
    assert posted["date"] == "2022-01-20" and posted["user"] == APPROVER
    assert entry_net(posted) == {"Liabilities:ReturnedPayments": D("1032.00"), "Expenses:Dibao:Urban": D("-1032.00")}
    held = balances(run, "2022-01-31")
    assert held["Liabilities:ReturnedPayments"] == ZERO
    assert held["Expenses:Dibao:Urban"] == JAN_DIBAO_URBAN - D("1032.00")
    assert held["Assets:Treasury"] == D("100000.00") - JAN_TOTAL + D("1032.00")
    assert [(r["resolution"], r["resolved_on"]) for r in show(run, january)["returns"]] == [
        ("cancelled", "2022-01-20")]
    verify(run)
    refused_unchanged(run, db_url, cancel, APPROVER, "already cancelled")

    # Even with the account corrected, a later cycle does not pay it again.
    ok(run("registry", "account", "H002", "--account", NEW_H002, "--date", "2022-01-25", user=PREPARER))
    february = run_cycle(run, "2022-02")
    view = show(run, february)
    assert amounts(view) == EXPECTED["2022-02"]
    assert line_of(view, "H002")["bank_account"] == NEW_H002
    approve(run, february, "2022-02-05")
    verify(run)


def test_a_draft_reissuing_a_return_cancelled_since_is_refused(exported, db_url, tmp_path):
    """The draft was run while the return was open; it was cancelled before approval: no double payment."""
    run, january = exported
    ids = return_h002(run, january, tmp_path, extra=[(H001, "1242.00", "冻结")])  # H001's stays held
    h002_return = next(r["id"] for r in show(run, january)["returns"] if r["household_id"] == "H002")
    assert len(ids) == 2
    ok(run("registry", "account", "H002", "--account", NEW_H002, "--date", "2022-01-15", user=PREPARER))
    february = run_cycle(run, "2022-02")
    assert line_of(show(run, february), "H002")["amount"] == "2064.00"
    ok(run("cycle", "cancel-return", str(h002_return), "--reason", "已现金补发", "--date", "2022-01-20",
           user=APPROVER))
    refused_unchanged(run, db_url, ("cycle", "approve", str(february), "--date", "2022-02-05"), APPROVER,
                      f"bank return {h002_return}", "already cancelled", "again")
    assert run_cycle(run, "2022-02") == february
    assert amounts(show(run, february)) == EXPECTED["2022-02"]
    approve(run, february, "2022-02-05")
    assert balances(run, "2022-02-05")["Liabilities:ReturnedPayments"] == D("-1242.00")
    verify(run)


def test_two_drafts_reissuing_one_return_pay_it_once(exported, db_url, tmp_path):
    run, january = exported
    return_h002(run, january, tmp_path, extra=[(H001, "1242.00", "冻结")])
    ok(run("registry", "account", "H002", "--account", NEW_H002, "--date", "2022-01-15", user=PREPARER))
    february, march = run_cycle(run, "2022-02"), run_cycle(run, "2022-03")
    assert line_of(show(run, march), "H002")["amount"] == "2064.00"  # both drafts carry it
    approve(run, february, "2022-02-05")
    refused_unchanged(run, db_url, ("cycle", "approve", str(march), "--date", "2022-03-05"), APPROVER,
                      "already reissued", f"in cycle {february}")
    assert run_cycle(run, "2022-03") == march
    assert amounts(show(run, march)) == EXPECTED["2022-03"]
    approve(run, march, "2022-03-05")
    assert balances(run, "2022-03-05")["Liabilities:ReturnedPayments"] == D("-1242.00")
    verify(run)



def test_a_return_cannot_be_cancelled_before_it_came_back(exported, db_url, tmp_path):
    run, january = exported
    [return_id] = return_h002(run, january, tmp_path)
    refused_unchanged(run, db_url, ("cycle", "cancel-return", str(return_id), "--reason", "x", "--date",
                                    "2022-01-09"), APPROVER, f"bank return {return_id} came back on 2022-01-10")
    ok(run("cycle", "cancel-return", str(return_id), "--reason", "x", "--date", "2022-01-10", user=APPROVER))
    verify(run)
