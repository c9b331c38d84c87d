"""What `cycle show` shows a reader: a cycle, its control totals, history and lines, numbers already masked.

Pure. The service builds a view for one reader (`users.personal_numbers` decides how the heads' id numbers,
the accounts and the members' id numbers in the components are shown); `as_dict()` is the `--json` output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from aidledger.disbursement.entitlement.views import ComponentView
from aidledger.disbursement.matching.views import FindingView


@dataclass(frozen=True, slots=True)
class ControlTotal:
    """Households and amount of one program or township."""

    key: str
    count: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class TransitionView:
    status: str
    on: date
    user: str
    entry: int | None  # the journal entry the step posted
    reason: str | None


@dataclass(frozen=True, slots=True)
class SignoffView:
    """One decision of the sign-off chain (审核、审批): signed, or sent back with a reason; `current` when it belongs to
    the draft as it stands (not to one run again or sent back since)."""

    step: int
    of_steps: int
    name: str  # 审核 / 审批
    action: str  # signed | sent_back
    user: str
    display_name: str
    on: date
    at: datetime
    reason: str
    current: bool

    def as_dict(self) -> dict[str, object]:
        return {"step": self.step, "of_steps": self.of_steps, "name": self.name, "action": self.action,
                "user": self.user, "display_name": self.display_name, "on": self.on, "at": self.at.isoformat(),
                "reason": self.reason or None, "current": self.current}


@dataclass(frozen=True, slots=True)
class ReturnView:
    """A bank return (退票) of the cycle and how it ended; its account is left out (the line shows it)."""

    id: int  # what `cycle cancel-return` takes
    household_id: str
    amount: Decimal
    reason: str  # the bank's words (失败原因), or the code's label when the bank gave none
    returned_on: date
    resolution: str | None  # reissued | cancelled
    resolved_on: date | None
    resolved_in_cycle: int | None
    reason_code: str | None = None  # no_account, name_mismatch, frozen, closed, other; None: booked without a layout


@dataclass(frozen=True, slots=True)
class AdjustmentView:
    """A month already paid, recomputed by this cycle: arrears (补发), a receivable (追回) or a note."""

    household_id: str
    month: str
    kind: str
    amount: Decimal
    paid_before: Decimal
    entitled: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class InstalmentView:
    grant_id: int
    instalment: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CycleLineView:
    """One household paid; `head_id_number`, `bank_account` and the components' id numbers as shown."""

    household_id: str
    program: str
    area: str
    township: str
    members: int
    head_name: str
    head_id_number: str
    amount: Decimal
    payee_name: str
    bank_account: str
    components: tuple[ComponentView, ...]

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "program": self.program, "area": self.area,
                "township": self.township, "members": self.members, "head_name": self.head_name,
                "head_id_number": self.head_id_number, "amount": self.amount, "payee_name": self.payee_name,
                "bank_account": self.bank_account, "components": [c.as_dict() for c in self.components]}


def _totals(totals: tuple[ControlTotal, ...]) -> dict[str, dict[str, object]]:
    return {t.key: {"count": t.count, "total": t.total} for t in totals}


@dataclass(frozen=True, slots=True)
class HeldView:
    """A household the cycle computed but holds (not paid, not in the totals), and why."""

    household_id: str
    payee_name: str
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class CycleView:
    """`cycle show`: everything about one cycle, for one reader."""

    cycle_id: int
    jurisdiction: str
    month: str
    status: str
    count: int
    total: Decimal
    by_program: tuple[ControlTotal, ...]  # by key
    by_township: tuple[ControlTotal, ...]
    inputs: str  # the JSON the run recorded (policy versions, registry watermark), as it recorded it
    history: tuple[TransitionView, ...]
    returns: tuple[ReturnView, ...]
    adjustments: tuple[AdjustmentView, ...]
    instalments: tuple[InstalmentView, ...]
    lines: tuple[CycleLineView, ...]
    held: tuple[HeldView, ...] = ()
    signoffs: tuple[SignoffView, ...] = ()
    waiting: str | None = None  # a draft's state: 待审核 / 待审批
    round: int = 0  # the draft's round and next step, which a sign-off form sends back (signing.py)
    next_step: int = 1
    findings: tuple[FindingView, ...] = ()  # 数据比对: what the cycle's runs found, and how each was resolved

    @property
    def open_findings(self) -> int:
        """Findings of the latest run not yet resolved: each stops the sign-off."""
        return sum(1 for f in self.findings if f.blocks)

    @property
    def held_total(self) -> Decimal:
        return sum((h.amount for h in self.held), Decimal("0.00"))

    def as_dict(self) -> dict[str, object]:
        return {
            "cycle": str(self.cycle_id), "jurisdiction": self.jurisdiction, "month": self.month,
            "status": self.status, "count": self.count, "total": self.total,
            "by_program": _totals(self.by_program), "by_township": _totals(self.by_township),
            "inputs": json.loads(self.inputs),
            "history": [{"status": t.status, "on": t.on, "user": t.user, "entry": t.entry, "reason": t.reason}
                        for t in self.history],
            "returns": [{"id": r.id, "household_id": r.household_id, "amount": r.amount, "reason": r.reason,
                         "reason_code": r.reason_code, "returned_on": r.returned_on, "resolution": r.resolution,
                         "resolved_on": r.resolved_on,
                         "resolved_in_cycle": r.resolved_in_cycle} for r in self.returns],
            "adjustments": [{"household_id": a.household_id, "month": a.month, "kind": a.kind, "amount": a.amount,
                             "paid_before": a.paid_before, "entitled": a.entitled, "reason": a.reason}
                            for a in self.adjustments],
            "instalments": [{"grant_id": i.grant_id, "instalment": i.instalment, "amount": i.amount}
                            for i in self.instalments],
            "lines": [line.as_dict() for line in self.lines],
            "held": [{"household_id": h.household_id, "payee_name": h.payee_name, "amount": h.amount,
                      "reason": h.reason} for h in self.held],
            "held_total": self.held_total,
            "signoffs": [s.as_dict() for s in self.signoffs],
            "waiting": self.waiting,
            "findings": [f.as_dict() for f in self.findings],
            "open_findings": self.open_findings,
        }
