"""The payment register (发放花名册) of a cycle as plain data: rows, subtotals, totals, sign-offs.

Pure: built from the cycle's stored lines as the storage module reads them, so the register
is testable as data and the PDF only draws what is here. Personal numbers are masked
(first 6 and last 4 kept) before they reach the data: a printed register never carries them
whole. Rows are in the bank file's order (township, then household) and carry its 序号, so the signed
paper can be ticked against the file the bank paid from; after each township comes its total (合计). The
county summary (汇总表) is the same data by township and programme. register_parts.py splits each line's
amount into the columns and writes its 备注.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from aidledger.errors import Refusal
from aidledger.labels import AREA_NAMES, CYCLE_STATUS_NAMES, PROGRAM_NAMES, PROGRAM_TITLES
from aidledger.ledger.capitals import rmb_capitals
from aidledger.masking import mask
from aidledger.problems import Problem

from .register_parts import NO_FIGURES, Figures, adds_up, line_parts

ZERO = Decimal("0.00")
STATUS_NAMES = CYCLE_STATUS_NAMES


class StoredLine(NamedTuple):
    """One cycle line as stored (a NamedTuple: a register may hold a million of them), with its 序号 in the bank
    file (the county's lines by township and household: `cycle export`'s order)."""

    seq: int
    household_id: str
    head_name: str
    head_id_number: str
    township: str
    area: str
    members: int
    program: str
    payee_name: str
    bank_account: str
    amount: Decimal
    components: str  # JSON, as stored
    track_status: str
    exit_month: int


class RegisterRow(NamedTuple):
    """One printed row: 序号, 户主, 身份证号, 城乡, 类别, 人数, 基本 … 实发, 收款人, 账号, 备注."""

    seq: int
    household_id: str  # not printed (the bank file's 序号 ties the row to it), kept for readers of the data
    head_name: str
    head_id_number: str  # masked
    area: str  # 城镇 / 农村
    category: str  # 低保, 低保渐退, 特困集中, 特困分散, 低收入
    members: int
    figures: Figures
    payee_name: str
    bank_account: str  # masked
    note: str  # 备注
    township: str  # the township's name
    program: str  # 低保 / 特困 / 低收入

    @property
    def amount(self) -> Decimal:
        return self.figures.paid


@dataclass(frozen=True)
class Subtotal:
    """合计 of a township, a program's total (in a township, or over the county), or the grand total."""

    label: str
    households: int
    people: int
    figures: Figures
    township: str | None = None
    program: str | None = None

    @property
    def amount(self) -> Decimal:
        return self.figures.paid


@dataclass(frozen=True)
class Signoff:
    """Who did a step of the cycle, and on which day (制表 = ran it, 审核 = approved it)."""

    role: str
    user: str
    on: date


@dataclass(frozen=True)
class CycleHeader:
    """What the register says about the cycle besides its lines."""

    cycle_id: int
    jurisdiction: str
    jurisdiction_name: str
    month: str
    status: str
    count: int
    total: Decimal
    prepared: Signoff | None
    approved: Signoff | None
    # The sign-off chain of the cycle's current round, in order (审核 …, 审批), each with the name the signer's
    # user showed and the day: what the register's closing block prints. Empty for a draft nobody has signed.
    signers: tuple[Signoff, ...] = ()
    approval_entry: int | None = None  # the journal entry that posted the approval (every page's footer names it)
    # The evidence chain (evidence/) as the register was made from it: the seal of the cycle (none for a draft)
    # and the chain's head, each as (seal number, link), so the paper can be tied to the books it came from.
    seal: tuple[int, str] | None = None
    evidence_head: tuple[int, str] = (0, "")
    # False for a local single-user book (db upgrade --no-auth): its sign-offs name users nobody authenticated.
    authenticated: bool = True


@dataclass(frozen=True)
class RegisterData:
    header: CycleHeader
    title: str
    programs: tuple[str, ...]  # the programs' full names, in the order rows show them
    body: tuple[RegisterRow | Subtotal, ...]
    by_program: tuple[Subtotal, ...]
    by_township: tuple[Subtotal, ...]
    by_township_program: tuple[Subtotal, ...]  # the county summary's (汇总表) rows, township by township
    count: int
    people: int
    figures: Figures  # the grand total's columns
    total: Decimal
    total_capitals: str
    created: date

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.header.status, self.header.status)

    @property
    def rows(self) -> Iterable[RegisterRow]:
        return (item for item in self.body if isinstance(item, RegisterRow))


def register_title(jurisdiction_name: str, month: str) -> str:
    year, mon = month.split("-")
    return f"{jurisdiction_name}{year}年{int(mon)}月社会救助资金发放花名册"


