"""追回 by set-off (抵扣): withholding part of a household's payment against what it owes.

Pure. Only when the policy allows it (recovery.set_off_ratio > 0): at most that share of the
month's own payment (base, add-ons, exit, arrears; never a price subsidy, heating, an
instalment of temporary assistance or a re-issued return) is withheld, rounded down to the
fen, and never more than the household owes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from aidledger.ledger.money import FEN

from .components import ZERO, Component


@dataclass(frozen=True)
class SetOff:
    """What a household owes (its receivables outstanding) and the share of a payment that may be withheld."""

    owed: Decimal
    ratio: Decimal

    def withheld(self, payable: Decimal) -> Decimal:
        if payable <= 0 or self.ratio <= 0:
            return ZERO
        return min(self.owed, (payable * self.ratio).quantize(FEN, rounding=ROUND_DOWN))

    def component(self, amount: Decimal, payable: Decimal) -> Component:
        return Component(
            "recovery", -amount,
            f"追回抵扣: 应退还多发救助金 {self.owed:.2f}, 本月可发 {payable:.2f} × {self.ratio} 内扣回 {amount:.2f}",
            "recovery.set_off_ratio")
