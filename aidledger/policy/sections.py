"""The typed sections of a policy snapshot: the parameters of one jurisdiction on one day.

Each section is a frozen, slotted dataclass. A snapshot is built once per day and then read
per household in tight loops, so a defined value is a plain slot read. A value undefined on
the day (not set in the chain, or before its first date) is left unset: Python then calls
`__getattr__`, which raises MissingParameter naming the parameter, place and date. So an
undefined value costs nothing until it is read, and can never be read as zero.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from .missing import UndefinedAt

_UNSET = object()


class Section:
    """Base of the sections: lazy refusal of undefined values, readable repr, equality by value."""

    __slots__ = ("_undefined",)

    def __getattr__(self, name: str) -> Any:
        # Only reached when the slot is unset (or the name is not a field at all).
        try:
            undefined = object.__getattribute__(self, "_undefined")
        except AttributeError:
            undefined = {}
        missing = undefined.get(name)
        if missing is None:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        raise missing.error()

    @classmethod
    def build(cls, values: Mapping[str, Any], undefined: Mapping[str, UndefinedAt]):
        """A section from its defined values and where the undefined ones would be."""
        section = object.__new__(cls)
        for name, value in values.items():
            object.__setattr__(section, name, value)
        object.__setattr__(section, "_undefined", dict(undefined))
        return section

    def is_defined(self, name: str) -> bool:
        """Whether a field has a value on the snapshot's day (reading it will not raise)."""
        try:
            object.__getattribute__(self, name)
        except AttributeError:
            return False
        return True

    def undefined(self) -> tuple[str, ...]:
        """Parameter paths of the fields undefined on the day."""
        undefined = getattr(self, "_undefined", {})
        return tuple(undefined[f.name].path for f in fields(self) if not self.is_defined(f.name))

    def _state(self) -> tuple:
        return tuple(
            object.__getattribute__(self, f.name) if self.is_defined(f.name) else _UNSET for f in fields(self)
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._state() == other._state()

    def __hash__(self) -> int:
        return hash(self._state())

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            if self.is_defined(f.name):
                parts.append(f"{f.name}={object.__getattribute__(self, f.name)!r}")
            else:
                parts.append(f"{f.name}=<undefined>")
        return f"{type(self).__name__}({', '.join(parts)})"


def section(cls):
    """A frozen, slotted dataclass on Section's lazy reads (equality, hash and repr from Section)."""
    return dataclass(frozen=True, slots=True, eq=False, repr=False)(cls)


class ParameterMap(Mapping):
    """A read-only table of parameters (tier → ratio, program_area → code) on one day.

    Iteration, `len` and `in` see the entries defined on the day; reading an undefined entry,
    or one no file names, raises MissingEntry (a MissingParameter and a KeyError).
    """

    __slots__ = ("_values", "_undefined", "_table")

    def __init__(self, values: Mapping[str, Any], undefined: Mapping[str, UndefinedAt], missing: UndefinedAt):
        self._values = dict(values)
        self._undefined = dict(undefined)
        self._table = missing  # for a key no file names: path of the table, extended by the key

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            pass
        missing = self._undefined.get(key)
        if missing is None:
            g = self._table
            missing = UndefinedAt(f"{g.path}.{key}", g.jurisdiction, g.day, None, g.chain)
        raise missing.error(entry=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        undefined = f", undefined={sorted(self._undefined)}" if self._undefined else ""
        return f"ParameterMap({self._values!r}{undefined})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ParameterMap):
            return self._values == other._values and set(self._undefined) == set(other._undefined)
        return isinstance(other, Mapping) and not self._undefined and self._values == dict(other)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))


class ExitStep(NamedTuple):
    """渐退 step: from exit month `from_month` on, ratio × the exit base is paid."""

    from_month: int
    ratio: Decimal


@section
class AddonRule(Section):
    """加发/增发: rate × standard for a member meeting every condition named (None: not a condition)."""

    name: str
    rate: Decimal
    min_age: int | None
    max_age: int | None
    max_disability_grade: int | None
    disability_kinds: tuple[str, ...] | None
    flag: str | None


@section
class GradualExit(Section):
    """渐退."""

    months: int
    months_with_disabled: int
    income_ceiling_ratio: Decimal | None  # None: no ceiling set
    steps: tuple[ExitStep, ...]


@section
class Dibao(Section):
    """低保."""

    standard_urban: Decimal
    standard_rural: Decimal
    method: str
    tier_ratio: ParameterMap
    floor_ratio: Decimal
    addons: tuple[AddonRule, ...]
    addon_stacking: str
    rounding: Decimal
    rounding_mode: str
    start: str
    gradual_exit: GradualExit

    def standard(self, area: str) -> Decimal:
        """低保标准 of an area (urban | rural)."""
        if area == "urban":
            return self.standard_urban
        if area == "rural":
            return self.standard_rural
        raise ValueError(f"area {area!r} is not urban or rural")


