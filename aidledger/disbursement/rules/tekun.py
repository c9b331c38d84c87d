"""特困: basic living (a multiple of the 低保 standard) and care (by care level) per member."""

from __future__ import annotations

from decimal import Decimal

from aidledger.disbursement.registry.records import Member
from aidledger.disbursement.registry.state import HouseholdState
from aidledger.policy import PolicySnapshot

from .components import Component, fen

CARE_NAMES = {"self": "全自理", "semi": "半护理", "full": "全护理"}


def tekun_components(snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...]) -> list[Component]:
    household = state.household
    setting = household.tekun_setting
    assert setting is not None  # the registry requires it of every tekun household
    standard = snap.dibao.standard(household.area)
    basic_ratio = snap.tekun.basic_ratio(setting)
    care = snap.tekun.care(setting)
    care_base = snap.wages.amount(care.base)
    # The same for every member: worked out once per household.
    basic = fen(basic_ratio * standard)
    basic_text = f" 基本生活标准: {basic_ratio} × 低保标准 {standard:.2f}"
    basic_parameter = f"tekun.basic_ratio_{setting}, dibao.standard_{household.area}"
    cares: dict[str, tuple[Decimal, str, str]] = {}
    found: list[Component] = []
    for member in counted:
        found.append(Component("basic", basic, member.name + basic_text, basic_parameter, id_number=member.id_number))
        level = member.care_level
        assert level is not None  # the registry requires it of every member of a tekun household
        by_level = cares.get(level)
        if by_level is None:
            ratio = care.ratio(level)
            by_level = cares[level] = (
                fen(ratio * care_base),
                f" 照料护理标准({CARE_NAMES.get(level, level)}): {ratio} × {care.base} {care_base:.2f}",
                f"tekun.care_{setting}.{level}, wages.{care.base}",
            )
        amount, text, parameter = by_level
        found.append(Component("care", amount, member.name + text, parameter, id_number=member.id_number))
    return found
