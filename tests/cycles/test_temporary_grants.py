"""支出型临时救助: one approval, paid in instalments over consecutive cycles (一次审批、分阶段救助)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from beyond_helpers import components, pay_month
from cycle_helpers import (
    D,
    allocate,
    approve,
    balances,
    entry,
    entry_net,
    load_example_registry,
    ok,
    run_cycle,
    show,
    verify,
)
from support import APPROVER, PREPARER, assert_refused, snapshot

from aidledger.disbursement.rules.instalments import instalment_amounts, instalment_months


@pytest.fixture
def example(county):
    load_example_registry(county)
    allocate(county, "200000.00")
    return county


def grant(run, household="H003", total="6000.00", instalments="3", first="2022-05", *extra, user=PREPARER):
    return run("temporary", "grant", "--household", household, "--total", total, "--instalments", instalments,
               "--first-month", first, "--reason", "重病住院, 自付医疗费用高", *extra, user=user)


def test_a_6000_grant_in_3_instalments_pays_2000_three_times(example, tmp_path):
    grant_id = ok(grant(example))
    ok(example("temporary", "approve", grant_id, "--date", "2022-04-28", user=APPROVER))
    paid = {}
    for month in ("2022-05", "2022-06", "2022-07", "2022-08"):
        view = pay_month(example, month, tmp_path)
        paid[month] = components(view, "H003", "temporary")
    assert [[(c["amount"], c["month"], c["instalment"]) for c in paid[m]] for m in sorted(paid)] == [
        [("2000.00", "2022-05", 1)], [("2000.00", "2022-06", 2)], [("2000.00", "2022-07", 3)], []]
    assert balances(example, "2022-08-31")["Expenses:Temporary"] == D("6000.00")
    listed = json.loads(ok(example("temporary", "list", "--jurisdiction", "230523", "--json", user=PREPARER)))
    assert [(g["id"], g["paid"], g["approved_by"]) for g in listed["grants"]] == [(int(grant_id), "6000.00", APPROVER)]
    verify(example)


def test_an_instalment_is_charged_to_temporary_assistance(example):
    ok(example("temporary", "approve", ok(grant(example, total="900.00")), user=APPROVER))
    cycle_id = run_cycle(example, "2022-05")
    view = show(example, cycle_id)
    net = entry_net(entry(example, approve(example, cycle_id, "2022-05-05")))
    assert net["Expenses:Temporary"] == D("300.00")
    assert net["Liabilities:Payable:Beneficiaries"] == -D(view["total"])
    line = next(ln for ln in view["lines"] if ln["household_id"] == "H003")
    assert sum((D(c["amount"]) for c in line["components"]), D("0.00")) == D(line["amount"])


def test_an_unapproved_grant_is_not_paid(example):
    ok(grant(example))
    assert components(show(example, run_cycle(example, "2022-05")), "H003", "temporary") == []


def test_a_missed_instalment_is_paid_in_the_next_cycle(example, tmp_path):
    pay_month(example, "2022-05", tmp_path)  # approved after May was paid
    ok(example("temporary", "approve", ok(grant(example)), user=APPROVER))
    june = show(example, run_cycle(example, "2022-06"))
    assert [(c["instalment"], c["month"]) for c in components(june, "H003", "temporary")] == [
        (1, "2022-05"), (2, "2022-06")]


def test_grants_are_refused_with_the_rule_and_figures(example, db_url):
    before = snapshot(db_url)
    assert_refused(grant(example, household="H999"), "household H999 is not in the registry")
    assert_refused(grant(example, total="12000.00"), "temporary.case_by_case_threshold", "12000.00", "10000.00",
                   "--committee-ref")
    assert_refused(grant(example, total="0.00"), "more than 0.00")
    assert_refused(grant(example, instalments="13"), "instalments must be 1 to 12")
    assert_refused(grant(example, user=APPROVER), "preparer")
    assert snapshot(db_url) == before
    grant_id = ok(grant(example, "H003", "12000.00", "4", "2022-05", "--committee-ref", "宝民救〔2022〕7号"))
    before = snapshot(db_url)
    assert_refused(example("temporary", "approve", grant_id, user=PREPARER), "approver")
    assert_refused(example("temporary", "approve", "99", user=APPROVER), "temporary grant 99 does not exist")
    assert snapshot(db_url) == before
    ok(example("temporary", "approve", grant_id, user=APPROVER))
    assert_refused(example("temporary", "approve", grant_id, user=APPROVER), "already approved")


@pytest.mark.parametrize("total, count, expected", [
    ("6000.00", 3, ["2000.00"] * 3),
    ("1000.00", 3, ["333.33", "333.33", "333.34"]),
    ("0.05", 5, ["0.01"] * 5),
    ("100.00", 1, ["100.00"]),
])
def test_instalments_add_up_to_the_grant(total, count, expected):
    amounts = instalment_amounts(Decimal(total), count)
    assert [f"{a:.2f}" for a in amounts] == expected
    assert sum(amounts) == Decimal(total)


def test_instalment_months_run_across_the_year_end():
    assert instalment_months("2022-11", 3) == ("2022-11", "2022-12", "2023-01")
