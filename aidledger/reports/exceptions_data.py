"""The exceptions an auditor looks for, found in plain records (pure).

Each finder takes what the storage module read (payments, the registry, reserve cases, bank
returns, the verify report) and returns `AuditException`s naming the household (or person),
the month, the amount and the rule with its figures. The kinds, in the order the audit pack
lists them:

  after_end        a payment for a month after the household's end (terminated before the
                   month) or counting a member who died before it (facts.counts)
  duplicate_id     one id number paid in two households in a month, or paid twice in a month
  amount_differs   a stored amount that is not what the rules give for the stored registry and
                   policies (the same computation as `aidledger explain`), once what later cycles
                   settled for that month (arrears paid, receivables claimed) is counted
  reserve_overdue  an emergency payment from a township reserve not documented by its deadline
                   (temporary.documentation_days), or documented late
  return_open      a bank return neither re-issued nor cancelled 30 days after it came back
  cap_override     refused or overridden purchased-services cap checks: the cap is checked on
                   every purchase and a refusal writes nothing, so none can exist
  receivable       open receivables (追回): months paid and found overpaid, not yet
                   recovered in full
  shared_account   one bank account paid for two or more households in a month: declared shared
                   (shared_account = yes, an institution's account) or not
  held             a line a cycle held (暂缓: its payee died), released by a later cycle or still unpaid
  matching         the cross-checks' findings (数据比对) of the year's posted cycles and how each was resolved
  verify           every problem `ledger verify` reports

An exception's amount is the part in question, not the whole line: what was paid beyond the rules (after the
end, or counted for a member who had died), the difference from the rules (positive overpaid, negative
unpaid), the return not yet cleared, the held month still unpaid. A payment the bank returned is not called
paid: its text says how much came back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from aidledger.disbursement.entitlement.compute import MonthComputer, household_on
from aidledger.disbursement.matching.views import FindingView
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.rules import Benefit, compute_month
from aidledger.disbursement.rules.facts import first_day, month_of, next_month
from aidledger.disbursement.rules.first_month import CountyStart
from aidledger.disbursement.rules.one_offs import PriceDeclaration
from aidledger.errors import Refusal
from aidledger.labels import recovery_reason
from aidledger.masking import mask
from aidledger.policy import EffectivePolicy, PolicySnapshot
from aidledger.policy.missing import MissingParameter

ZERO = Decimal("0.00")
RETURN_CLEARING_DAYS = 30
NO_CAP_OVERRIDES = ("不存在超限额放行：每笔购买服务支出都按限额检查，超过限额的购买被拒绝，不留任何记录，"
                    "也没有任何操作可以越过限额。")


@dataclass(frozen=True)
class AuditException:
    kind: str
    household: str  # household id, or the person (name and masked id number) of a reserve case
    month: str  # YYYY-MM the payment was for, or "—"
    amount: Decimal | None
    rule: str  # the rule and the figures that break it


@dataclass(frozen=True)
class ExceptionKind:
    kind: str
    title: str
    rule: str
    amount_title: str = "金额"  # what the amount column of the kind's table holds


KINDS = (
    ExceptionKind("after_end", "终止或死亡后仍发放",
                  "家庭在某月之前已终止救助的，不再发放该月；成员在某月第一天之前死亡的，不计入该月人数。"
                  "金额为多发部分：实际发放（银行退回的除外）减去按规则应发的金额。", "多发金额"),
    ExceptionKind("duplicate_id", "同一身份证号重复领取",
                  "一人只属于一户：同一身份证号每月只能在一户中计发一次。", "涉及金额"),
    ExceptionKind("amount_differs", "金额与规则不符",
                  "发放金额应等于按登记信息和政策标准计算的金额（每户每月的计算依据可在系统中查看）；"
                  "退票重发的金额不参与比较；已列入终止或死亡后仍发放的不重复列示。金额为差额：多发为正，少发为负。",
                  "差额"),
    ExceptionKind("reserve_overdue", "备用金先行救助逾期未补充说明",
                  "乡镇备用金先行救助的个案，应在政策规定的期限内补充说明。", "个案金额"),
    ExceptionKind("return_open", f"银行退票超过 {RETURN_CLEARING_DAYS} 天未处理",
                  f"银行退回的款项应在 {RETURN_CLEARING_DAYS} 天内重新发放或退回原资金；退回的款项未到达救助对象。",
                  "退回金额"),
    ExceptionKind("cap_override", "购买服务超限额放行",
                  "购买服务支出每年不得超过基数乘以比例的限额；超过限额的购买被拒绝。"),
    ExceptionKind("receivable", "应收未追回款项",
                  "多发或错发的款项（死亡后发放、超标准发放）记为应收款，直至追回。", "未追回"),
    ExceptionKind("shared_account", "多户共用同一收款账户",
                  "一个收款账户只发放给一户，登记为共用账户的除外（如集中供养特困人员的供养机构账户）；"
                  "无论是否登记为共用，所有共用账户均列出。", "账户收款合计"),
    ExceptionKind("held", "暂缓发放",
                  "收款人去世的，该户当月暂缓发放，待指定新的收款人后补发；金额为截至截止日仍未发放的部分。",
                  "未发金额"),
    ExceptionKind("matching", "数据比对发现",
                  "每次计算发放批次时，将计入人数的成员与民政以外部门的名单（火化、财政供养、车辆、工商登记等）比对；"
                  "每条发现须经审批人核实（暂缓发放该户，待登记名册事件）或排除（写明理由）后方可审批。"
                  "列出本年已审批批次的全部发现及其处理。", ""),
    ExceptionKind("verify", "账簿校验失败",
                  "账簿校验：分录哈希链、各科目余额和各明细账应相互一致。", ""),
)


class PaidLine(NamedTuple):
    """A household's payment in a posted cycle (a named tuple: a county's year makes a million)."""

    cycle_id: int
    month: str
    household_id: str
    program: str
    members: int  # the members the cycle counted
    amount: Decimal  # as paid, additions included
    added: Decimal  # of which additions beyond the month's rules: re-issued returns, instalments, arrears
    id_numbers: tuple[str, ...]  # the head's and every member named in a component
    settled: Decimal = ZERO  # for this month by later cycles: arrears paid minus receivables claimed
    bank_account: str = ""  # where it was paid
    returned: Decimal = ZERO  # of the amount, what the bank returned by the cut-off (it never reached the household)

    @property
    def own(self) -> Decimal:
        """The month's own payment, additions for other months and instalments aside."""
        return self.amount - self.added

    def sent(self, figure: Decimal) -> str:
        """`figure` as sent by the cycle, naming what the bank returned of it (a return is not a payment)."""
        back = f"（其中 {self.returned:,.2f} 元被银行退回）" if self.returned else ""
        return f"第 {self.cycle_id} 号发放批次计发 {figure:,.2f} 元{back}"


