"""The benefit rules against the seed documents, as tables of situations and expected amounts.

Pure: no database. Each household is built as registry records here, each policy is a small,
complete province-level TOML file (no parent; every section the rules read), in the style of
OpenFisca's YAML tests. Figures that the seeds leave to local governments (standards, wages)
are illustrative; the ratios are the seeds'.

The builders at the top (`province_toml`, `person`, `household`, `month_amounts`, …) are shared
with test_rules_edges.py and test_rules_properties.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

import pytest

from aidledger.disbursement.registry.records import Event, Household, Member
from aidledger.disbursement.registry.state import state_as_of
from aidledger.disbursement.rules import Benefit, DibaoTrack, compute_month
from aidledger.disbursement.rules.facts import first_day, next_month
from aidledger.disbursement.rules.gradual_exit import START
from aidledger.disbursement.rules.one_offs import PriceDeclaration, price_subsidy_component
from aidledger.errors import Refusal
from aidledger.policy import EffectivePolicy, parse_policy

D = Decimal
MONTH = "2022-03"  # the month most situations are computed for; d = 2022-03-01
DAY = date(2022, 3, 1)

# ---------------------------------------------------------------------------------------------
# Policies: a complete province file, rendered from tables of TOML literals.

BASE: dict[str, dict[str, str]] = {
    "jurisdiction": {"code": '"230000"', "name": '"测试省"', "level": '"province"'},
    "dibao": {
        "standard_urban": "680",
        "standard_rural": "460",
        "method": '"gap"',
        "floor_ratio": "0",
        "addon_stacking": '"highest"',
        "rounding": '"0.01"',
        "rounding_mode": '"half_up"',
        "start": '"next_month"',
    },
    "dibao.gradual_exit": {
        "months": "6",
        "months_with_disabled": "9",
        "steps": "[ { from_month = 1, ratio = 1.0 }, { from_month = 4, ratio = 0.5 } ]",
    },
    "tekun": {"basic_ratio_dispersed": "1.3", "basic_ratio_centralized": "1.3"},
    "tekun.care_dispersed": {"base": '"minimum_wage"', "self": "0.10", "semi": "0.15", "full": "0.25"},
    "tekun.care_centralized": {"base": '"minimum_wage"', "self": "0.10", "semi": "0.15", "full": "0.25"},
    "wages": {"minimum_wage": "1690", "elder_care_subsidy": "100"},
    "low_income": {"threshold_ratio": "1.5", "single_person_ratio": "1.0", "single_person_addons": "true"},
    "price_subsidy": {"cpi_threshold": "3.5", "food_threshold": "6.0", "minimum": "10", "rounding": '"1"',
                      "programs": '["dibao", "tekun"]'},
    "heating": {"amount_per_household": "300", "months": "[10]", "programs": '["dibao", "tekun"]'},
}

ELDERLY = '{ name = "elderly", min_age = 60, rate = 0.15 }'
MINOR = '{ name = "minor", max_age = 17, rate = 0.15 }'
SEVERE = '{ name = "severe_disability", max_disability_grade = 2, rate = 0.15 }'
BASE_ADDONS = (ELDERLY, MINOR, SEVERE)


def province_toml(changes: Mapping[str, str | None] = {}, addons: Sequence[str] | None = BASE_ADDONS) -> str:
    """BASE with some values changed: {"dibao.floor_ratio": "0.3"} (TOML literals; None drops a key).

    `addons` are inline tables, the list written as `dibao.addons` (None: no add-on list at all).
    """
    sections = {name: dict(keys) for name, keys in BASE.items()}
    if addons is not None:
        sections["dibao"]["addons"] = "[ " + ", ".join(addons) + " ]"
    for path, value in changes.items():
        table, key = path.rsplit(".", 1)
        if value is None:
            sections[table].pop(key, None)
        else:
            sections.setdefault(table, {})[key] = value
    lines: list[str] = []
    for name, keys in sections.items():
        lines += [f"[{name}]", *(f"{key} = {value}" for key, value in keys.items()), ""]
    return "\n".join(lines)


def resolve(*texts: str) -> EffectivePolicy:
    """The effective policy of a chain of TOML files, province first."""
    return EffectivePolicy.resolve([parse_policy(t, f"file{i}.toml") for i, t in enumerate(texts)])


def province(changes: Mapping[str, str | None] = {}, addons: Sequence[str] | None = BASE_ADDONS) -> EffectivePolicy:
    return resolve(province_toml(changes, addons))


# ---------------------------------------------------------------------------------------------
# Households: registry records.

_ids = itertools.count(1)


def person(name: str = "成员", born: date = date(1982, 5, 10), grade: int | None = None, kind: str | None = None,
           flags: Iterable[str] = (), care: str | None = None, single: bool = False,
           died: date | None = None) -> Member:
    """A member; a disability grade comes with a kind (physical unless named), as in the registry."""
    number = next(_ids)
    return Member(
        household_id="T001", id_number=f"230000{born:%Y%m%d}{number % 1000:03d}X", name=f"{name}{number}",
        relation="head", birth_date=born, disability_grade=grade,
        disability_kind=(kind or "physical") if grade is not None else None,
        flags=tuple(flags), care_level=care, single_person=single, death_date=died,
    )


def household(program: str = "dibao", income: str | None = "0", area: str = "urban",
              approved: date = date(2021, 6, 15), tier: str | None = None, setting: str | None = None) -> Household:
    if program == "tekun":
        income, setting = None, setting or "dispersed"
    return Household(
        household_id="T001", county="230523", township="230523100", area=area, program=program,
        monthly_income=D(income) if income is not None else None, approved_on=approved, tier=tier,
        income_type="stable" if program != "tekun" else None, tekun_setting=setting,
        payee_name="户主", bank_account="6217000010000000011",
    )


def income_event(day: date, amount: str) -> Event:
    return Event("T001", "income", day, D(amount), None)


def benefit(policy: EffectivePolicy, home: Household, members: Sequence[Member], month: str = MONTH,
            events: Sequence[Event] = (), previous: DibaoTrack = START,
            price: PriceDeclaration | None = None) -> Benefit:
    """One month computed alone (no 渐退 history: the previous track is given)."""
    day = first_day(month)
    found, _track = compute_month(policy.on(day), state_as_of(home, members, events, day), previous, price)
    return checked(found)


def checked(found: Benefit) -> Benefit:
    """Every benefit a test looks at: its components add up to its amount, never below zero."""
    assert sum((c.amount for c in found.components), D("0.00")) == found.amount, found
    assert found.amount >= 0, found
    return found


def amount(found: Benefit) -> str:
    return f"{found.amount:.2f}"


def parts(found: Benefit) -> list[tuple[str, str, str | None]]:
    return [(c.kind, f"{c.amount:.2f}", c.name) for c in found.components]


def month_amounts(policy: EffectivePolicy, home: Household, members: Sequence[Member], first: str, last: str,
                  events: Sequence[Event] = ()) -> dict[str, str]:
    """The amount of every month from `first` to `last`, carrying the 渐退 track month to month
    from the month of approval (as a run of cycles would); unpaid months are "0.00"."""
    track, current, found = START, f"{home.approved_on:%Y-%m}", {}
    while current <= last:
        day = first_day(current)
        result, track = compute_month(policy.on(day), state_as_of(home, members, events, day), track)
        if current >= first:
            found[current] = amount(checked(result))
        current = next_month(current)
    return found


def months(first: str, count: int) -> list[str]:
    out = [first]
    while len(out) < count:
        out.append(next_month(out[-1]))
    return out


# ---------------------------------------------------------------------------------------------
# 双鸭山 (seed 002 二(一)1 and 4): 15% add-ons for seven groups; 单人户 of low-income families.

SHUANGYASHAN = """
[jurisdiction]
code = "230000"
name = "双鸭山 (seed 002) as a province-level file"
level = "province"

