"""价格临时补贴 and 取暖救助 through the commands: declared months, thresholds, their own expense accounts."""

from __future__ import annotations

import pytest
from beyond_helpers import components, explained, pay_month
from cycle_helpers import D, allocate, approve, entry, entry_net, load_example_registry, ok, run_cycle, show, verify
from support import APPROVER, PREPARER, assert_refused, snapshot


@pytest.fixture
def example(county):
    load_example_registry(county)
    allocate(county, "200000.00")
    return county


def declare(run, code="230523", month="2022-05", cpi="3.6", food="2.0", user=PREPARER):
    return run("subsidy", "declare", "--jurisdiction", code, "--month", month, "--cpi", cpi, "--food", food,
               user=user)


def test_a_declared_month_pays_the_per_person_subsidy_to_the_listed_programs(example):
    ok(declare(example))
    cycle_id = run_cycle(example, "2022-05")
    view = show(example, cycle_id)
    # CPI 3.6 % reaches its 3.5 % threshold, food 2.0 % does not reach 6 %: 3.6 % of the standard,
    # rounded to the yuan (price_subsidy.rounding = "1"), at least 10: urban 680 → 24.48 → 24, rural 460 → 17.
    assert [c["amount"] for c in components(view, "H001", "price_subsidy")] == ["72.00"]  # 3 urban members
    assert [c["amount"] for c in components(view, "H003", "price_subsidy")] == ["17.00"]  # 1 rural member
    assert components(view, "H005", "price_subsidy")  # 特困 is listed
    assert components(view, "H007", "price_subsidy") == []  # 低收入 is not
    # `explain` includes the month's declared subsidy, and agrees with the cycle.
    assert explained(example, "H001", "2022-05") == next(D(ln["amount"]) for ln in view["lines"]
                                                         if ln["household_id"] == "H001")
    paid = sum((D(c["amount"]) for ln in view["lines"] for c in ln["components"] if c["kind"] == "price_subsidy"),
               D("0.00"))
    net = entry_net(entry(example, approve(example, cycle_id, "2022-05-05")))
    assert net["Expenses:PriceSubsidy"] == paid > 0
    june = show(example, run_cycle(example, "2022-06"))
    assert all(c["kind"] != "price_subsidy" for ln in june["lines"] for c in ln["components"])
    verify(example)


def test_food_growth_alone_triggers_and_the_larger_index_counts(example):
    ok(declare(example, cpi="1.0", food="8.0"))  # food ≥ 6: 8 % of 680 = 54.40 → 54
    view = show(example, run_cycle(example, "2022-05"))
    assert [c["amount"] for c in components(view, "H001", "price_subsidy")] == ["162.00"]


def test_a_city_declaration_applies_to_its_counties(example):
    ok(declare(example, code="230500"))
    assert components(show(example, run_cycle(example, "2022-05")), "H001", "price_subsidy")


def test_declarations_are_refused_below_both_thresholds_twice_or_after_approval(example, db_url, tmp_path):
    before = snapshot(db_url)
    assert_refused(declare(example, cpi="3.4", food="5.9"), "price_subsidy.cpi_threshold", "3.4%", "3.5",
                   "5.9%", "6.0")
    assert_refused(declare(example, user=APPROVER), "preparer")
    assert_refused(declare(example, code="999999"), "999999")
    assert snapshot(db_url) == before
    pay_month(example, "2022-04", tmp_path)
    assert_refused(declare(example, month="2022-04"), "is already settled", "2022-04")
    ok(declare(example))
    before = snapshot(db_url)
    assert_refused(declare(example, cpi="5.0"), "already declared")
    assert snapshot(db_url) == before


def test_a_draft_run_before_the_declaration_must_be_run_again(example, db_url):
    cycle_id = run_cycle(example, "2022-05")
    ok(declare(example))
    before = snapshot(db_url)
    assert_refused(example("cycle", "approve", str(cycle_id), "--date", "2022-05-05", user=APPROVER),
                   "declared for 2022-05 after the cycle was run")
    assert snapshot(db_url) == before
    assert components(show(example, run_cycle(example, "2022-05")), "H001", "price_subsidy")


def test_heating_is_paid_only_in_its_months(example):
    views = {month: show(example, run_cycle(example, month)) for month in ("2022-09", "2022-10", "2022-11")}
    heated = {month: sorted(ln["household_id"] for ln in view["lines"] if components(view, ln["household_id"],
                                                                                     "heating"))
              for month, view in views.items()}
    # October only (heating.months = [10]); 300 per household of the listed programs (dibao, tekun), not 低收入.
    assert heated["2022-09"] == [] and heated["2022-11"] == []
    october = views["2022-10"]
    assert heated["2022-10"] == sorted(ln["household_id"] for ln in october["lines"]
                                       if ln["program"] in ("dibao", "tekun"))
    assert {c["amount"] for ln in october["lines"] for c in ln["components"] if c["kind"] == "heating"} == {"300.00"}
    net = entry_net(entry(example, approve(example, int(october["cycle"]), "2022-10-05")))
    assert net["Expenses:Heating"] == D("300.00") * len(heated["2022-10"])
    verify(example)
