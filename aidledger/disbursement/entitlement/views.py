"""What `explain` shows a reader: a household's amount for a month and its components, numbers already masked.

Pure. The service builds these for one reader (`users.personal_numbers` decides how id numbers are shown);
`as_dict()` is the `--json` output. A cycle's lines show their components with the same `ComponentView`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

# A component's own keys. Any other key is one a cycle adds to what it pays beyond the month's rules (grant_id,
# instalment, return_id): kept in `extra`, in stored order, so the output carries it as it always has.
_FIELDS = ("kind", "amount", "rule", "parameter", "name", "id_number", "month")


@dataclass(frozen=True, slots=True)
class ComponentView:
    """One part of an amount, as `Component.as_dict()` spells it; `id_number` is the member's, as shown."""

    kind: str
    amount: Decimal
    rule: str
    parameter: str
    name: str | None = None
    id_number: str | None = None
    month: str | None = None
    extra: tuple[tuple[str, object], ...] = ()

    def as_dict(self) -> dict[str, object]:
        # The key order of Component.as_dict() (then the extra keys), which the output has always had.
        data: dict[str, object] = {"kind": self.kind, "amount": f"{self.amount:.2f}", "rule": self.rule,
                                   "parameter": self.parameter}
        for key, value in (("name", self.name), ("id_number", self.id_number), ("month", self.month)):
            if value is not None:
                data[key] = value
        data.update(self.extra)
        return data


def _text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


def component_view(data: Mapping[str, object], shown: Callable[[str], str]) -> ComponentView:
    """A component from its dict (as computed or as a cycle stored it), its id number passed through `shown`."""
    id_number = _text(data, "id_number")
    return ComponentView(
        kind=str(data["kind"]), amount=Decimal(str(data["amount"])), rule=str(data["rule"]),
        parameter=str(data["parameter"]), name=_text(data, "name"),
        id_number=None if id_number is None else shown(id_number), month=_text(data, "month"),
        extra=tuple((k, v) for k, v in data.items() if k not in _FIELDS))


@dataclass(frozen=True, slots=True)
class ExplainView:
    """`explain`: the amount the rules give a household for a month, with every component and its rule."""

    household_id: str
    program: str
    month: str
    amount: Decimal
    components: tuple[ComponentView, ...]
    note: str | None  # why nothing is paid, or the household's 渐退 state
    track_origin: str | None  # where the 渐退 track began (低保 only), in words

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "program": self.program, "month": self.month,
                "amount": self.amount, "components": [c.as_dict() for c in self.components], "note": self.note,
                "track_origin": self.track_origin}
