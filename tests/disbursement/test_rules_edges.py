"""Edges of the benefit rules (policy-format.md, "The rules"): the first day of the month, the
unrounded per-capita income, dated values, inheritance, rounding, start and end of payment,
渐退, and parameters undefined on the day.

Pure: no database. Builders and the base province file are shared with test_rules_seeds.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_rules_seeds import (
    DAY,
    MONTH,
    amount,
    benefit,
    checked,
    household,
    income_event,
    month_amounts,
    months,
    parts,
    person,
    province,
    province_toml,
    resolve,
)

from aidledger.disbursement.registry.records import Event
from aidledger.disbursement.registry.state import state_as_of
from aidledger.disbursement.rules import compute_month, walk_to
from aidledger.disbursement.rules.facts import first_day
from aidledger.disbursement.rules.gradual_exit import START
from aidledger.errors import Refusal
from aidledger.policy import MissingParameter

D = Decimal
BASE = province()  # urban 680, rural 460; add-ons elderly (60+), minor (≤ 17), severe (grade ≤ 2) at 15%


# --- Who counts and how old, on d = the first day of the month ---------------------------------

BIRTHDAYS = [
    # born, add-ons on 2022-03-01
    (date(1962, 3, 1), ["elderly"]),  # turns 60 on d
    (date(1962, 3, 2), []),  # 59 on d, 60 the day after
    (date(1962, 2, 28), ["elderly"]),
    (date(2004, 3, 1), []),  # turns 18 on d: no longer a minor
    (date(2004, 3, 2), ["minor"]),  # 17 on d
    (date(2022, 2, 1), ["minor"]),  # a baby
]


@pytest.mark.parametrize("born, names", BIRTHDAYS, ids=[str(b) for b, _ in BIRTHDAYS])
def test_a_birthday_on_the_first_of_the_month_counts(born, names):
    found = benefit(BASE, household(income="0"), [person(born=born)])
    assert [c.name for c in found.components if c.kind == "addon"] == names


def test_a_29_february_birthday_is_reached_on_1_march_in_a_common_year():
    member = person(born=date(2004, 2, 29))

    def addons(month: str) -> list[str]:
        return [c.name for c in benefit(BASE, household(income="0"), [member], month).components if c.kind == "addon"]

    assert addons("2022-02") == ["minor"]  # 17 on 2022-02-01
    assert addons("2022-03") == []  # 18 on 2022-03-01


DEATHS = [
    # situation, death date on the member, death events, base for March (two members, income 0)
    ("died on the last day of the previous month", date(2022, 2, 28), [], "680.00"),
    ("died on d", date(2022, 3, 1), [], "1360.00"),
    ("died during the month", date(2022, 3, 20), [], "1360.00"),
    ("death event on the last day of the previous month", None, [date(2022, 2, 28)], "680.00"),
    ("death event on d", None, [date(2022, 3, 1)], "1360.00"),
    ("death event after d (not yet recorded on d)", None, [date(2022, 3, 15)], "1360.00"),
]


@pytest.mark.parametrize("situation, died, events, base", DEATHS, ids=[d[0] for d in DEATHS])
def test_a_member_counts_when_alive_on_d(situation, died, events, base):
    dying = person(died=died)
    found = benefit(BASE, household(income="0"), [person(), dying], events=[
        Event("T001", "death", day, None, dying.id_number) for day in events])
    assert parts(found) == [("base", base, None)]


def test_the_add_on_of_a_member_who_died_before_d_is_not_paid():
    found = benefit(BASE, household(income="0"), [person(), person(grade=1, died=date(2022, 2, 28))])
    assert parts(found) == [("base", "680.00", None)]
    found = benefit(BASE, household(income="0"), [person(), person(grade=1, died=date(2022, 3, 1))])
    assert parts(found) == [("base", "1360.00", None), ("addon", "102.00", "severe_disability")]


def test_a_household_with_nobody_alive_on_d_is_not_paid():
    found = benefit(BASE, household(income="0"), [person(died=date(2022, 2, 1))])
    assert found.amount == 0 and found.components == () and "无在世成员" in found.reason


def test_a_removed_member_does_not_count():
    leaving = person()
    events = [Event("T001", "remove_member", date(2022, 2, 10), None, leaving.id_number)]
    assert parts(benefit(BASE, household(income="0"), [person(), leaving], events=events)) == [
        ("base", "680.00", None)]


# --- Per-capita income is exact ------------------------------------------------------------------

EXACT = [
    # members, household income, base
    (3, "1000", "1040.00"),  # H011: (680 − 1000/3) × 3 = 1040.00, not (680 − 333.33) × 3 = 1040.01
    (3, "100", "1940.00"),
    (3, "2039.99", "0.01"),  # per-capita 679.996…: still below 680
    (3, "2040", None),  # per-capita exactly 680: not below the standard
    (7, "1000", "3760.00"),
    (6, "4079.99", "0.01"),
]


@pytest.mark.parametrize("n, income, base", EXACT)
def test_per_capita_income_is_never_rounded(n, income, base):
    found = benefit(BASE, household(income=income), [person() for _ in range(n)])
    assert parts(found) == ([("base", base, None)] if base else [])


# --- Dated values and inheritance ----------------------------------------------------------------

def test_an_add_on_rate_given_as_a_dated_table():
    policy = province(addons=['{ name = "elderly", min_age = 60, rate = { 2021-01-01 = 0.15, 2022-01-01 = 0.20 } }'])
    elder = [person(born=date(1950, 6, 1))]
    assert parts(benefit(policy, household(income="0"), elder, "2021-12")) == [
        ("base", "680.00", None), ("addon", "102.00", "elderly")]
    assert parts(benefit(policy, household(income="0"), elder, "2022-01")) == [
        ("base", "680.00", None), ("addon", "136.00", "elderly")]


def test_a_standard_given_as_a_dated_table_is_read_on_the_first_of_the_month():
    policy = province({"dibao.standard_urban": "{ 2021-01-01 = 640, 2022-03-02 = 680 }"})
    assert amount(benefit(policy, household(income="0"), [person()], "2022-03")) == "640.00"
    assert amount(benefit(policy, household(income="0"), [person()], "2022-04")) == "680.00"


CITY = """
[jurisdiction]
code = "230500"
name = "市"
level = "city"
parent = "230000"