[dibao]
standard_urban = 680
standard_rural = 460
method = "gap"                 # 根据家庭成员人均收入与低保标准的实际差额发放
floor_ratio = 0
addon_stacking = "highest"
rounding = "0.01"
rounding_mode = "half_up"
start = "next_month"

[[dibao.addons]]
name = "severe_disability"     # 重度残疾人: 一级、二级
max_disability_grade = 2
rate = 0.15

[[dibao.addons]]
name = "disabled_veteran"      # 1—4级伤残军人
flag = "disabled_veteran"
rate = 0.15

[[dibao.addons]]
name = "serious_illness"       # 重病患者
flag = "serious_illness"
rate = 0.15

[[dibao.addons]]
name = "elderly"               # 60周岁以上
min_age = 60
rate = 0.15

[[dibao.addons]]
name = "minor"                 # 18周岁以下 (under 18: 17 at most)
max_age = 17
rate = 0.15

[[dibao.addons]]
name = "martyr_family"         # 军烈属
flag = "martyr_family"
rate = 0.15

[[dibao.addons]]
name = "veteran"               # 在乡老复员军人
flag = "veteran"
rate = 0.15

[dibao.gradual_exit]
months = 6
months_with_disabled = 6
steps = [ { from_month = 1, ratio = 1.0 } ]