@dataclass(frozen=True)
class HeldRecord:
    """A line a cycle held (cycle_held), and the later cycle that paid it, if one did by the cut-off."""

    cycle_id: int
    month: str
    household_id: str
    payee_name: str
    amount: Decimal
    reason: str
    released_by: int | None = None  # the cycle whose line paid it
    released_month: str | None = None


@dataclass(frozen=True)
class ReserveCaseRecord:
    case_id: int
    township: str
    township_name: str
    id_number: str
    name: str
    amount: Decimal
    paid_on: date
    deadline: date
    documented_on: date | None


@dataclass(frozen=True)
class BankReturnRecord:
    return_id: int
    cycle_id: int
    month: str
    household_id: str
    amount: Decimal
    reason: str
    returned_on: date
    resolved_on: date | None
    resolution: str | None


@dataclass(frozen=True)
class ReceivableRecord:
    household_id: str
    month: str
    amount: Decimal
    outstanding: Decimal
    reason: str


Expected = Mapping[tuple[str, str], Benefit | str]  # (household, month) → what the rules give, or why they cannot


def _overpaid(line: PaidLine, expected: Expected | None, whole: bool) -> Decimal | None:
    """What the line paid for its month beyond the rules, the returned part left out; None when the rules could not
    say (then only a termination, which allows nothing, has a known overpaid part)."""
    benefit = expected.get((line.household_id, line.month)) if expected is not None else None
    if isinstance(benefit, Benefit):
        entitled = benefit.amount
    elif whole:
        entitled = ZERO
    else:
        return None
    return max(line.own - line.returned - entitled, ZERO)


