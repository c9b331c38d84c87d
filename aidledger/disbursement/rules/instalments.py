"""支出型临时救助 paid in stages (一次审批、分阶段救助): the instalments of a grant.

Pure. A grant of `total` in n instalments pays total / n each month from its first month,
rounded down to the fen, and the last instalment carries what the rounding left (so 1000
in 3 pays 333.33, 333.33, 333.34 and the instalments always add up to the grant).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from aidledger.ledger.money import FEN

from .components import Component
from .facts import next_month

MAX_INSTALMENTS = 12  # stages of one approval: at most a year of consecutive cycles


def instalment_amounts(total: Decimal, count: int) -> tuple[Decimal, ...]:
    each = (total / count).quantize(FEN, rounding=ROUND_DOWN)
    return (each,) * (count - 1) + (total - each * (count - 1),)


def instalment_months(first_month: str, count: int) -> tuple[str, ...]:
    months = [first_month]
    while len(months) < count:
        months.append(next_month(months[-1]))
    return tuple(months)


def instalment_component(grant_id: int, number: int, count: int, total: Decimal, amount: Decimal,
                         month: str) -> Component:
    return Component(
        "temporary", amount,
        f"支出型临时救助 第{grant_id}号: 总额 {total:.2f} 分 {count} 期, 第 {number} 期 ({month})",
        "temporary grant", month=month)
