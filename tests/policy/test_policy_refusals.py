"""Refused files: every rule of the format, each problem naming file, key and value, all at once."""

from __future__ import annotations

import pytest
from policy_samples import assert_problem, county_refusal, header, refusal

from aidledger.errors import Refusal
from aidledger.policy import parse_policies, parse_policy


def test_malformed_toml_names_the_file_and_position():
    problems = refusal(header() + "[dibao]\nstandard_urban = = 640\n", "230523-baoqing.toml")
    assert len(problems) == 1
    assert_problem(problems, "230523-baoqing.toml: not valid TOML", "line 7, column")


def test_a_byte_order_mark_is_accepted():
    assert parse_policy("\ufeff" + header(), "t.toml").code == "230523"


def test_unknown_keys_name_section_and_key():
    problems = refusal(
        'colour = 1\n' + header() + '[dibao]\nstandard = 640\n[[dibao.addons]]\nname = "a"\nrate = 0.1\n'
        '[[dibao.addons]]\nname = "b"\nrate = 0.1\n[[dibao.addons]]\nname = "c"\nrate = 0.1\ncolour = "red"\n'
        "[tekun.care_dispersed]\nhalf = 0.1\n[holidays]\nnew_year = 1\n",
        "230523-baoqing.toml",
    )
    assert_problem(problems, "230523-baoqing.toml: unknown key 'colour'")
    assert_problem(problems, "230523-baoqing.toml: dibao: unknown key 'standard'")
    assert_problem(problems, "230523-baoqing.toml: dibao.addons[2]: unknown key 'colour'")
    assert_problem(problems, "230523-baoqing.toml: tekun.care_dispersed: unknown key 'half'")
    assert_problem(problems, "230523-baoqing.toml: unknown key 'holidays'")
    assert len(problems) == 5


def test_every_problem_is_listed_at_once():
    problems = county_refusal(
        "[dibao]\nstandard_urban = -5\nmethod = \"gapp\"\nfloor_ratio = 2\n[heating]\nmonths = [13]\n"
        "[reserve]\namount = -1\n[budget]\nfunding_order = [\"bank\"]\n"
    )
    assert len(problems) == 6
    assert all(p.startswith("t.toml: ") for p in problems)
    with pytest.raises(Refusal) as caught:
        parse_policy(header() + "[dibao]\nstandard_urban = -5\nmethod = \"gapp\"\n", "t.toml")
    assert "dibao.standard_urban" in str(caught.value) and "dibao.method" in str(caught.value)


def test_several_files_are_refused_together():
    good = header("230000", "province", None)
    with pytest.raises(Refusal) as caught:
        parse_policies([(good, "p.toml"), ("[dibao\n", "a.toml"), (header() + "[reserve]\namount = -1\n", "b.toml")])
    assert [p.split(":")[0] for p in caught.value.messages] == ["a.toml", "b.toml"]
    assert [d.code for d in parse_policies([(good, "p.toml")])] == ["230000"]