def payments_after_end(lines: Iterable[PaidLine], registry: Mapping[str, StoredHousehold],
                       expected: Expected | None = None) -> list[AuditException]:
    """Months paid after the household's end, or counting a member who had died, each with its overpaid part (the
    whole month's own payment after a termination; after a death, what was paid beyond the rules for the members
    alive: `expected`, from `expected_amounts`)."""
    found = []
    for line in lines:
        record = registry.get(line.household_id)
        if record is None or not (record.events or any(m.death_date for m in record.members)):
            continue  # no event (no termination) and no death recorded: nothing ended
        day = first_day(line.month)
        state = record.on(day)
        if state.terminated_on is not None and state.terminated_on < day:
            over = _overpaid(line, None, whole=True)
            found.append(AuditException("after_end", line.household_id, line.month, over,
                                        f"已于 {state.terminated_on} 终止救助（早于 {day}），{line.sent(line.own)}"
                                        f"（{line.month} 当月），多发 {over:,.2f} 元"))
            continue
        dead = [m for m in state.members if m.death_date is not None and m.death_date < day]
        alive = len(state.members) - len(dead)
        if dead and line.members > alive:
            who = "，".join(f"{m.name} {mask(m.id_number)} 于 {m.death_date} 死亡" for m in dead)
            over = _overpaid(line, expected, whole=False)
            benefit = expected.get((line.household_id, line.month)) if expected is not None else None
            part = (f"按在世 {alive} 人应发 {benefit.amount:,.2f} 元，多发 {over:,.2f} 元"
                    if isinstance(benefit, Benefit) and over is not None else "多发金额无法按规则计算")
            found.append(AuditException("after_end", line.household_id, line.month, over,
                                        f"{who}（早于 {day}）：{line.sent(line.own)}，按 {line.members} "
                                        f"人计发，{day} 在世 {alive} 人；{part}"))
    return found


def shared_accounts(lines: Iterable[PaidLine], registry: Mapping[str, StoredHousehold]) -> list[AuditException]:
    """Every account paid for more than one household in a month, saying whether the registry declared it shared."""
    paid: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for line in lines:
        if line.bank_account:
            paid[(line.month, line.bank_account)][line.household_id] = line.amount
    found = []
    for (month, account), households in sorted(paid.items()):
        if len(households) < 2:
            continue
        day = first_day(month)
        declared = all(h in registry and registry[h].on(day).household.shared_account for h in households)
        why = ("各户均登记为共用账户" if declared else "并非各户均登记为共用账户：一个账户只应发放给一户")
        found.append(AuditException(
            "shared_account", "、".join(sorted(households)), month, sum(households.values(), ZERO),
            f"账户 {mask(account)} 在 {month} 为 {len(households)} 户收款；{why}"))
    return found


def duplicate_ids(lines: Iterable[PaidLine], cases: Iterable[ReserveCaseRecord]) -> list[AuditException]:
    """An id number in two households' payments of a month; an id number paid twice in a month."""
    first: dict[tuple[str, str], PaidLine] = {}  # (month, id number) → the first line counting it
    again: dict[tuple[str, str], dict[str, Decimal]] = {}  # the same, where a second household counts it
    for line in lines:
        ids = line.id_numbers
        for id_number in (dict.fromkeys(ids) if len(ids) > 1 else ids):
            key = (line.month, id_number)
            seen = first.setdefault(key, line)
            if seen is line:
                continue
            if seen.household_id == line.household_id and key not in again:
                first[key] = line  # the same household again (a second cycle of the month): its latest amount
            else:
                again.setdefault(key, {seen.household_id: seen.amount})[line.household_id] = line.amount
    found = []
    for (month, id_number), paid in sorted(again.items()):
        if len(paid) > 1:
            found.append(AuditException(
                "duplicate_id", "、".join(sorted(paid)), month, sum(paid.values(), ZERO),
                f"身份证号 {mask(id_number)} 在 {month} 计入 {len(paid)} 户的发放"))
    by_person: dict[tuple[str, str], list[ReserveCaseRecord]] = defaultdict(list)
    for case in cases:
        by_person[(month_of(case.paid_on), case.id_number)].append(case)
    for (month, id_number), group in sorted(by_person.items()):
        if len(group) > 1:
            group.sort(key=lambda c: (c.paid_on, c.case_id))
            again = sum((c.amount for c in group[1:]), ZERO)
            found.append(AuditException(
                "duplicate_id", f"{group[0].name} {mask(id_number)}", month, again,
                f"{month} 从乡镇备用金领取 {len(group)} 次："
                + "；".join(f"第 {c.case_id} 号个案 {c.paid_on} {c.amount:,.2f} 元（{c.township_name}）"
                           for c in group) + f"；首次之后重复领取 {again:,.2f} 元"))
    return found


