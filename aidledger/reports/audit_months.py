"""The audit pack's monthly disbursement: each month's counted cycles by programme, urban and rural (pure).

A line's amount is split into the columns an auditor compares with the budget lines: 基本, 加发, 临时救助, 取暖,
价格补贴, 补发 (arrears, re-issued returns, released held months, and any kind the register does not know), 扣减
(set-offs, positive) and 实发, with 基本 + 加发 + 临时救助 + 取暖 + 价格补贴 + 补发 − 扣减 = 实发 on every row. The
split is the register's (register_parts.line_parts); only its 补发/其他 column is parted further here, into 取暖,
价格补贴 and 补发, from the same stored components.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from aidledger.codes import ComponentKind as K
from aidledger.labels import PROGRAM_NAMES

from .register_parts import BASIC_KINDS, Figures

ZERO = Decimal("0.00")
COLUMNS = ("基本", "加发", "临时救助", "取暖", "价格补贴", "补发", "扣减", "实发")
URBAN = "urban"


class MonthFigures(NamedTuple):
    basic: Decimal = ZERO
    addon: Decimal = ZERO
    temporary: Decimal = ZERO
    heating: Decimal = ZERO
    price: Decimal = ZERO
    arrears: Decimal = ZERO
    deducted: Decimal = ZERO
    paid: Decimal = ZERO

    def plus(self, other: MonthFigures) -> MonthFigures:
        return MonthFigures(*(a + b for a, b in zip(self, other)))

    @property
    def adds_up(self) -> bool:
        return (self.basic + self.addon + self.temporary + self.heating + self.price + self.arrears
                - self.deducted == self.paid)


NO_FIGURES = MonthFigures()


def month_figures(figures: Figures, components: Sequence[dict]) -> MonthFigures:
    """The register's columns of a line (`figures`), its 补发/其他 parted into 取暖, 价格补贴 and 补发."""
    heating = sum((Decimal(c["amount"]) for c in components if c.get("kind") == K.HEATING), ZERO)
    price = sum((Decimal(c["amount"]) for c in components if c.get("kind") == K.PRICE_SUBSIDY), ZERO)
    return MonthFigures(figures.basic, figures.addon, figures.temporary, heating, price,
                        figures.other - heating - price, figures.deducted, figures.paid)


def split_line(components: Sequence[dict], amount: Decimal) -> MonthFigures:
    """A line's columns straight from its components, in one pass: what `month_figures` makes of the register's
    split (register_parts.line_parts), without the register's category and 备注 (the pack splits a million lines)."""
    basic = addon = temporary = heating = price = arrears = deducted = ZERO
    for c in components:
        kind, value = c["kind"], Decimal(c["amount"])
        if kind in BASIC_KINDS:
            basic += value
        elif kind == K.ADDON:
            addon += value
        elif kind == K.TEMPORARY:
            temporary += value
        elif kind == K.HEATING:
            heating += value
        elif kind == K.PRICE_SUBSIDY:
            price += value
        elif kind == K.RECOVERY:
            deducted -= value  # stored negative: withheld from the payment
        else:  # arrears, re-issued returns, released held months, and any kind the register does not know
            arrears += value
    return MonthFigures(basic, addon, temporary, heating, price, arrears, deducted, amount)


@dataclass(frozen=True)
class ProgrammeMonth:
    """One programme's lines of one month (or a total, program ""), urban and rural."""

    month: str
    program: str
    households: tuple[int, int]  # 城镇, 农村
    persons: tuple[int, int]
    figures: MonthFigures

    @property
    def name(self) -> str:
        return PROGRAM_NAMES.get(self.program, self.program) if self.program else "小计"


class MonthLine(NamedTuple):
    month: str
    program: str
    area: str
    members: int
    figures: MonthFigures


def _sum(month: str, program: str, rows: Iterable[ProgrammeMonth]) -> ProgrammeMonth:
    households, persons, figures = [0, 0], [0, 0], NO_FIGURES
    for r in rows:
        households = [households[0] + r.households[0], households[1] + r.households[1]]
        persons = [persons[0] + r.persons[0], persons[1] + r.persons[1]]
        figures = figures.plus(r.figures)
    return ProgrammeMonth(month, program, (households[0], households[1]), (persons[0], persons[1]), figures)


class MonthTally:
    """The monthly table's sums, added line by line: no object is kept per line."""

    def __init__(self) -> None:
        # (month, programme) → [households 城镇, 农村, persons 城镇, 农村, then the eight MonthFigures]
        self.sums: dict[tuple[str, str], list] = {}

    def add(self, month: str, program: str, area: str, members: int, figures: MonthFigures) -> None:
        row = self.sums.get((month, program))
        if row is None:
            row = self.sums[(month, program)] = [0, 0, 0, 0, *NO_FIGURES]
        rural = area != URBAN
        row[rural] += 1
        row[2 + rural] += members
        for i, value in enumerate(figures, 4):
            row[i] += value

    def table(self, year: int, last_month: int) -> tuple[ProgrammeMonth, ...]:
        """Every month from January to `last_month`, every programme (in the registry's order, then any other
        seen)."""
        programs = list(PROGRAM_NAMES) + sorted({p for _, p in self.sums} - set(PROGRAM_NAMES))
        out = []
        for number in range(1, last_month + 1):
            month = f"{year:04d}-{number:02d}"
            for p in programs:
                row = self.sums.get((month, p))
                out.append(ProgrammeMonth(month, p, (row[0], row[1]), (row[2], row[3]), MonthFigures(*row[4:]))
                           if row else ProgrammeMonth(month, p, (0, 0), (0, 0), NO_FIGURES))
        return tuple(out)


def months_table(year: int, last_month: int, lines: Iterable[MonthLine]) -> tuple[ProgrammeMonth, ...]:
    """Every month from January to `last_month`, every programme (in the registry's order, then any other seen)."""
    tally = MonthTally()
    for line in lines:
        tally.add(line.month, line.program, line.area, line.members, line.figures)
    return tally.table(year, last_month)


def month_totals(rows: Sequence[ProgrammeMonth]) -> tuple[ProgrammeMonth, ...]:
    """Each month's total over its programmes (program "")."""
    months = list(dict.fromkeys(r.month for r in rows))
    return tuple(_sum(m, "", (r for r in rows if r.month == m)) for m in months)


def programme_totals(rows: Sequence[ProgrammeMonth]) -> tuple[ProgrammeMonth, ...]:
    """Each programme's total over the months (month "合计")."""
    programs = list(dict.fromkeys(r.program for r in rows))
    return tuple(_sum("合计", p, (r for r in rows if r.program == p)) for p in programs)


def grand_total(rows: Sequence[ProgrammeMonth]) -> ProgrammeMonth:
    return _sum("合计", "", rows)