@pytest.mark.parametrize("body, fragments", [
    ("[dibao]\nstandard_urban = -5\n", ("dibao.standard_urban: -5 is negative", "more than 0")),
    ("[dibao]\nstandard_rural = 0\n", ("dibao.standard_rural: 0 is out of range", "more than 0")),
    ("[dibao]\nstandard_urban = 640.125\n", ("dibao.standard_urban: 640.125 has more than two decimal places",)),
    ("[dibao]\nstandard_urban = inf\n", ("dibao.standard_urban: Infinity is not a finite number",)),
    ("[reserve]\namount = -1\n", ("reserve.amount: -1 is negative", "at least 0")),
    ("[wages]\nminimum_wage = -1690\n", ("wages.minimum_wage: -1690 is negative",)),
    ("[heating]\namount_per_household = -300\n", ("heating.amount_per_household: -300 is negative",)),
    ("[temporary]\ncase_by_case_threshold = -1\n", ("temporary.case_by_case_threshold: -1 is negative",)),
    ("[price_subsidy]\nminimum = -10\n", ("price_subsidy.minimum: -10 is negative",)),
    ("[dibao]\nfloor_ratio = 1.5\n", ("dibao.floor_ratio: 1.5 is out of range", "from 0 to 1")),
    ("[dibao]\nfloor_ratio = -0.1\n", ("dibao.floor_ratio: -0.1 is negative", "from 0 to 1")),
    ("[dibao]\ntier_ratio = { A = 1.2 }\n", ("dibao.tier_ratio.A: 1.2 is out of range",)),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 1.5\n", ("dibao.addons[0].rate: 1.5 is out of range", "from 0 to 1")),
    ("[tekun]\nbasic_ratio_dispersed = 11\n", ("tekun.basic_ratio_dispersed: 11 is out of range", "from 0 to 10")),
    ("[tekun]\nbasic_ratio_centralized = -1\n", ("tekun.basic_ratio_centralized: -1 is negative",)),
    ("[tekun.care_dispersed]\nfull = 10.5\n", ("tekun.care_dispersed.full: 10.5 is out of range", "from 0 to 10")),
    ("[low_income]\nthreshold_ratio = 0.5\n", ("low_income.threshold_ratio: 0.5 is out of range", "from 1 to 10")),
    ("[low_income]\nsingle_person_ratio = 12\n", ("low_income.single_person_ratio: 12 is out of range",)),
    ("[temporary]\nemergency_case_limit_ratio = 20\n", ("temporary.emergency_case_limit_ratio: 20 is out of range",)),
    ("[temporary]\ndocumentation_days = 0\n", ("temporary.documentation_days: 0 is out of range", "from 1 to 366")),
    ("[price_subsidy]\ncpi_threshold = 101\n", ("price_subsidy.cpi_threshold: 101 is out of range", "from 0 to 100")),
    ("[price_subsidy]\nfood_threshold = -1\n", ("price_subsidy.food_threshold: -1 is negative",)),
    ("[budget.purchased_services_cap]\nrate = 2\n", ("budget.purchased_services_cap.rate: 2 is out of range",)),
    ("[review]\ntekun_months = 0\n", ("review.tekun_months: 0 is out of range", "from 1 to 60")),
    ("[dibao.gradual_exit]\nmonths = -1\n", ("dibao.gradual_exit.months: -1 is negative",)),
    ("[dibao.gradual_exit]\nincome_ceiling_ratio = 0.9\n",
     ("dibao.gradual_exit.income_ceiling_ratio: 0.9 is out of range", "from 1 to 10")),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 0.1\nmax_disability_grade = 5\n",
     ("dibao.addons[0].max_disability_grade: 5 is out of range", "from 1 to 4")),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 0.1\nmin_age = -1\n", ("dibao.addons[0].min_age: -1 is negative",)),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 0.1\nmin_age = 70\nmax_age = 60\n",
     ("dibao.addons[0]: min_age 70 is above max_age 60",)),
])
def test_values_out_of_range(body, fragments):
    assert_problem(county_refusal(body), "t.toml: ", *fragments)