def rules_amounts(record: StoredHousehold, months: Iterable[str], computer: MonthComputer,
                  snapshot_on: Callable[[date], PolicySnapshot],
                  price_on: Callable[[str], PriceDeclaration | None] = lambda _m: None) -> dict[str, Benefit]:
    """What the rules give the household for each of `months`, computed as the cycles compute them: the 低保 track
    before the first month rebuilt as a cycle with no previous cycle rebuilds it (`computer`, of that month: walked
    from approval or the county's first month, or known without walking), then carried month to month."""
    wanted = sorted(set(months))
    out: dict[str, Benefit] = {}
    current, last = wanted[0], wanted[-1]
    track = computer.track_before(record, household_on(record, first_day(current)))
    while current <= last:
        day = first_day(current)
        benefit, track = compute_month(snapshot_on(day), household_on(record, day), track, price_on(current))
        out[current] = benefit
        current = next_month(current)
    return {month: out[month] for month in wanted}


def cannot_compute(refusal: Refusal) -> str:
    """Why the rules give no amount, in the auditor's words (a refusal speaks to the operator, in English)."""
    if isinstance(refusal, MissingParameter):
        since = f"（其首个取值自 {refusal.first_start} 起）" if refusal.first_start is not None else ""
        return f"无法按规则计算：计算所需的政策参数在 {refusal.day} 尚无取值{since}"
    if "first month" in str(refusal):
        return "无法按规则计算：该月早于本县启用月"
    return "无法按规则计算：登记信息或政策不足以计算该月金额"


def expected_amounts(lines: Iterable[PaidLine], registry: Mapping[str, StoredHousehold], policy: EffectivePolicy,
                     price_on: Callable[[str], PriceDeclaration | None] = lambda _m: None,
                     start: CountyStart | None = None,
                     progress: Callable[[int], None] = lambda _n: None) -> dict[tuple[str, str], Benefit | str]:
    """What the rules give each paid household for each paid month (the computation `explain` shows), or why they
    cannot: computed once, for the after-end and the amount checks alike. `progress` is told of each line's
    month done."""
    snapshot_on = lru_cache(maxsize=None)(policy.on)
    start = start or CountyStart("", None, False)
    computers: dict[str, MonthComputer | Refusal] = {}  # a month → its computer (policy lookups once per month)
    by_household: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        by_household[line.household_id].append(line.month)
    out: dict[tuple[str, str], Benefit | str] = {}
    for household_id, months in sorted(by_household.items()):
        progress(len(months))
        record = registry.get(household_id)
        if record is None:
            out.update({(household_id, month): f"户 {household_id} 已不在救助对象名册中" for month in months})
            continue
        first = min(months)
        computer = computers.get(first)
        if computer is None:
            computer = computers[first] = _computer(policy, first, price_on, start)
        try:
            if isinstance(computer, Refusal):
                raise computer  # the county cannot compute that month at all: each household says why
            benefits = rules_amounts(record, months, computer, snapshot_on, price_on)
        except Refusal as refusal:
            out.update({(household_id, month): cannot_compute(refusal) for month in months})
            continue
        out.update({(household_id, month): benefit for month, benefit in benefits.items()})
    return out


def _computer(policy: EffectivePolicy, month: str, price_on: Callable[[str], PriceDeclaration | None],
              start: CountyStart) -> MonthComputer | Refusal:
    """The month's computer, or why the rules compute nothing for it (before the county's first month)."""
    try:
        return MonthComputer(policy, month, price_on(month), None, start=start)
    except Refusal as refusal:
        return refusal


