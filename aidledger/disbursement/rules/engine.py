"""One household, one month: who is paid, how much, and the 渐退 state carried to the next month.

`compute_month` is the pure core the cycles and `explain` share. It reads the policy
snapshot of the first day d of the month and the household as of d; the only history it
needs is the previous month's `DibaoTrack`, which `walk_to` rebuilds month by month when no
cycle has carried it: from the month of approval, or from the county's first month with the
standing handed over for it (`first_month.Begin`), never from earlier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

from aidledger.disbursement.registry.records import Member
from aidledger.disbursement.registry.state import HouseholdState
from aidledger.ledger.money import round_to
from aidledger.policy import PolicySnapshot

from .components import ZERO, Benefit, Component, settle
from .dibao import addon_components, base_component, below_standard
from .facts import counted_members, first_day, month_of, next_month
from .first_month import Begin
from .gradual_exit import ENDED, EXIT, NONE, NORMAL, START, DibaoTrack, exit_component, exit_transition
from .low_income import is_low_income, single_person_components
from .one_offs import PriceDeclaration, heating_component, price_subsidy_component
from .tekun import tekun_components


@lru_cache(maxsize=4096)  # pure, and called per household-month with a few hundred approval dates
def first_paid_month(approved_on: date, start: str) -> str:
    """`next_month`: the month after approval; `same_month`: the month of approval."""
    month = month_of(approved_on)
    return next_month(month) if start == "next_month" else month


def compute_month(
    snap: PolicySnapshot,
    state: HouseholdState,
    previous: DibaoTrack,
    price: PriceDeclaration | None = None,
) -> tuple[Benefit, DibaoTrack]:
    """The household's benefit for the month starting `state.day`, and its 低保 track after it."""
    household = state.household
    month = month_of(state.day)

    def nothing(reason: str, track: DibaoTrack) -> tuple[Benefit, DibaoTrack]:
        return Benefit(household.household_id, household.program, month, ZERO, (), reason), track

    approved = state.approved_since
    first = first_paid_month(approved, snap.dibao.start)
    if month < first:
        again = "重新" if state.reapproved_on is not None else ""
        return nothing(f"{again}批准日期 {approved}, 首个发放月为 {first} (dibao.start)", START)
    if state.reapproved_on is not None and month == first:
        previous = START  # approved again: a new 低保 household, in normal standing
    if state.terminated_on is not None and state.terminated_on < state.day:
        return nothing(f"已于 {state.terminated_on} 终止", DibaoTrack(ENDED))
    if state.suspended is not None:
        # Not paid, and not owed later (resume pays from its month on): the track stands still meanwhile.
        return nothing(f"暂停发放: {state.suspended}", previous)
    counted = counted_members(state)
    if not counted:
        return nothing("无在世成员 (no member alive on the first day of the month)", DibaoTrack(ENDED))

    if household.program == "dibao":
        core, track, reason = _dibao(snap, state, counted, previous)
    elif household.program == "tekun":
        core, track, reason = tekun_components(snap, state, counted), START, ""
    else:
        core, track, reason = _low_income(snap, state, counted), START, ""
        if not core:
            reason = "无单人户成员或家庭人均收入不低于低收入标准"
    if not core:
        return nothing(reason, track)
    one_offs = [c for c in (price_subsidy_component(snap, state, len(counted), price), heating_component(snap, state))
              if c is not None]
    amount, components = settle(core + one_offs, snap.dibao.rounding, snap.dibao.rounding_mode)
    return Benefit(household.household_id, household.program, month, amount, tuple(components), reason), track


def _dibao(snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...],
           previous: DibaoTrack) -> tuple[list[Component], DibaoTrack, str]:
    dibao = snap.dibao
    if previous.status == ENDED:
        return [], previous, "已退出低保, 不再发放"
    standard = dibao.standard(state.household.area)
    income, n = state.household.monthly_income, len(counted)
    assert income is not None  # the registry requires it of every dibao household
    if below_standard(income, standard, n):
        core = [base_component(snap, state, counted)] + addon_components(snap, state, counted)
        amount = round_to(sum((c.amount for c in core), ZERO), dibao.rounding, dibao.rounding_mode)
        return core, DibaoTrack(NORMAL, amount=amount), ""
    rule = dibao.gradual_exit
    ceiling = rule.income_ceiling_ratio
    above_ceiling = ceiling is not None and income >= ceiling * standard * n
    any_disabled = any(m.disability_grade is not None for m in counted)
    track = exit_transition(previous, rule, above_ceiling, any_disabled)
    if track.status == EXIT:
        return [exit_component(track, rule)], track, f"渐退第{track.exit_month}个月"
    if track.status == NONE:
        return [], track, f"人均收入 {income}/{n} 不低于低保标准 {standard:.2f}"
    why = "收入达到渐退上限" if above_ceiling else "渐退期满"
    return [], track, f"{why}, 退出低保"


def _low_income(snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...]) -> list[Component]:
    if not is_low_income(snap, state, len(counted)):
        return []
    return single_person_components(snap, state, counted)


# What a walk reads month by month: the policy on a day, the household on a day, a month's price declaration.
SnapshotOn = Callable[[date], PolicySnapshot]
StateOn = Callable[[date], HouseholdState]
PriceOn = Callable[[str], PriceDeclaration | None]


def no_price(_month: str) -> PriceDeclaration | None:
    return None


def walk(month: str, approved_on: date, snapshot_on: SnapshotOn, state_on: StateOn, price_on: PriceOn = no_price,
         begin: Begin | None = None) -> tuple[Benefit | None, DibaoTrack]:
    """The benefit for `month` and the track after it, rebuilt month by month from `begin`
    (default: the month of approval, in normal standing).

    Returns (None, the starting track) when `month` is before the walk begins.
    """
    benefit = None
    track, current = (begin.track, begin.month) if begin is not None else (DibaoTrack(), month_of(approved_on))
    while current <= month:
        day = first_day(current)
        benefit, track = compute_month(snapshot_on(day), state_on(day), track, price_on(current))
        current = next_month(current)
    return benefit, track


def walk_to(month: str, approved_on: date, snapshot_on: SnapshotOn, state_on: StateOn, price_on: PriceOn = no_price,
            begin: Begin | None = None) -> Benefit:
    """The benefit for `month` (at or after the county's first month), with the 渐退 track rebuilt."""
    benefit, _ = walk(month, approved_on, snapshot_on, state_on, price_on, begin)
    if benefit is None:
        day = first_day(month)
        benefit, _ = compute_month(snapshot_on(day), state_on(day), DibaoTrack(), price_on(month))
    return benefit
