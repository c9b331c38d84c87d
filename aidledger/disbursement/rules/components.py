"""Components of a monthly amount, and how they add up with the household rounding.

Every component is rounded to the fen (half up) when it is made; the household amount is
their sum rounded to the policy's unit and mode, and a `rounding` component carries the
difference, so the components always add up to the amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from json.encoder import encode_basestring as _json_string  # what json.dumps(…, ensure_ascii=False) uses

from aidledger.ledger.money import FEN, round_to

ZERO = Decimal("0.00")


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up: how every single component is rounded."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Component:
    """One part of a household's monthly amount (kinds as in cli.md)."""

    kind: str  # a ComponentKind (codes.py): base | addon | basic | care | single_person | exit | … | rounding
    amount: Decimal
    rule: str  # the rule and its figures, in words a resident can follow
    parameter: str  # the policy parameter(s) it reads
    name: str | None = None  # add-on name
    id_number: str | None = None  # the member it is for
    month: str | None = None  # the month it pays for, when not the cycle's own (arrears)

    def __init__(self, kind: str, amount: Decimal, rule: str, parameter: str, name: str | None = None,
                 id_number: str | None = None, month: str | None = None):
        # Still frozen (no assignment afterwards), but filled with one dict update instead of the
        # generated __init__'s seven object.__setattr__ calls: a month makes several per household.
        self.__dict__.update(kind=kind, amount=amount, rule=rule, parameter=parameter, name=name,
                             id_number=id_number, month=month)

    def as_dict(self) -> dict[str, str]:
        data = {"kind": self.kind, "amount": f"{self.amount:.2f}", "rule": self.rule, "parameter": self.parameter}
        for key in ("name", "id_number", "month"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def as_json(self) -> str:
        """`json.dumps(self.as_dict(), ensure_ascii=False)`, written directly: a payment cycle
        stores the components of every household it pays, a million of them for a large county."""
        d = self.__dict__
        text = (f'{{"kind": {_json_string(d["kind"])}, "amount": "{d["amount"]:.2f}", '
                f'"rule": {_json_string(d["rule"])}, "parameter": {_json_string(d["parameter"])}')
        for key in ("name", "id_number", "month"):
            value = d[key]
            if value is not None:
                text += f', "{key}": {_json_string(value)}'
        return text + "}"


@dataclass(frozen=True)
class Benefit:
    """What the rules give a household for a month: an amount with its components, or nothing and why."""

    household_id: str
    program: str
    month: str
    amount: Decimal
    components: tuple[Component, ...] = ()
    reason: str = ""  # why nothing is paid, or the household's 渐退 state
    notes: tuple[str, ...] = field(default=())

    def __init__(self, household_id: str, program: str, month: str, amount: Decimal,
                 components: tuple[Component, ...] = (), reason: str = "", notes: tuple[str, ...] = ()):
        # Frozen; one dict update instead of seven object.__setattr__ calls (see Component).
        self.__dict__.update(household_id=household_id, program=program, month=month, amount=amount,
                             components=components, reason=reason, notes=notes)

    @property
    def paid(self) -> bool:
        return self.amount > 0


def settle(components: list[Component], unit: Decimal, mode: str) -> tuple[Decimal, list[Component]]:
    """The household amount and the components, with a rounding component when rounding changed the sum."""
    total = sum((c.amount for c in components), ZERO)
    amount = round_to(total, unit, mode)
    if amount != total:
        components = components + [Component(
            "rounding", amount - total,
            f"户月救助金 {total:.2f} 按 {unit} 元 {mode} 取整为 {amount:.2f}",
            "dibao.rounding, dibao.rounding_mode",
        )]
    return amount, components
