"""The spec's worked county through real payment cycles: 2021-12 … 2022-03 equal expected.json exactly.

Each month is run by li.ming, approved by wang.fang, exported to the bank and settled (with an
empty returns file, except one month that has a return which is never re-issued because the
account is not corrected), `ledger verify` passing after every step. The books are then read
back through the trial balance: one expense account per program and area.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from cycle_helpers import (
    COMPONENT_KINDS,
    COUNTY,
    EXPECTED,
    MONTHS,
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
    expense_account,
    export,
    households_csv,
    line_of,
    load_example_registry,
    ok,
    read_payment_file,
    run_cycle,
    settle,
    show,
    trial_balance,
    verify,
    write_returns,
)
from support import AUDITOR

AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
HOUSEHOLDS = households_csv()
# 2022-02: the bank returns 孙立平's (H008) payment; his account is never corrected.
RETURNED = {"2022-02": ("H008", "1062.00")}


@pytest.fixture
def example(county):
    load_example_registry(county)
    allocate(county)
    return county


def assert_cycle_shape(view: dict, month: str, status: str) -> None:
    """The keys cli.md fixes for `cycle show --json`, amounts as two-place strings."""
    for key in ("cycle", "jurisdiction", "month", "status", "count", "total", "lines"):
        assert key in view, key
    assert isinstance(view["cycle"], str) and view["cycle"].isdigit()
    assert (view["jurisdiction"], view["month"], view["status"]) == (COUNTY, month, status)
    assert isinstance(view["count"], int) and AMOUNT.match(view["total"])
    assert view["count"] == len(view["lines"])
    for line in view["lines"]:
        for key in ("household_id", "program", "amount", "payee_name", "bank_account", "components"):
            assert key in line, (key, line)
        assert AMOUNT.match(line["amount"]), line
        assert line["components"], line
        for component in line["components"]:
            assert component["kind"] in COMPONENT_KINDS, component
            assert AMOUNT.match(component["amount"]), component
        assert sum(D(c["amount"]) for c in line["components"]) == D(line["amount"]), line


def assert_control_totals(view: dict) -> None:
    """Control totals by program and by township add up to the cycle's count and total, and to its lines."""
    for key, field in (("by_program", "program"), ("by_township", "township")):
        groups = view[key]
        assert sum(g["count"] for g in groups.values()) == view["count"], key
        assert sum(D(g["total"]) for g in groups.values()) == D(view["total"]), key
        for name, group in groups.items():
            mine = [line for line in view["lines"] if line[field] == name]
            assert group["count"] == len(mine), (key, name)
            assert D(group["total"]) == sum(D(line["amount"]) for line in mine), (key, name)
    assert sum(D(line["amount"]) for line in view["lines"]) == D(view["total"])


