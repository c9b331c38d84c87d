"""What `temporary list` shows: every grant of a county, its approval, and what approved cycles have paid of it.

Pure. A grant names its household by id, no personal number, so the view is the same for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InstalmentPaid:
    instalment: int
    amount: Decimal
    cycle: int
    month: str

    def as_dict(self) -> dict[str, object]:
        return {"instalment": self.instalment, "amount": self.amount, "cycle": self.cycle, "month": self.month}


@dataclass(frozen=True, slots=True)
class GrantView:
    id: int
    household_id: str
    total: Decimal
    instalments: int
    first_month: str
    reason: str
    committee_ref: str | None  # 一事一议 decision, above the case-by-case threshold
    granted_by: str
    approved_by: str | None  # None: waiting for approval
    approved_on: date | None
    paid: Decimal
    payments: tuple[InstalmentPaid, ...]

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "household_id": self.household_id, "total": self.total,
                "instalments": self.instalments, "first_month": self.first_month, "reason": self.reason,
                "committee_ref": self.committee_ref, "granted_by": self.granted_by, "approved_by": self.approved_by,
                "approved_on": self.approved_on, "paid": self.paid, "payments": [p.as_dict() for p in self.payments]}
