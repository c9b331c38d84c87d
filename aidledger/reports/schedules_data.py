"""The audit pack's schedules (附表) as plain data (pure): the records behind its statements, one row each.

  allocations   每笔到账的补助资金: the entries that moved the books' received (下拨, and the reversals of them), so
                the schedule adds up to the fund statement's 本年收入
  purchases     政府购买服务 and the cap: each purchase, then the allocations that make up the cap's base
  cycles        发放批次: who prepared and signed each, when it went to the bank and was settled, its returns
  returns       退票 and what became of each: re-issued by a later cycle, given back to the fund, or still open
  entries       手工分录及冲销: entries a person posted by hand, and every reversal, each with what it reverses
  closes        已结账期间
  standards     执行标准: each standard's runs of one value over the year, from the day it took effect

Every row is what the books held at the end of the as-of day (items dated up to it; states as of it); the storage
module (service/schedules.py) reads them. Names are people's display names and the labels readers know, never codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aidledger.codes import ResolutionKind

ZERO = Decimal("0.00")

# The level (级次) of a fund's money; the two funds that are not one level's subsidy take their giver's level.
FUND_LEVELS = {"central_subsidy": "中央", "provincial_subsidy": "省级", "city_subsidy": "市级",
               "county_subsidy": "县级"}
JURISDICTION_LEVELS = {"province": "省级", "city": "市级", "county": "县级"}
# What kind of entry a row of the allocations or purchases schedule is.
ENTRY_KINDS = {"allocation": "下拨", "purchased_services": "购买服务", "manual": "手工分录", "reversal": "冲销",
               "opening": "期初", "allocation_out": "下拨下级"}


@dataclass(frozen=True)
class AllocationRow:
    """One entry's receipt into one fund (a reversal of an allocation is a negative row)."""

    seq: int  # the journal entry's number
    on: date
    level: str  # 中央 / 省级 / 市级 / 县级
    fund: str  # the fund's short name (中央补助 …)
    source: str  # who gave it: the giver's name, or 上级 when the books name none
    reference: str  # 文号
    title: str  # the entry's description
    kind: str  # 下拨 / 冲销 / 手工分录
    amount: Decimal


@dataclass(frozen=True)
class PurchaseRow:
    seq: int
    on: date
    supplier: str
    reference: str
    kind: str  # 购买服务 / 冲销
    funds: tuple[str, ...]  # the funds charged (short names)
    amount: Decimal


@dataclass(frozen=True)
class CapBase:
    """The purchased-services cap as the as-of day holds it, with the allocations its base counts."""

    base_name: str  # 当年困难群众救助补助资金 …
    base_year: int
    base_through: date  # the base counts receipts up to this day
    funds: tuple[str, ...]  # short names of the funds the base counts
    rows: tuple[AllocationRow, ...]
    rate: Decimal
    cap: Decimal
    used: Decimal

    @property
    def base(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    @property
    def headroom(self) -> Decimal:
        return self.cap - self.used


@dataclass(frozen=True)
class Purchases:
    rows: tuple[PurchaseRow, ...]
    cap: CapBase | None  # None: the jurisdiction has no policy, so no cap

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)


@dataclass(frozen=True)
class SignedStep:
    step: str  # 审核 / 第1级审核 / 审批
    by: str  # display name
    on: date


@dataclass(frozen=True)
class CycleRow:
    cycle_id: int
    month: str
    status: str  # the status's label as of the day
    posted: bool  # approved, exported or settled as of the day: counted in the total
    households: int
    total: Decimal
    prepared_by: str
    prepared_on: date
    signed: tuple[SignedStep, ...]
    exported_on: date | None
    settled_on: date | None
    cancelled_on: date | None
    sent_back: int  # how many times a signer sent a draft back (退回)
    returns: int
    returned: Decimal


@dataclass(frozen=True)
class ReturnRow:
    return_id: int
    cycle_id: int
    month: str
    head_name: str
    id_number: str  # masked
    bank_account: str  # masked
    amount: Decimal
    reason: str
    returned_on: date
    outcome: str  # what became of it, in words
    outcome_on: date | None  # None: still open on the as-of day

    @property
    def open(self) -> bool:
        return self.outcome_on is None


@dataclass(frozen=True)
class EntryRow:
    """A manual entry or a reversal: what a person posted outside the records that post their own entries."""

    seq: int
    on: date
    kind: str  # 手工分录 / 冲销
    description: str
    reference: str
    amount: Decimal  # the entry's debits
    by: str  # display name
    reverses: int | None
    reverses_kind: str  # the reversed entry's kind in words ("" when it reverses nothing)
    reversed_by: int | None  # the reversal dated up to the as-of day, if any


