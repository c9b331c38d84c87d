"""Every rule of a single registry row: a bad cell is refused with its file, line, column and reason.

Each case writes a good row on line 2 and the changed row on line 3, so the line number
is checked too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from registry_samples import EVENT, HOUSEHOLD, MEMBER, SPARE_IDS, TODAY, csv_lines, problems_of

from aidledger.disbursement.registry.readers import read_events, read_households, read_members
from aidledger.disbursement.registry.records import EVENT_KINDS

TEKUN = {**HOUSEHOLD, "program": "tekun", "monthly_income": "", "income_type": "", "tekun_setting": "dispersed"}
LOW_INCOME = {**HOUSEHOLD, "program": "low_income", "income_type": ""}


def household_problems(base=HOUSEHOLD, **changes):
    lines = csv_lines([HOUSEHOLD, {**base, **changes}])
    return problems_of(read_households(lines, "households.csv", today=TODAY))


def member_problems(**changes):
    lines = csv_lines([MEMBER, {**MEMBER, "id_number": SPARE_IDS[0], "birth_date": "", **changes}])
    return problems_of(read_members(lines, "members.csv", today=TODAY))


def _members(**changes):
    lines = csv_lines([MEMBER, {**MEMBER, "id_number": SPARE_IDS[0], "birth_date": "", **changes}])
    return list(read_members(lines, "members.csv", today=TODAY))


def event_problems(**changes):
    lines = csv_lines([EVENT, {**EVENT, **changes}])
    return problems_of(read_events(lines, "events.csv", today=TODAY))


# ---- households.csv ------------------------------------------------------------------------

REQUIRED = "a value is required"
NOT_A_GRADE = "is not a grade 1–4 (1 the most severe)"


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"household_id": ""}, "household_id", REQUIRED),
        ({"household_id": "H" * 201}, "household_id", f"'{'H' * 40}…' is longer than 200 characters"),
        ({"county": ""}, "county", REQUIRED),
        ({"county": "23052"}, "county", "23052 has 5 digits, it must have 6"),
        ({"county": "23O523", "township": "230523100"}, "county", "'23O523' must be digits only"),
        ({"township": "230524100"}, "township", "230524100 does not start with the county code 230523"),
        ({"township": "2305231000"}, "township", "2305231000 has 10 digits, it must have 9"),
        ({"area": ""}, "area", REQUIRED),
        ({"area": "city"}, "area", "'city' is not one of urban, rural"),
        ({"area": "Urban"}, "area", "'Urban' is not one of urban, rural"),
        ({"program": ""}, "program", REQUIRED),
        ({"program": "wubao"}, "program", "'wubao' is not one of dibao, tekun, low_income"),
        ({"monthly_income": ""}, "monthly_income", "required for dibao and low_income households"),
        ({"monthly_income": "-5"}, "monthly_income", "-5 is negative; an amount here is 0 or more"),
        ({"monthly_income": "900.505"}, "monthly_income",
         "900.505 has more than two decimal places: amounts are whole fen"),
        ({"monthly_income": "九百"}, "monthly_income", "'九百' is not an amount in yuan such as 900 or 1242.50"),
        ({"monthly_income": "1,200"}, "monthly_income", "'1,200' is not an amount in yuan such as 900 or 1242.50"),
        ({"monthly_income": "NaN"}, "monthly_income", "'NaN' is not an amount in yuan such as 900 or 1242.50"),
        ({"monthly_income": "9" * 30}, "monthly_income", f"'{'9' * 30}' is too large to be an amount"),
        ({"approved_on": ""}, "approved_on", REQUIRED),
        ({"approved_on": "2021/06/31"}, "approved_on", "'2021/06/31' is not a date written YYYY-MM-DD"),
        ({"approved_on": "20210615"}, "approved_on", "'20210615' is not a date written YYYY-MM-DD"),
        ({"approved_on": "2021-02-30"}, "approved_on", "2021-02-30 is not a real date"),
        ({"approved_on": "1899-12-31"}, "approved_on", "1899-12-31 is before 1900"),
        (
            {"approved_on": "2022-07-01"},
            "approved_on",
            "2022-07-01 is after today (2022-06-30); an approval is a past decision",
        ),
        ({"income_type": ""}, "income_type", "required for dibao households"),
        ({"income_type": "fixed"}, "income_type", "'fixed' is not one of stable, variable"),
        ({"tekun_setting": "dispersed"}, "tekun_setting", "applies only to tekun households; this one is dibao"),
        ({"tekun_setting": "home"}, "tekun_setting", "'home' is not one of dispersed, centralized"),
        ({"tier": "A\tB"}, "tier", "'A\\tB' holds a control character (a line break or tab)"),
        ({"payee_name": ""}, "payee_name", REQUIRED),
        ({"payee_name": "王\n建国"}, "payee_name", "'王\\n建国' holds a control character (a line break or tab)"),
        ({"bank_account": ""}, "bank_account", REQUIRED),
        ({"bank_account": "621700001"}, "bank_account", "621700001 has 9 digits, it must have 10–30"),
        ({"bank_account": "1" * 31}, "bank_account", f"{'1' * 31} has 31 digits, it must have 10–30"),
        ({"bank_account": "6217-0000-1000-0000"}, "bank_account", "'6217-0000-1000-0000' must be digits only"),
        (
            {"bank_account": "6.217E+18"},
            "bank_account",
            "'6.217E+18' looks like a number a spreadsheet shortened: format the column as text",
        ),
    ],
)
def test_household_cell_refused(changes, column, reason):
    assert household_problems(**changes) == [("households.csv", 3, column, reason)]


def test_program_specific_requirements():
    assert household_problems(LOW_INCOME, monthly_income="") == [
        ("households.csv", 3, "monthly_income", "required for dibao and low_income households")
    ]
    assert household_problems(TEKUN, tekun_setting="") == [
        ("households.csv", 3, "tekun_setting", "required for tekun households")
    ]
    # optional where the program does not need them
    assert household_problems(LOW_INCOME) == []
    assert household_problems(TEKUN) == []
    assert household_problems(TEKUN, monthly_income="120.50", income_type="stable") == []


def test_every_bad_cell_of_a_row_is_reported():
    assert household_problems(area="city", program="", bank_account="1") == [
        ("households.csv", 3, "area", "'city' is not one of urban, rural"),
        ("households.csv", 3, "program", REQUIRED),
        ("households.csv", 3, "bank_account", "1 has 1 digits, it must have 10–30"),
    ]


def test_household_values():
    lines = csv_lines([{**HOUSEHOLD, "monthly_income": "1242.5", "tier": "一档", "bank_account": "0" * 10}])
    [household] = read_households(lines, "households.csv", today=TODAY)
    assert household.monthly_income == Decimal("1242.50")
    assert str(household.monthly_income) == "1242.50"
    assert (household.tier, household.bank_account) == ("一档", "0000000000")


# ---- members.csv ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"household_id": ""}, "household_id", REQUIRED),
        ({"id_number": ""}, "id_number", REQUIRED),
        ({"id_number": "110101199003070012"}, "id_number", "check character is 2, expected 1"),
        ({"id_number": "11010119900307001"}, "id_number", "an id number has 18 characters, this one has 17"),
        ({"name": ""}, "name", REQUIRED),
        ({"relation": ""}, "relation", REQUIRED),
        ({"relation": "wife"}, "relation", "'wife' is not one of head, spouse, child, parent, grandchild, other"),
        ({"birth_date": "1990-03-08"}, "birth_date",
         "1990-03-08 differs from the birth date inside the id number (1990-03-07)"),
        ({"birth_date": "1990.13.07"}, "birth_date", "'1990.13.07' is not a date written YYYY-MM-DD"),
        ({"disability_grade": "5", "disability_kind": "physical"}, "disability_grade", f"'5' {NOT_A_GRADE}"),
        ({"disability_grade": "五级", "disability_kind": "physical"}, "disability_grade", f"'五级' {NOT_A_GRADE}"),
        ({"disability_grade": "2"}, "disability_kind", "required when a disability_grade is given"),
        ({"disability_kind": "physical"}, "disability_grade", "required when a disability_kind is given"),
        (
            {"disability_grade": "2", "disability_kind": "blind"},
            "disability_kind",
            "'blind' is not one of physical, visual, hearing, speech, intellectual, mental, multiple",
        ),
        (
            {"flags": "serious_illness;rich"},
            "flags",
            "'rich' is not one of serious_illness, disabled_veteran, martyr_family, veteran (separate flags with ;)",
        ),
        (
            {"flags": "serious_illness/veteran"},
            "flags",
            "'serious_illness/veteran' is not one of serious_illness, disabled_veteran, martyr_family, veteran "
            "(separate flags with ;)",
        ),
        ({"care_level": "half"}, "care_level", "'half' is not one of self, semi, full"),
        ({"single_person": "no"}, "single_person", "'no' must be yes or left empty"),
        ({"single_person": "可以"}, "single_person", "'可以' must be yes or left empty"),
        ({"death_date": "1990-03-06"}, "death_date", "1990-03-06 is before the birth date (1990-03-07)"),
        ({"death_date": "2022-07-01"}, "death_date", "2022-07-01 is after today (2022-06-30)"),
        ({"death_date": "2022-06-31"}, "death_date", "2022-06-31 is not a real date"),
    ],
)
def test_member_cell_refused(changes, column, reason):
    assert member_problems(**changes) == [("members.csv", 3, column, reason)]


def test_member_values():
    lines = csv_lines(
        [
            {
                **MEMBER,
                "id_number": "23052319491212101x",
                "birth_date": "1949-12-12",
                "disability_grade": "4",
                "disability_kind": "multiple",
                "flags": " veteran ; serious_illness;veteran; ",
                "care_level": "self",
                "single_person": "yes",
                "death_date": "2022-01-05",
            }
        ]
    )
    [member] = read_members(lines, "members.csv", today=TODAY)
    assert member.id_number == "23052319491212101X"
    assert member.birth_date == date(1949, 12, 12)
    assert (member.disability_grade, member.disability_kind) == (4, "multiple")
    assert member.flags == ("veteran", "serious_illness")
    assert (member.care_level, member.single_person, member.death_date) == ("self", True, date(2022, 1, 5))


def test_a_member_dying_the_day_they_are_born_is_possible():
    assert member_problems(death_date="1990-03-07") == []


# ---- events.csv ----------------------------------------------------------------------------

PERSON = "230523198010101915"


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"household_id": ""}, "household_id", REQUIRED),
        ({"kind": ""}, "kind", REQUIRED),
        ({"kind": "move"}, "kind", "'move' is not one of " + ", ".join(EVENT_KINDS)),
        ({"date": ""}, "date", REQUIRED),
        ({"date": "2022-3-32"}, "date", "'2022-3-32' is not a date written YYYY-MM-DD"),
        ({"value": ""}, "value", "required for kind income"),
        ({"value": "-1"}, "value", "-1 is negative; an amount here is 0 or more"),
        ({"value": "1500.001"}, "value", "1500.001 has more than two decimal places: amounts are whole fen"),
        ({"id_number": PERSON}, "id_number", "not used by kind income: leave it empty"),
        ({"kind": "death", "value": ""}, "id_number", "required for kind death"),
        ({"kind": "death", "id_number": PERSON}, "value", "not used by kind death: leave it empty"),
        ({"kind": "death", "id_number": "230523198010101914", "value": ""}, "id_number",
         "check character is 4, expected 5"),
        ({"kind": "remove_member", "value": ""}, "id_number", "required for kind remove_member"),
        ({"kind": "tier", "value": ""}, "value", "required for kind tier"),
        ({"kind": "care_level", "value": "full"}, "id_number", "required for kind care_level"),
        ({"kind": "care_level", "value": "", "id_number": PERSON}, "value", "required for kind care_level"),
        ({"kind": "care_level", "value": "half", "id_number": PERSON}, "value",
         "'half' is not one of self, semi, full"),
        ({"kind": "resume"}, "value", "not used by kind resume: leave it empty"),
    ],
)
def test_event_cell_refused(changes, column, reason):
    assert event_problems(**changes) == [("events.csv", 3, column, reason)]


def test_event_values():
    rows = [
        {**EVENT, "kind": "death", "value": "", "id_number": PERSON},
        {**EVENT, "kind": "remove_member", "value": "", "id_number": PERSON},
        {**EVENT, "kind": "tier", "value": "二档"},
        {**EVENT, "kind": "care_level", "value": "semi", "id_number": PERSON},
        {**EVENT, "kind": "terminate", "value": "", "date": "2023-01-01"},  # a decision may take effect later
    ]
    events = list(read_events(csv_lines(rows), "events.csv", today=TODAY))
    assert [(e.kind, e.value, e.id_number) for e in events] == [
        ("death", None, PERSON),
        ("remove_member", None, PERSON),
        ("tier", "二档", None),
        ("care_level", "semi", PERSON),
        ("terminate", None, None),
    ]


def test_events_without_the_optional_columns():
    lines = csv_lines([{"household_id": "H010", "kind": "terminate", "date": "2022-04-01"}])
    [event] = read_events(lines, "events.csv", today=TODAY)
    assert (event.kind, event.value, event.id_number, event.line) == ("terminate", None, None, 2)


def test_a_countys_words_are_read_as_the_codes():
    """Chinese values and dates as Excel writes them (county_words.py): the same record as the codes give."""
    chinese = member_problems(disability_grade="一级", disability_kind="肢体残疾", flags="重病患者；退役军人",
                              single_person="是", birth_date="1990/3/7")
    assert chinese == []
    *_, record = [r for r in _members(disability_grade="一级", disability_kind="肢体残疾", flags="重病患者、退役军人",
                                      single_person="是", birth_date="1990年3月7日") if not hasattr(r, "what")]
    assert (record.disability_grade, record.disability_kind, record.flags, record.single_person,
            record.birth_date) == (1, "physical", ("serious_illness", "veteran"), True, date(1990, 3, 7))
    assert member_problems(single_person="否") == []  # 否: not included, as an empty cell
    assert household_problems(area="城镇", program="低保", income_type="收入稳定", approved_on="2021/6/15") == []


def test_an_events_chinese_value_is_read_by_the_column_its_kind_changes():
    from aidledger.disbursement.registry.county_words import translated

    assert translated({"kind": "城乡类别变更", "value": "农村"}) == {"kind": "area", "value": "rural"}
    assert translated({"kind": "单人户认定", "value": "否"}) == {"kind": "single_person", "value": "no"}
    assert translated({"kind": "救助类别变更", "value": "特困"}) == {"kind": "program", "value": "tekun"}
    assert translated({"kind": "income", "value": "壹仟"}) == {"kind": "income", "value": "壹仟"}  # refused later
