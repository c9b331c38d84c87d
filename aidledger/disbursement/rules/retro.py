"""补发 and 追回: what to do with the difference when a month already paid is computed again.

Pure. A cycle recomputes every month it has paid when the policy or the registry changed
it since (a standard raised "from 1 July" in September; a death recorded late). For one
household and month:
  entitled − paid > 0  → arrears (补发) paid in this cycle, but only within the same year;
                         an earlier year's difference is a note for the officer to handle;
  entitled − paid < 0  → a receivable (追回) when registry changes recorded late explain it
                         (death, termination, income); otherwise (a lowered value) a note:
                         never negative arrears;
  equal                → nothing.
`paid` counts what the household got for that month by the rules, plus earlier arrears
for it, minus earlier receivables for it; so each difference is settled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aidledger.codes import AdjustmentKind

from .components import ZERO, Component

ARREARS, RECOVERY, NOTE = AdjustmentKind.ARREARS, AdjustmentKind.RECOVERY, AdjustmentKind.NOTE


@dataclass(frozen=True)
class Difference:
    household_id: str
    month: str  # the month recomputed
    kind: str  # AdjustmentKind: ARREARS | RECOVERY | NOTE
    amount: Decimal  # positive: paid (arrears), claimed (recovery), or the difference noted
    paid_before: Decimal
    entitled: Decimal
    reason: str  # recovery: the late events' kinds ("death", "income,terminate"); else words


def difference(household_id: str, month: str, cycle_month: str, entitled: Decimal, paid_before: Decimal,
               late_events: tuple[str, ...]) -> Difference | None:
    """What the cycle of `cycle_month` does about `month`, or None when it was paid right."""
    delta = entitled - paid_before
    if delta == ZERO:
        return None

    def made(kind: str, amount: Decimal, reason: str) -> Difference:
        return Difference(household_id, month, kind, amount, paid_before, entitled, reason)

    if delta > 0:
        if month[:4] == cycle_month[:4]:
            return made(ARREARS, delta, f"{month} 应发 {entitled:.2f}, 已发 {paid_before:.2f}, 补发 {delta:.2f}")
        return made(NOTE, delta, f"{month} 应发 {entitled:.2f}, 已发 {paid_before:.2f}: 少发 {delta:.2f} 属以前年度, "
                               "不自动补发, 请另行审批")
    if late_events:
        return made(RECOVERY, -delta, ",".join(sorted(set(late_events))))
    return made(NOTE, -delta, f"{month} 按现行政策应发 {entitled:.2f}, 已发 {paid_before:.2f}: 标准下调不追减, "
                            "不产生负补发")


def arrears_component(found: Difference) -> Component:
    return Component(
        "arrears", found.amount,
        f"补发 {found.month}: 按现行政策应发 {found.entitled:.2f}, 已发 {found.paid_before:.2f}, "
        f"差额 {found.amount:.2f}",
        "policy change (retroactive)", month=found.month)