@dataclass(frozen=True)
class ClosedPeriod:
    month: str
    closed_by: str
    closed_on: date


@dataclass(frozen=True)
class StandardRow:
    """A standard at one value from `start` (the day it took effect, perhaps before the year) to `end` (None: still
    in force on the as-of day)."""

    name: str
    urban: Decimal
    rural: Decimal
    unit: str
    note: str
    start: date
    end: date | None
    document: str  # the policy files that set it


@dataclass(frozen=True)
class Schedules:
    jurisdiction: str
    name: str
    year: int
    as_of: date
    allocations: tuple[AllocationRow, ...]
    purchases: Purchases
    cycles: tuple[CycleRow, ...]
    returns: tuple[ReturnRow, ...]
    entries: tuple[EntryRow, ...]
    closes: tuple[ClosedPeriod, ...]
    standards: tuple[StandardRow, ...]

    @property
    def received(self) -> Decimal:
        return sum((r.amount for r in self.allocations), ZERO)

    def received_by_fund(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for r in self.allocations:
            out[r.fund] = out.get(r.fund, ZERO) + r.amount
        return out

    @property
    def posted_cycles(self) -> tuple[CycleRow, ...]:
        return tuple(c for c in self.cycles if c.posted)

    @property
    def returned(self) -> Decimal:
        return sum((r.amount for r in self.returns), ZERO)


def level_of(fund: str, giver_level: str | None) -> str:
    """中央 / 省级 / 市级 / 县级: the fund's own level, else the giver's, else 本级."""
    return FUND_LEVELS.get(fund) or JURISDICTION_LEVELS.get(giver_level or "", "本级")


def supplier_of(description: str) -> str:
    """The vendor a purchase's description names ("政府购买社会救助服务: 宝清县社工服务中心")."""
    _, colon, vendor = description.partition(": ")
    return vendor.strip() if colon else description


def outcome_of(kind: str | None, cycle_id: int | None, cycle_month: str | None, reason: str, on: date | None,
               returned_on: date, as_of: date) -> str:
    """What became of a bank return by the as-of day, in the office's words."""
    if on is None or kind is None:
        return f"未处理（截至 {as_of.isoformat()} 已 {(as_of - returned_on).days} 天）"
    if kind == ResolutionKind.REISSUED:
        return f"已由第 {cycle_id} 号批次（{cycle_month}）重新发放"
    if kind == ResolutionKind.CANCELLED:
        return "已退回资金（核销）" + (f"：{reason}" if reason else "")
    return kind


def standard_runs(days: Sequence[date], standards_on: Sequence[Sequence[tuple[str, Decimal, Decimal, str, str]]],
                  start: date, as_of: date, document: Iterable[tuple[str, str]]) -> tuple[StandardRow, ...]:
    """The runs of one value of each standard over `days` (ascending: every day any parameter changes), each
    standard given on each day as (name, urban, rural, unit, note); the runs that overlap start..as_of are kept,
    each from the first day it held. `document` names the policy files behind each standard's name."""
    documents = dict(document)
    Value = tuple[Decimal, Decimal, str, str]
    open_runs: dict[str, tuple[date, Value]] = {}
    runs: list[tuple[str, Value, date, date | None]] = []
    for index, day in enumerate(days):
        seen = {name: (urban, rural, unit, note) for name, urban, rural, unit, note in standards_on[index]}
        for name in list(open_runs):
            began, value = open_runs[name]
            if seen.get(name) != value:
                runs.append((name, value, began, date.fromordinal(day.toordinal() - 1)))
                del open_runs[name]
        for name, value in seen.items():
            if name not in open_runs:
                open_runs[name] = (day, value)
    runs += [(name, value, began, None) for name, (began, value) in open_runs.items()]
    order: dict[str, int] = {}
    for day_standards in reversed(standards_on):
        for name, *_ in day_standards:
            order.setdefault(name, len(order))  # the order of the latest day that names a standard
    kept = [r for r in runs if r[2] <= as_of and (r[3] is None or r[3] >= start)]
    kept.sort(key=lambda r: (order.get(r[0], 0), r[2]))
    return tuple(StandardRow(name, urban, rural, unit, note, began, None if end is None or end >= as_of else end,
                             documents.get(name, ""))
                 for name, (urban, rural, unit, note), began, end in kept)