[tekun]
basic_ratio_dispersed = 1.3    # 二(一)2: 不低于当地城乡低保标准的 1.3 倍
basic_ratio_centralized = 1.3

[tekun.care_dispersed]
base = "minimum_wage"
self = 0.10
semi = 0.15
full = 0.25

[tekun.care_centralized]
base = "minimum_wage"
self = 0.10
semi = 0.15
full = 0.25

[wages]
minimum_wage = 1690
elder_care_subsidy = 100

[low_income]
threshold_ratio = 1.5          # 二(一)4: 超出低保标准但低于 1.5 倍
single_person_ratio = 1.0
single_person_addons = true    # 当地人均补助水平 + 低保金增发

[price_subsidy]
cpi_threshold = 3.5
food_threshold = 6.0
minimum = 10
rounding = "1"
programs = ["dibao", "tekun"]

[heating]
amount_per_household = 300
months = [10]
programs = ["dibao", "tekun"]
"""

HEAD = dict(name="户主", born=date(1982, 5, 10))  # 39 on 2022-03-01, no add-on group

# who, the member's facts, the add-ons they get. Each is the second member of a two-person urban
# household with income 360: base (680 − 180) × 2 = 1000.00; each add-on 0.15 × 680 = 102.00.
GROUPS = [
    ("一级重度残疾", dict(grade=1), ["severe_disability"]),
    ("二级重度残疾", dict(grade=2, kind="visual"), ["severe_disability"]),
    ("三级残疾: not 重度", dict(grade=3), []),
    ("1—4级伤残军人", dict(flags=["disabled_veteran"]), ["disabled_veteran"]),
    ("重病患者", dict(flags=["serious_illness"]), ["serious_illness"]),
    ("60周岁", dict(born=date(1961, 8, 1)), ["elderly"]),
    ("59周岁", dict(born=date(1962, 8, 1)), []),
    ("未成年: 17周岁", dict(born=date(2004, 8, 1)), ["minor"]),
    ("18周岁: no longer a minor", dict(born=date(2003, 8, 1)), []),
    ("军烈属", dict(flags=["martyr_family"]), ["martyr_family"]),
    ("在乡老复员军人", dict(flags=["veteran"]), ["veteran"]),
    ("no group", dict(), []),
]


@pytest.fixture(scope="module")
def shuangyashan() -> EffectivePolicy:
    return resolve(SHUANGYASHAN)


@pytest.mark.parametrize("who, facts, names", GROUPS, ids=[g[0] for g in GROUPS])
def test_shuangyashan_each_group_gets_15_percent_of_the_standard(shuangyashan, who, facts, names):
    found = benefit(shuangyashan, household(income="360"), [person(**HEAD), person(**facts)])
    assert parts(found) == [("base", "1000.00", None)] + [("addon", "102.00", n) for n in names]
    assert amount(found) == f"{1000 + 102 * len(names)}.00"


def test_shuangyashan_rural_add_on_is_15_percent_of_the_rural_standard(shuangyashan):
    found = benefit(shuangyashan, household(income="0", area="rural"), [person(grade=1)])
    assert parts(found) == [("base", "460.00", None), ("addon", "69.00", "severe_disability")]


# A member in four groups at once: 65, grade 1, seriously ill, a veteran.
MANY = dict(born=date(1957, 1, 1), grade=1, flags=["serious_illness", "veteran"])
STACKING = [
    # stacking, members besides the head, add-ons paid, amount
    ("highest", [MANY], ["severe_disability"], "1102.00"),
    ("sum", [MANY], ["severe_disability", "serious_illness", "elderly", "veteran"], "1408.00"),
    ("highest", [MANY, MANY], ["severe_disability", "severe_disability"], "1204.00"),  # one per person
    ("sum", [MANY, MANY], ["severe_disability", "serious_illness", "elderly", "veteran"] * 2, "1816.00"),
]


@pytest.mark.parametrize("stacking, others, names, total", STACKING)
def test_shuangyashan_stacking_highest_pays_one_add_on_per_person_sum_pays_all(stacking, others, names, total):
    policy = resolve(SHUANGYASHAN.replace('addon_stacking = "highest"', f'addon_stacking = "{stacking}"'))
    members = [person(**HEAD)] + [person(**o) for o in others]
    income = {2: "360", 3: "1040"}[len(members)]  # base 1000.00 either way
    found = benefit(policy, household(income=income), members)
    assert [c.name for c in found.components if c.kind == "addon"] == names
    assert all(c.amount == D("102.00") for c in found.components if c.kind == "addon")
    assert amount(found) == total


def test_highest_takes_the_largest_rate_not_the_first_listed():
    policy = province(addons=['{ name = "serious_illness", flag = "serious_illness", rate = 0.15 }',
                              '{ name = "elderly", min_age = 60, rate = 0.20 }'])
    found = benefit(policy, household(income="0"), [person(born=date(1950, 1, 1), flags=["serious_illness"])])
    assert parts(found) == [("base", "680.00", None), ("addon", "136.00", "elderly")]


# 低收入单人户 (seed 002 二(一)4). Rural, three members, standard 460: the low-income line is
# 1.5 × 460 × 3 = 2070 of household income. Only the member marked single-person is paid.
LOW_INCOME = [
    # situation, household income, single_person_addons, members' facts, components
    ("单人户 with her add-on", "1500", "true", [dict(grade=2, single=True), {}, {}],
     [("single_person", "460.00", None), ("addon", "69.00", "severe_disability")]),
    ("单人户 without add-ons", "1500", "false", [dict(grade=2, single=True), {}, {}],
     [("single_person", "460.00", None)]),
    ("two 单人户 members", "1500", "true",
     [dict(grade=1, single=True), dict(flags=["serious_illness"], single=True), {}],
     [("single_person", "460.00", None), ("addon", "69.00", "severe_disability"),
      ("single_person", "460.00", None), ("addon", "69.00", "serious_illness")]),
    ("just below 1.5 × S", "2069.99", "true", [dict(grade=2, single=True), {}, {}],
     [("single_person", "460.00", None), ("addon", "69.00", "severe_disability")]),
    ("at 1.5 × S: not low-income", "2070", "true", [dict(grade=2, single=True), {}, {}], []),
    ("above 1.5 × S", "3000", "true", [dict(grade=2, single=True), {}, {}], []),
    ("no 单人户 member", "1500", "true", [dict(grade=2), {}, {}], []),
]


@pytest.mark.parametrize("situation, income, with_addons, facts, expected", LOW_INCOME,
                         ids=[row[0] for row in LOW_INCOME])
def test_low_income_single_person_households(situation, income, with_addons, facts, expected):
    policy = resolve(SHUANGYASHAN.replace("single_person_addons = true", f"single_person_addons = {with_addons}"))
    found = benefit(policy, household("low_income", income=income, area="rural"), [person(**f) for f in facts])
    assert parts(found) == expected
    assert found.amount == sum((D(a) for _k, a, _n in expected), D(0))


# ---------------------------------------------------------------------------------------------
# 特困 (seed 000 item 5, 榆林): basic 1.3 × the 低保 standard; care 10% / 15% / 25% of the minimum wage.

YULIN = province({"dibao.standard_urban": "700", "dibao.standard_rural": "540", "wages.minimum_wage": "1850"})

TEKUN_000 = [
    # area, setting, care levels of the members, components (basic, care per member), amount
    ("urban", "dispersed", ["self"], [("basic", "910.00"), ("care", "185.00")], "1095.00"),
    ("urban", "dispersed", ["semi"], [("basic", "910.00"), ("care", "277.50")], "1187.50"),
    ("urban", "dispersed", ["full"], [("basic", "910.00"), ("care", "462.50")], "1372.50"),
    ("rural", "dispersed", ["full"], [("basic", "702.00"), ("care", "462.50")], "1164.50"),
    ("urban", "centralized", ["semi"], [("basic", "910.00"), ("care", "277.50")], "1187.50"),
    ("urban", "dispersed", ["self", "full"],
     [("basic", "910.00"), ("care", "185.00"), ("basic", "910.00"), ("care", "462.50")], "2467.50"),
]


@pytest.mark.parametrize("area, setting, levels, expected, total", TEKUN_000)
def test_yulin_tekun_basic_and_care(area, setting, levels, expected, total):
    found = benefit(YULIN, household("tekun", area=area, setting=setting), [person(care=c) for c in levels])
    assert [(k, a) for k, a, _n in parts(found)] == expected
    assert amount(found) == total


def test_tekun_components_name_the_member():
    members = [person(care="self"), person(care="full")]
    found = benefit(YULIN, household("tekun"), members)
    assert [c.id_number for c in found.components] == [m.id_number for m in members for _ in (1, 2)]


# ---------------------------------------------------------------------------------------------
# 山西 (seed 003 items 5–6): dispersed care 1× / 2× / 3× the 经济困难失能老年人护理补贴,
# centralized care 10% / 25% / 50% of the minimum wage, basic 1.3 ×; 6-month 渐退.

SHANXI_COMMON = """
[jurisdiction]
code = "140000"
name = "山西省 (seed 003)"
level = "province"

