"""加发/增发 (分类施保): add-ons for vulnerable members, as ratios of the standard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aidledger.disbursement.registry.records import Member
from aidledger.policy import AddonRule

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


# An add-on's conditions as the per-member loop reads them:
# (position, min_age, max_age, max_disability_grade, disability_kinds, flag).
Conditions = tuple[int, "int | None", "int | None", "int | None", "tuple[str, ...] | None", "str | None"]


class _AddonList:
    """What the per-member loop needs of one add-on list, worked out once per list (so once per
    policy snapshot, not once per member): each add-on's conditions as a plain tuple, and per
    (add-on, standard, stacking) its amount and the standard's part of its explanation.

    Most members have no disability and no flag; an add-on that names a disability grade or kind
    cannot match them, nor one naming a flag a member without flags. `conditions_for` gives each
    member only the add-ons that could match: fewer tests, the same result as `matches`.
    """

    __slots__ = ("rules", "conditions", "without_grade", "without_grade_or_flag", "payouts")

    def __init__(self, rules: tuple[AddonRule, ...]):
        self.rules = rules  # kept, so that its id is not reused while cached
        self.conditions = tuple(
            (index, rule.min_age, rule.max_age, rule.max_disability_grade, rule.disability_kinds, rule.flag)
            for index, rule in enumerate(rules)
        )
        # Add-ons that can match a member with neither a disability grade nor a kind; and with no flag.
        self.without_grade = tuple(c for c in self.conditions if c[3] is None and c[4] is None)
        self.without_grade_or_flag = tuple(c for c in self.without_grade if c[5] is None)
        self.payouts: dict[tuple[int, Decimal, str], tuple[Decimal, str, str, str]] = {}

    def payout(self, index: int, standard: Decimal, stacking: str) -> tuple[Decimal, str, str, str]:
        """An add-on's amount (rate × standard, to the fen), its rule text after the member's name,
        its parameter, its name. Worked out when first matched: a rate undefined on the day raises only then."""
        key = (index, standard, stacking)
        found = self.payouts.get(key)
        if found is None:
            rule = self.rules[index]
            note = " (就高不重复)" if stacking == "highest" else ""
            found = self.payouts[key] = (
                fen(rule.rate * standard), f" 符合加发条件 {rule.name}: {rule.rate} × 标准 {standard:.2f}{note}",
                f"dibao.addons[{rule.name}].rate", rule.name,
            )
        return found

    def conditions_for(self, member: Member) -> tuple[Conditions, ...]:
        if member.disability_grade is not None or member.disability_kind is not None:
            return self.conditions
        return self.without_grade if member.flags else self.without_grade_or_flag


_lists: dict[int, _AddonList] = {}


def _addon_list(rules: tuple[AddonRule, ...]) -> _AddonList:
    found = _lists.get(id(rules))
    if found is None or found.rules is not rules:
        if len(_lists) >= 256:
            _lists.clear()
        found = _lists[id(rules)] = _AddonList(rules)
    return found


def _matched(conditions: tuple[Conditions, ...], member: Member, day: date) -> list[int]:
    """Positions of the add-ons the member matches on d: `matches` for each, the age reckoned once."""
    grade, kind, flags = member.disability_grade, member.disability_kind, member.flags
    age = None
    found: list[int] = []
    for index, low, high, top, kinds, flag in conditions:
        if low is not None or high is not None:
            if age is None:
                age = age_on(member.birth_date, day)
            if (low is not None and age < low) or (high is not None and age > high):
                continue
        if top is not None and (grade is None or grade > top):
            continue
        if kinds is not None and kind not in kinds:
            continue
        if flag is not None and flag not in flags:
            continue
        found.append(index)
    return found


def matching(rules: tuple[AddonRule, ...], member: Member, day: date) -> list[AddonRule]:
    """The add-ons the member matches on d, in list order."""
    return [rules[i] for i in _matched(_addon_list(rules).conditions_for(member), member, day)]


def member_addons(
    rules: tuple[AddonRule, ...], stacking: str, member: Member, day: date, standard: Decimal
) -> list[Component]:
    """The add-on components of one member: the highest rate only (就高不重复), or every match."""
    return _member_addons(_addon_list(rules), stacking, member, day, standard)


def members_addons(
    rules: tuple[AddonRule, ...], stacking: str, members: tuple[Member, ...], day: date, standard: Decimal
) -> list[Component]:
    """The add-on components of each member in turn (`member_addons` for each)."""
    addons = _addon_list(rules)
    found: list[Component] = []
    for member in members:
        found += _member_addons(addons, stacking, member, day, standard)
    return found


def _member_addons(addons: _AddonList, stacking: str, member: Member, day: date, standard: Decimal) -> list[Component]:
    matched = _matched(addons.conditions_for(member), member, day)
    if not matched:
        return []
    if stacking == "highest" and len(matched) > 1:
        rules = addons.rules
        best, best_rate = matched[0], rules[matched[0]].rate
        for i in matched[1:]:
            if rules[i].rate > best_rate:  # the first of the highest rates
                best, best_rate = i, rules[i].rate
        matched = [best]
    name, id_number = member.name, member.id_number
    found = []
    for i in matched:
        amount, text, parameter, rule_name = addons.payout(i, standard, stacking)
        found.append(Component("addon", amount, name + text, parameter, rule_name, id_number))
    return found
