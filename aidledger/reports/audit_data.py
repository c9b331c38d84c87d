"""The yearly audit pack of a jurisdiction as plain data (pure).

Sections, in the order the PDF prints them:
  cover             the result of `ledger verify` and the hash chain's head
  fund statement    per fund: opening, received, spent by program, committed, closing
                    (closing = opening + received − spent; available = closing − committed)
  budget execution  the purchased-services cap: base kind, base, rate, cap, used, headroom
  disbursement      each month's counted cycles by programme, urban and rural, their amounts split (audit_months.py)
  reserves          per township: advanced, paid, replenished, balance, undocumented, overdue
  trial balance     every account and fund at the as-of date, with the totals
  exceptions        exceptions_data.py's kinds, each with its items or a note that there are none
  beyond the base   the year's temporary grants, arrears paid, receivables and price-subsidy
                    declarations

Every section stands on one cut-off, the end of the as-of day: the cycles counted are those approved by then (and
not cancelled by then), of the months up to the as-of day's; grants, receivables, returns and their resolutions,
reserve cases, the trial balance and the funds are as the books stood that day.

The storage module reads the books into these records; nothing here reads a database. The reconciliation bridge
and the schedules are built by their own modules (bridge_data.py, schedules_data.py) and drawn, when set, after the
fund statement and at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .audit_months import ProgrammeMonth
from .bridge_data import Bridge
from .exceptions_data import KINDS, NO_CAP_OVERRIDES, AuditException
from .schedules_data import Schedules

ZERO = Decimal("0.00")
# Spending heads of the fund statement: expense accounts by prefix, in the order printed.
SPENDING_HEADS = (
    ("低保", "Expenses:Dibao:"),
    ("特困", "Expenses:Tekun:"),
    ("低收入", "Expenses:LowIncome:"),
    ("临时救助", "Expenses:Temporary"),
    ("价格补贴", "Expenses:PriceSubsidy"),
    ("取暖", "Expenses:Heating"),
    ("购买服务", "Expenses:PurchasedServices"),
    ("工作经费", "Expenses:Administration"),
    ("转移支付", "Expenses:Allocations:Transferred"),
    ("其他", ""),
)


@dataclass(frozen=True)
class CheckpointResult:
    """An auditor's checkpoint the pack was checked against: which heads it states, and whether the books extend
    it."""

    name: str  # the file's name as given
    seq: int
    evidence_seq: int
    at: str
    extends: bool


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    lines: int
    head_hash: str
    first_failing_entry: int | None
    problems: tuple[str, ...]
    evidence_seq: int = 0
    evidence_mac: str = ""
    checkpoints: tuple[CheckpointResult, ...] = ()
    authenticated: bool = True  # False: a local single-user book (db upgrade --no-auth), whose users never signed in


@dataclass(frozen=True)
class ExpenseMovement:
    """Debits and credits of one expense account and fund over the period."""

    account: str
    fund: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class FundFigure:
    """One fund as `budget status` reads it from the books (figures.FundFigures)."""

    fund: str
    name: str
    opening: Decimal
    received: Decimal
    spent: Decimal
    committed: Decimal


@dataclass(frozen=True)
class FundStatement:
    fund: str
    name: str
    opening: Decimal
    received: Decimal
    spent_by_head: tuple[Decimal, ...]  # aligned with SPENDING_HEADS
    spent: Decimal
    committed: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.received - self.spent

    @property
    def available(self) -> Decimal:
        return self.closing - self.committed


@dataclass(frozen=True)
class CapStatus:
    base_kind: str
    base_name: str
    base: Decimal
    rate: Decimal
    cap: Decimal
    used: Decimal

    @property
    def headroom(self) -> Decimal:
        return self.cap - self.used


@dataclass(frozen=True)
class ReserveRow:
    township: str
    name: str
    carried: Decimal  # carried over from the old books at the county's first month
    advanced: Decimal
    paid: Decimal
    replenished: Decimal
    balance: Decimal
    undocumented: int
    overdue: int


@dataclass(frozen=True)
class TrialRow:
    account: str
    title: str
    fund: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class ExceptionSection:
    kind: str
    title: str
    rule: str
    items: tuple[AuditException, ...]
    note: str  # said when there are no items
    amount_title: str = "金额"  # the amount column's heading: the part in question (多发金额, 差额, 未发金额 …)


@dataclass(frozen=True)
class GrantRow:
    """A temporary grant (支出型临时救助) paid, or due, in the year."""

    grant_id: int
    household_id: str
    total: Decimal
    instalments: int
    first_month: str
    paid: Decimal  # by posted cycles, all years
    committee_ref: str | None
    granted_by: str
    approved_by: str | None


@dataclass(frozen=True)
class ArrearsRow:
    """Arrears (补发) a posted cycle of the year paid for an earlier month."""

    paid_in: str  # the cycle's month
    month: str  # the month they make up for
    households: int
    amount: Decimal


@dataclass(frozen=True)
class ReceivableRow:
    """A receivable (追回) created in the year, with what has come back."""

    receivable_id: str
    household_id: str
    month: str
    reason: str
    amount: Decimal
    recovered: Decimal
    created_on: date

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.recovered


@dataclass(frozen=True)
class DeclarationRow:
    """The price-subsidy declaration a month of the year used (价格临时补贴)."""

    month: str
    jurisdiction: str
    cpi: Decimal
    food: Decimal


@dataclass(frozen=True)
class BeyondTheBase:
    grants: tuple[GrantRow, ...] = ()
    arrears: tuple[ArrearsRow, ...] = ()
    receivables: tuple[ReceivableRow, ...] = ()
    declarations: tuple[DeclarationRow, ...] = ()


@dataclass(frozen=True)
class AuditPack:
    jurisdiction: str
    name: str
    year: int
    as_of: date
    created: date
    verify: VerifyResult
    funds: tuple[FundStatement, ...]
    cap: CapStatus | None
    months: tuple[ProgrammeMonth, ...]  # January to the as-of month, each programme
    reserves: tuple[ReserveRow, ...]
    trial: tuple[TrialRow, ...]
    exceptions: tuple[ExceptionSection, ...]
    beyond: BeyondTheBase = BeyondTheBase()
    cycles: tuple[int, ...] = ()  # the cycles counted, by the cut-off
    bridge: Bridge | None = None  # the reconciliation bridge, drawn after the fund statement
    schedules: Schedules | None = None  # the schedules (附表), drawn at the end

    @property
    def title(self) -> str:
        return f"{self.name}（{self.jurisdiction}）{self.year}年度社会救助资金审计资料"

    @property
    def fund_total(self) -> FundStatement:
        return FundStatement(
            "total", "合计", sum((f.opening for f in self.funds), ZERO),
            sum((f.received for f in self.funds), ZERO),
            tuple(sum((f.spent_by_head[i] for f in self.funds), ZERO) for i in range(len(SPENDING_HEADS))),
            sum((f.spent for f in self.funds), ZERO), sum((f.committed for f in self.funds), ZERO))

    @property
    def trial_debit(self) -> Decimal:
        return sum((r.debit for r in self.trial), ZERO)

    @property
    def trial_credit(self) -> Decimal:
        return sum((r.credit for r in self.trial), ZERO)

    @property
    def exception_count(self) -> int:
        return sum(len(s.items) for s in self.exceptions)


def spending_head(account: str) -> int:
    """The index in SPENDING_HEADS of an expense account (the last, 其他, when no prefix matches)."""
    for index, (_, prefix) in enumerate(SPENDING_HEADS[:-1]):
        if account.startswith(prefix):
            return index
    return len(SPENDING_HEADS) - 1


def fund_statements(figures: Iterable[FundFigure], expenses: Iterable[ExpenseMovement]) -> tuple[FundStatement, ...]:
    """Each fund's figures with its spending split by head; the heads add up to the fund's spent."""
    split: dict[str, list[Decimal]] = {}
    for m in expenses:
        heads = split.setdefault(m.fund, [ZERO] * len(SPENDING_HEADS))
        heads[spending_head(m.account)] += m.debit - m.credit
    out = []
    for f in figures:
        heads = split.get(f.fund, [ZERO] * len(SPENDING_HEADS))
        if sum(heads, ZERO) != f.spent:
            raise ValueError(f"fund {f.fund}: the expense accounts hold {sum(heads, ZERO):.2f}, not the {f.spent:.2f} "
                             "spent")
        out.append(FundStatement(f.fund, f.name, f.opening, f.received, tuple(heads), f.spent, f.committed))
    return tuple(out)


def exception_sections(found: Sequence[AuditException]) -> tuple[ExceptionSection, ...]:
    sections = []
    for kind in KINDS:
        items = tuple(e for e in found if e.kind == kind.kind)
        note = "未发现。"
        if kind.kind == "cap_override":
            note = NO_CAP_OVERRIDES
        sections.append(ExceptionSection(kind.kind, kind.title, kind.rule, items, note, kind.amount_title))
    return tuple(sections)
