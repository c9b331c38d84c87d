"""加发/增发 (分类施保): add-ons for vulnerable members, as ratios of the standard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ...policy import AddonRule
from ..registry_records import Member
from .components import Component, fen
from .facts import age_on


def matches(rule: AddonRule, member: Member, day: date) -> bool:
    """Every condition the add-on names holds for the member on d."""
    if rule.min_age is not None or rule.max_age is not None:
        age = age_on(member.birth_date, day)
        if rule.min_age is not None and age < rule.min_age:
            return False
        if rule.max_age is not None and age > rule.max_age:
            return False
    if rule.max_disability_grade is not None:
        if member.disability_grade is None or member.disability_grade > rule.max_disability_grade:
            return False
    if rule.disability_kinds is not None and member.disability_kind not in rule.disability_kinds:
        return False
    if rule.flag is not None and rule.flag not in member.flags:
        return False
    return True


def member_addons(
    rules: tuple[AddonRule, ...], stacking: str, member: Member, day: date, standard: Decimal
) -> list[Component]:
    """The add-on components of one member: the highest rate only (就高不重复), or every match."""
    matched = [r for r in rules if matches(r, member, day)]
    if not matched:
        return []
    if stacking == "highest":
        best = max(r.rate for r in matched)
        matched = [next(r for r in matched if r.rate == best)]
    return [
        Component(
            "addon", fen(rule.rate * standard),
            f"{member.name} 符合加发条件 {rule.name}: {rule.rate} × 标准 {standard:.2f}"
            + (" (就高不重复)" if stacking == "highest" else ""),
            f"dibao.addons[{rule.name}].rate", name=rule.name, id_number=member.id_number,
        )
        for rule in matched
    ]