@pytest.mark.parametrize("body, fragments", [
    ("[dibao]\nmethod = \"gapp\"\n", ("dibao.method: 'gapp' is not one of 'gap', 'tiered'",)),
    ("[dibao]\naddon_stacking = \"max\"\n", ("dibao.addon_stacking: 'max' is not one of 'highest', 'sum'",)),
    ("[dibao]\nrounding = \"0.5\"\n", ("dibao.rounding: '0.5' is not one of '0.01', '0.1', '1'",)),
    ("[dibao]\nrounding = 0.01\n", ("dibao.rounding: 0.01 is a number; expected one of '0.01'",)),
    ("[dibao]\nrounding_mode = \"nearest\"\n", ("dibao.rounding_mode: 'nearest' is not one of 'half_up', 'up', 'down'",)),
    ("[dibao]\nstart = \"later\"\n", ("dibao.start: 'later' is not one of 'next_month', 'same_month'",)),
    ("[tekun.care_centralized]\nbase = \"wage\"\n",
     ("tekun.care_centralized.base: 'wage' is not one of 'minimum_wage', 'elder_care_subsidy'",)),
    ("[budget.purchased_services_cap]\nbase = \"all_funds\"\n",
     ("budget.purchased_services_cap.base: 'all_funds' is not one of 'prior_year_subsidy_total'",)),
    ("[budget]\nfunding_order = [\"central_subsidy\", \"bank\"]\n",
     ("budget.funding_order[1]: 'bank' is not one of 'central_subsidy'", "'lottery_welfare'")),
    ("[budget]\nfunding_order = [\"central_subsidy\", \"central_subsidy\"]\n",
     ("budget.funding_order: 'central_subsidy' is listed twice",)),
    ("[budget]\nfunding_order = []\n", ("budget.funding_order: is empty",)),
    ("[heating]\nprograms = [\"dibao\", \"orphans\"]\n", ("heating.programs[1]: 'orphans' is not one of 'dibao', 'tekun', 'low_income'",)),
    ("[price_subsidy]\nprograms = [\"wubao\"]\n", ("price_subsidy.programs[0]: 'wubao' is not one of",)),
    ("[heating]\nmonths = [0, 10]\n", ("heating.months[0]: 0 is out of range", "from 1 to 12")),
    ("[heating]\nmonths = [10, 13]\n", ("heating.months[1]: 13 is out of range",)),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 0.1\nflag = \"poor\"\n", ("dibao.addons[0].flag: 'poor' is not one of 'serious_illness'",)),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 0.1\ndisability_kinds = [\"mental\", \"sad\"]\n",
     ("dibao.addons[0].disability_kinds[1]: 'sad' is not one of 'physical'",)),
    ("[classification]\ndibao_urbn = \"2081901\"\n", ("classification: unknown key 'dibao_urbn'",)),
    ("[classification]\ndibao_urban = \"208190\"\n", ("classification.dibao_urban: '208190' is not an expenditure code",)),
])
def test_enumerations(body, fragments):
    assert_problem(county_refusal(body), "t.toml: ", *fragments)


@pytest.mark.parametrize("body, fragments", [
    ("[dibao]\nstandard_urban = \"640\"\n", ("dibao.standard_urban: '640' is text; expected a number",)),
    ("[dibao]\nstandard_urban = true\n", ("dibao.standard_urban: true is true/false; expected a number",)),
    ("[dibao]\nstandard_urban = [640]\n", ("dibao.standard_urban: [640] is an array; expected a number",)),
    ("[dibao]\nstandard_urban = 2021-01-01\n", ("dibao.standard_urban: 2021-01-01 is a date; expected a number",)),
    ("[dibao]\nmethod = 1\n", ("dibao.method: 1 is a number; expected one of 'gap', 'tiered'",)),
    ("[dibao.gradual_exit]\nmonths = 6.5\n", ("dibao.gradual_exit.months: 6.5 is not a whole number",)),
    ("[review]\ntekun_months = \"12\"\n", ("review.tekun_months: '12' is text; expected a whole number",)),
    ("[low_income]\nsingle_person_addons = \"yes\"\n", ("low_income.single_person_addons: 'yes' is text; expected true or false",)),
    ("[heating]\nmonths = 10\n", ("heating.months: 10 is a number; expected an array of a whole number",)),
    ("[dibao.addons]\nname = \"a\"\nrate = 0.1\n", ("dibao.addons: { name = 'a', rate = 0.1 } is a table; expected an array of tables",)),
    ("[[dibao.addons]]\nrate = 0.1\n", ("dibao.addons[0]: missing required key 'name'",)),
    ("[[dibao.addons]]\nname = \"a\"\n", ("dibao.addons[0]: missing required key 'rate'",)),
    ("[[dibao.addons]]\nname = \"a\"\nrate = 0.1\n[[dibao.addons]]\nname = \"a\"\nrate = 0.2\n",
     ("dibao.addons[1].name: 'a' is already the name of dibao.addons[0]",)),
    ("[classification]\ntemporary = 2082001\n", ("classification.temporary: 2082001 is a number",)),
])
def test_wrong_types_and_missing_keys(body, fragments):
    assert_problem(county_refusal(body), "t.toml: ", *fragments)


