"""Budget rules (pure): charging spending to funds in order, the purchased-services cap, reserve limits.

Figures are Decimal yuan; every function returns problems as messages naming the rule
and the figures rather than raising, so a service can report all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from aidledger.ledger.chart import FUNDS

SUBSIDY_FUNDS = tuple(f.code for f in FUNDS if f.is_subsidy)

# Which allocations each cap base counts, and from which year relative to the purchase.
CAP_BASES = {
    # 榆林 (seed 000 item 26): 上年度中省市县社会救助补助资金总额
    "prior_year_subsidy_total": (SUBSIDY_FUNDS, -1, "上年度中省市县困难群众救助补助资金总额"),
    # 山西 (seed 003 item 19): 当年社会救助专项资金
    "current_year_special_funds": (SUBSIDY_FUNDS, 0, "当年困难群众救助补助资金"),
    # 吉林 (seed 004 item 17): 当年中央和省级补助资金
    "current_year_central_provincial": (("central_subsidy", "provincial_subsidy"), 0, "当年中央和省级补助资金"),
}


def cap_base_funds_and_year(base_kind: str, year: int) -> tuple[tuple[str, ...], int]:
    funds, offset, _ = CAP_BASES[base_kind]
    return funds, year + offset


@dataclass(frozen=True)
class CapCheck:
    base_kind: str
    base: Decimal
    rate: Decimal
    cap: Decimal
    used: Decimal
    requested: Decimal

    @property
    def headroom(self) -> Decimal:
        return self.cap - self.used

    @property
    def allowed(self) -> bool:
        return self.used + self.requested <= self.cap

    def refusal(self) -> str:
        return (
            f"purchased-services cap: base kind {self.base_kind} ({CAP_BASES[self.base_kind][2]}), "
            f"base {self.base:.2f} × rate {self.rate} = cap {self.cap:.2f}; already used {self.used:.2f}, "
            f"requested {self.requested:.2f}, which would reach {self.used + self.requested:.2f} "
            f"({self.used + self.requested - self.cap:.2f} over the cap)"
        )


def cap_of(base: Decimal, rate: Decimal) -> Decimal:
    """rate × base, rounded down to the fen: a cap is never rounded up past its rule."""
    return (base * rate).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def charge_in_order(
    needed: Decimal, available: Mapping[str, Decimal], order: Sequence[str], what: str
) -> tuple[list[tuple[str, Decimal]], list[str]]:
    """Split `needed` over the funds in `order`, each as far as its availability goes.

    Returns the charges, or no charges and one problem naming each fund, what is needed and
    what is available.
    """
    remaining = needed
    charges: list[tuple[str, Decimal]] = []
    for fund in order:
        if remaining <= 0:
            break
        take = min(remaining, max(available.get(fund, Decimal(0)), Decimal(0)))
        if take > 0:
            charges.append((fund, take))
            remaining -= take
    if remaining > 0:
        detail = ", ".join(f"{fund} available {max(available.get(fund, Decimal(0)), Decimal(0)):.2f}" for fund in order)
        total = sum((max(available.get(f, Decimal(0)), Decimal(0)) for f in order), Decimal(0))
        return [], [
            f"{what} needs {needed:.2f} but the funds in funding order hold {total:.2f} "
            f"(short by {remaining:.2f}): {detail}"
        ]
    return charges, []


def emergency_case_problems(
    amount: Decimal, limit_ratio: Decimal, urban_standard: Decimal, reserve_balance: Decimal
) -> list[str]:
    """先行救助: one case at most limit_ratio × urban standard, never beyond the reserve's balance."""
    problems = []
    if amount <= 0:
        problems.append(f"an emergency payment must be positive, got {amount:.2f}")
    limit = (limit_ratio * urban_standard).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if amount > limit:
        problems.append(
            f"emergency case limit: {amount:.2f} is above temporary.emergency_case_limit_ratio {limit_ratio} × "
            f"urban standard {urban_standard:.2f} = {limit:.2f}"
        )
    if amount > reserve_balance:
        problems.append(f"the township reserve holds {reserve_balance:.2f}, less than the {amount:.2f} asked")
    return problems