@section
class CareStandard(Section):
    """照料护理标准: ratios of `base` by care level (self 全自理, semi 半护理, full 全护理)."""

    base: str
    self: Decimal
    semi: Decimal
    full: Decimal

    def ratio(self, care_level: str) -> Decimal:
        if care_level not in ("self", "semi", "full"):
            raise ValueError(f"care level {care_level!r} is not self, semi or full")
        return getattr(self, care_level)


@section
class Tekun(Section):
    """特困人员救助供养."""

    basic_ratio_dispersed: Decimal
    basic_ratio_centralized: Decimal
    care_dispersed: CareStandard
    care_centralized: CareStandard

    def basic_ratio(self, setting: str) -> Decimal:
        """基本生活标准 as a multiple of the 低保标准, by setting (dispersed | centralized)."""
        if setting == "dispersed":
            return self.basic_ratio_dispersed
        if setting == "centralized":
            return self.basic_ratio_centralized
        raise ValueError(f"setting {setting!r} is not dispersed or centralized")

    def care(self, setting: str) -> CareStandard:
        if setting == "dispersed":
            return self.care_dispersed
        if setting == "centralized":
            return self.care_centralized
        raise ValueError(f"setting {setting!r} is not dispersed or centralized")


@section
class Wages(Section):
    """最低工资标准 and 经济困难失能老年人护理补贴, 元/月."""

    minimum_wage: Decimal
    elder_care_subsidy: Decimal

    def amount(self, base: str) -> Decimal:
        """The amount a care standard's `base` names."""
        if base == "minimum_wage":
            return self.minimum_wage
        if base == "elder_care_subsidy":
            return self.elder_care_subsidy
        raise ValueError(f"care base {base!r} is not minimum_wage or elder_care_subsidy")


@section
class LowIncome(Section):
    """低收入家庭 and its 单人户."""

    threshold_ratio: Decimal
    single_person_ratio: Decimal
    single_person_addons: bool


@section
class Temporary(Section):
    """临时救助."""

    emergency_case_limit_ratio: Decimal
    documentation_days: int
    case_by_case_threshold: Decimal


@section
class PriceSubsidy(Section):
    """价格临时补贴."""

    cpi_threshold: Decimal
    food_threshold: Decimal
    minimum: Decimal
    rounding: Decimal
    programs: tuple[str, ...]


@section
class Heating(Section):
    """取暖救助."""

    amount_per_household: Decimal
    months: tuple[int, ...]
    programs: tuple[str, ...]


@section
class PurchasedServicesCap(Section):
    """政府购买社会救助服务: at most rate × base a year."""

    rate: Decimal
    base: str


@section
class Budget(Section):
    funding_order: tuple[str, ...]
    purchased_services_cap: PurchasedServicesCap


@section
class Reserve(Section):
    """乡镇临时救助备用金: the amount each township's reserve is set at."""

    amount: Decimal


@section
class Recovery(Section):
    """追回: at most set_off_ratio of a household's monthly payment may be withheld against what it owes."""

    set_off_ratio: Decimal


@section
class Review(Section):
    """核查 cadence in months."""

    tekun_months: int
    dibao_stable_months: int
    dibao_variable_months: int


@section
class Approval(Section):
    """审核、审批: how many sign-offs a cycle and a temporary grant need (undefined: one, the approval itself)."""

    cycle_signoffs: int
    grant_signoffs: int

    def signoffs(self, subject: str) -> int:
        name = f"{subject}_signoffs"
        return getattr(self, name) if self.is_defined(name) else 1


@section
class Matching(Section):
    """数据比对: which findings a run raises against other departments' lists (docs/matching.md). Undefined keys
    take the defaults: every kind is checked, and any registered vehicle is a finding."""

    death: bool
    payroll: bool
    business: bool
    other: bool
    vehicle_max_count: int

    def checks(self, kind: str) -> bool:
        """Whether a list of `kind` (death, payroll, business, other, vehicle) raises findings at all."""
        if kind == "vehicle":
            return True
        return getattr(self, kind) if self.is_defined(kind) else True

    def vehicles_allowed(self) -> int:
        return self.vehicle_max_count if self.is_defined("vehicle_max_count") else 0


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True, slots=True, eq=False)
class PolicySnapshot:
    """A jurisdiction's effective parameters on one day (the first of the month, for the rules)."""

    day: date
    jurisdiction: Jurisdiction
    dibao: Dibao
    tekun: Tekun
    wages: Wages
    low_income: LowIncome
    temporary: Temporary
    price_subsidy: PriceSubsidy
    heating: Heating
    budget: Budget
    reserve: Reserve
    recovery: Recovery
    review: Review
    approval: Approval
    matching: Matching
    classification: ParameterMap
    townships: Mapping[str, str]