def test_a_section_must_be_a_table():
    assert_problem(refusal("dibao = 5\n" + header()), "t.toml: dibao: 5 is a number; expected a table")


def test_gradual_exit_steps():
    problems = county_refusal(
        "[dibao.gradual_exit]\nsteps = [ { from_month = 2, ratio = 1 }, { from_month = 2, ratio = 0.5 },"
        " { from_month = 1.5, ratio = 0.5 }, { ratio = 0.2 }, { from_month = 5, ratio = 1.2 } ]\n"
    )
    assert_problem(problems, "dibao.gradual_exit.steps[0].from_month: 2 must be 1")
    assert_problem(problems, "dibao.gradual_exit.steps[1].from_month: 2 is not after the previous step's 2")
    assert_problem(problems, "dibao.gradual_exit.steps[2].from_month: 1.5 is not a whole number")
    assert_problem(problems, "dibao.gradual_exit.steps[3]: missing required key 'from_month'")
    assert_problem(problems, "dibao.gradual_exit.steps[4].ratio: 1.2 is out of range")
    assert_problem(county_refusal("[dibao.gradual_exit]\nsteps = []\n"), "dibao.gradual_exit.steps: is empty")
    assert_problem(county_refusal("[dibao.gradual_exit]\nsteps = [ { from_month = 0, ratio = 1 } ]\n"),
                   "steps[0].from_month: 0 is out of range")
    decreasing = "[dibao.gradual_exit]\nsteps = [ { from_month = 1, ratio = 1 }, { from_month = 4, ratio = 0.5 }, { from_month = 3, ratio = 0.2 } ]\n"
    assert_problem(county_refusal(decreasing), "steps[2].from_month: 3 is not after the previous step's 4")


def test_increasing_steps_are_accepted():
    document = parse_policy(
        header() + "[dibao.gradual_exit]\nsteps = [ { from_month = 1, ratio = 1 }, { from_month = 4, ratio = 0.5 } ]\n",
        "t.toml",
    )
    assert [step["from_month"] for step in document.body["dibao"]["gradual_exit"]["steps"]] == [1, 4]


@pytest.mark.parametrize("text, fragments", [
    ("[dibao]\nmethod = \"gap\"\n", ("t.toml: missing required section [jurisdiction]",)),
    ('[jurisdiction]\ncode = "2305"\nname = "x"\nlevel = "county"\nparent = "230500"\n',
     ("jurisdiction.code: '2305' is not a 6-digit code",)),
    ('[jurisdiction]\ncode = 230523\nname = "x"\nlevel = "county"\nparent = "230500"\n',
     ("jurisdiction.code: 230523 is a number; expected a 6-digit code in quotes",)),
    ('[jurisdiction]\ncode = "230523"\nname = "x"\nlevel = "town"\nparent = "230500"\n',
     ("jurisdiction.level: 'town' is not one of 'province', 'city', 'county'",)),
    ('[jurisdiction]\ncode = "230523"\nlevel = "county"\nparent = "230500"\n',
     ("jurisdiction: missing required key 'name'",)),
    ('[jurisdiction]\ncode = "230523"\nname = "宝清县"\nlevel = "county"\n',
     ("jurisdiction: missing required key 'parent'",)),
    ('[jurisdiction]\ncode = "230000"\nname = "省"\nlevel = "province"\nparent = "100000"\n',
     ("jurisdiction.parent: '100000': a province has no parent",)),
    ('[jurisdiction]\ncode = "230523"\nname = "x"\nlevel = "city"\nparent = "230000"\n',
     ("jurisdiction.code: '230523' is not a city code",)),
    ('[jurisdiction]\ncode = "230500"\nname = "x"\nlevel = "county"\nparent = "230000"\n',
     ("jurisdiction.code: '230500' is not a county code",)),
    ('[jurisdiction]\ncode = "230523"\nname = "x"\nlevel = "county"\nparent = "230600"\n',
     ("jurisdiction.parent: '230600' cannot be the parent of county 230523 (expected 230500 or 230000)",)),
    ('[jurisdiction]\ncode = "230500"\nname = "x"\nlevel = "city"\nparent = "220000"\n',
     ("jurisdiction.parent: '220000' cannot be the parent of city 230500",)),
    ('[jurisdiction]\ncode = "230523"\nname = "x"\nlevel = "county"\nparent = "230500"\nregion = "north"\n',
     ("jurisdiction: unknown key 'region'",)),
    ('[jurisdiction]\ncode = "230523"\nname = { 2021-01-01 = "x" }\nlevel = "county"\nparent = "230500"\n',
     ("jurisdiction.name: { 2021-01-01 = 'x' } is a table; expected a non-empty name",)),
])
def test_jurisdiction(text, fragments):
    assert_problem(refusal(text), *fragments)


