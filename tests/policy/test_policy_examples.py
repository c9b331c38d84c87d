"""The spec's worked chain, province 230000 → city 230500 → county 230523, read and inherited."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from policy_samples import CHAIN_FILES, EXAMPLES, example_county, example_documents
from support import EXAMPLES as SPEC_COPY

from aidledger.policy import AddonRule, ExitStep, MissingParameter

SPEC_EXAMPLES = SPEC_COPY / "policies"
DEC_2021, JAN_2022 = date(2021, 12, 1), date(2022, 1, 1)


@pytest.mark.parametrize("name", CHAIN_FILES)
def test_demo_data_are_the_spec_examples(name):
    assert (EXAMPLES / name).read_bytes() == (SPEC_EXAMPLES / name).read_bytes()


def test_the_three_files_parse_and_validate():
    province, city, county = example_documents()
    assert (province.code, province.level, province.parent) == ("230000", "province", None)
    assert (city.code, city.level, city.parent) == ("230500", "city", "230000")
    assert (county.code, county.name, county.level, county.parent) == ("230523", "宝清县", "county", "230500")
    assert county.source == "230523-baoqing.toml"
    assert "[townships]" in county.text


def test_numbers_are_exact_decimals_never_floats():
    province = example_documents()[0]
    assert province.body["tekun"]["basic_ratio_dispersed"] == Decimal("1.3")
    assert isinstance(province.body["tekun"]["care_dispersed"]["self"], Decimal)
    assert isinstance(province.body["temporary"]["case_by_case_threshold"], Decimal)  # written 10000
    assert isinstance(province.body["review"]["tekun_months"], int)  # a count stays an int


def test_standards_change_on_the_first_of_january():
    policy = example_county()
    december, january = policy.on(DEC_2021), policy.on(JAN_2022)
    assert (december.dibao.standard_urban, december.dibao.standard_rural) == (Decimal(640), Decimal(430))
    assert (january.dibao.standard("urban"), january.dibao.standard("rural")) == (Decimal(680), Decimal(460))


def test_the_county_add_on_list_replaces_the_citys():
    policy = example_county()
    addons = policy.on(JAN_2022).dibao.addons
    assert len(addons) == 8
    assert [a.name for a in addons] == [
        "severe_disability", "severe_disability_mental", "disabled_veteran", "serious_illness",
        "elderly", "minor", "martyr_family", "veteran",
    ]
    assert addons[1] == AddonRule(
        name="severe_disability_mental", rate=Decimal("0.15"), min_age=None, max_age=None,
        max_disability_grade=3, disability_kinds=("intellectual", "mental"), flag=None,
    )
    assert policy.set_by("dibao.addons").code == "230523"
    assert policy.set_by("dibao.addons[1].disability_kinds").code == "230523"


def test_the_elderly_rate_is_dated_inside_the_add_on():
    policy = example_county()
    assert policy.on(DEC_2021).dibao.addons[4].rate == Decimal("0.15")
    assert policy.on(JAN_2022).dibao.addons[4].rate == Decimal("0.20")
    assert policy.on(JAN_2022).dibao.addons[4].min_age == 60


def test_values_inherited_from_city_and_province():
    snap = example_county().on(JAN_2022)
    assert snap.heating.amount_per_household == Decimal(300)  # the city's, over the province's 0
    assert snap.heating.months == (10,)
    assert snap.heating.programs == ("dibao", "tekun")
    assert snap.dibao.method == "gap" and snap.dibao.floor_ratio == 0
    assert snap.dibao.rounding == Decimal("0.01") and snap.dibao.rounding_mode == "half_up"
    assert snap.dibao.gradual_exit.steps == (ExitStep(1, Decimal("1.0")),)
    assert snap.dibao.gradual_exit.income_ceiling_ratio is None  # optional, not set
    assert snap.tekun.basic_ratio("centralized") == Decimal("1.3")
    assert snap.tekun.care("dispersed").ratio("semi") == Decimal("0.15")
    assert snap.tekun.care_centralized.base == "minimum_wage"
    assert snap.wages.amount(snap.tekun.care_dispersed.base) == Decimal(1690)
    assert snap.low_income.single_person_addons is True
    assert snap.temporary.documentation_days == 30
    assert snap.price_subsidy.rounding == Decimal(1)
    assert snap.budget.funding_order[0] == "central_subsidy"
    assert snap.budget.purchased_services_cap.base == "current_year_special_funds"
    assert snap.review.dibao_variable_months == 6
    assert snap.classification["tekun_rural"] == "2082102"
    assert snap.reserve.amount == Decimal(30000)


def test_minimum_wage_starts_in_april_2021():
    policy = example_county()
    assert policy.on(date(2021, 4, 1)).wages.minimum_wage == Decimal(1690)
    before = policy.on(date(2021, 3, 1))
    with pytest.raises(MissingParameter) as caught:
        before.wages.minimum_wage
    assert str(caught.value) == (
        "parameter wages.minimum_wage is not defined for 230523 on 2021-03-01 (its first value starts 2021-04-01)"
    )
    assert before.wages.elder_care_subsidy == Decimal(100)  # the rest of the section still reads


def test_townships_and_jurisdiction():
    snap = example_county().on(JAN_2022)
    assert dict(snap.townships) == {"230523100": "宝清镇", "230523101": "七星泡镇", "230523102": "青原镇"}
    assert (snap.jurisdiction.code, snap.jurisdiction.level, snap.jurisdiction.parent) == ("230523", "county", "230500")


def test_set_by_names_the_file_of_each_value():
    policy = example_county()
    assert policy.set_by("dibao.standard_urban").code == "230500"
    assert policy.set_by("heating.amount_per_household").code == "230500"
    assert policy.set_by("heating.months").code == "230500"  # the city restated the whole table
    assert policy.set_by("tekun.care_dispersed.semi").code == "230000"
    assert policy.set_by("reserve.amount").code == "230523"
    assert policy.set_by("townships").code == "230523"
    assert policy.set_by("dibao").code == "230523"  # the last file that set anything in it
    assert policy.set_by("dibao.tier_ratio") is None


def test_as_dict_is_plain_json_with_decimal_strings():
    data = example_county().as_dict(JAN_2022)
    json.dumps(data)  # JSON-able as it is
    assert data["jurisdiction"]["code"] == "230523"
    assert data["chain"] == ["230000", "230500", "230523"]
    assert data["dibao"]["standard_urban"] == "680"
    assert data["dibao"]["addons"][4] == {"name": "elderly", "min_age": 60, "rate": "0.20"}
    assert data["heating"]["amount_per_household"] == "300"
    assert data["townships"]["230523101"] == "七星泡镇"
    before = example_county().as_dict(date(2021, 3, 1))
    assert before["wages"]["minimum_wage"] is None  # undefined that day: null, never 0
    assert before["dibao"]["standard_urban"] == "640"


def test_parameters_list_every_value_with_its_source():
    rows = {row.path: row for row in example_county().parameters(date(2020, 12, 1))}
    assert rows["dibao.standard_urban"].value is None and not rows["dibao.standard_urban"].defined
    assert rows["dibao.standard_urban"].set_by == "230500"
    assert rows["dibao.addons[4].rate"].set_by == "230523"
    assert rows["heating.amount_per_household"].value == "300"
    assert rows["wages.elder_care_subsidy"].defined is False


def test_before_the_first_standard_the_snapshot_refuses_to_read_it():
    snap = example_county().on(date(2020, 12, 1))
    with pytest.raises(MissingParameter, match=r"dibao.standard_urban is not defined for 230523 on 2020-12-01 "
                                               r"\(its first value starts 2021-01-01\)"):
        snap.dibao.standard("urban")
    assert snap.dibao.method == "gap"
    assert snap.dibao.undefined() == ("dibao.standard_urban", "dibao.standard_rural")


def test_snapshots_are_cached_per_day():
    policy = example_county()
    assert policy.on(JAN_2022) is policy.on(date(2022, 1, 1))