def test_four_months_of_cycles_equal_expected_json(example, tmp_path):
    run = example
    expense: dict[str, Decimal] = {}
    paid_out = returned_total = ZERO
    for n, month in enumerate(MONTHS):
        cycle_id = run_cycle(run, month)
        verify(run)
        view = show(run, cycle_id)
        assert_cycle_shape(view, month, "draft")
        assert amounts(view) == EXPECTED[month], month
        assert view["count"] == len(EXPECTED[month])
        assert D(view["total"]) == sum(D(a) for a in EXPECTED[month].values())
        if month == "2022-01":
            assert (view["count"], view["total"]) == (10, "9639.00")
        assert_control_totals(view)
        for line in view["lines"]:  # paid to the registry's payee and account, as of the month
            source = HOUSEHOLDS[line["household_id"]]
            assert (line["payee_name"], line["bank_account"]) == (source["payee_name"], source["bank_account"])
            assert (line["program"], line["area"]) == (source["program"], source["area"])
        assert not [c for line in view["lines"] for c in line["components"] if c["kind"] == "arrears"]

        seq = approve(run, cycle_id, day(month, 5))
        verify(run)
        assert show(run, cycle_id)["status"] == "approved"
        posted = entry_net(entry(run, seq))
        by_account: dict[str, Decimal] = {}
        for line in view["lines"]:
            account = expense_account(line["program"], line["area"])
            by_account[account] = by_account.get(account, ZERO) + D(line["amount"])
        assert {a: v for a, v in posted.items() if a.startswith("Expenses:")} == by_account
        assert posted["Liabilities:Payable:Beneficiaries"] == -D(view["total"])
        for account, value in by_account.items():
            expense[account] = expense.get(account, ZERO) + value

        bank_file = tmp_path / f"{month}-bank.csv"
        export(run, cycle_id, bank_file, day(month, 6))
        verify(run)
        _, rows = read_payment_file(bank_file)
        assert rows[0] == PAYMENT_HEADER and rows[-1][:3] == ["合计", "", f"{view['count']}户"]
        assert rows[-1][4] == view["total"]

        returned = RETURNED.get(month)
        rows_back = []
        if returned:
            household, amount = returned
            rows_back = [(HOUSEHOLDS[household]["bank_account"], amount, "账户冻结")]
        settle(run, cycle_id, write_returns(tmp_path / f"{month}-returns.csv", rows_back), day(month, 10))
        verify(run)
        settled = show(run, cycle_id)
        assert settled["status"] == "settled"
        assert [h["status"] for h in settled["history"]] == ["draft", "approved", "exported", "settled"]
        assert amounts(settled) == EXPECTED[month]  # the lines never change
        back = D(returned[1]) if returned else ZERO
        paid_out += D(view["total"]) - back
        returned_total += back

    tb = trial_balance(run, "2022-03-31")
    assert tb["total_debit"] == tb["total_credit"]
    held = balances(run, "2022-03-31")
    assert {a: v for a, v in held.items() if a.startswith("Expenses:")} == expense
    assert set(expense) == {"Expenses:Dibao:Urban", "Expenses:Dibao:Rural", "Expenses:Tekun:Urban",
                            "Expenses:LowIncome:Rural"}
    every_month = sum((D(a) for m in MONTHS for a in EXPECTED[m].values()), ZERO)
    assert sum(expense.values()) == every_month
    assert held["Assets:Treasury"] == D("100000.00") - paid_out
    assert held["Liabilities:ReturnedPayments"] == -returned_total == -D("1062.00")
    assert held.get("Liabilities:Payable:Beneficiaries", ZERO) == ZERO
    assert held.get("Liabilities:BankClearing", ZERO) == ZERO
    for row in tb["rows"]:
        if row["account"].startswith("Expenses:"):
            assert row["fund"] == "central_subsidy" and row["title"], row


def test_lines_carry_payee_and_components(example):
    cycle_id = run_cycle(example, "2022-01")
    view = show(example, cycle_id)
    h006 = line_of(view, "H006")
    assert h006["program"] == "tekun"
    assert (h006["payee_name"], h006["bank_account"]) == ("宝清县社会福利院", "6217000010000000060")
    assert h006["head_name"] == "杨树林"  # the person supported, not the payee
    assert {c["kind"] for c in h006["components"]} <= {"basic", "care", "rounding"}
    assert {c["kind"] for c in h006["components"]} >= {"basic", "care"}
    h001 = line_of(view, "H001")
    assert (h001["payee_name"], h001["bank_account"]) == ("王建国", "6217000010000000011")
    assert [(c["kind"], c["amount"], c.get("name"), c.get("id_number")) for c in h001["components"]] == [
        ("base", "1140.00", None, None), ("addon", "102.00", "minor", "230523201206150318")]
    h007 = line_of(view, "H007")
    assert h007["program"] == "low_income" and "single_person" in {c["kind"] for c in h007["components"]}
    h010 = line_of(view, "H010")
    assert [c["kind"] for c in h010["components"]] == ["base"]


def test_gradual_exit_month_pays_an_exit_component(example):
    ids = [run_cycle(example, month) for month in MONTHS]
    march = show(example, ids[-1])
    h010 = line_of(march, "H010")
    assert [(c["kind"], c["amount"]) for c in h010["components"]] == [("exit", "960.00")]
    assert "H009" not in amounts(show(example, ids[1])) and line_of(show(example, ids[2]), "H009")


def test_auditor_sees_the_cycle_masked(example):
    cycle_id = run_cycle(example, "2022-01")
    view = show(example, cycle_id, user=AUDITOR)
    h006 = line_of(view, "H006")
    assert h006["bank_account"] != "6217000010000000060"
    assert h006["bank_account"].startswith("621700") and h006["bank_account"].endswith("0060")
    assert amounts(view) == EXPECTED["2022-01"]
    readable = ok(example("cycle", "show", str(cycle_id), user=AUDITOR))
    assert "9639.00" in readable and "6217000010000000060" not in readable
