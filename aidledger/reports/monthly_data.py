"""The monthly statistics report (民政统计月报) of a county as plain data (pure).

What is counted (docs/reports.md, "民政统计月报"):
  households and persons  the households the month's posted cycle paid (one line each), by programme and area
                          as the cycle paid them (the area and programme on the month's first day); the persons
                          are the members the cycle counted (alive on the month's first day), each placed in an age
                          group by their age on the month's last day (老年人 60 and over, 未成年人 under 18,
                          成年人 the rest) and counted as disabled when the registry gives a disability grade
                          (一至四级), as severely disabled at grades 1 and 2 (一、二级, GB/T 26341)
  funds                   the posted cycles' lines (approved, exported or settled): the month's cycle, and every
                          posted cycle of the year up to the month; each line's amount split into 保障金 (the
                          programme's own monthly amount), 补发, 退票重发, 临时救助, 价格临时补贴, 取暖救助 and
                          追回抵扣 (withheld), so that 保障金 + 补发 + 退票重发 + 临时救助 + 价格临时补贴 + 取暖救助
                          − 追回抵扣 = 实发金额 (what the bank paid)
  standards               the policy the month's cycle was computed under, on the month's first day

The service (service/monthly.py) reads the books into these records; nothing here reads a database.
Everything a reader sees is in Chinese: programmes and areas by their names, never their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from aidledger.codes import Area, Program
from aidledger.disbursement.rules.facts import age_on
from aidledger.labels import ADDON_NAMES, CYCLE_STATUS_NAMES, PROGRAM_NAMES
from aidledger.policy import MissingParameter, PolicySnapshot

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PROGRAMS: tuple[str, ...] = (Program.DIBAO, Program.TEKUN, Program.LOW_INCOME)
AREAS: tuple[str, ...] = (Area.URBAN, Area.RURAL)
# The statistics forms' words (城市低保、农村低保; 城市、农村低保标准). The register says 城镇 (labels.AREA_NAMES).
AREA_TITLES: dict[str, str] = {Area.URBAN: "城市", Area.RURAL: "农村"}
ELDERLY_FROM = 60  # 老年人: 60 周岁及以上
ADULT_FROM = 18  # 未成年人: 不满 18 周岁
SEVERE_GRADES = (1, 2)  # 重度残疾: 一级、二级
CARE_BASES = {"minimum_wage": "最低工资标准", "elder_care_subsidy": "经济困难失能老年人护理补贴"}
CARE_LEVELS = (("self", "全自理"), ("semi", "半护理"), ("full", "全护理"))
SETTINGS = (("dispersed", "分散供养"), ("centralized", "集中供养"))


# ---- what the service reads ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """A member the month's cycle counted, as the registry recorded them."""

    birth_date: date
    disability_grade: int | None


@dataclass(frozen=True, slots=True)
class PaidHousehold:
    """A household the month's posted cycle paid: its line's programme and area, and the members it counted."""

    household_id: str
    program: str
    area: str
    people: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class FundRecord:
    """The lines of one posted cycle (a month) for one programme and area, summed."""

    month: str
    program: str
    area: str
    households: int
    persons: int
    paid: Decimal  # what the bank paid (cycle_lines.amount)
    arrears: Decimal  # 补发 for earlier months recomputed
    reissued: Decimal  # 退票重发: returned payments paid again
    temporary: Decimal
    price_subsidy: Decimal
    heating: Decimal
    set_off: Decimal  # 追回抵扣: withheld against receivables


# ---- the report -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """Households and persons, the persons by age group and disability."""

    households: int = 0
    persons: int = 0
    elderly: int = 0
    adults: int = 0
    minors: int = 0
    disabled: int = 0
    severely_disabled: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, ...]:
        return (self.households, self.persons, self.elderly, self.adults, self.minors, self.disabled,
                self.severely_disabled)


COUNT_HEADINGS = ("户数", "人数", "老年人（60周岁及以上）", "成年人（18至59周岁）", "未成年人（不满18周岁）",
                  "残疾人", "其中：重度残疾人（一、二级）")


