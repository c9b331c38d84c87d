"""The audit pack's reconciliation bridge (资金核对表) as plain data (pure).

It walks from what the cycles approved in the period paid the bank (the sum of their lines) to the expense
accounts' net movement in the ledger over the same days, one step per flow that makes them differ:
  − returns the cycles paid again (重发): charged to 银行退回待处理款, spent when first paid
  + set-offs (追回抵扣): the line pays the household less, the programme's expense carries the whole month
  − receivables the approvals raised (核定应收追回): an overpaid month's expense taken back
  − cycles cancelled after approval: their approval entry reversed
  − returns cancelled back to the fund (退票核销)
  + emergency payments from township reserves (备用金先行救助)
  ± entries the cycles do not drive, read from the journal by kind: purchases, transfers, 手工分录, 冲销分录, …
The sub-ledgers (cycle lines, re-issues, set-offs, receivables, returns, reserve cases) give the cycle steps;
whatever the ledger holds beyond them is the difference (差异), zero on sound books. Returns booked in the
period do not change the expense (the money waits in 银行退回待处理款): a memo follows them to their end.
The spending is then split by budget line (expense account) and by 政府收支分类 code, each summing to the
ledger's total. The storage module (service/bridge.py) reads the figures; nothing here reads a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aidledger.ledger.chart import STANDARD_CHART

from .classification import GROUP_OF_SPLIT, Classified, classified, code_name

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Figure:
    amount: Decimal = ZERO
    count: int = 0


@dataclass(frozen=True)
class CycleFlows:
    """What a set of cycles' approvals posted to the expense accounts, as their sub-ledgers state it."""

    cycles: int = 0
    gross: Figure = Figure()  # the lines: what the bank was sent
    reissued: Figure = Figure()  # returns paid again by these lines
    set_off: Figure = Figure()  # withheld against receivables
    receivables: Figure = Figure()  # raised by the approvals

    @property
    def expense(self) -> Decimal:
        return self.gross.amount - self.reissued.amount + self.set_off.amount - self.receivables.amount


@dataclass(frozen=True)
class SubLedgers:
    approved: CycleFlows  # cycles approved in the period
    cancelled: CycleFlows  # cycles whose approval a cancellation in the period reversed
    returns_cancelled: Figure  # returns sent back to the fund in the period
    reserve_payments: Figure  # emergency payments from township reserves


@dataclass(frozen=True)
class Step:
    key: str  # what the step is, for the programs that read it; never printed
    title: str
    amount: Decimal  # signed: what it adds on the way to the ledger's total
    count: int
    note: str = ""


# Entries the journal alone explains (no sub-ledger holds them), by entry kind, in the order printed.
JOURNAL_STEPS = (
    ("purchased_services", "加：政府购买社会救助服务", "购买服务分录（受购买服务限额控制）"),
    ("allocation_out", "加：对下级转移支付", "下拨下级的资金分录"),
    ("manual", "手工分录", "直接记入支出账户的手工调整分录"),
    ("reversal", "冲销分录", "冲销以前分录（撤销发放批次的冲销除外）"),
    ("other", "其他分录", "其他类型分录记入支出账户的金额"),
)
JOURNAL_KINDS = frozenset(kind for kind, _, _ in JOURNAL_STEPS) - {"other"}


def journal_key(kind: str) -> str:
    """The bridge step a journal entry of `kind` (outside the sub-ledgers) falls under."""
    return kind if kind in JOURNAL_KINDS else "other"


def bridge_steps(sub: SubLedgers, journal: Mapping[str, Figure]) -> tuple[Step, ...]:
    """The steps from the cycles' gross to the ledger, the difference aside; steps of nothing are left out, the
    gross never."""
    a, c = sub.approved, sub.cancelled
    steps = [
        Step("gross", "本期审批发放批次应发金额", a.gross.amount, a.gross.count,
             f"{a.cycles}个批次（按审批日期）的发放明细合计，即提交银行代发的金额"),
        Step("reissued", "减：重发以前退票", -a.reissued.amount, a.reissued.count,
             "从银行退回待处理款列支，原发放时已计入支出"),
        Step("set_off", "加：追回抵扣", a.set_off.amount, a.set_off.count,
             "从发放金额中抵扣的应收追回款，支出按全额列支"),
        Step("receivables", "减：核定应收追回", -a.receivables.amount, a.receivables.count,
             "审批时核定多发月份的应收追回款，冲减原支出"),
        Step("cancelled", "减：撤销已审批批次", -c.expense, c.cycles, "撤销批次冲销其审批分录"),
        Step("returns_cancelled", "减：退票核销退回资金", -sub.returns_cancelled.amount, sub.returns_cancelled.count,
             "退票不再重发，资金退回原支出科目"),
        Step("reserve", "加：乡镇备用金先行救助", sub.reserve_payments.amount, sub.reserve_payments.count,
             "临时救助备用金支付的个案"),
    ]
    for key, title, note in JOURNAL_STEPS:
        figure = journal.get(key, Figure())
        steps.append(Step(key, title, figure.amount, figure.count, note))
    return tuple(s for s in steps if s.key == "gross" or s.amount or s.count)