[[dibao.addons]]
name = "elderly"
min_age = 60
rate = 0.15

[[dibao.addons]]
name = "serious_illness"
flag = "serious_illness"
rate = 0.15

[heating]
amount_per_household = 400
"""

COUNTY = """
[jurisdiction]
code = "230523"
name = "县"
level = "county"
parent = "230500"

[[dibao.addons]]
name = "elderly"
min_age = 60
rate = 0.20
"""

INHERITANCE = [
    # member, add-ons in the city, add-ons in the county (whose list replaces the city's)
    (dict(born=date(1950, 1, 1), flags=["serious_illness"]), [("elderly", "102.00")], [("elderly", "136.00")]),
    (dict(flags=["serious_illness"]), [("serious_illness", "102.00")], []),
    (dict(grade=1), [], []),  # the province's severe-disability add-on: replaced by the city's list
    (dict(born=date(2010, 1, 1)), [], []),  # likewise the province's minor add-on
]


@pytest.mark.parametrize("facts, in_city, in_county", INHERITANCE)
def test_a_county_add_on_list_replaces_its_city_list(facts, in_city, in_county):
    city = resolve(province_toml(), CITY)
    county = resolve(province_toml(), CITY, COUNTY)
    for policy, expected in ((city, in_city), (county, in_county)):
        found = benefit(policy, household(income="0"), [person(**facts)])
        assert [(c.name, f"{c.amount:.2f}") for c in found.components if c.kind == "addon"] == expected


def test_a_county_inherits_what_it_does_not_set():
    county = resolve(province_toml(), CITY, COUNTY)
    found = benefit(county, household(income="0"), [person()], "2022-10")
    assert parts(found) == [("base", "680.00", None), ("heating", "400.00", None)]  # the city's amount


# --- Rounding ------------------------------------------------------------------------------------

ROUNDING = [
    # unit, mode, household income (two members, base 1360 − income), amount, rounding component
    ("1", "half_up", "359.50", "1001.00", "0.50"),
    ("1", "up", "359.50", "1001.00", "0.50"),
    ("1", "down", "359.50", "1000.00", "-0.50"),
    ("1", "half_up", "359.51", "1000.00", "-0.49"),
    ("1", "up", "359.51", "1001.00", "0.51"),
    ("1", "down", "359.51", "1000.00", "-0.49"),
    ("1", "up", "359.99", "1001.00", "0.99"),
    ("1", "up", "360", "1000.00", None),  # already whole: no rounding component
    ("0.1", "half_up", "359.55", "1000.50", "0.05"),
    ("0.1", "down", "359.55", "1000.40", "-0.05"),
    ("0.01", "up", "359.55", "1000.45", None),
]


@pytest.mark.parametrize("unit, mode, income, total, rounding", ROUNDING)
def test_household_rounding_with_a_rounding_component(unit, mode, income, total, rounding):
    policy = province({"dibao.rounding": f'"{unit}"', "dibao.rounding_mode": f'"{mode}"'})
    found = benefit(policy, household(income=income), [person(), person()])
    assert amount(found) == total
    assert [a for k, a, _n in parts(found) if k == "rounding"] == ([rounding] if rounding else [])
    assert sum(c.amount for c in found.components) == found.amount


def test_every_component_is_rounded_to_the_fen_half_up_before_the_household_rounding():
    # standard 683.35: each add-on 0.15 × 683.35 = 102.5025 → 102.50; the household sum is rounded after.
    policy = province({"dibao.standard_urban": "683.35", "dibao.rounding": '"1"', "dibao.rounding_mode": '"up"',
                       "dibao.addon_stacking": '"sum"'})
    found = benefit(policy, household(income="0"), [person(born=date(1950, 1, 1), grade=1)])
    assert parts(found) == [("base", "683.35", None), ("addon", "102.50", "elderly"),
                            ("addon", "102.50", "severe_disability"), ("rounding", "0.65", None)]
    assert amount(found) == "889.00"


# --- When payment starts and stops ---------------------------------------------------------------

STARTS = [
    # start, approved on, first paid month of Jan–Mar 2022
    ("next_month", date(2022, 1, 20), "2022-02"),
    ("same_month", date(2022, 1, 20), "2022-01"),
    ("next_month", date(2022, 1, 1), "2022-02"),
    ("same_month", date(2022, 1, 31), "2022-01"),
    ("next_month", date(2021, 12, 31), "2022-01"),
]


@pytest.mark.parametrize("start, approved, first_paid", STARTS)
def test_start_same_month_or_next_month(start, approved, first_paid):
    policy = province({"dibao.start": f'"{start}"'})
    home = household(income="0", approved=approved)
    found = month_amounts(policy, home, [person()], "2022-01", "2022-03")
    assert {m: a for m, a in found.items() if a != "0.00"} == {
        m: "680.00" for m in ("2022-01", "2022-02", "2022-03") if m >= first_paid}


def test_start_applies_to_tekun_too():
    home = household("tekun", approved=date(2022, 3, 5))
    assert amount(benefit(province({"dibao.start": '"same_month"'}), home, [person(care="self")])) == "1053.00"
    found = benefit(BASE, home, [person(care="self")])
    assert found.amount == 0 and "2022-04" in found.reason


TERMINATIONS = [
    # terminated on, months paid of Feb–May 2022
    (date(2022, 2, 15), ["2022-02"]),
    (date(2022, 2, 28), ["2022-02"]),
    (date(2022, 3, 1), ["2022-02", "2022-03"]),  # "not terminated before d": terminated on d is still paid for M
    (date(2022, 3, 2), ["2022-02", "2022-03"]),
]


@pytest.mark.parametrize("terminated, paid", TERMINATIONS)
def test_a_terminate_event_stops_payment_from_the_next_first_of_the_month(terminated, paid):
    events = [Event("T001", "terminate", terminated, None, None),
              income_event(date(2022, 4, 10), "0")]  # nothing brings it back
    found = month_amounts(BASE, household(income="0"), [person()], "2022-02", "2022-05", events)
    assert {m: a for m, a in found.items() if a != "0.00"} == {m: "680.00" for m in paid}


# --- 渐退 ----------------------------------------------------------------------------------------
# BASE: 6 months (9 with a disabled member); ratio 1.0 for months 1–3, 0.5 from month 4. Without
# heating, so that October shows the 渐退 amounts alone.
# Two members with income 600: (680 − 300) × 2 = 760.00. From 2022-03 income 1400: per-capita 700 ≥ 680.

NO_HEATING = province({"heating.months": "[]"})
TWO = [person(), person()]
RISE = income_event(date(2022, 3, 1), "1400")


def exit_months(policy=NO_HEATING, members=TWO, events=(RISE,), first="2022-01", last="2022-12", income="600"):
    return month_amounts(policy, household(income=income), members, first, last, events)


def test_gradual_exit_pays_the_fixed_base_stepping_down():
    assert exit_months() == {
        "2022-01": "760.00", "2022-02": "760.00",
        "2022-03": "760.00", "2022-04": "760.00", "2022-05": "760.00",  # months 1–3: ratio 1.0
        "2022-06": "380.00", "2022-07": "380.00", "2022-08": "380.00",  # months 4–6: ratio 0.5
        "2022-09": "0.00", "2022-10": "0.00", "2022-11": "0.00", "2022-12": "0.00",
    }


def test_an_exit_month_is_one_exit_component():
    home, events = household(income="600"), [RISE]
    found = walk_to("2022-06", home.approved_on, NO_HEATING.on, lambda d: state_as_of(home, TWO, events, d))
    assert parts(checked(found)) == [("exit", "380.00", None)] and "渐退第4个月" in found.reason


def test_walk_to_agrees_with_carrying_the_track_month_by_month():
    home, events = household(income="600"), [RISE, income_event(date(2022, 6, 1), "500")]
    carried = exit_months(events=events)
    for month, expected in carried.items():
        found = walk_to(month, home.approved_on, NO_HEATING.on, lambda d: state_as_of(home, TWO, events, d))
        assert amount(checked(found)) == expected, month


def test_the_exit_base_includes_add_ons_and_excludes_heating():
    members = [person(), person(born=date(2010, 1, 1))]  # a minor: + 102.00
    events = [income_event(date(2022, 11, 1), "1400")]
    found = exit_months(BASE, members=members, events=events, first="2022-09", last="2023-01")
    assert found == {"2022-09": "862.00", "2022-10": "1162.00",  # October: + heating 300
                     "2022-11": "862.00", "2022-12": "862.00", "2023-01": "862.00"}


def test_the_exit_base_stays_fixed_when_the_standard_changes_during_exit():
    policy = province({"dibao.standard_urban": "{ 2021-01-01 = 680, 2022-04-01 = 720 }", "heating.months": "[]"})
    events = [income_event(date(2022, 3, 1), "1500")]  # per-capita 750: above 680 and 720
    assert exit_months(policy, events=events, last="2022-09") == {
        "2022-01": "760.00", "2022-02": "760.00",
        "2022-03": "760.00", "2022-04": "760.00", "2022-05": "760.00",  # not (720 − 300) × 2 = 840
        "2022-06": "380.00", "2022-07": "380.00", "2022-08": "380.00", "2022-09": "0.00",
    }


def test_a_standard_rising_above_the_income_during_exit_resumes_normal_payment():
    policy = province({"dibao.standard_urban": "{ 2021-01-01 = 680, 2022-04-01 = 720 }"})
    assert exit_months(policy, last="2022-05") == {  # per-capita 700: above 680, below 720
        "2022-01": "760.00", "2022-02": "760.00", "2022-03": "760.00",
        "2022-04": "40.00", "2022-05": "40.00",  # (720 − 700) × 2
    }


def test_gradual_exit_resumes_normal_payment_when_income_falls_below_the_standard():
    events = [RISE, income_event(date(2022, 5, 1), "500"),  # May: below again → (680 − 250) × 2
              income_event(date(2022, 7, 1), "1400")]  # July: a new exit, from June's amount
    assert exit_months(events=events) == {
        "2022-01": "760.00", "2022-02": "760.00",
        "2022-03": "760.00", "2022-04": "760.00",  # exit months 1–2
        "2022-05": "860.00", "2022-06": "860.00",  # normal again
        "2022-07": "860.00", "2022-08": "860.00", "2022-09": "860.00",  # exit months 1–3 of a new exit
        "2022-10": "430.00", "2022-11": "430.00", "2022-12": "430.00",  # months 4–6
    }


def test_an_ended_household_is_not_paid_again_when_income_falls():
    events = [RISE, income_event(date(2022, 10, 1), "0")]
    found = exit_months(events=events, last="2023-02")
    assert [found[m] for m in months("2022-09", 6)] == ["0.00"] * 6
    home = household(income="600")
    later = walk_to("2022-11", home.approved_on, NO_HEATING.on, lambda d: state_as_of(home, TWO, events, d))
    assert later.amount == 0 and "已退出低保" in later.reason


def test_exit_lasts_months_with_disabled_when_a_counted_member_has_a_grade():
    members = [person(), person(grade=3)]  # grade 3: no add-on, but a disabled member
    found = exit_months(members=members, last="2023-01")
    assert [found[m] for m in months("2022-03", 11)] == ["760.00"] * 3 + ["380.00"] * 6 + ["0.00"] * 2


def test_a_disabled_member_who_died_before_d_does_not_lengthen_the_exit():
    members = [person(), person(grade=3, died=date(2021, 12, 31)), person()]
    found = exit_months(members=members, last="2022-10")
    assert [found[m] for m in months("2022-03", 8)] == ["760.00"] * 3 + ["380.00"] * 3 + ["0.00"] * 2


def test_months_0_ends_at_once():
    policy = province({"dibao.gradual_exit.months": "0", "dibao.gradual_exit.months_with_disabled": "0",
                       "heating.months": "[]"})
    events = [RISE, income_event(date(2022, 5, 1), "600")]
    found = exit_months(policy, events=events, last="2022-06")
    assert found == {"2022-01": "760.00", "2022-02": "760.00", "2022-03": "0.00", "2022-04": "0.00",
                     "2022-05": "0.00", "2022-06": "0.00"}


def test_a_household_never_paid_has_no_exit():
    # Income above the standard from the first paid month: nothing to exit from, and paid once below.
    found = exit_months(events=[income_event(date(2022, 3, 1), "600")], income="1400", last="2022-04")
    assert found == {"2022-01": "0.00", "2022-02": "0.00", "2022-03": "760.00", "2022-04": "760.00"}


def test_tiered_household_exits_with_its_tier_amount():
    policy = province({"dibao.method": '"tiered"', "dibao.tier_ratio.B": "0.5"})
    found = month_amounts(policy, household(income="600", tier="B"), TWO, "2022-02", "2022-03", [RISE])
    assert found == {"2022-02": "680.00", "2022-03": "680.00"}


# --- Parameters undefined on the day: a refusal naming parameter, place and date ----------------

MISSING = [
    # program, policy changes, the parameter, its first start
    ("tekun", {"wages.minimum_wage": "{ 2022-04-01 = 1690 }"}, "wages.minimum_wage", "2022-04-01"),
    ("dibao", {"dibao.standard_urban": "{ 2022-04-01 = 680 }"}, "dibao.standard_urban", "2022-04-01"),
    ("tekun", {"tekun.basic_ratio_dispersed": "{ 2022-03-02 = 1.3 }"}, "tekun.basic_ratio_dispersed",
     "2022-03-02"),
    ("dibao", {"dibao.floor_ratio": "{ 2022-04-01 = 0.1 }"}, "dibao.floor_ratio", "2022-04-01"),
    ("dibao", {"dibao.rounding_mode": None}, "dibao.rounding_mode", None),
]


@pytest.mark.parametrize("program, changes, path, starts", MISSING, ids=[m[2] for m in MISSING])
def test_a_parameter_undefined_on_d_is_a_refusal_never_a_zero(program, changes, path, starts):
    policy = province(changes)
    members = [person(care="self")]
    with pytest.raises(MissingParameter) as caught:
        benefit(policy, household(program, income="0"), members)
    error = caught.value
    assert isinstance(error, Refusal)
    assert (error.path, error.jurisdiction, error.day) == (path, "230000", DAY)
    assert f"parameter {path} is not defined for 230000 on 2022-03-01" in str(error)
    if starts:
        assert f"its first value starts {starts}" in str(error)
    if program == "tekun" and starts and starts.startswith("2022-04"):
        assert benefit(policy, household(program), members, "2022-04").amount > 0  # defined from April


def test_a_minimum_wage_not_yet_in_force_does_not_touch_dibao():
    policy = province({"wages.minimum_wage": "{ 2022-04-01 = 1690 }"})
    assert amount(benefit(policy, household(income="0"), [person()], MONTH)) == "680.00"


def test_compute_month_reads_the_snapshot_of_the_first_day():
    # the state on d and the snapshot on d: the day inside the state names the month
    state = state_as_of(household(income="0"), [person()], (), first_day(MONTH))
    found, track = compute_month(BASE.on(DAY), state, START)
    assert found.month == MONTH and track.status == "normal" and track.amount == D("680.00")


ELDERLY_FROM_APRIL = '{ name = "elderly", min_age = 60, rate = { 2022-04-01 = 0.15 } }'


def test_an_add_on_rate_not_yet_in_force_refuses_only_the_members_it_matches():
    policy = province(addons=[ELDERLY_FROM_APRIL, '{ name = "minor", max_age = 17, rate = 0.15 }'])
    child = benefit(policy, household(income="0"), [person(born=date(2010, 1, 1))])
    assert parts(child) == [("base", "680.00", None), ("addon", "102.00", "minor")]
    with pytest.raises(MissingParameter, match=r"dibao.addons\[0\].rate is not defined for 230000 on 2022-03-01"):
        benefit(policy, household(income="0"), [person(born=date(1950, 1, 1))])
    elder = benefit(policy, household(income="0"), [person(born=date(1950, 1, 1))], "2022-04")
    assert parts(elder) == [("base", "680.00", None), ("addon", "102.00", "elderly")]
