"""What changed since last month (`cycle diff`): a cycle's lines against the county's previous cycle's. Pure.

Before anyone signs a month, the office reads what is different from the month it paid last: the households new
this month, those that left (and why), those whose amount changed (with the parts that changed: the base, each
add-on, the exit step, arrears, instalments, and the members counted), the held households, and the totals
reconciled: last month's total + new − left ± changed = this month's total. The reconciliation is exact by
construction (every household is in exactly one of unchanged, new, left or changed) and `Reconciliation.holds`
says so, so a reader can check it without trusting the code.

The service (`cycles/service/diff.py`) reads the lines and says why each household left (`LEFT_REASONS`); this
module only compares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")

# Why a household paid last month is not paid this month, most telling first: a death, a termination, a
# suspension, a change of programme, an income change, the end of 渐退, a hold (the payee died); else the rules
# no longer give it an amount.
LEFT_REASONS = ("death", "terminated", "suspended", "program", "income", "exit_ended", "held", "not_entitled")


@dataclass(frozen=True, slots=True)
class Paid:
    """One household's line in a cycle, as the comparison needs it; `parts`: (kind, name) → amount."""

    household_id: str
    program: str
    township: str
    members: int
    amount: Decimal
    parts: Mapping[tuple[str, str], Decimal]


@dataclass(frozen=True, slots=True)
class PartChange:
    kind: str
    name: str | None  # an add-on's name, a temporary grant's …; None for a part of its own kind
    before: Decimal
    after: Decimal

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class Arrived:
    household_id: str
    program: str
    township: str
    amount: Decimal

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "program": self.program, "township": self.township,
                "amount": self.amount}


@dataclass(frozen=True, slots=True)
class Left:
    household_id: str
    program: str
    township: str
    amount: Decimal  # what it was paid last month
    reason: str  # one of LEFT_REASONS

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "program": self.program, "township": self.township,
                "amount": self.amount, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Changed:
    household_id: str
    program: str
    township: str
    before: Decimal
    after: Decimal
    members_before: int
    members_after: int
    parts: tuple[PartChange, ...]

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "program": self.program, "township": self.township,
                "before": self.before, "after": self.after, "change": self.change,
                "members_before": self.members_before, "members_after": self.members_after,
                "parts": [p.as_dict() for p in self.parts]}


@dataclass(frozen=True, slots=True)
class Reconciliation:
    previous_total: Decimal
    new: Decimal
    left: Decimal
    changed: Decimal  # the sum of the changes, signed
    total: Decimal

    @property
    def holds(self) -> bool:
        return self.previous_total + self.new - self.left + self.changed == self.total

    def as_dict(self) -> dict[str, object]:
        return {"previous_total": self.previous_total, "new": self.new, "left": self.left, "changed": self.changed,
                "total": self.total, "holds": self.holds}


@dataclass(frozen=True, slots=True)
class Differences:
    arrived: tuple[Arrived, ...]
    left: tuple[Left, ...]
    changed: tuple[Changed, ...]
    unchanged: int
    reconciliation: Reconciliation


def parts_of(components: Iterable[Mapping[str, object]]) -> dict[tuple[str, str], Decimal]:
    """A line's components summed by (kind, name): two add-ons of one kind for two members are one part."""
    parts: dict[tuple[str, str], Decimal] = {}
    for c in components:
        key = (str(c["kind"]), str(c.get("name") or ""))
        parts[key] = parts.get(key, ZERO) + Decimal(str(c["amount"]))
    return parts


def compare(previous: Mapping[str, Paid], current: Mapping[str, Paid], why_left: Mapping[str, str]) -> Differences:
    """The differences between two cycles' lines (household → Paid); `why_left` gives the reason of each household
    in `previous` and not in `current` (a missing one is `not_entitled`)."""
    arrived = tuple(Arrived(h, p.program, p.township, p.amount)
                    for h, p in sorted(current.items()) if h not in previous)
    left = tuple(Left(h, p.program, p.township, p.amount, why_left.get(h, "not_entitled"))
                 for h, p in sorted(previous.items()) if h not in current)
    changed, unchanged = [], 0
    for h, after in sorted(current.items()):
        before = previous.get(h)
        if before is None:
            continue
        if before.amount == after.amount and before.members == after.members:
            unchanged += 1
            continue
        keys = sorted(set(before.parts) | set(after.parts))
        parts = tuple(PartChange(kind, name or None, before.parts.get((kind, name), ZERO),
                                 after.parts.get((kind, name), ZERO))
                      for kind, name in keys
                      if before.parts.get((kind, name), ZERO) != after.parts.get((kind, name), ZERO))
        changed.append(Changed(h, after.program, after.township, before.amount, after.amount, before.members,
                               after.members, parts))
    reconciliation = Reconciliation(
        previous_total=sum((p.amount for p in previous.values()), ZERO),
        new=sum((a.amount for a in arrived), ZERO), left=sum((x.amount for x in left), ZERO),
        changed=sum((c.change for c in changed), ZERO), total=sum((p.amount for p in current.values()), ZERO))
    return Differences(arrived, left, tuple(changed), unchanged, reconciliation)


@dataclass(frozen=True, slots=True)
class HeldLine:
    household_id: str
    amount: Decimal
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "amount": self.amount, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class CycleDiff:
    """`cycle diff`: a cycle against the county's previous one (None: its first cycle, every household new), for
    one reader (a township's clerk: the township's households on both sides, `township` says which)."""

    cycle_id: int
    jurisdiction: str
    month: str
    previous_id: int | None
    previous_month: str | None
    differences: Differences
    held: tuple[HeldLine, ...]
    township: str | None = None

    def as_dict(self) -> dict[str, object]:
        d = self.differences
        data: dict[str, object] = {
            "cycle": str(self.cycle_id), "jurisdiction": self.jurisdiction, "month": self.month,
            "previous": None if self.previous_id is None else str(self.previous_id),
            "previous_month": self.previous_month,
            "new": [a.as_dict() for a in d.arrived], "left": [x.as_dict() for x in d.left],
            "changed": [c.as_dict() for c in d.changed], "unchanged": d.unchanged,
            "held": [h.as_dict() for h in self.held], "reconciliation": d.reconciliation.as_dict()}
        if self.township is not None:
            data["township"] = self.township
        return data