@dataclass(frozen=True)
class AccountSpending:
    """One expense account's net movement (debits less credits, all funds) over the period."""

    account: str
    title: str
    amount: Decimal


@dataclass(frozen=True)
class BudgetLine:
    title: str
    code: str  # the classification, "2082501/2082502" for an account split by area
    amount: Decimal


@dataclass(frozen=True)
class CodeLine:
    code: str
    name: str
    accounts: tuple[str, ...]  # the titles of the accounts it gathers
    amount: Decimal


@dataclass(frozen=True)
class ReturnsMemo:
    """银行退回待处理款 over the period, from the returns and their resolutions; `ledger` is the account's balance."""

    opening: Figure
    returned: Figure
    reissued: Figure
    cancelled: Figure
    ledger: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening.amount + self.returned.amount - self.reissued.amount - self.cancelled.amount

    @property
    def difference(self) -> Decimal:
        return self.ledger - self.closing


@dataclass(frozen=True)
class Bridge:
    jurisdiction: str
    name: str
    year: int
    start: date
    as_of: date
    steps: tuple[Step, ...]
    ledger_total: Decimal
    by_line: tuple[BudgetLine, ...]
    by_code: tuple[CodeLine, ...]
    returns: ReturnsMemo

    @property
    def explained(self) -> Decimal:
        return sum((s.amount for s in self.steps), ZERO)

    @property
    def difference(self) -> Decimal:
        """What the ledger holds that no step explains: zero on sound books."""
        return self.ledger_total - self.explained

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)


def _chart_order(account: str) -> tuple[int, str]:
    names = [t.name for t in STANDARD_CHART]
    return (names.index(account) if account in names else len(names), account)


def budget_lines(spending: Iterable[AccountSpending],
                 table: Mapping[str, Classified] | None = None) -> tuple[BudgetLine, ...]:
    """Each expense account with its code, in the chart's order; accounts that did not move left out."""
    out = []
    for s in sorted(spending, key=lambda s: _chart_order(s.account)):
        if not s.amount:
            continue
        c = classified(s.account, s.title, table)
        out.append(BudgetLine(s.title, c.code or "" if c.area_codes is None else "/".join(c.area_codes), s.amount))
    return tuple(out)


def code_lines(spending: Iterable[AccountSpending], by_area: Mapping[str, tuple[Decimal, Decimal]],
               table: Mapping[str, Classified] | None = None) -> tuple[CodeLine, ...]:
    """The spending by classification code. An account carrying town and country goes to its two codes by
    `by_area` (what the cycle lines paid it, urban and rural); what is left of its movement beyond them goes to
    the group's line (未分城乡), so that the codes add up to the accounts exactly."""
    amounts: dict[str, Decimal] = {}
    titles: dict[str, list[str]] = {}

    def add(code: str, title: str, value: Decimal) -> None:
        if not value:
            return
        amounts[code] = amounts.get(code, ZERO) + value
        if title not in titles.setdefault(code, []):
            titles[code].append(title)

    for s in sorted(spending, key=lambda s: _chart_order(s.account)):
        c = classified(s.account, s.title, table)
        if c.area_codes is None:
            add(c.code or "", s.title, s.amount)
            continue
        urban, rural = by_area.get(s.account, (ZERO, ZERO))
        add(c.area_codes[0], s.title, urban)
        add(c.area_codes[1], s.title, rural)
        add(GROUP_OF_SPLIT, s.title, s.amount - urban - rural)
    return tuple(CodeLine(code, code_name(code), tuple(titles[code]), amounts[code])
                 for code in sorted(amounts, key=lambda k: (k == "", k)) if amounts[code])