[dibao]
standard_urban = 700
standard_rural = 500
method = "gap"
floor_ratio = 0
addons = []
addon_stacking = "highest"
rounding = "0.01"
rounding_mode = "half_up"
start = "next_month"

[dibao.gradual_exit]           # item 5: 人均收入超过当地低保标准后给6个月的渐退期
months = 6
months_with_disabled = 6
steps = [ { from_month = 1, ratio = 1.0 } ]

[tekun]
basic_ratio_dispersed = 1.3    # item 6: 基本生活标准原则上不低于当地低保标准的1.3倍
basic_ratio_centralized = 1.3

[tekun.care_centralized]       # 集中供养: 当地最低工资标准的10%、25%、50%
base = "minimum_wage"
self = 0.10
semi = 0.25
full = 0.50

[wages]
minimum_wage = 1880
elder_care_subsidy = 150

[low_income]
threshold_ratio = 1.5
single_person_ratio = 1.0
single_person_addons = false

[price_subsidy]
cpi_threshold = 3.5
food_threshold = 6.0
minimum = 10
rounding = "1"
programs = ["dibao", "tekun"]

[heating]
amount_per_household = 0
months = []
programs = []
"""

SHANXI_DISPERSED_CARE = """
[tekun.care_dispersed]         # 分散供养: 经济困难失能老年人护理补贴标准的1倍、2倍、3倍
base = "elder_care_subsidy"
self = 1
semi = 2
full = 3
"""

SHANXI_DISPERSED = [
    ("self", "910.00", "150.00", "1060.00"),
    ("semi", "910.00", "300.00", "1210.00"),
    ("full", "910.00", "450.00", "1360.00"),
]


@pytest.mark.parametrize("level, basic, care, total", SHANXI_DISPERSED)
def test_shanxi_dispersed_care_is_1_2_3_times_the_elder_care_subsidy(level, basic, care, total):
    policy = resolve(SHANXI_COMMON + SHANXI_DISPERSED_CARE)
    found = benefit(policy, household("tekun", setting="dispersed"), [person(care=level)])
    assert [(k, a) for k, a, _n in parts(found)] == [("basic", basic), ("care", care)]
    assert amount(found) == total


def test_a_care_ratio_above_10_is_refused():
    with pytest.raises(Refusal) as caught:
        parse_policy(SHANXI_COMMON + SHANXI_DISPERSED_CARE.replace("full = 3", "full = 11"), "140000-shanxi.toml")
    assert caught.value.messages == [
        "140000-shanxi.toml: tekun.care_dispersed.full: 11 is out of range: a multiple of the care base must be "
        "from 0 to 10",
    ]


# The common part alone serves centralized 特困 and 低保.
SHANXI = resolve(SHANXI_COMMON)

SHANXI_CENTRALIZED = [
    ("self", "188.00", "1098.00"),
    ("semi", "470.00", "1380.00"),
    ("full", "940.00", "1850.00"),
]


@pytest.mark.parametrize("level, care, total", SHANXI_CENTRALIZED)
def test_shanxi_centralized_care_is_10_25_50_percent_of_the_minimum_wage(level, care, total):
    found = benefit(SHANXI, household("tekun", setting="centralized"), [person(care=level)])
    assert [(k, a) for k, a, _n in parts(found)] == [("basic", "910.00"), ("care", care)]
    assert amount(found) == total


def test_shanxi_six_month_gradual_exit():
    # Two members, income 600: (700 − 300) × 2 = 800.00 a month; from 2022-03 per-capita 750 ≥ 700.
    found = month_amounts(SHANXI, household(income="600"), [person(), person()], "2022-01", "2022-11",
                          events=[income_event(date(2022, 3, 1), "1500"), income_event(date(2022, 10, 1), "0")])
    assert found == {
        "2022-01": "800.00", "2022-02": "800.00",
        **{m: "800.00" for m in months("2022-03", 6)},  # 渐退 months 1–6 pay February's amount
        "2022-09": "0.00",  # ended
        "2022-10": "0.00", "2022-11": "0.00",  # income falls again: an ended household is not paid again
    }


# ---------------------------------------------------------------------------------------------
# 吉林 (seed 004 items 3 and 5): 特困 basic 1.3 × (dispersed) and 2 × (centralized); 补差 with a
# floor; 渐退 for 18 months (24 with a disabled member), decreasing, while per-capita income stays
# below 2 × the standard.

JILIN = resolve("""
[jurisdiction]
code = "220000"
name = "吉林省 (seed 004)"
level = "province"

