"""Building a PolicySnapshot: every parameter of the merged chain resolved for one day.

Dated values are resolved here, once per snapshot, so the rules read plain attributes. A
value that is undefined on the day becomes an `UndefinedAt` (where it would be) and raises only when read. Optional keys
(an add-on's conditions, the exit's income_ceiling_ratio) that no file sets are None; an
optional value that is dated and not yet in force is undefined like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .dated import UNDEFINED, Dated
from .missing import UndefinedAt
from .sections import (
    AddonRule,
    Approval,
    Budget,
    CareStandard,
    Dibao,
    ExitStep,
    GradualExit,
    Heating,
    Jurisdiction,
    LowIncome,
    Matching,
    ParameterMap,
    PolicySnapshot,
    PriceSubsidy,
    PurchasedServicesCap,
    Recovery,
    Reserve,
    Review,
    Section,
    Tekun,
    Temporary,
    Wages,
)

_ABSENT = object()


class _Reader:
    """Resolves raw values of the merged body on one day into values, or where undefined ones would be."""

    __slots__ = ("day", "code", "chain")

    def __init__(self, day: date, code: str, chain: tuple[str, ...]):
        self.day, self.code, self.chain = day, code, chain

    def undefined(self, path: str, first_start: date | None = None) -> UndefinedAt:
        return UndefinedAt(path, self.code, self.day, first_start, self.chain)

    def value(self, raw: Any, path: str) -> Any:
        """A raw value (maybe dated, maybe absent) → its value on the day, or where it would be (UndefinedAt)."""
        if raw is _ABSENT:
            return self.undefined(path)
        if isinstance(raw, Dated):
            value = raw.value_on(self.day)
            return self.undefined(path, raw.first_start) if value is UNDEFINED else value
        return raw


# How a field's raw value becomes its snapshot value: (reader, raw, path) → value or UndefinedAt.
Convert = Callable[[_Reader, Any, str], Any]


def _table(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _build(cls: type[Section], reader: _Reader, raw: Any, path: str,
           convert: Mapping[str, Convert] | None = None, optional: tuple[str, ...] = ()) -> Section:
    """A section from a raw table: each field read, converted, or left undefined."""
    table = _table(raw)
    values: dict[str, Any] = {}
    undefined: dict[str, UndefinedAt] = {}
    for f in fields(cls):
        here = f"{path}.{f.name}"
        item = table.get(f.name, _ABSENT)
        if item is _ABSENT and f.name in optional:
            values[f.name] = None
            continue
        if convert and f.name in convert:
            result = convert[f.name](reader, item, here)
        else:
            result = reader.value(item, here)
        if isinstance(result, UndefinedAt):
            undefined[f.name] = result
        else:
            values[f.name] = result
    return cls.build(values, undefined)


def _unit(reader: _Reader, raw: Any, path: str) -> Any:
    value = reader.value(raw, path)
    return value if isinstance(value, UndefinedAt) else Decimal(value)


def _map(reader: _Reader, raw: Any, path: str) -> ParameterMap:
    values, undefined = {}, {}
    for key, item in _table(raw).items():
        value = reader.value(item, f"{path}.{key}")
        if isinstance(value, UndefinedAt):
            undefined[key] = value
        else:
            values[key] = value
    return ParameterMap(values, undefined, reader.undefined(path))


def _addons(reader: _Reader, raw: Any, path: str) -> Any:
    if raw is _ABSENT:
        return reader.undefined(path)
    return tuple(
        _build(AddonRule, reader, item, f"{path}[{index}]",
               optional=("min_age", "max_age", "max_disability_grade", "disability_kinds", "flag"))
        for index, item in enumerate(raw)
    )


def _steps(reader: _Reader, raw: Any, path: str) -> Any:
    if raw is _ABSENT:
        return reader.undefined(path)
    steps = []
    for index, item in enumerate(raw):
        # One undefined ratio makes the whole schedule undefined: steps are plain tuples.
        ratio = reader.value(item["ratio"], f"{path}[{index}].ratio")
        if isinstance(ratio, UndefinedAt):
            return ratio
        steps.append(ExitStep(item["from_month"], ratio))
    return tuple(steps)


def _sub(cls: type[Section], **options: Any) -> Convert:
    def convert(reader: _Reader, raw: Any, path: str) -> Section:
        return _build(cls, reader, raw, path, **options)

    return convert


def build_snapshot(body: Mapping[str, Any], jurisdiction: Jurisdiction, townships: Mapping[str, str],
                   day: date, chain: tuple[str, ...]) -> PolicySnapshot:
    """The typed parameters of a merged body on `day`."""
    reader = _Reader(day, jurisdiction.code, chain)

    def part(name: str, cls: type[Section], **options: Any) -> Section:
        return _build(cls, reader, body.get(name), name, **options)

    return PolicySnapshot(
        day=day,
        jurisdiction=jurisdiction,
        dibao=part("dibao", Dibao, convert={
            "tier_ratio": _map,
            "addons": _addons,
            "rounding": _unit,
            "gradual_exit": _sub(GradualExit, convert={"steps": _steps}, optional=("income_ceiling_ratio",)),
        }),
        tekun=part("tekun", Tekun, convert={"care_dispersed": _sub(CareStandard),
                                            "care_centralized": _sub(CareStandard)}),
        wages=part("wages", Wages),
        low_income=part("low_income", LowIncome),
        temporary=part("temporary", Temporary),
        price_subsidy=part("price_subsidy", PriceSubsidy, convert={"rounding": _unit}),
        heating=part("heating", Heating),
        budget=part("budget", Budget, convert={"purchased_services_cap": _sub(PurchasedServicesCap)}),
        reserve=part("reserve", Reserve),
        recovery=part("recovery", Recovery),
        review=part("review", Review),
        approval=part("approval", Approval),
        matching=part("matching", Matching),
        classification=_map(reader, body.get("classification", {}), "classification"),
        townships=MappingProxyType(dict(townships)),
    )