@dataclass(frozen=True, slots=True)
class Funds:
    """Money paid (元) and the households and persons it was paid for (户次、人次 over several months)."""

    households: int = 0
    persons: int = 0
    base: Decimal = ZERO  # 保障金: the programme's own monthly amounts
    arrears: Decimal = ZERO
    reissued: Decimal = ZERO
    temporary: Decimal = ZERO
    price_subsidy: Decimal = ZERO
    heating: Decimal = ZERO
    set_off: Decimal = ZERO
    paid: Decimal = ZERO

    def __add__(self, other: Funds) -> Funds:
        return Funds(self.households + other.households, self.persons + other.persons,
                     *(a + b for a, b in zip(self.amounts(), other.amounts(), strict=True)))

    def amounts(self) -> tuple[Decimal, ...]:
        """In the order of FUND_HEADINGS."""
        return (self.base, self.arrears, self.reissued, self.temporary, self.price_subsidy, self.heating,
                self.set_off, self.paid)

    @property
    def per_person(self) -> Decimal | None:
        """月人均保障金: 保障金 ÷ 人数 (人次 over several months), to the fen half up; None when nobody was paid."""
        if not self.persons:
            return None
        return (self.base / self.persons).quantize(CENT, rounding=ROUND_HALF_UP)


FUND_HEADINGS = ("保障金", "补发", "退票重发", "临时救助", "价格临时补贴", "取暖救助", "追回抵扣", "实发金额")


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the report's tables: a programme's area, a programme's 小计, an area's 合计, or the 总计."""

    program: str | None  # None: every programme
    area: str | None  # None: both areas
    counts: Counts
    month: Funds
    year: Funds

    @property
    def program_name(self) -> str:
        return "合计" if self.program is None else PROGRAM_NAMES.get(self.program, self.program)

    @property
    def area_name(self) -> str:
        if self.area is None:
            return "总计" if self.program is None else "小计"
        return AREA_TITLES.get(self.area, self.area)


@dataclass(frozen=True, slots=True)
class Standard:
    """A standard in force (元/人/月 unless `unit` says otherwise) in the city and the countryside."""

    name: str
    urban: Decimal
    rural: Decimal
    note: str
    unit: str = "元/人/月"


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    jurisdiction: str
    name: str  # 宝清县
    month: str  # YYYY-MM
    last_day: date  # ages are taken on it
    created: date
    cycle_id: int
    cycle_status: str
    approved_on: date | None
    year_months: tuple[str, ...]  # the months of the year whose posted cycles the 本年累计 sums
    rows: tuple[Row, ...]
    standards: tuple[Standard, ...]
    authenticated: bool
    missing_months: tuple[str, ...] = field(default=())  # months of the year before this one with no posted cycle

    @property
    def title(self) -> str:
        year, month = self.month.split("-")
        return f"{self.name}{int(year)}年{int(month)}月社会救助统计月报"

    @property
    def status_name(self) -> str:
        return CYCLE_STATUS_NAMES.get(self.cycle_status, self.cycle_status)

    @property
    def total(self) -> Row:
        return self.rows[-1]

    @property
    def year_label(self) -> str:
        year, month = self.month.split("-")
        return f"{int(year)}年1月至{int(month)}月" if month != "01" else f"{int(year)}年1月"


# ---- building it ------------------------------------------------------------------------------------------------


def person_counts(people: Sequence[Person], on: date) -> Counts:
    """One household's persons by age group on `on` and by disability (households: 1)."""
    elderly = minors = disabled = severe = 0
    for person in people:
        age = age_on(person.birth_date, on)
        if age >= ELDERLY_FROM:
            elderly += 1
        elif age < ADULT_FROM:
            minors += 1
        if person.disability_grade is not None:
            disabled += 1
            if person.disability_grade in SEVERE_GRADES:
                severe += 1
    n = len(people)
    return Counts(1, n, elderly, n - elderly - minors, minors, disabled, severe)


def fund_of(record: FundRecord) -> Funds:
    base = (record.paid + record.set_off - record.arrears - record.reissued - record.temporary
            - record.price_subsidy - record.heating)
    return Funds(record.households, record.persons, base, record.arrears, record.reissued, record.temporary,
                 record.price_subsidy, record.heating, record.set_off, record.paid)


