"""Snapshots: plain reads of defined values; undefined ones raise MissingParameter only when read."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest
from policy_samples import STANDARDS, city, county, example_county, province

from aidledger.errors import Refusal
from aidledger.policy import EffectivePolicy, MissingEntry, MissingParameter

DAY = date(2022, 1, 1)


def bare_county(body: str = ""):
    return EffectivePolicy.resolve([province(), city(), county(STANDARDS + body)])


def test_a_parameter_no_file_sets_raises_naming_path_place_and_date():
    snap = bare_county().on(DAY)
    with pytest.raises(MissingParameter) as caught:
        snap.reserve.amount
    assert isinstance(caught.value, Refusal)
    assert str(caught.value) == ("parameter reserve.amount is not defined for 230523 on 2022-01-01 "
                                 "(no policy file in the chain 230000 → 230500 → 230523 sets it)")
    assert (caught.value.path, caught.value.jurisdiction, caught.value.day) == ("reserve.amount", "230523", DAY)
    for read in (lambda: snap.dibao.addons, lambda: snap.dibao.gradual_exit.steps, lambda: snap.heating.months,
                 lambda: snap.tekun.care_dispersed.full, lambda: snap.tekun.basic_ratio("dispersed"),
                 lambda: snap.budget.purchased_services_cap.rate, lambda: snap.wages.amount("minimum_wage")):
        with pytest.raises(MissingParameter):
            read()


def test_reading_one_undefined_value_leaves_the_others_readable():
    snap = bare_county("[[dibao.addons]]\nname = \"elderly\"\nmin_age = 60\nrate = { 2022-07-01 = 0.2 }\n").on(DAY)
    elderly = snap.dibao.addons[0]
    assert (elderly.name, elderly.min_age, elderly.max_age, elderly.flag) == ("elderly", 60, None, None)
    with pytest.raises(MissingParameter, match=r"dibao.addons\[0\].rate is not defined for 230523 on 2022-01-01 "
                                               r"\(its first value starts 2022-07-01\)"):
        elderly.rate
    assert not elderly.is_defined("rate") and elderly.is_defined("name")
    assert elderly.undefined() == ("dibao.addons[0].rate",)
    assert "rate=<undefined>" in repr(elderly)
    assert snap.dibao.standard_urban == Decimal(640)


def test_an_exit_schedule_with_an_undefined_ratio_is_undefined_as_a_whole():
    snap = bare_county("[dibao.gradual_exit]\nsteps = [ { from_month = 1, ratio = 1 }, "
                       "{ from_month = 4, ratio = { 2023-01-01 = 0.5 } } ]\n").on(DAY)
    with pytest.raises(MissingParameter, match=r"dibao.gradual_exit.steps\[1\].ratio"):
        snap.dibao.gradual_exit.steps


def test_parameter_tables_raise_for_undefined_entries_and_keep_mapping_manners():
    policy = bare_county('method = "tiered"\n[dibao.tier_ratio]\nA = 1\nB = { 2022-07-01 = 0.5 }\n')
    tiers = policy.on(DAY).dibao.tier_ratio
    assert tiers["A"] == 1 and list(tiers) == ["A"] and len(tiers) == 1
    assert "B" not in tiers and tiers.get("B") is None and tiers.get("Z", "none") == "none"
    with pytest.raises(MissingEntry, match=r"dibao.tier_ratio.B is not defined for 230523 on 2022-01-01 "
                                           r"\(its first value starts 2022-07-01\)"):
        tiers["B"]
    with pytest.raises(MissingParameter) as caught:
        tiers["Z"]
    assert str(caught.value).startswith("parameter dibao.tier_ratio.Z is not defined for 230523")
    assert isinstance(caught.value, KeyError)
    assert policy.on(date(2022, 7, 1)).dibao.tier_ratio["B"] == Decimal("0.5")


def test_classification_is_a_parameter_table():
    codes = example_county().on(DAY).classification
    assert codes["dibao_urban"] == "2081901"
    with pytest.raises(MissingEntry, match="classification.low_income_urban"):
        codes["low_income_urban"]


def test_snapshots_are_read_only():
    snap = example_county().on(DAY)
    with pytest.raises(FrozenInstanceError):
        snap.dibao.standard_urban = Decimal(0)
    with pytest.raises(FrozenInstanceError):
        snap.dibao = None
    with pytest.raises(TypeError):
        snap.townships["230523999"] = "x"


def test_unknown_attributes_are_plain_attribute_errors():
    snap = example_county().on(DAY)
    with pytest.raises(AttributeError) as caught:
        snap.dibao.standard_suburban
    assert not isinstance(caught.value, MissingParameter)


def test_area_setting_and_care_level_names_are_checked():
    snap = example_county().on(DAY)
    with pytest.raises(ValueError):
        snap.dibao.standard("suburban")
    with pytest.raises(ValueError):
        snap.tekun.basic_ratio("home")
    with pytest.raises(ValueError):
        snap.tekun.care_dispersed.ratio("none")


def test_sections_compare_by_value():
    december, january = example_county().on(date(2021, 12, 1)), example_county().on(DAY)
    assert december.tekun == january.tekun
    assert december.dibao.addons[0] == january.dibao.addons[0]
    assert december.dibao.addons[4] != january.dibao.addons[4]
