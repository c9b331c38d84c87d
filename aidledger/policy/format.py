"""The policy file format: every section and key of policy-format.md, with its kind and range.

Ranges where the spec names none (chosen to catch typos, not to second-guess a policy):
- 低保 standards: more than 0 (a standard of 0 would pay nobody without saying so);
  other amounts (wages, thresholds, heating, reserve, price-subsidy minimum): at least 0;
  every amount is whole fen.
- Multiples of the standard (tekun basic ratios, single_person_ratio,
  emergency_case_limit_ratio): 0 to 10. threshold_ratio and income_ceiling_ratio: 1 to 10,
  since both name an income at or above the 低保 line.
- Rates and shares (add-on rate, floor_ratio, tier ratios, exit step ratios,
  purchased_services_cap.rate): 0 to 1.
- Percent thresholds (cpi_threshold, food_threshold): 0 to 100.
- recovery.set_off_ratio (an addition to the spec's keys; see docs/beyond-the-base.md): 0 to
  0.99, so that a set-off never leaves a household's month at nothing.
- Months of gradual exit: 0 to 60; review cadence: 1 to 60 months; sign-offs (approval.*) 1 to 5;
  documentation_days 1 to 366; ages 0 to 150; disability grade 1 to 4 (as in the registry); heating months 1 to 12.
- Add-on `flag` and `disability_kinds` use the registry's words, so an add-on that could
  never match a member is refused rather than silently paying nobody.
"""

from __future__ import annotations

from decimal import Decimal

from aidledger.codes import Area, DisabilityKind, JurisdictionLevel, MemberFlag, Program, values
from aidledger.ledger.money import ROUNDING_MODES

from .bank_format import BANKS
from .dated import parse_date_key
from .kinds import Choice, Flag, ListOf, MapOf, Number, Problems, Table, TableList, Text, Whole, show

# The words a policy shares with the books and the registry, as plain strings (codes.py).
LEVELS = values(JurisdictionLevel)
PROGRAMS = values(Program)
AREAS = values(Area)
FUNDS = (
    "central_subsidy",
    "provincial_subsidy",
    "city_subsidy",
    "county_subsidy",
    "working_funds",
    "lottery_welfare",
)
CAP_BASES = ("prior_year_subsidy_total", "current_year_special_funds", "current_year_central_provincial")
ROUNDING_UNITS = ("0.01", "0.1", "1")
DISABILITY_KINDS = values(DisabilityKind)
MEMBER_FLAGS = values(MemberFlag)
CARE_BASES = ("minimum_wage", "elder_care_subsidy")
# 政府收支分类: a code per program_area, or per program for programs without areas.
CLASSIFICATION_KEYS = (tuple(f"{p}_{a}" for p in PROGRAMS for a in AREAS) + PROGRAMS
                       + ("temporary", "price_subsidy", "heating"))

# Keys that must be set somewhere in a county's chain (a county pays households).
REQUIRED_SOMEWHERE = ("dibao.standard_urban", "dibao.standard_rural")

JURISDICTION_CODE = r"^\d{6}$"
TOWNSHIP_CODE = r"^\d{9}$"

STANDARD = Number(low=Decimal(0), low_open=True, money=True, what="a 低保 standard")
AMOUNT = Number(low=Decimal(0), money=True, what="an amount")
MULTIPLE = Number(low=Decimal(0), high=Decimal(10), what="a multiple of the standard")
ABOVE_LINE = Number(low=Decimal(1), high=Decimal(10), what="a multiple of the standard at or above the 低保 line")
RATE = Number(low=Decimal(0), high=Decimal(1), what="a rate")
PERCENT = Number(low=Decimal(0), high=Decimal(100), what="a percentage")
EXIT_MONTHS = Whole(low=0, high=60, what="a number of exit months")
REVIEW_MONTHS = Whole(low=1, high=60, what="a review cadence in months")
# 审核、审批: one sign-off at least (the approval itself); more than five is no longer a chain anyone signs.
SIGNOFFS = Whole(low=1, high=5, what="a number of sign-offs")
AGE = Whole(low=0, high=150, what="an age")
PROGRAM_LIST = ListOf(item=Choice(options=PROGRAMS))
NAME = Text(dated=False)


def _ages_in_order(addon: dict, path: str, problems: Problems) -> None:
    low, high = addon.get("min_age"), addon.get("max_age")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.add(path, f"min_age {low} is above max_age {high}: no member could match")