[dibao]
standard_urban = 600
standard_rural = 450
method = "gap"
floor_ratio = 0.3              # item 5: 设定补差额度最低标准
addon_stacking = "highest"
rounding = "0.01"
rounding_mode = "half_up"
start = "next_month"

[[dibao.addons]]               # item 5: 重病患者、重残人员、70周岁以上老年人、未成年人
name = "serious_illness"
flag = "serious_illness"
rate = 0.2

[[dibao.addons]]
name = "severe_disability"
max_disability_grade = 2
rate = 0.2

[[dibao.addons]]
name = "elderly_70"
min_age = 70
rate = 0.2

[[dibao.addons]]
name = "minor"
max_age = 17
rate = 0.2

[dibao.gradual_exit]           # item 5: 低于2倍的继续享受18个月 (残疾人低保家庭24个月), 逐年递减
months = 18
months_with_disabled = 24
income_ceiling_ratio = 2
steps = [ { from_month = 1, ratio = 1.0 }, { from_month = 13, ratio = 0.5 } ]

[tekun]
basic_ratio_dispersed = 1.3    # item 3: 分散和集中供养 ... 1.3倍和2倍
basic_ratio_centralized = 2

[tekun.care_dispersed]
base = "minimum_wage"
self = 0.10
semi = 0.15
full = 0.25

