"""The payment register (发放花名册) of a cycle as plain data: rows, subtotals, totals, sign-offs.

Pure: built from the cycle's stored lines as the storage module reads them, so the register
is testable as data and the PDF only draws what is here. Personal numbers are masked
(first 6 and last 4 kept) before they reach the data: a printed register never carries them
whole. Rows are ordered by township, program and household; after each program of a
township comes its subtotal (小计), after each township its total (合计).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from aidledger.errors import Refusal
from aidledger.labels import CYCLE_STATUS_NAMES, PROGRAM_NAMES, PROGRAM_TITLES
from aidledger.masking import mask
from aidledger.problems import Problem

from .capitals import rmb_capitals

ZERO = Decimal("0.00")
STATUS_NAMES = CYCLE_STATUS_NAMES


class StoredLine(NamedTuple):
    """One cycle line as stored (a NamedTuple: a register may hold a million of them)."""

    household_id: str
    head_name: str
    head_id_number: str
    township: str
    members: int
    program: str
    amount: Decimal
    bank_account: str


class RegisterRow(NamedTuple):
    """One printed row: 序号, 户编号, 户主, 身份证号, 乡镇, 人数, 项目, 金额, 银行账号."""

    seq: int
    household_id: str
    head_name: str
    head_id_number: str  # masked
    township: str  # the township's name
    members: int
    program: str  # 低保 / 特困 / 低收入
    amount: Decimal
    bank_account: str  # masked


@dataclass(frozen=True)
class Subtotal:
    """小计 of one program in a township (program set), 合计 of a township, or a program over the county."""

    label: str
    households: int
    people: int
    amount: Decimal
    township: str | None = None
    program: str | None = None


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
    count: int
    people: int
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
                   created: date | None = None) -> RegisterData:
    """The register of a cycle; refused when the lines do not add up to the cycle's control totals."""
    ordered = sorted(lines, key=lambda ln: (ln.township, ln.program, ln.household_id))
    count = len(ordered)
    total = sum((ln.amount for ln in ordered), ZERO)
    if (count, total) != (header.count, header.total):
        raise Refusal(f"cycle {header.cycle_id}: its lines hold {count} households and {total:.2f}, but the cycle "
                      f"records {header.count} and {header.total:.2f}; verify the ledger")
    body: list[RegisterRow | Subtotal] = []
    by_program: dict[str, list] = {}
    by_township: list[Subtotal] = []
    seq = 0
    for township, township_lines in _groups(ordered, lambda ln: ln.township):
        name = township_names.get(township, township)
        t_count = t_people = 0
        t_amount = ZERO
        for program, group in _groups(township_lines, lambda ln: ln.program):
            short = PROGRAM_NAMES.get(program, program)
            people = 0
            amount = ZERO
            for ln in group:
                seq += 1
                body.append(RegisterRow(seq, ln.household_id, ln.head_name, mask(ln.head_id_number), name,
                                        ln.members, short, ln.amount, mask(ln.bank_account)))
                people += ln.members
                amount += ln.amount
            body.append(Subtotal(f"{name} {short} 小计", len(group), people, amount, township, program))
            bucket = by_program.setdefault(program, [0, 0, ZERO])
            bucket[0] += len(group)
            bucket[1] += people
            bucket[2] += amount
            t_count, t_people, t_amount = t_count + len(group), t_people + people, t_amount + amount
        township_total = Subtotal(f"{name} 合计", t_count, t_people, t_amount, township, None)
        body.append(township_total)
        by_township.append(township_total)
    order = [p for p in PROGRAM_NAMES if p in by_program] + sorted(p for p in by_program if p not in PROGRAM_NAMES)
    return RegisterData(
        header=header,
        title=register_title(header.jurisdiction_name, header.month),
        programs=tuple(PROGRAM_TITLES.get(p, p) for p in order),
        body=tuple(body),
        by_program=tuple(Subtotal(PROGRAM_NAMES.get(p, p), *by_program[p], program=p) for p in order),
        by_township=tuple(by_township),
        count=count,
        people=sum(s.people for s in by_township),
        total=total,
        total_capitals=rmb_capitals(total),
        created=created_on(header, created),
    )


def _groups(items: Sequence, key) -> Iterable[tuple[object, list]]:
    """Consecutive runs of equal key in an ordered list."""
    start = 0
    for index in range(1, len(items) + 1):
        if index == len(items) or key(items[index]) != key(items[start]):
            yield key(items[start]), list(items[start:index])
            start = index