def report_rows(paid: Iterable[PaidHousehold], funds: Iterable[FundRecord], month: str, on: date) -> tuple[Row, ...]:
    """Every programme's areas and 小计 (each of PROGRAMS, paid or not, then any other the lines name), the areas'
    合计 and the 总计. `funds` are every posted cycle's records of the year up to `month`."""
    counts: dict[tuple[str, str], Counts] = {}
    for household in paid:
        key = (household.program, household.area)
        counts[key] = counts.get(key, Counts()) + person_counts(household.people, on)
    this_month: dict[tuple[str, str], Funds] = {}
    year: dict[tuple[str, str], Funds] = {}
    for record in funds:
        key = (record.program, record.area)
        found = fund_of(record)
        year[key] = year.get(key, Funds()) + found
        if record.month == month:
            this_month[key] = this_month.get(key, Funds()) + found
    keys = set(counts) | set(year)
    programs = list(PROGRAMS) + sorted({p for p, _ in keys} - set(PROGRAMS))
    areas = list(AREAS) + sorted({a for _, a in keys} - set(AREAS))

    def row(program: str | None, area: str | None) -> Row:
        chosen = [k for k in keys if program in (None, k[0]) and area in (None, k[1])]
        return Row(program, area,
                   sum((counts.get(k, Counts()) for k in chosen), Counts()),
                   sum((this_month.get(k, Funds()) for k in chosen), Funds()),
                   sum((year.get(k, Funds()) for k in chosen), Funds()))

    rows: list[Row] = []
    for program in programs:
        rows += [row(program, area) for area in areas if area in AREAS or any(k == (program, area) for k in keys)]
        rows.append(row(program, None))
    rows += [row(None, area) for area in areas]
    rows.append(row(None, None))
    return tuple(rows)


def _ratio(value: Decimal) -> str:
    """0.2 → 20%."""
    return f"{(value * 100).normalize():f}%"


def _times(value: Decimal) -> str:
    """1.30 → 1.3 倍."""
    return f"{value.normalize():f} 倍"


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def standards_of(snap: PolicySnapshot) -> tuple[Standard, ...]:
    """The monthly standards of the snapshot's day, each as the rules work it out (to the fen, half up); a standard
    the policy leaves undefined that day is left out."""
    dibao = snap.dibao

    def dibao_standard() -> list[Standard]:
        return [Standard("最低生活保障标准", dibao.standard_urban, dibao.standard_rural, "")]

    def tekun_basic() -> list[Standard]:
        out = []
        for setting, name in SETTINGS:
            ratio = snap.tekun.basic_ratio(setting)
            out.append(Standard(f"特困人员基本生活标准（{name}）", _fen(ratio * dibao.standard_urban),
                                _fen(ratio * dibao.standard_rural), f"低保标准的 {_times(ratio)}"))
        return out

    def tekun_care() -> list[Standard]:
        out = []
        for setting, name in SETTINGS:
            care = snap.tekun.care(setting)
            base = snap.wages.amount(care.base)
            for level, level_name in CARE_LEVELS:
                ratio = care.ratio(level)
                amount = _fen(ratio * base)
                out.append(Standard(f"特困人员照料护理标准（{name}·{level_name}）", amount, amount,
                                    f"{CARE_BASES.get(care.base, care.base)} {base:,.2f} 元的 {_ratio(ratio)}",
                                    "元/人/月"))
        return out

    def low_income() -> list[Standard]:
        rule = snap.low_income
        return [
            Standard("低收入家庭认定标准（家庭人均月收入）", _fen(rule.threshold_ratio * dibao.standard_urban),
                     _fen(rule.threshold_ratio * dibao.standard_rural), f"低保标准的 {_times(rule.threshold_ratio)}"),
            Standard("低收入家庭单人户保障金", _fen(rule.single_person_ratio * dibao.standard_urban),
                     _fen(rule.single_person_ratio * dibao.standard_rural),
                     f"低保标准的 {_times(rule.single_person_ratio)}"),
        ]

    def addons() -> list[Standard]:
        return [Standard(f"分类施保加发（{ADDON_NAMES.get(a.name, a.name)}）", _fen(a.rate * dibao.standard_urban),
                         _fen(a.rate * dibao.standard_rural), f"低保标准的 {_ratio(a.rate)}")
                for a in dibao.addons]

    found: list[Standard] = []
    parts: tuple[Callable[[], list[Standard]], ...] = (dibao_standard, tekun_basic, tekun_care, low_income, addons)
    for part in parts:
        try:
            found += part()
        except (MissingParameter, ValueError):  # undefined on the day (or a setting the policy does not know)
            pass
    return tuple(found)


def month_days(month: str) -> tuple[date, date]:
    """The first and last day of a YYYY-MM month; ValueError when it is not one."""
    if len(month) != 7 or month[4] != "-" or not (month[:4].isdigit() and month[5:].isdigit()):
        raise ValueError(month)
    year, number = int(month[:4]), int(month[5:])
    first = date(year, number, 1)
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def year_months(month: str) -> tuple[str, ...]:
    """January to `month` of its year."""
    year, number = month.split("-")
    return tuple(f"{year}-{m:02d}" for m in range(1, int(number) + 1))