[tekun.care_centralized]
base = "minimum_wage"
self = 0.10
semi = 0.15
full = 0.25

[wages]
minimum_wage = 1880
elder_care_subsidy = 100

[low_income]
threshold_ratio = 2
single_person_ratio = 1.0
single_person_addons = false

[price_subsidy]
cpi_threshold = 3.5
food_threshold = 6.0
minimum = 10
rounding = "1"
programs = ["dibao", "tekun"]

[heating]
amount_per_household = 0
months = []
programs = []
""")

JILIN_TEKUN = [
    ("urban", "dispersed", "780.00", "968.00"),
    ("urban", "centralized", "1200.00", "1388.00"),
    ("rural", "dispersed", "585.00", "773.00"),
    ("rural", "centralized", "900.00", "1088.00"),
]


@pytest.mark.parametrize("area, setting, basic, total", JILIN_TEKUN)
def test_jilin_tekun_basic_is_1_3_dispersed_and_2_centralized(area, setting, basic, total):
    found = benefit(JILIN, household("tekun", area=area, setting=setting), [person(care="self")])
    assert [(k, a) for k, a, _n in parts(found)] == [("basic", basic), ("care", "188.00")]
    assert amount(found) == total


JILIN_FLOOR = [
    # members, household income, base: the per-person gap is raised to 0.3 × 600 = 180.00
    (1, "0", "600.00"),
    (1, "400", "200.00"),
    (1, "420", "180.00"),  # gap exactly the floor
    (1, "500", "180.00"),  # gap 100 raised to 180
    (1, "599.99", "180.00"),  # gap 0.01 raised to 180
    (2, "1000", "360.00"),  # per-capita 500: 180 × 2
    (3, "1000", "800.00"),  # per-capita 333.33…: (600 × 3 − 1000)
    (1, "600", None),  # I = S: no base at all, the floor does not apply
]


@pytest.mark.parametrize("n, income, base", JILIN_FLOOR)
def test_jilin_gap_floor(n, income, base):
    found = benefit(JILIN, household(income=income), [person() for _ in range(n)])
    assert parts(found) == ([("base", base, None)] if base else [])


JILIN_HOUSEHOLD = dict(income="600")  # two members: (600 − 300) × 2 = 600.00, no add-ons


def jilin_exit(members: list[Member], events: list[Event], last: str = "2024-05") -> dict[str, str]:
    return month_amounts(JILIN, household(**JILIN_HOUSEHOLD), members, "2022-01", last, events)


def test_jilin_18_month_exit_decreasing_after_a_year():
    found = jilin_exit([person(), person()], [income_event(date(2022, 3, 1), "1300")])  # per-capita 650
    expected = {"2022-01": "600.00", "2022-02": "600.00"}
    expected |= {m: "600.00" for m in months("2022-03", 12)}  # 渐退 months 1–12
    expected |= {m: "300.00" for m in months("2023-03", 6)}  # months 13–18: ratio 0.5
    expected |= {m: "0.00" for m in months("2023-09", 9)}  # ended
    assert found == expected


def test_jilin_24_month_exit_with_a_disabled_member():
    found = jilin_exit([person(), person(grade=3)], [income_event(date(2022, 3, 1), "1300")])
    expected = {"2022-01": "600.00", "2022-02": "600.00"}
    expected |= {m: "600.00" for m in months("2022-03", 12)}
    expected |= {m: "300.00" for m in months("2023-03", 12)}  # months 13–24
    expected |= {m: "0.00" for m in months("2024-03", 3)}
    assert found == expected


JILIN_CEILING = [
    # situation, income events, months paid (amount) before nothing
    ("per-capita income exactly 2 × S ends at once", [("2022-03-01", "2400")], []),
    ("just below 2 × S: 渐退", [("2022-03-01", "2399.98")], months("2022-03", 12)),
    ("the ceiling reached during 渐退 ends it", [("2022-03-01", "1300"), ("2022-06-01", "2400")],
     months("2022-03", 3)),
    ("ended at the ceiling, not paid again when income falls", [("2022-03-01", "2400"), ("2022-05-01", "0")], []),
]


@pytest.mark.parametrize("situation, changes, exit_months", JILIN_CEILING, ids=[r[0] for r in JILIN_CEILING])
def test_jilin_income_ceiling(situation, changes, exit_months):
    events = [income_event(date.fromisoformat(day), value) for day, value in changes]
    found = jilin_exit([person(), person()], events, last="2023-02")
    paid = {m: a for m, a in found.items() if a != "0.00"}
    assert paid == {"2022-01": "600.00", "2022-02": "600.00", **{m: "600.00" for m in exit_months}}


# ---------------------------------------------------------------------------------------------
# 分档 (seed 002 二(一)1, seed 003 item 5: 分档或根据…实际差额发放): tier_ratio × S × n.

TIERED = province({"dibao.method": '"tiered"', "dibao.tier_ratio.A": "1.0", "dibao.tier_ratio.B": "0.6",
                   "dibao.tier_ratio.C": "0.3"})

TIERS = [
    # tier, members, household income, components
    ("A", 1, "500", [("base", "680.00", None)]),  # not the gap: the tier's ratio
    ("B", 3, "0", [("base", "1224.00", None)]),
    ("C", 2, "1000", [("base", "408.00", None)]),
    ("C", 3, "1000", [("base", "612.00", None)]),
    ("B", 1, "680", []),  # I ≥ S: no base in either method
    ("B", 2, "0", [("base", "816.00", None)]),
]


@pytest.mark.parametrize("tier, n, income, expected", TIERS)
def test_tiered_method_pays_the_tier_ratio_of_the_standard(tier, n, income, expected):
    found = benefit(TIERED, household(income=income, tier=tier), [person() for _ in range(n)])
    assert parts(found) == expected


def test_tiered_method_pays_add_ons_too():
    found = benefit(TIERED, household(income="0", tier="C"), [person(), person(born=date(2010, 1, 1))])
    assert parts(found) == [("base", "408.00", None), ("addon", "102.00", "minor")]


def test_tiered_base_follows_a_tier_event():
    events = [Event("T001", "tier", date(2022, 2, 10), "A", None)]
    home = household(income="0", tier="C")
    assert amount(benefit(TIERED, home, [person()], "2022-02", events)) == "204.00"
    assert amount(benefit(TIERED, home, [person()], "2022-03", events)) == "680.00"


# ---------------------------------------------------------------------------------------------
# 价格临时补贴 (seed 002 二(一)3, seed 000 item 6): S × the larger triggered growth / 100, rounded
# half up to `rounding`, at least `minimum`; CPI threshold 3.5, food 6.0, minimum 10, rounding "1".

PRICES = [
    # situation, policy changes, cpi, food, per person (None: no component)
    ("CPI only", {}, "3.5", "5.9", "24.00"),  # 680 × 3.5% = 23.80
    ("food only", {}, "3.4", "6.5", "44.00"),  # 680 × 6.5% = 44.20
    ("both: the larger growth (food)", {}, "4.0", "7.0", "48.00"),  # 47.60
    ("both: the larger growth (CPI)", {}, "8.0", "6.0", "54.00"),  # 54.40
    ("CPI triggered, untriggered food larger", {}, "3.6", "5.9", "24.00"),  # 24.48
    ("half up to the yuan", {}, "3.75", "0", "26.00"),  # 25.50
    ("the minimum", {"price_subsidy.minimum": "30"}, "3.5", "0", "30.00"),
    ("rounding to 0.1", {"price_subsidy.rounding": '"0.1"'}, "3.5", "0", "23.80"),
    ("below both thresholds", {}, "3.4", "5.9", None),
]


@pytest.mark.parametrize("situation, changes, cpi, food, per_person", PRICES, ids=[p[0] for p in PRICES])
def test_price_subsidy_per_person(situation, changes, cpi, food, per_person):
    snap = province(changes).on(DAY)
    state = state_as_of(household(income="0"), [person(), person()], (), DAY)
    component = price_subsidy_component(snap, state, 2, PriceDeclaration(D(cpi), D(food)))
    if per_person is None:
        assert component is None
    else:
        assert component.kind == "price_subsidy" and component.amount == D(per_person) * 2


def test_price_subsidy_in_a_month_amount_counts_members():
    found = benefit(province(), household(income="0"), [person(), person(), person()],
                    price=PriceDeclaration(D("4.0"), D("7.0")))
    assert parts(found) == [("base", "2040.00", None), ("price_subsidy", "144.00", None)]


PRICE_PROGRAMS = [
    ("dibao", dict(income="0"), [{}], ["base", "price_subsidy"]),
    ("tekun", dict(), [dict(care="self")], ["basic", "care", "price_subsidy"]),
    ("low_income", dict(income="1000"), [dict(grade=1, single=True)], ["single_person", "addon"]),  # not listed
    ("dibao", dict(income="680"), [{}], []),  # not a paid household
]


@pytest.mark.parametrize("program, facts, members, kinds", PRICE_PROGRAMS)
def test_price_subsidy_only_for_paid_households_of_the_listed_programs(program, facts, members, kinds):
    found = benefit(province(), household(program, **facts), [person(**m) for m in members],
                    price=PriceDeclaration(D("4.0"), D("0")))
    assert [c.kind for c in found.components] == kinds


# ---------------------------------------------------------------------------------------------
# 取暖救助 (seed 000 item 14): in the listed months, each paid household of the listed programs.

HEATING = province({"heating.months": "[10, 11]"})

HEATING_CASES = [
    ("dibao", dict(income="0"), [{}], "2022-10", ["base", "heating"], "980.00"),
    ("dibao", dict(income="0"), [{}], "2022-11", ["base", "heating"], "980.00"),
    ("dibao", dict(income="0"), [{}], "2022-09", ["base"], "680.00"),
    ("dibao", dict(income="0"), [{}], "2022-12", ["base"], "680.00"),
    ("tekun", dict(), [dict(care="self")], "2022-10", ["basic", "care", "heating"], "1353.00"),
    ("low_income", dict(income="1000"), [dict(single=True)], "2022-10", ["single_person"], "680.00"),
    ("dibao", dict(income="680"), [{}], "2022-10", [], "0.00"),  # not paid: no heating either
]


@pytest.mark.parametrize("program, facts, members, month, kinds, total", HEATING_CASES)
def test_heating_only_in_its_months_and_programs(program, facts, members, month, kinds, total):
    found = benefit(HEATING, household(program, **facts), [person(**m) for m in members], month)
    assert [c.kind for c in found.components] == kinds
    assert amount(found) == total
    assert all(c.amount == D("300.00") for c in found.components if c.kind == "heating")
