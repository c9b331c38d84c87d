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

from .register_parts import Figures

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


def months_table(year: int, last_month: int, lines: Iterable[MonthLine]) -> tuple[ProgrammeMonth, ...]:
    """Every month from January to `last_month`, every programme (in the registry's order, then any other seen)."""
    table: dict[tuple[str, str], ProgrammeMonth] = {}
    for line in lines:
        urban = line.area == URBAN
        one = ProgrammeMonth(line.month, line.program, (1, 0) if urban else (0, 1),
                             (line.members, 0) if urban else (0, line.members), line.figures)
        done = table.get((line.month, line.program))
        table[(line.month, line.program)] = one if done is None else _sum(line.month, line.program, (done, one))
    programs = list(PROGRAM_NAMES) + sorted({p for _, p in table} - set(PROGRAM_NAMES))
    out = []
    for number in range(1, last_month + 1):
        month = f"{year:04d}-{number:02d}"
        out += [table.get((month, p)) or ProgrammeMonth(month, p, (0, 0), (0, 0), NO_FIGURES) for p in programs]
    return tuple(out)


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
