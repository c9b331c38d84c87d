"""特困: basic living (a multiple of the 低保 standard) and care (by care level) per member."""

from __future__ import annotations

from ...policy import PolicySnapshot
from ..registry_records import Member
from ..registry_state import HouseholdState
from .components import Component, fen

CARE_NAMES = {"self": "全自理", "semi": "半护理", "full": "全护理"}


def tekun_components(snap: PolicySnapshot, state: HouseholdState, counted: tuple[Member, ...]) -> list[Component]:
    household = state.household
    setting = household.tekun_setting
    standard = snap.dibao.standard(household.area)
    basic_ratio = snap.tekun.basic_ratio(setting)
    care = snap.tekun.care(setting)
    care_base = snap.wages.amount(care.base)
    found: list[Component] = []
    for member in counted:
        found.append(Component(
            "basic", fen(basic_ratio * standard),
            f"{member.name} 基本生活标准: {basic_ratio} × 低保标准 {standard:.2f}",
            f"tekun.basic_ratio_{setting}, dibao.standard_{household.area}", id_number=member.id_number,
        ))
        level = member.care_level
        ratio = care.ratio(level)
        found.append(Component(
            "care", fen(ratio * care_base),
            f"{member.name} 照料护理标准({CARE_NAMES.get(level, level)}): {ratio} × {care.base} {care_base:.2f}",
            f"tekun.care_{setting}.{level}, wages.{care.base}", id_number=member.id_number,
        ))
    return found
