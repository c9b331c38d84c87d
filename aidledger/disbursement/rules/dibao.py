"""低保: the base by the gap (补差) or tiered (分档) method, with its add-ons."""

from __future__ import annotations

from decimal import Decimal

from aidledger.disbursement.registry.records import Member
from aidledger.disbursement.registry.state import HouseholdState
from aidledger.policy import PolicySnapshot

from .addons import members_addons
from .components import Component, fen


def below_standard(income: Decimal, standard: Decimal, n: int) -> bool:
    """I < S, decided exactly: per-capita income I = income / n is never rounded."""
    return income < standard * n


def base_component(snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...]) -> Component:
    dibao = snap.dibao
    area = state.household.area
    standard = dibao.standard(area)
    n = len(counted)
    income = state.household.monthly_income
    assert income is not None  # the registry requires it of every dibao household
    if dibao.method == "tiered":
        tier = state.household.tier
        # A household without a tier (loaded while the method was gap) is refused by the lookup (MissingEntry).
        ratio = dibao.tier_ratio[tier]  # type: ignore[index]
        return Component(
            "base", fen(ratio * standard * n),
            f"分档: 第{tier}档 {ratio} × 标准 {standard:.2f} × {n}人",
            f"dibao.tier_ratio.{tier}, dibao.standard_{area}",
        )
    # (S − I) × n = S·n − income exactly; no per-capita rounding ever enters the base.
    gap_total = standard * n - income
    floor_total = dibao.floor_ratio * standard * n
    if gap_total < floor_total:
        return Component(
            "base", fen(floor_total),
            f"补差不足最低标准: {dibao.floor_ratio} × 标准 {standard:.2f} × {n}人",
            f"dibao.floor_ratio, dibao.standard_{area}",
        )
    return Component(
        "base", fen(gap_total),
        f"补差: (标准 {standard:.2f} − 人均收入 {income}/{n}) × {n}人 = {standard:.2f}×{n} − {income}",
        f"dibao.standard_{area}",
    )


def addon_components(snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...]) -> list[Component]:
    dibao = snap.dibao
    return members_addons(dibao.addons, dibao.addon_stacking, counted, state.day, dibao.standard(state.household.area))
