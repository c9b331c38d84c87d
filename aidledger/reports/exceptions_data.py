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
  verify           every problem `ledger verify` reports
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.rules import Benefit, DibaoTrack, compute_month
from aidledger.disbursement.rules.facts import first_day, month_of, next_month
from aidledger.disbursement.rules.first_month import Begin, CountyStart
from aidledger.errors import Refusal
from aidledger.labels import recovery_reason
from aidledger.masking import mask

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


KINDS = (
    ExceptionKind("after_end", "终止或死亡后仍发放",
                  "家庭在某月之前已终止救助的，不再发放该月；成员在某月第一天之前死亡的，不计入该月人数。"),
    ExceptionKind("duplicate_id", "同一身份证号重复领取",
                  "一人只属于一户：同一身份证号每月只能在一户中计发一次。"),
    ExceptionKind("amount_differs", "金额与规则不符",
                  "发放金额应等于按登记信息和政策标准计算的金额（每户每月的计算依据可在系统中查看）；"
                  "退票重发的金额不参与比较。"),
    ExceptionKind("reserve_overdue", "备用金先行救助逾期未补充说明",
                  "乡镇备用金先行救助的个案，应在政策规定的期限内补充说明。"),
    ExceptionKind("return_open", f"银行退票超过 {RETURN_CLEARING_DAYS} 天未处理",
                  f"银行退回的款项应在 {RETURN_CLEARING_DAYS} 天内重新发放或退回原资金。"),
    ExceptionKind("cap_override", "购买服务超限额放行",
                  "购买服务支出每年不得超过基数乘以比例的限额；超过限额的购买被拒绝。"),
    ExceptionKind("receivable", "应收未追回款项",
                  "多发或错发的款项（死亡后发放、超标准发放）记为应收款，直至追回。"),
    ExceptionKind("shared_account", "多户共用同一收款账户",
                  "一个收款账户只发放给一户，登记为共用账户的除外（如集中供养特困人员的供养机构账户）；"
                  "无论是否登记为共用，所有共用账户均列出。"),
    ExceptionKind("verify", "账簿校验失败",
                  "账簿校验：分录哈希链、各科目余额和各明细账应相互一致。"),
)


@dataclass(frozen=True)
class PaidLine:
    """A household's payment in a posted cycle."""

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


def payments_after_end(lines: Iterable[PaidLine], registry: Mapping[str, StoredHousehold]) -> list[AuditException]:
    found = []
    for line in lines:
        record = registry.get(line.household_id)
        if record is None:
            continue
        day = first_day(line.month)
        state = record.on(day)
        if state.terminated_on is not None and state.terminated_on < day:
            found.append(AuditException("after_end", line.household_id, line.month, line.amount,
                                        f"已于 {state.terminated_on} 终止救助（早于 {day}），仍在第 {line.cycle_id} "
                                        f"号发放批次中发放 {line.month} 的 {line.amount:,.2f} 元"))
            continue
        dead = [m for m in state.members if m.death_date is not None and m.death_date < day]
        alive = len(state.members) - len(dead)
        if dead and line.members > alive:
            who = "，".join(f"{m.name} {mask(m.id_number)} 于 {m.death_date} 死亡" for m in dead)
            found.append(AuditException("after_end", line.household_id, line.month, line.amount,
                                        f"{who}（早于 {day}）：第 {line.cycle_id} 号发放批次按 {line.members} "
                                        f"人计发，{day} 在世 {alive} 人"))
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
    households: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for line in lines:
        for id_number in dict.fromkeys(line.id_numbers):
            households[(line.month, id_number)][line.household_id] = line.amount
    found = []
    for (month, id_number), paid in sorted(households.items()):
        if len(paid) > 1:
            found.append(AuditException(
                "duplicate_id", "、".join(sorted(paid)), month, sum(paid.values(), ZERO),
                f"身份证号 {mask(id_number)} 在 {month} 计入 {len(paid)} 户的发放"))
    by_person: dict[tuple[str, str], list[ReserveCaseRecord]] = defaultdict(list)
    for case in cases:
        by_person[(month_of(case.paid_on), case.id_number)].append(case)
    for (month, id_number), group in sorted(by_person.items()):
        if len(group) > 1:
            found.append(AuditException(
                "duplicate_id", f"{group[0].name} {mask(id_number)}", month, sum((c.amount for c in group), ZERO),
                f"{month} 从乡镇备用金领取 {len(group)} 次："
                + "；".join(f"第 {c.case_id} 号个案 {c.paid_on} {c.amount:,.2f} 元（{c.township_name}）"
                           for c in group)))
    return found


def rules_amounts(record: StoredHousehold, months: Iterable[str], snapshot_on: Callable[[date], object],
                  price_on: Callable[[str], object] = lambda _m: None,
                  begin: Begin | None = None) -> dict[str, Benefit]:
    """What the rules give the household for each month, the 渐退 track rebuilt from `begin`
    (default: approval) as explain rebuilds it."""
    wanted = set(months)
    out: dict[str, Benefit] = {}
    track, current = (begin.track, begin.month) if begin else (DibaoTrack(), month_of(record.household.approved_on))
    last = max(wanted)
    while current <= last:
        day = first_day(current)
        benefit, track = compute_month(snapshot_on(day), record.on(day), track, price_on(current))
        if current in wanted:
            out[current] = benefit
        current = next_month(current)
    for month in wanted - out.keys():  # before the month of approval
        day = first_day(month)
        out[month] = compute_month(snapshot_on(day), record.on(day), DibaoTrack(), price_on(month))[0]
    return out


def amounts_differing(lines: Iterable[PaidLine], registry: Mapping[str, StoredHousehold],
                      snapshot_on: Callable[[date], object],
                      price_on: Callable[[str], object] = lambda _m: None,
                      start: CountyStart | None = None) -> list[AuditException]:
    snapshot_on = lru_cache(maxsize=None)(snapshot_on)
    by_household: dict[str, list[PaidLine]] = defaultdict(list)
    for line in lines:
        by_household[line.household_id].append(line)
    found = []
    for household_id, paid in sorted(by_household.items()):
        record = registry.get(household_id)
        if record is None:
            found += [AuditException("amount_differs", household_id, line.month, line.amount,
                                     f"户 {household_id} 已不在救助对象名册中") for line in paid]
            continue
        try:
            begin = start.begin(household_id, record.household.approved_on) if start is not None else None
            benefits = rules_amounts(record, (line.month for line in paid), snapshot_on, price_on, begin)
        except Refusal as refusal:
            found += [AuditException("amount_differs", household_id, line.month, line.amount,
                                     f"无法按规则计算：{refusal}") for line in paid]
            continue
        for line in sorted(paid, key=lambda ln: ln.month):
            benefit = benefits[line.month]
            own = line.amount - line.added
            if own + line.settled != benefit.amount:
                why = f"（{benefit.reason}）" if benefit.reason and not benefit.paid else ""
                later = f"，此后批次结算 {line.settled:+,.2f} 元" if line.settled else ""
                found.append(AuditException(
                    "amount_differs", household_id, line.month, line.amount,
                    f"第 {line.cycle_id} 号发放批次发放 {own:,.2f} 元{later}；按登记信息和政策标准应发 "
                    f"{benefit.amount:,.2f} 元{why}：差额 {own + line.settled - benefit.amount:+,.2f} 元"))
    return found


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


def verify_failures(problems: Iterable[str]) -> list[AuditException]:
    return [AuditException("verify", "—", "—", None, problem) for problem in problems]