def created_on(header: CycleHeader, given: date | None) -> date:
    """The date the PDF carries: the one given, else the approval's, else the run's."""
    if given is not None:
        return given
    for signoff in (header.approved, header.prepared):
        if signoff is not None:
            return signoff.on
    raise Refusal(Problem(f"cycle {header.cycle_id} has no recorded run; give the register's date",
                          "register.date", field="created"))


def build_register(header: CycleHeader, lines: Iterable[StoredLine], township_names: dict[str, str],
                   created: date | None = None, notes: Mapping[str, Sequence[str]] | None = None) -> RegisterData:
    """The register of a cycle in the bank file's order, a 合计 after each township (when there are several);
    refused when the lines do not
    add up to the cycle's control totals, or a line's components to what it paid."""
    ordered = sorted(lines, key=lambda ln: ln.seq)
    count = len(ordered)
    total = sum((ln.amount for ln in ordered), ZERO)
    if (count, total) != (header.count, header.total):
        raise Refusal(f"cycle {header.cycle_id}: its lines hold {count} households and {total:.2f}, but the cycle "
                      f"records {header.count} and {header.total:.2f}; verify the ledger")
    body: list[RegisterRow | Subtotal] = []
    by_program: dict[str, list] = {}
    by_township: list[Subtotal] = []
    by_township_program: list[Subtotal] = []
    for township, township_lines in _groups(ordered, lambda ln: ln.township):
        name = township_names.get(township, township)
        programs: dict[str, list] = {}
        t_people, t_figures = 0, NO_FIGURES
        for ln in township_lines:
            row = _row(header, ln, name, notes.get(ln.household_id, ()) if notes else ())
            body.append(row)
            t_people += ln.members
            t_figures = t_figures.plus(row.figures)
            for bucket in (programs.setdefault(ln.program, [0, 0, NO_FIGURES]),
                           by_program.setdefault(ln.program, [0, 0, NO_FIGURES])):
                bucket[0] += 1
                bucket[1] += ln.members
                bucket[2] = bucket[2].plus(row.figures)
        township_total = Subtotal(f"{name} 合计", len(township_lines), t_people, t_figures, township, None)
        body.append(township_total)
        by_township.append(township_total)
        by_township_program += [Subtotal(f"{name} {PROGRAM_NAMES.get(p, p)}", *programs[p], township, p)
                                for p in _program_order(programs)]
    if len(by_township) == 1:  # one township's register: its 总计 is the township's total, printed once
        body.pop()
    order = _program_order(by_program)
    by_program_totals = tuple(Subtotal(PROGRAM_NAMES.get(p, p), *by_program[p], program=p) for p in order)
    return RegisterData(
        header=header,
        title=register_title(header.jurisdiction_name, header.month),
        programs=tuple(PROGRAM_TITLES.get(p, p) for p in order),
        body=tuple(body),
        by_program=by_program_totals,
        by_township=tuple(by_township),
        by_township_program=tuple(by_township_program),
        count=count,
        people=sum(s.people for s in by_township),
        figures=_sum(s.figures for s in by_township),
        total=total,
        total_capitals=rmb_capitals(total),
        created=created_on(header, created),
    )


def _row(header: CycleHeader, ln: StoredLine, township_name: str, notes: Sequence[str] = ()) -> RegisterRow:
    """A line's row; `notes`: what the cross-checks found about the household (数据比对: … 已排除), after its 备注."""
    parts = line_parts(ln.program, ln.components, ln.amount, ln.track_status, ln.exit_month)
    if not adds_up(parts.figures):
        raise Refusal(f"cycle {header.cycle_id}: the components of household {ln.household_id}'s line do not add up "
                      f"to the {ln.amount:.2f} it pays; verify the ledger")
    return RegisterRow(ln.seq, ln.household_id, ln.head_name, mask(ln.head_id_number), AREA_NAMES.get(ln.area, ln.area),
                       parts.category, ln.members, parts.figures, ln.payee_name, mask(ln.bank_account),
                       "；".join(([parts.note] if parts.note else []) + list(notes)),
                       township_name, PROGRAM_NAMES.get(ln.program, ln.program))


def _sum(figures: Iterable[Figures]) -> Figures:
    total = NO_FIGURES  # not sum(): Figures is a tuple, and + would join them
    for one in figures:
        total = total.plus(one)
    return total


def _program_order(found: dict[str, list]) -> list[str]:
    return [p for p in PROGRAM_NAMES if p in found] + sorted(p for p in found if p not in PROGRAM_NAMES)


def _groups(items: Sequence, key) -> Iterable[tuple[object, list]]:
    """Consecutive runs of equal key in an ordered list."""
    start = 0
    for index in range(1, len(items) + 1):
        if index == len(items) or key(items[index]) != key(items[start]):
            yield key(items[start]), list(items[start:index])
            start = index