def _addon_names_unique(addons: tuple, path: str, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for index, addon in enumerate(addons):
        name = addon.get("name")
        if name in seen:
            problems.add(f"{path}[{index}].name", f"{show(name)} is already the name of {path}[{seen[name]}]")
        elif name is not None:
            seen[name] = index


def _steps_in_order(steps: tuple, path: str, problems: Problems) -> None:
    previous = None
    for index, step in enumerate(steps):
        month = step.get("from_month")
        if not isinstance(month, int):
            return
        where = f"{path}[{index}].from_month"
        if index == 0 and month != 1:
            problems.add(where, f"{month} must be 1: the first step starts in exit month 1")
        elif previous is not None and month <= previous:
            problems.add(where, f"{month} is not after the previous step's {previous}: steps must start in "
                         "increasing months")
        previous = month


def _tier_names(tiers: dict, path: str, problems: Problems) -> None:
    # A dated table here would be read as tiers named after dates; say how to date a tier.
    for name in tiers:
        if parse_date_key(name):
            problems.add(path, f"tier {show(name)} looks like a date: date each tier's ratio instead "
                               f"(tier_ratio.A = {{ {name} = 0.5 }})")


ADDON = Table(
    keys={
        "name": NAME,
        "rate": RATE,
        "min_age": AGE,
        "max_age": AGE,
        "max_disability_grade": Whole(low=1, high=4, what="a disability grade"),
        "disability_kinds": ListOf(item=Choice(options=DISABILITY_KINDS), non_empty=True),
        "flag": Choice(options=MEMBER_FLAGS),
    },
    required=("name", "rate"),
    checks=(_ages_in_order,),
)

EXIT_STEP = Table(
    keys={"from_month": Whole(low=1, what="an exit month", dated=False), "ratio": RATE},
    required=("from_month", "ratio"),
)

GRADUAL_EXIT = Table(
    keys={
        "months": EXIT_MONTHS,
        "months_with_disabled": EXIT_MONTHS,
        "income_ceiling_ratio": ABOVE_LINE,
        "steps": TableList(EXIT_STEP, non_empty=True, checks=(_steps_in_order,)),
    }
)

DIBAO = Table(
    keys={
        "standard_urban": STANDARD,
        "standard_rural": STANDARD,
        "method": Choice(options=("gap", "tiered")),
        "tier_ratio": MapOf(value=Number(low=Decimal(0), high=Decimal(1), what="a tier ratio"),
                            key_describe="a tier name", checks=(_tier_names,)),
        "floor_ratio": RATE,
        "addons": TableList(ADDON, checks=(_addon_names_unique,)),
        "addon_stacking": Choice(options=("highest", "sum")),
        "rounding": Choice(options=ROUNDING_UNITS),
        "rounding_mode": Choice(options=tuple(ROUNDING_MODES)),
        "start": Choice(options=("next_month", "same_month")),
        "gradual_exit": GRADUAL_EXIT,
    }
)

# Care ratios are multiples of their base: 山西 pays dispersed care at 1×, 2× and 3× the elder-care
# subsidy (seed 003 item 6), others 10–50% of the minimum wage.
CARE_MULTIPLE = Number(low=Decimal(0), high=Decimal(10), what="a multiple of the care base")
CARE = Table(keys={"base": Choice(options=CARE_BASES), "self": CARE_MULTIPLE, "semi": CARE_MULTIPLE,
                   "full": CARE_MULTIPLE})

TEKUN = Table(
    keys={
        "basic_ratio_dispersed": MULTIPLE,
        "basic_ratio_centralized": MULTIPLE,
        "care_dispersed": CARE,
        "care_centralized": CARE,
    }
)

FORMAT = Table(
    keys={
        "jurisdiction": Table(
            keys={
                "code": Text(pattern=JURISDICTION_CODE, describe="a 6-digit code in quotes", dated=False),
                "name": NAME,
                "level": Choice(options=LEVELS, dated=False),
                "parent": Text(pattern=JURISDICTION_CODE, describe="a 6-digit code in quotes", dated=False),
            },
            required=("code", "name", "level"),
        ),
        "townships": MapOf(value=NAME, key_pattern=TOWNSHIP_CODE, key_describe="a 9-digit township code"),
        "dibao": DIBAO,
        "tekun": TEKUN,
        "wages": Table(keys={"minimum_wage": AMOUNT, "elder_care_subsidy": AMOUNT}),
        "low_income": Table(
            keys={
                "threshold_ratio": ABOVE_LINE,
                "single_person_ratio": MULTIPLE,
                "single_person_addons": Flag(),
            }
        ),
        "temporary": Table(
            keys={
                "emergency_case_limit_ratio": MULTIPLE,
                "documentation_days": Whole(low=1, high=366, what="a number of days"),
                "case_by_case_threshold": AMOUNT,
            }
        ),
        "price_subsidy": Table(
            keys={
                "cpi_threshold": PERCENT,
                "food_threshold": PERCENT,
                "minimum": AMOUNT,
                "rounding": Choice(options=ROUNDING_UNITS),
                "programs": PROGRAM_LIST,
            }
        ),
        "heating": Table(
            keys={
                "amount_per_household": AMOUNT,
                "months": ListOf(item=Whole(low=1, high=12, what="a month number")),
                "programs": PROGRAM_LIST,
            }
        ),
        "budget": Table(
            keys={
                "funding_order": ListOf(item=Choice(options=FUNDS), non_empty=True),
                "purchased_services_cap": Table(keys={"rate": RATE, "base": Choice(options=CAP_BASES)}),
            }
        ),
        "reserve": Table(keys={"amount": AMOUNT}),
        # A household keeps part of its payment: at most 99 % may be withheld.
        "recovery": Table(keys={"set_off_ratio": Number(low=Decimal(0), high=Decimal("0.99"),
                                                        what="a share of the payment below 1")}),
        "review": Table(
            keys={
                "tekun_months": REVIEW_MONTHS,
                "dibao_stable_months": REVIEW_MONTHS,
                "dibao_variable_months": REVIEW_MONTHS,
            }
        ),
        "approval": Table(keys={"cycle_signoffs": SIGNOFFS, "grant_signoffs": SIGNOFFS}),
        # 数据比对: what a run treats as a finding against other departments' lists (docs/matching.md).
        "matching": Table(keys={"death": Flag(), "payroll": Flag(), "business": Flag(), "other": Flag(),
                                "vehicle_max_count": Whole(low=0, high=99, what="a number of vehicles")}),
        "bank": BANKS,  # [[bank]]: the paying banks and their file layouts (bank_format.py)
        "classification": MapOf(
            value=Text(pattern=r"^\d{3}(\d{2}){0,2}$", describe="an expenditure code of 3, 5 or 7 digits in quotes"),
            keys=CLASSIFICATION_KEYS,
        ),
    },
    required=("jurisdiction",),
)

# Sections whose values are not parameters of the rules and do not inherit.
IDENTITY_SECTIONS = ("jurisdiction", "townships")