def test_a_county_may_hang_directly_under_its_province():
    document = parse_policy(header("429004", "county", "420000"), "429004.toml")  # 省直辖县级
    assert document.parent == "420000"


def test_townships():
    outside = county_refusal('[townships]\n"230523100" = "宝清镇"\n"230524100" = "别处"\n"2305231" = "短"\n"230523101" = ""\n')
    assert_problem(outside, "t.toml: townships: '230524100' is outside county 230523")
    assert_problem(outside, "t.toml: townships: '2305231' is not a 9-digit township code")
    assert_problem(outside, "t.toml: townships.230523101: '' is not a non-empty name")
    in_city = refusal(header("230500", "city", "230000") + '[townships]\n"230500100" = "x"\n')
    assert_problem(in_city, "townships: only a county file lists townships (230500 is a city)")


def test_dated_values_are_checked_like_the_value():
    problems = county_refusal(
        "[dibao.standard_urban]\n2021-01-01 = 640\n2022-01-01 = -680\n"
        "[dibao.standard_rural]\n2021-13-01 = 430\nlater = 460\n"
        "[wages.minimum_wage]\n"
        "[[dibao.addons]]\nname = \"elderly\"\nrate = { 2021-01-01 = 0.15, 2022-01-01 = 2 }\n"
    )
    assert_problem(problems, "dibao.standard_urban (from 2022-01-01): -680 is negative")
    assert_problem(problems, "dibao.standard_rural: '2021-13-01' is not a date (YYYY-MM-DD)")
    assert_problem(problems, "dibao.standard_rural: 'later' is not a date")
    assert_problem(problems, "wages.minimum_wage: is an empty table")
    assert_problem(problems, "dibao.addons[0].rate (from 2022-01-01): 2 is out of range")
    assert len(problems) == 5


def test_only_single_values_are_dated():
    problems = county_refusal("[dibao.gradual_exit.2022-01-01]\nmonths = 3\n"
                              "[dibao.tier_ratio]\n2022-01-01 = 0.5\n"
                              "[[dibao.addons]]\nname = { 2021-01-01 = \"a\" }\nrate = 0.1\n")
    assert_problem(problems, "dibao.gradual_exit: unknown key '2022-01-01' (only a single value can be dated")
    assert_problem(problems, "dibao.tier_ratio: tier '2022-01-01' looks like a date")
    assert_problem(problems, "dibao.addons[0].name: { 2021-01-01 = 'a' } is a table; expected a non-empty name")
    assert_problem(county_refusal("[dibao.gradual_exit]\nsteps = [ { from_month = { 2021-01-01 = 1 }, ratio = 1 } ]\n"),
                   "steps[0].from_month: { 2021-01-01 = 1 } is a table; expected a whole number")
