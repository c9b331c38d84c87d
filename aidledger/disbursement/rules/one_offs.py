"""One-off components of a month: 价格临时补贴 (price subsidy) and 取暖救助 (heating)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from aidledger.disbursement.registry.state import HouseholdState
from aidledger.policy import PolicySnapshot

from .components import Component


@dataclass(frozen=True)
class PriceDeclaration:
    """CPI and food-price year-on-year growth (percent) declared for a jurisdiction and month."""

    cpi: Decimal
    food: Decimal


def triggered_growth(snap: PolicySnapshot, declared: PriceDeclaration) -> Decimal | None:
    """The larger growth among the indices at or above their thresholds; None when none is."""
    rule = snap.price_subsidy
    triggered = [g for g, t in ((declared.cpi, rule.cpi_threshold), (declared.food, rule.food_threshold)) if g >= t]
    return max(triggered) if triggered else None


def price_subsidy_per_person(snap: PolicySnapshot, standard: Decimal, growth: Decimal) -> Decimal:
    rule = snap.price_subsidy
    amount = (standard * growth / 100).quantize(Decimal(rule.rounding), rounding=ROUND_HALF_UP)
    return max(amount, Decimal(rule.minimum)).quantize(Decimal("0.01"))


def price_subsidy_component(
    snap: PolicySnapshot, state: HouseholdState, n: int, declared: PriceDeclaration | None
) -> Component | None:
    if declared is None or state.household.program not in snap.price_subsidy.programs:
        return None
    growth = triggered_growth(snap, declared)
    if growth is None:
        return None
    standard = snap.dibao.standard(state.household.area)
    per_person = price_subsidy_per_person(snap, standard, growth)
    return Component(
        "price_subsidy", per_person * n,
        f"价格临时补贴: 标准 {standard:.2f} × 涨幅 {growth}% 取整为每人 {per_person:.2f}"
        f" (不低于 {snap.price_subsidy.minimum}) × {n}人",
        "price_subsidy.cpi_threshold, price_subsidy.food_threshold, price_subsidy.minimum, price_subsidy.rounding",
    )


def heating_component(snap: PolicySnapshot, state: HouseholdState) -> Component | None:
    rule = snap.heating
    if state.day.month not in rule.months or state.household.program not in rule.programs:
        return None
    if rule.amount_per_household <= 0:
        return None
    return Component(
        "heating", rule.amount_per_household.quantize(Decimal("0.01")),
        f"取暖救助: {state.day.month}月每户 {rule.amount_per_household:.2f}", "heating.amount_per_household",
    )
