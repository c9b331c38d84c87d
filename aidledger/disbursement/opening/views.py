"""What `opening show` shows: the county's first month, where it comes from, what was handed over.

Pure. The rows carry household ids, months and amounts, no personal numbers, so the view is the same for every
reader. `as_dict()` is the `--json` output.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class LoadView:
    """The load in force: who loaded it, when, and the digests of its files."""

    id: str
    month: str
    loaded_by: str
    loaded_at: str
    files: dict[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class FundBalanceView:
    fund: str
    amount: Decimal
    entry: int | None  # the journal entry that posted it


@dataclass(frozen=True, slots=True)
class ReserveBalanceView:
    township: str
    name: str
    fund: str
    amount: Decimal
    entry: int | None


@dataclass(frozen=True, slots=True)
class OpenReceivableView:
    id: str
    household_id: str
    month: str
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class StandingView:
    """A 低保 household's standing handed over: in 渐退 since a month with its base, or ended."""

    household_id: str
    status: str
    exit_started: str | None
    exit_base: Decimal | None


@dataclass(frozen=True, slots=True)
class ReversalView:
    opening: int
    reason: str
    reversed_by: str
    reversed_at: str


@dataclass(frozen=True, slots=True)
class OpeningView:
    jurisdiction: str
    first_month: str | None  # None: the standards hold from the start, no first month
    source: str  # opening (a load) | standards (the 低保 standards' first month)
    opening: LoadView | None
    funds: tuple[FundBalanceView, ...]
    reserves: tuple[ReserveBalanceView, ...]
    receivables: tuple[OpenReceivableView, ...]
    states: tuple[StandingView, ...]
    reversed: tuple[ReversalView, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "jurisdiction": self.jurisdiction, "first_month": self.first_month, "source": self.source,
            "opening": asdict(self.opening) if self.opening is not None else None,
            "funds": [asdict(f) for f in self.funds], "reserves": [asdict(r) for r in self.reserves],
            "receivables": [asdict(r) for r in self.receivables], "states": [asdict(s) for s in self.states],
            "reversed": [asdict(r) for r in self.reversed],
        }