def amounts_differing(lines: Iterable[PaidLine], expected: Expected,
                      listed: Iterable[AuditException] = ()) -> list[AuditException]:
    """Months paid other than the rules give (`expected`, from `expected_amounts`), with the difference (positive:
    overpaid; negative: unpaid); a month already `listed` (after the end) is not listed twice."""
    skip = {(e.household, e.month) for e in listed}
    found = []
    for line in sorted(lines, key=lambda ln: (ln.household_id, ln.month)):
        if (line.household_id, line.month) in skip:
            continue
        benefit = expected.get((line.household_id, line.month))
        if not isinstance(benefit, Benefit):
            found.append(AuditException("amount_differs", line.household_id, line.month, None,
                                        str(benefit or "无法按规则计算")))
            continue
        if line.own + line.settled != benefit.amount:
            why = f"（{benefit.reason}）" if benefit.reason and not benefit.paid else ""
            later = f"，此后批次结算 {line.settled:+,.2f} 元" if line.settled else ""
            difference = line.own + line.settled - benefit.amount
            found.append(AuditException(
                "amount_differs", line.household_id, line.month, difference,
                f"{line.sent(line.own)}{later}；按登记信息和政策标准应发 {benefit.amount:,.2f} 元{why}："
                + (f"多发 {difference:,.2f} 元" if difference > 0 else f"少发 {-difference:,.2f} 元")))
    return found


def rules_exceptions(lines: Sequence[PaidLine], registry: Mapping[str, StoredHousehold], policy: EffectivePolicy,
                     price_on: Callable[[str], PriceDeclaration | None] = lambda _m: None,
                     start: CountyStart | None = None, progress: Callable[[int], None] = lambda _n: None
                     ) -> tuple[list[AuditException], list[AuditException]]:
    """The two kinds that need the rules recomputed, for `lines` (whole households: a household's months are
    walked together): the payments after the end, then the amounts differing, each in its reading order (month
    then household; household then month) whichever share of a county's lines it is given."""
    expected = expected_amounts(lines, registry, policy, price_on, start, progress=progress)
    after_end = sorted(payments_after_end(lines, registry, expected), key=lambda e: (e.month, e.household))
    return after_end, amounts_differing(lines, expected, listed=after_end)


def held_lines(held: Iterable[HeldRecord], as_of: date) -> list[AuditException]:
    """Every held line: the unpaid part is its amount until a later cycle (counted by the cut-off) paid it."""
    found = []
    for h in sorted(held, key=lambda r: (r.cycle_id, r.household_id)):
        why = re.sub(r"，?\s*待以\s*[A-Za-z_]+\s*事件", "，待", h.reason.replace(": ", "：").replace(", ", "，"))
        if h.released_by is not None:
            state, unpaid = f"已由第 {h.released_by} 号发放批次（{h.released_month}）补发", ZERO
        else:
            state, unpaid = f"截至 {as_of} 尚未补发", h.amount
        found.append(AuditException("held", h.household_id, h.month, unpaid,
                                    f"第 {h.cycle_id} 号发放批次暂缓发放 {h.amount:,.2f} 元（{why}）；{state}"))
    return found


def cross_check_findings(findings: Iterable[FindingView]) -> list[AuditException]:
    """Every finding of the cross-checks (数据比对) with its resolution: who confirmed or dismissed it, when, why."""
    out = []
    for f in findings:
        if f.status == "open":
            how = "未处理"
        else:
            how = f"{f.status_name}（{f.resolved_by_name or f.resolved_by}，{f.resolved_on}：{f.resolution_reason}）"
            if f.todo:
                how += f"；{f.todo}"
        out.append(AuditException("matching", f.household_id, f.month, None,
                                  f"第 {f.cycle_id} 号发放批次 {f.kind_name}：{f.reason}"
                                  f"（{f.name} {mask(f.id_number)}）；{how}"))
    return out


