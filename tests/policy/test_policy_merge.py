"""Inheritance: tables merge key by key; arrays, arrays of tables and dated values replace whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from policy_samples import STANDARDS, city, county, province

from aidledger.errors import Refusal
from aidledger.policy import EffectivePolicy, MissingParameter, chain_problems, merge


def test_tables_merge_key_by_key():
    parent = {"dibao": {"method": "gap", "gradual_exit": {"months": 6, "months_with_disabled": 6}}}
    child = {"dibao": {"gradual_exit": {"months": 3}}, "reserve": {"amount": 1}}
    assert merge(parent, child) == {
        "dibao": {"method": "gap", "gradual_exit": {"months": 3, "months_with_disabled": 6}},
        "reserve": {"amount": 1},
    }
    assert parent["dibao"]["gradual_exit"]["months"] == 6  # neither input is changed


def test_arrays_and_arrays_of_tables_replace_whole():
    parent = {"heating": {"months": [10, 11]}, "dibao": {"addons": [{"name": "a"}, {"name": "b"}]}}
    child = {"heating": {"months": [12]}, "dibao": {"addons": [{"name": "c"}]}}
    assert merge(parent, child) == {"heating": {"months": [12]}, "dibao": {"addons": [{"name": "c"}]}}
    assert merge(parent, {"dibao": {"addons": []}})["dibao"]["addons"] == []


def test_a_dated_table_replaces_the_parents_whole_parameter():
    parent = {"wages": {"minimum_wage": {"2021-04-01": 1690, "2023-01-01": 1860}}}
    child = {"wages": {"minimum_wage": {"2022-01-01": 1700}}}
    assert merge(parent, child) == {"wages": {"minimum_wage": {"2022-01-01": 1700}}}
    assert merge(parent, {"wages": {"minimum_wage": 1800}}) == {"wages": {"minimum_wage": 1800}}
    assert merge({"wages": {"minimum_wage": 1800}}, child) == child


def test_in_a_chain_a_childs_dates_replace_the_parents_history():
    chain = [
        province("[wages.minimum_wage]\n2021-04-01 = 1690\n2023-01-01 = 1860\n"),
        city(),
        county(STANDARDS + "[wages.minimum_wage]\n2022-01-01 = 1700\n"),
    ]
    policy = EffectivePolicy.resolve(chain)
    assert policy.on(date(2023, 6, 1)).wages.minimum_wage == Decimal(1700)  # the province's 2023 change is gone
    with pytest.raises(MissingParameter, match="wages.minimum_wage is not defined for 230523 on 2021-12-01 "
                                               r"\(its first value starts 2022-01-01\)"):
        policy.on(date(2021, 12, 1)).wages.minimum_wage
    assert policy.set_by("wages.minimum_wage").code == "230523"


def test_a_tier_table_merges_tier_by_tier():
    chain = [province("[dibao]\nmethod = \"tiered\"\ntier_ratio = { A = 1, B = 0.6, C = 0.3 }\n"),
             city(), county(STANDARDS + "[dibao.tier_ratio]\nB = 0.7\n")]
    policy = EffectivePolicy.resolve(chain)
    assert dict(policy.on(date(2022, 1, 1)).dibao.tier_ratio) == {"A": 1, "B": Decimal("0.7"), "C": Decimal("0.3")}
    assert policy.set_by("dibao.tier_ratio.B").code == "230523"
    assert policy.set_by("dibao.tier_ratio.A").code == "230000"


def test_chain_must_run_from_a_province_down_through_parents():
    assert chain_problems([]) == ["an effective policy needs at least one policy file"]
    problems = chain_problems([city(), county()])
    assert problems == ["230500-c.toml: the chain starts at 230500, but its parent 230000 is not in it"]
    problems = chain_problems([province(), county()])
    assert problems == ["230523-x.toml: 230523's parent is 230500, but the file before it in the chain is 230000 "
                        "(230000-p.toml)"]
    with pytest.raises(Refusal):
        EffectivePolicy.resolve([province(), county(STANDARDS)])


def test_a_county_chain_must_set_the_standards_somewhere():
    with pytest.raises(Refusal) as caught:
        EffectivePolicy.resolve([province(), city(), county()])
    assert caught.value.messages == [
        "230523: dibao.standard_urban is required and none of the chain's files sets it "
        "(230000-p.toml, 230500-c.toml, 230523-x.toml)",
        "230523: dibao.standard_rural is required and none of the chain's files sets it "
        "(230000-p.toml, 230500-c.toml, 230523-x.toml)",
    ]
    # A province or a city may leave the standards to its counties.
    assert EffectivePolicy.resolve([province(), city()]).code == "230500"


def test_a_tiered_county_needs_tier_ratios():
    chain = [province("[dibao]\nmethod = { 2021-01-01 = \"gap\", 2022-01-01 = \"tiered\" }\n"), city(),
             county(STANDARDS)]
    with pytest.raises(Refusal, match="dibao.method is 'tiered' \\(set by 230000\\) and none of the chain's files "
                                      "sets dibao.tier_ratio"):
        EffectivePolicy.resolve(chain)
