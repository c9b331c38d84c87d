"""What `recovery list` shows: a county's receivables (追回) with what is recovered and outstanding.

Pure. A receivable names a household by its id and carries no id number or bank account, so the list is the
same for every reader and its service takes none; `as_dict()` is one receivable of the `--json` output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ReceivableView:
    """A receivable in force: an overpaid month of a household, created by a cycle or by an opening load."""

    id: int
    household_id: str
    month: str  # the month overpaid
    program: str
    amount: Decimal
    reason: str  # the late events' kinds, comma-separated: death, terminate, income, …
    detail: str
    cycle: int | None  # the cycle whose approval created it, or
    opening: int | None  # the opening load that took it over from the old books
    created_on: date
    recovered: Decimal
    outstanding: Decimal

    def as_dict(self) -> dict[str, object]:
        # Ids are strings in the contract's JSON shapes (cli.md: `recovery list`, `cycle show`).
        return {"id": str(self.id), "household_id": self.household_id, "month": self.month,
                "program": self.program, "amount": self.amount, "reason": self.reason, "detail": self.detail,
                "cycle": self.cycle, "opening": self.opening, "created_on": self.created_on,
                "recovered": self.recovered, "outstanding": self.outstanding}
