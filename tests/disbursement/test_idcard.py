"""GB 11643-1999: the 居民身份证号码 check character and the birth date inside the number."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_samples import SPARE_IDS, TODAY, example_lines

from aidledger.idcard import birth_date_from_id, check_character, id_number_problem, normalize_id_number


def with_check(first_17: str) -> str:
    return first_17 + check_character(first_17)


def test_every_example_id_number_is_valid():
    ids = [line.split(",")[1] for line in example_lines("members.csv")[1:]]
    assert len(ids) == 23
    assert [id_number_problem(number, TODAY) for number in ids + SPARE_IDS] == [None] * 27


def test_x_check_character():
    assert check_character("23052319491212101") == "X"
    assert id_number_problem("23052319491212101X", TODAY) is None


def test_lowercase_x_is_accepted_and_normalized():
    assert id_number_problem("23052319491212101x", TODAY) is None
    assert normalize_id_number(" 23052319491212101x ") == "23052319491212101X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("230523197705100114", "check character is 4, expected 3"),
        ("230523194912121013", "check character is 3, expected X"),
        ("230523197705100113X", "an id number has 18 characters, this one has 19"),
        ("23052319770510011", "an id number has 18 characters, this one has 17"),
        ("230523770510011", "a 15-digit id number (issued before 1999) must be converted to the 18-character form"),
        ("", "the id number is empty"),
        ("2305231977O5100113", "character 11 is 'O', the first 17 characters must be digits"),
        ("23052319770510011Y", "the check character (18th) is 'Y', it must be a digit or X"),
        ("２３０５２３197705100113", "character 1 is '２', the first 17 characters must be digits"),
    ],
)
def test_malformed_numbers(number, reason):
    assert id_number_problem(number, TODAY) == reason


@pytest.mark.parametrize(
    ("first_17", "reason"),
    [
        ("23052319900230011", "the birth date 19900230 inside the id number is not a real date"),  # Feb 30
        ("23052319901301011", "the birth date 19901301 inside the id number is not a real date"),  # month 13
        ("23052319000229011", "the birth date 19000229 inside the id number is not a real date"),  # 1900 no leap
        ("23052318991231011", "the birth date 1899-12-31 inside the id number is before 1900"),
        ("23052320220701011", "the birth date 2022-07-01 inside the id number is after today (2022-06-30)"),
    ],
)
def test_birth_dates_that_cannot_be(first_17, reason):
    assert id_number_problem(with_check(first_17), TODAY) == reason


def test_born_today_and_on_a_leap_day_are_fine():
    assert id_number_problem(with_check("23052320220630011"), TODAY) is None
    assert id_number_problem(with_check("23052320000229011"), TODAY) is None


def test_birth_date_from_id():
    assert birth_date_from_id("230523197809020222") == date(1978, 9, 2)
    assert birth_date_from_id("23052319491212101x") == date(1949, 12, 12)
    with pytest.raises(ValueError):
        birth_date_from_id(with_check("23052319900230011"))


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_single_digit_typo_is_caught(first_17):
    number = with_check(first_17)
    for position in range(17):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                assert id_number_problem(typo, date(9999, 12, 31)) is not None


@given(st.text(max_size=30))
def test_any_text_gets_an_answer(text):
    problem = id_number_problem(text, TODAY)
    assert problem is None or isinstance(problem, str)
