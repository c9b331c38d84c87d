"""低收入单人户: severely ill or disabled members of a low-income family covered on their own."""

from __future__ import annotations

from aidledger.disbursement.registry.records import Member
from aidledger.disbursement.registry.state import HouseholdState
from aidledger.policy import PolicySnapshot

from .addons import member_addons
from .components import Component, fen


def is_low_income(snap: PolicySnapshot, state: HouseholdState, n: int) -> bool:
    """Per-capita income below threshold_ratio × standard, decided exactly."""
    standard = snap.dibao.standard(state.household.area)
    income = state.household.monthly_income
    assert income is not None  # the registry requires it of every low_income household
    return income < snap.low_income.threshold_ratio * standard * n


def single_person_components(
    snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...]
) -> list[Component]:
    area = state.household.area
    standard = snap.dibao.standard(area)
    rule = snap.low_income
    found: list[Component] = []
    for member in counted:
        if not member.single_person:
            continue
        found.append(Component(
            "single_person", fen(rule.single_person_ratio * standard),
            f"{member.name} 单人户: {rule.single_person_ratio} × 标准 {standard:.2f}",
            f"low_income.single_person_ratio, dibao.standard_{area}", id_number=member.id_number,
        ))
        if rule.single_person_addons:
            found += member_addons(snap.dibao.addons, snap.dibao.addon_stacking, member, state.day, standard)
    return found
