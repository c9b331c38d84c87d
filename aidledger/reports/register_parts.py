"""What a register row says about one paid line: its amount in the columns a township ticks, and its 备注.

Pure. A cycle line stores its components (the same JSON `explain` and `cycle show` print); the register
splits the amount paid into 基本 (the month's own entitlement: base, 基本生活费, care, the single-person
amount, the 渐退 payment and the household rounding), 加发 (the add-ons), 临时救助 (grant instalments), 补发/其他
(arrears, re-issued returns, released held months, the price subsidy and heating), and 扣减 (set-offs against a
receivable, printed positive), so that 基本 + 加发 + 临时救助 + 补发/其他 − 扣减 = 实发 on every row, and a reader
of the paper can tell a 2,529.00 made of 529.00 低保 and a 2,000.00 instalment from a 2,529.00 of 低保 alone.
The 备注 names what each unusual part is: 渐退第3个月, 补发2022-03退票, 临时救助分期2/3, 追回抵扣.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import NamedTuple

from aidledger.codes import ComponentKind as K
from aidledger.disbursement.entitlement.rows import RELEASED
from aidledger.labels import PROGRAM_NAMES

ZERO = Decimal("0.00")
BASIC_KINDS = frozenset({K.BASE, K.BASIC, K.CARE, K.SINGLE_PERSON, K.EXIT, K.ROUNDING})
_OTHER = frozenset({K.ARREARS, K.PRICE_SUBSIDY, K.HEATING})
_INSTALMENTS = re.compile(r"分 (\d+) 期")  # rules/instalments.py writes "总额 … 分 3 期, 第 2 期"
_SETTING = re.compile(r"tekun\.basic_ratio_(\w+)")  # rules/tekun.py names the parameter by the setting
SETTING_NAMES = {"centralized": "集中", "dispersed": "分散"}


class Figures(NamedTuple):
    """The money columns of a row or a total: 基本, 加发, 临时救助, 补发/其他, 扣减, 实发."""

    basic: Decimal = ZERO
    addon: Decimal = ZERO
    temporary: Decimal = ZERO
    other: Decimal = ZERO
    deducted: Decimal = ZERO
    paid: Decimal = ZERO

    def plus(self, other: Figures) -> Figures:
        # Spelt out: a register adds every row into its page's, its township's and its programme's totals.
        return Figures(self.basic + other.basic, self.addon + other.addon, self.temporary + other.temporary,
                       self.other + other.other, self.deducted + other.deducted, self.paid + other.paid)


NO_FIGURES = Figures()


class LineParts(NamedTuple):
    figures: Figures
    category: str  # 类别: 低保, 低保渐退, 特困集中, 特困分散, 低收入
    note: str  # 备注, parts joined by "；"


def line_parts(program: str, components_json: str, amount: Decimal, track_status: str, exit_month: int) -> LineParts:
    """A line's columns, category and note from its stored components; the columns add up to `amount` or the line
    is refused by the caller (its components are not what was paid: the books have changed)."""
    basic = addon = temporary = other = deducted = ZERO
    notes: list[str] = []
    setting = ""
    for c in json.loads(components_json):
        kind, value = c["kind"], Decimal(c["amount"])
        if kind in BASIC_KINDS:
            basic += value
            if kind == K.BASIC and not setting:
                found = _SETTING.search(c.get("parameter", ""))
                setting = SETTING_NAMES.get(found.group(1), "") if found else ""
        elif kind == K.ADDON:
            addon += value
        elif kind == K.TEMPORARY:
            temporary += value
            notes.append(_instalment_note(c))
        elif kind in _OTHER:
            other += value
            notes.append(_other_note(c))
        elif kind == K.RECOVERY:
            deducted -= value  # stored negative: withheld from the payment
            notes.append("追回抵扣")
        else:  # a kind this register does not know: shown with the others, and named, never dropped
            other += value
            notes.append(str(kind))
    if track_status == "exit":
        notes.insert(0, f"渐退第{exit_month}个月")
    category = PROGRAM_NAMES.get(program, program) + (setting or ("渐退" if track_status == "exit" else ""))
    figures = Figures(basic, addon, temporary, other, deducted, amount)
    return LineParts(figures, category, "；".join(dict.fromkeys(notes)))


def adds_up(figures: Figures) -> bool:
    """基本 + 加发 + 临时救助 + 补发/其他 − 扣减 = 实发."""
    return figures.basic + figures.addon + figures.temporary + figures.other - figures.deducted == figures.paid


def _instalment_note(component: dict[str, str]) -> str:
    number = component.get("instalment")
    count = _INSTALMENTS.search(component.get("rule", ""))
    if number is None:
        return "临时救助"
    return f"临时救助分期{number}/{count.group(1)}" if count else f"临时救助第{number}期"


def _other_note(component: dict[str, str]) -> str:
    kind = component["kind"]
    if kind == K.PRICE_SUBSIDY:
        return "价格临时补贴"
    if kind == K.HEATING:
        return "取暖救助"
    month = component.get("month", "")
    if "return_id" in component:
        return f"补发{month}退票"
    if RELEASED in component:
        return f"补发{month}暂缓"
    return f"补发{month}" if month else "补发"
