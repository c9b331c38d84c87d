"""Properties of the benefit rules over generated households, policies, months and 渐退 states.

Pure: no database. For any household, policy variant, month, previous 低保 track and price
declaration:
- amounts are never negative (nor is any component but the rounding one);
- the components always add up to the amount, which is a whole number of the rounding unit;
- more income never means a larger 低保 base (gap method, the household otherwise the same),
  nor, for a household not in 渐退, a larger amount;
- the add-ons paid to a member are those `matches` selects, rule by rule (`member_addons`
  works per add-on list, with shortcuts).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules_seeds import household, person, province

from aidledger.disbursement.registry.state import state_as_of
from aidledger.disbursement.rules import DibaoTrack, compute_month
from aidledger.disbursement.rules.addons import matches, matching, member_addons
from aidledger.disbursement.rules.gradual_exit import ENDED, EXIT, NONE, NORMAL, START
from aidledger.disbursement.rules.one_offs import PriceDeclaration
from aidledger.policy import AddonRule, EffectivePolicy

D = Decimal
ADDONS = (
    '{ name = "elderly", min_age = 60, rate = { 2021-01-01 = 0.15, 2022-01-01 = 0.20 } }',
    '{ name = "minor", max_age = 17, rate = 0.15 }',
    '{ name = "severe_disability", max_disability_grade = 2, rate = 0.15 }',
    '{ name = "severe_mental", max_disability_grade = 3, disability_kinds = ["intellectual", "mental"], rate = 0.1 }',
    '{ name = "serious_illness", flag = "serious_illness", rate = 0.3 }',
    '{ name = "veteran", flag = "veteran", rate = 0.05 }',
)


@cache
def policy(unit: str, mode: str, stacking: str, floor: str, method: str, exit_months: int) -> EffectivePolicy:
    return province({
        "dibao.standard_urban": "{ 2021-01-01 = 640, 2022-01-01 = 680, 2023-01-01 = 712.35 }",
        "dibao.rounding": f'"{unit}"', "dibao.rounding_mode": f'"{mode}"', "dibao.addon_stacking": f'"{stacking}"',
        "dibao.floor_ratio": floor, "dibao.method": f'"{method}"', "dibao.tier_ratio.A": "1",
        "dibao.tier_ratio.B": "0.55", "dibao.tier_ratio.C": "0.333",
        "dibao.gradual_exit.months": str(exit_months), "dibao.gradual_exit.income_ceiling_ratio": "1.8",
        "heating.programs": '["dibao", "tekun", "low_income"]', "heating.months": "[1, 10, 11, 12]",
        "price_subsidy.programs": '["dibao", "tekun", "low_income"]',
    }, addons=ADDONS)


def policies(method: st.SearchStrategy[str] = st.sampled_from(["gap", "tiered"])):
    return st.builds(policy, st.sampled_from(["0.01", "0.1", "1"]), st.sampled_from(["half_up", "up", "down"]),
                     st.sampled_from(["highest", "sum"]), st.sampled_from(["0", "0.2", "0.35"]), method,
                     st.integers(0, 12))


money = st.integers(0, 600_000).map(lambda fen: D(fen) / 100)
days = st.dates(date(2021, 1, 1), date(2023, 12, 1)).map(lambda d: d.replace(day=1))

members = st.lists(st.builds(
    dict,
    born=st.dates(date(1925, 1, 1), date(2022, 12, 31)),
    grade=st.one_of(st.none(), st.integers(1, 4)),
    kind=st.sampled_from(["physical", "visual", "intellectual", "mental"]),
    flags=st.lists(st.sampled_from(["serious_illness", "disabled_veteran", "martyr_family", "veteran"]),
                   unique=True, max_size=3),
    care=st.sampled_from(["self", "semi", "full"]),
    single=st.booleans(),
    died=st.one_of(st.none(), st.none(), st.dates(date(2020, 6, 1), date(2024, 6, 1))),
), min_size=1, max_size=5)

tracks = st.one_of(
    st.just(START),
    st.builds(lambda a: DibaoTrack(NORMAL, amount=a), money),
    st.builds(lambda k, b: DibaoTrack(EXIT, k, b), st.integers(1, 14), money),
    st.just(DibaoTrack(ENDED)),
)

prices = st.one_of(st.none(), st.builds(PriceDeclaration, st.integers(0, 90).map(lambda t: D(t) / 10),
                                        st.integers(0, 90).map(lambda t: D(t) / 10)))


def households(program: st.SearchStrategy[str] = st.sampled_from(["dibao", "tekun", "low_income"])):
    return st.builds(
        lambda program, income, area, approved, tier, setting: household(
            program, income=str(income), area=area, approved=approved, tier=tier, setting=setting),
        program, money, st.sampled_from(["urban", "rural"]), st.dates(date(2020, 6, 1), date(2023, 12, 31)),
        st.sampled_from(["A", "B", "C"]), st.sampled_from(["dispersed", "centralized"]),
    )


SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(policies(), households(), members, days, tracks, prices)
def test_amounts_are_never_negative_and_components_add_up(policy, home, facts, day, previous, price):
    snap = policy.on(day)
    found, track = compute_month(snap, state_as_of(home, [person(**f) for f in facts], (), day), previous, price)
    assert found.amount >= 0
    assert all(c.amount >= 0 for c in found.components if c.kind != "rounding"), found
    assert sum((c.amount for c in found.components), D("0.00")) == found.amount, found
    assert found.amount == found.amount.quantize(snap.dibao.rounding), found
    assert all(c.amount == c.amount.quantize(D("0.01")) for c in found.components), found
    assert found.components or found.amount == 0
    assert track.status in (NONE, NORMAL, EXIT, ENDED)
    kinds = [c.kind for c in found.components]
    if "exit" in kinds:  # a 渐退 month pays one exit component, no base, no add-on
        assert track.status == EXIT and kinds.count("exit") == 1 and not {"base", "addon"} & set(kinds), found


def base_of(found) -> Decimal:
    return sum((c.amount for c in found.components if c.kind == "base"), D("0.00"))


@SETTINGS
@given(policies(st.just("gap")), households(st.just("dibao")), members, days, tracks, prices, money, money)
def test_more_income_never_means_a_larger_dibao_base(policy, home, facts, day, previous, price, a, b):
    low, high = sorted((a, b))
    people = [person(**f) for f in facts]
    snap = policy.on(day)

    def with_income(income: Decimal):
        state = state_as_of(replace(home, monthly_income=income), people, (), day)
        return compute_month(snap, state, previous, price)[0]

    at_low, at_high = with_income(low), with_income(high)
    assert base_of(at_high) <= base_of(at_low), (at_low, at_high)
    if previous == START:  # not in 渐退: the whole amount cannot grow with income either
        assert at_high.amount <= at_low.amount, (at_low, at_high)


addon_rules = st.lists(st.builds(
    lambda rate, low, high, grade, kinds, flag: (rate, low, high, grade, kinds, flag),
    st.sampled_from([D("0.1"), D("0.15"), D("0.2"), D("0.3")]),
    st.one_of(st.none(), st.integers(0, 80)), st.one_of(st.none(), st.integers(0, 80)),
    st.one_of(st.none(), st.integers(1, 4)),
    st.one_of(st.none(), st.lists(st.sampled_from(["physical", "visual", "intellectual", "mental"]),
                                  min_size=1, max_size=2, unique=True).map(tuple)),
    st.one_of(st.none(), st.sampled_from(["serious_illness", "disabled_veteran", "martyr_family", "veteran"])),
), max_size=8).map(lambda rows: tuple(AddonRule.build(
    {"name": f"r{i}", "rate": rate, "min_age": low, "max_age": high, "max_disability_grade": grade,
     "disability_kinds": kinds, "flag": flag}, {}) for i, (rate, low, high, grade, kinds, flag) in enumerate(rows)))


@SETTINGS
@given(addon_rules, members, days, st.sampled_from(["highest", "sum"]), st.sampled_from([D(460), D("683.35")]))
def test_add_ons_paid_are_those_each_rule_matches(rules, facts, day, stacking, standard):
    """The per-list shortcuts of `member_addons` pay exactly what `matches`, rule by rule, selects."""
    for member in [person(**f) for f in facts]:
        selected = [r for r in rules if matches(r, member, day)]
        if stacking == "highest" and selected:
            selected = [next(r for r in selected if r.rate == max(s.rate for s in selected))]
        paid = member_addons(rules, stacking, member, day, standard)
        assert [(c.name, c.amount, c.id_number) for c in paid] == [
            (r.name, (r.rate * standard).quantize(D("0.01"), rounding=ROUND_HALF_UP), member.id_number)
            for r in selected]
        assert matching(rules, member, day) == [r for r in rules if matches(r, member, day)]
