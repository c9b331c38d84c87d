"""Dated values: the latest start on or before the day; undefined before the first start."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from policy_samples import STANDARDS, city, county, province

from aidledger.policy import UNDEFINED, Dated, EffectivePolicy, MissingParameter
from aidledger.policy.dated import looks_dated, parse_date_key

STANDARD = Dated.of({date(2021, 1, 1): Decimal(640), date(2022, 1, 1): Decimal(680)})


@pytest.mark.parametrize("day, expected", [
    (date(2020, 12, 31), UNDEFINED),       # the day before the first start
    (date(2021, 1, 1), Decimal(640)),      # exactly the first start
    (date(2021, 12, 31), Decimal(640)),
    (date(2022, 1, 1), Decimal(680)),      # exactly a later start
    (date(2030, 6, 1), Decimal(680)),      # the last value stays in force
])
def test_value_on(day, expected):
    assert STANDARD.value_on(day) is expected or STANDARD.value_on(day) == expected


def test_changes_are_kept_in_date_order_whatever_the_file_order():
    dated = Dated.of({date(2022, 1, 1): 2, date(2021, 1, 1): 1})
    assert dated.starts == (date(2021, 1, 1), date(2022, 1, 1)) and dated.first_start == date(2021, 1, 1)
    assert dated.changes() == [(date(2021, 1, 1), 1), (date(2022, 1, 1), 2)]


def test_undefined_is_not_zero_or_false():
    with pytest.raises(TypeError):
        bool(UNDEFINED)


def test_date_keys():
    assert parse_date_key("2021-01-01") == date(2021, 1, 1)
    assert parse_date_key(date(2021, 1, 1)) == date(2021, 1, 1)  # a real date key, as code may build
    assert parse_date_key(datetime(2021, 1, 1, 8)) is None
    for bad in ("2021-1-1", "2021-02-30", "20210101", "later", 2021):
        assert parse_date_key(bad) is None
    assert looks_dated({"2021-01-01": 1}) and looks_dated({date(2021, 1, 1): 1}) and looks_dated(STANDARD)
    assert not looks_dated({}) and not looks_dated({"2021-01-01": 1, "A": 2})


def test_a_file_reads_dated_tables_and_inline_dated_tables():
    document = county(
        "[dibao.standard_urban]\n2022-01-01 = 680\n2021-01-01 = 640\n"
        "[dibao]\nstandard_rural = { 2021-01-01 = 430 }\n"
        '[dibao.tier_ratio]\nA = { 2021-01-01 = 0.5, 2021-07-01 = 0.6 }\nB = 0.3\n'
        '[heating]\nmonths = { 2021-01-01 = [10], 2022-01-01 = [10, 11] }\n'
    )
    dibao = document.body["dibao"]
    assert dibao["standard_urban"] == STANDARD
    assert dibao["standard_rural"].value_on(date(2021, 5, 1)) == Decimal(430)
    policy = EffectivePolicy.resolve([province(), city(), document])
    assert policy.on(date(2021, 6, 1)).dibao.tier_ratio["A"] == Decimal("0.5")
    assert policy.on(date(2021, 7, 1)).dibao.tier_ratio["A"] == Decimal("0.6")
    assert policy.on(date(2021, 12, 1)).heating.months == (10,)
    assert policy.on(date(2022, 1, 1)).heating.months == (10, 11)  # an array dated as a whole


def test_on_takes_the_date_of_a_datetime():
    policy = EffectivePolicy.resolve([province(), city(), county(STANDARDS)])
    assert policy.on(datetime(2022, 1, 1, 23, 59)) is policy.on(date(2022, 1, 1))


def test_a_dated_optional_value_before_its_start_is_undefined_not_none():
    document = county(STANDARDS + "[dibao.gradual_exit]\nincome_ceiling_ratio = { 2022-01-01 = 1.5 }\n")
    policy = EffectivePolicy.resolve([province(), city(), document])
    assert policy.on(date(2022, 1, 1)).dibao.gradual_exit.income_ceiling_ratio == Decimal("1.5")
    with pytest.raises(MissingParameter, match="dibao.gradual_exit.income_ceiling_ratio .* starts 2022-01-01"):
        policy.on(date(2021, 12, 1)).dibao.gradual_exit.income_ceiling_ratio