def overdue_reserve_cases(cases: Iterable[ReserveCaseRecord], as_of: date) -> list[AuditException]:
    found = []
    for case in sorted(cases, key=lambda c: c.case_id):
        who = f"{case.name} {mask(case.id_number)}"
        documented = case.documented_on if case.documented_on is not None and case.documented_on <= as_of else None
        if documented is None and case.deadline < as_of:
            found.append(AuditException(
                "reserve_overdue", who, month_of(case.paid_on), case.amount,
                f"第 {case.case_id} 号个案（{case.township_name}）于 {case.paid_on} 发放，应于 {case.deadline} 前"
                f"补充说明；截至 {as_of} 未补充，逾期 {(as_of - case.deadline).days} 天"))
        elif documented is not None and documented > case.deadline:
            found.append(AuditException(
                "reserve_overdue", who, month_of(case.paid_on), case.amount,
                f"第 {case.case_id} 号个案（{case.township_name}）于 {case.paid_on} 发放，应于 {case.deadline} 前"
                f"补充说明；{documented} 才补充，迟 {(documented - case.deadline).days} 天"))
    return found


def open_bank_returns(returns: Iterable[BankReturnRecord], as_of: date,
                      days: int = RETURN_CLEARING_DAYS) -> list[AuditException]:
    found = []
    for r in sorted(returns, key=lambda r: r.return_id):
        if r.returned_on > as_of or (r.resolved_on is not None and r.resolved_on <= as_of):
            continue
        if r.returned_on + timedelta(days=days) < as_of:
            found.append(AuditException(
                "return_open", r.household_id, r.month, r.amount,
                f"第 {r.cycle_id} 号发放批次的第 {r.return_id} 号退票（{r.reason}）于 {r.returned_on} 退回；截至 "
                f"{as_of} 既未重新发放也未退回原资金，已 {(as_of - r.returned_on).days} 天（期限 {days} 天）"))
    return found


def open_receivables(receivables: Iterable[ReceivableRecord]) -> list[AuditException]:
    return [AuditException("receivable", r.household_id, r.month, r.outstanding,
                           f"应收 {r.amount:,.2f} 元（{recovery_reason(r.reason)}），尚未追回 {r.outstanding:,.2f} 元")
            for r in receivables if r.outstanding > 0]


_BALANCE = re.compile(r"stored balance of (?P<account>\S+) / (?P<fund>\S+) on (?P<day>\S+) is (?P<hd>-?\d+) / "
                      r"(?P<hc>-?\d+) fen \(debit / credit\) but the journal sums to (?P<wd>-?\d+) / (?P<wc>-?\d+)")
_ENTRY = re.compile(r"entry (\d+)")


def _yuan(fen: str) -> str:
    return f"{Decimal(fen) / 100:,.2f}"


def verify_problem(problem: str, accounts: Mapping[str, str] = {}, funds: Mapping[str, str] = {}) -> str:
    """A `ledger verify` problem as an auditor reads it: in Chinese, accounts and funds by their titles."""
    balance = _BALANCE.search(problem)
    if balance:
        g = balance.groupdict()
        return (f"科目余额表与分录不符：{accounts.get(g['account'], '某科目')}（{funds.get(g['fund'], '某资金')}）"
                f" {g['day']} 的余额记借方 {_yuan(g['hd'])} 元、贷方 {_yuan(g['hc'])} 元，分录合计借方 "
                f"{_yuan(g['wd'])} 元、贷方 {_yuan(g['wc'])} 元")
    entry = _ENTRY.search(problem)
    where = f"第 {entry.group(1)} 号分录：" if entry else ""
    for words, said in (("previous-hash", "与前一分录的哈希链接不符"), ("digest", "内容与记账时的摘要不符"),
                        ("stored hash", "存储的哈希值与重新计算的不符"), ("sequence gap", "分录编号不连续"),
                        ("head row", "缺少链头记录"), ("more balance", "另有更多科目余额不符"),
                        ("checkpoint", "账簿未延续审计检查点"), ("evidence", "证据链（印记）不符")):
        if words in problem:
            return where + said
    return where + "账簿校验发现不一致（详见系统的账簿校验结果）"


def verify_failures(problems: Iterable[str], accounts: Mapping[str, str] = {},
                    funds: Mapping[str, str] = {}) -> list[AuditException]:
    return [AuditException("verify", "—", "—", None, verify_problem(p, accounts, funds)) for p in problems]
