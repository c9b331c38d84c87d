"""Reading the audit pack's schedules (附表) of a jurisdiction's year from the books, as they stood at the end of the
as-of day.

"As they stood" is read by the books' own dates, as the statements are: entries dated from 1 January to the as-of
day; a cycle's status, preparer and sign-offs as its transitions and sign-offs dated up to the day leave them (a
cycle of a later month, or one first run after the day, is left out); a bank return sent back by the day, with
the resolution dated by it (a later one leaves it open); the closed months of the year that had ended by the day
(a close has no date of its own in the books, only the clock's; a month closes once it is over). The
allocations are every entry that moved the books' received (the revenue accounts), so the schedule adds up to
the fund statement's 本年收入; the cap's base is the same rows for the funds and the year its rule names. The
standards are the policy the last posted cycle was computed under (its recorded file versions), else the
policy in force, on each day any of its dated values changes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.orm import Session, aliased

from aidledger.budget.rules import CAP_BASES, cap_base_funds_and_year, cap_of
from aidledger.budget.service.figures import PURCHASED_SERVICES
from aidledger.codes import AccountType, CycleStatus, SignoffAction, SignoffSubject
from aidledger.disbursement.payments.tables import BankReturn, Cycle, CycleLine, CycleTransition, ReturnResolution
from aidledger.disbursement.signoffs.rules import step_name
from aidledger.disbursement.signoffs.tables import Signoff
from aidledger.errors import Refusal
from aidledger.labels import CYCLE_STATUS_NAMES, FUND_SHORT_NAMES
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.periods import month_of
from aidledger.ledger.tables import Account, JournalEntry, JournalLine, Jurisdiction, PeriodClose
from aidledger.masking import mask
from aidledger.policy.dated import Dated
from aidledger.policy.effective import EffectivePolicy
from aidledger.policy.store import effective_policy, policy_as_loaded
from aidledger.policy.tables import PolicyFile
from aidledger.problems import Problem
from aidledger.reports.monthly_data import standards_of
from aidledger.reports.schedules_data import (
    ENTRY_KINDS,
    ZERO,
    AllocationRow,
    CapBase,
    ClosedPeriod,
    CycleRow,
    EntryRow,
    PurchaseRow,
    Purchases,
    ReturnRow,
    Schedules,
    SignedStep,
    StandardRow,
    level_of,
    outcome_of,
    standard_runs,
    supplier_of,
)
from aidledger.reports.service.register import signed_name

POSTED = (CycleStatus.APPROVED, CycleStatus.EXPORTED, CycleStatus.SETTLED)
MANUAL_KINDS = ("manual", "reversal")


def schedules(session: Session, jurisdiction: str, year: int, as_of: date | None = None) -> Schedules:
    place = require_jurisdiction(session, jurisdiction)
    start = date(year, 1, 1)
    as_of = as_of or date(year, 12, 31)
    if not start <= as_of <= date(year, 12, 31):
        raise Refusal(Problem(f"the day {as_of} is not in {year}", "audit.as_of", field="as_of"))
    names = _Names(session)
    policy = _policy(session, jurisdiction, year, as_of)
    cycles = _cycles(session, jurisdiction, year, as_of, names)
    return Schedules(
        jurisdiction=jurisdiction, name=place.name, year=year, as_of=as_of,
        allocations=allocation_rows(session, jurisdiction, start, as_of),
        purchases=Purchases(_purchases(session, jurisdiction, start, as_of),
                            _cap(session, jurisdiction, policy[0], start, as_of) if policy else None),
        cycles=cycles,
        returns=_returns(session, jurisdiction, start, as_of),
        entries=_entries(session, jurisdiction, start, as_of, names),
        closes=tuple(ClosedPeriod(c.month, names(c.closed_by), c.closed_at.date()) for c in session.scalars(
            select(PeriodClose).where(PeriodClose.jurisdiction_code == jurisdiction,
                                      PeriodClose.month >= f"{year:04d}-01",
                                      PeriodClose.month < month_of(as_of + timedelta(days=1)))
            .order_by(PeriodClose.month))),
        standards=_standards(session, policy, start, as_of) if policy else (),
    )


class _Names:
    """User name → display name, each user read once."""

    def __init__(self, session: Session):
        self.session = session
        self.known: dict[str, str] = {}

    def __call__(self, user: str) -> str:
        if user not in self.known:
            self.known[user] = signed_name(self.session, user)
        return self.known[user]


def _entry_lines(session: Session, jurisdiction: str, start: date, end: date,
                 *conditions: ColumnElement[bool]) -> Sequence[Row[JournalEntry, str, Decimal, Decimal]]:
    """(entry, fund, debit, credit) of the lines meeting `conditions`, of entries dated start..end, in order."""
    return session.execute(
        select(JournalEntry, JournalLine.fund_code, JournalLine.debit, JournalLine.credit)
        .join(JournalLine, JournalLine.entry_seq == JournalEntry.seq)
        .join(Account, Account.id == JournalLine.account_id)
        .where(JournalEntry.jurisdiction_code == jurisdiction, JournalEntry.date >= start, JournalEntry.date <= end,
               *conditions)
        .order_by(JournalEntry.date, JournalEntry.seq, JournalLine.line_no)).all()


def allocation_rows(session: Session, jurisdiction: str, start: date, end: date,
                    funds: Iterable[str] | None = None) -> tuple[AllocationRow, ...]:
    """Each entry's net receipt into each fund over start..end (revenue accounts' credits less debits)."""
    conditions: list[ColumnElement[bool]] = [Account.type == AccountType.REVENUE]
    if funds is not None:
        conditions.append(JournalLine.fund_code.in_(list(funds)))
    net: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    entries: dict[int, JournalEntry] = {}
    for entry, fund, debit, credit in _entry_lines(session, jurisdiction, start, end, *conditions):
        net[(entry.seq, fund)] += credit - debit
        entries[entry.seq] = entry
    rows = []
    for (seq, fund), amount in net.items():
        entry = entries[seq]
        giver = _giver(session, entry)
        rows.append(AllocationRow(
            seq, entry.date, level_of(fund, giver.level if giver else None), FUND_SHORT_NAMES.get(fund, fund),
            giver.name if giver else "上级", entry.reference or "", entry.description,
            ENTRY_KINDS.get(entry.kind, "其他"), amount))
    return tuple(rows)


def _giver(session: Session, entry: JournalEntry) -> Jurisdiction | None:
    """The jurisdiction an allocation came from: the transfer out it was posted with (the entry just before it,
    same day and reference: budget/service/allocations.py posts the two together); a reversal's is its
    original's."""
    if entry.kind == "reversal" and entry.reverses_seq is not None:
        original = session.get(JournalEntry, entry.reverses_seq)
        return _giver(session, original) if original is not None and original.kind != "reversal" else None
    if entry.kind != "allocation":
        return None
    out = session.get(JournalEntry, entry.seq - 1)
    if out is None or out.kind != "allocation_out" or out.date != entry.date or out.reference != entry.reference:
        return None
    return session.get(Jurisdiction, out.jurisdiction_code)


def _purchases(session: Session, jurisdiction: str, start: date, end: date) -> tuple[PurchaseRow, ...]:
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    funds: dict[int, list[str]] = defaultdict(list)
    entries: dict[int, JournalEntry] = {}
    for entry, fund, debit, credit in _entry_lines(session, jurisdiction, start, end,
                                                   Account.name == PURCHASED_SERVICES):
        amounts[entry.seq] += debit - credit
        if FUND_SHORT_NAMES.get(fund, fund) not in funds[entry.seq]:
            funds[entry.seq].append(FUND_SHORT_NAMES.get(fund, fund))
        entries[entry.seq] = entry
    return tuple(PurchaseRow(seq, e.date, supplier_of(e.description), e.reference or "",
                             ENTRY_KINDS.get(e.kind, "其他"), tuple(funds[seq]), amounts[seq])
                 for seq, e in entries.items())


def _cap(session: Session, jurisdiction: str, policy: EffectivePolicy, start: date, as_of: date) -> CapBase:
    """The cap on the as-of day (budget/service/purchases.py cap_check's rule), its base listed allocation by
    allocation; used is the purchases dated up to the day."""
    rule = policy.on(as_of).budget.purchased_services_cap
    funds, base_year = cap_base_funds_and_year(rule.base, start.year)
    through = as_of if base_year == start.year else date(base_year, 12, 31)
    rows = allocation_rows(session, jurisdiction, date(base_year, 1, 1), through, funds)
    used = sum((p.amount for p in _purchases(session, jurisdiction, start, as_of)), ZERO)
    base = sum((r.amount for r in rows), ZERO)
    return CapBase(CAP_BASES[rule.base][2], base_year, through, tuple(FUND_SHORT_NAMES.get(f, f) for f in funds),
                   rows, rule.rate, cap_of(base, rule.rate), used)


def _cycles(session: Session, jurisdiction: str, year: int, as_of: date, names: _Names) -> tuple[CycleRow, ...]:
    found = list(session.scalars(select(Cycle).where(
        Cycle.jurisdiction_code == jurisdiction, Cycle.month >= f"{year:04d}-01", Cycle.month <= month_of(as_of))
        .order_by(Cycle.month, Cycle.id)))
    ids = [c.id for c in found]
    transitions: dict[int, list[CycleTransition]] = defaultdict(list)
    for t in session.scalars(select(CycleTransition).where(CycleTransition.cycle_id.in_(ids),
                                                           CycleTransition.on <= as_of).order_by(CycleTransition.id)):
        transitions[t.cycle_id].append(t)
    signoffs: dict[int, list[Signoff]] = defaultdict(list)
    for s in session.scalars(select(Signoff).where(Signoff.subject == SignoffSubject.CYCLE, Signoff.subject_id.in_(ids),
                                                   Signoff.on <= as_of).order_by(Signoff.id)):
        signoffs[s.subject_id].append(s)
    returns: dict[int, list[Decimal]] = defaultdict(list)
    for cycle_id, amount in session.execute(select(BankReturn.cycle_id, BankReturn.amount).where(
            BankReturn.cycle_id.in_(ids), BankReturn.returned_on <= as_of)):
        returns[cycle_id].append(amount)
    rows = []
    for cycle in found:
        history = transitions[cycle.id]
        drafts = [t for t in history if t.status == CycleStatus.DRAFT]
        if not drafts:
            continue  # not run by the day
        runs = [t for t in drafts if t.reason in ("run", "re-run")] or drafts  # a sending back is not a run
        prepared, signed_round = runs[-1], drafts[-1]
        status = history[-1].status
        last = {t.status: t.on for t in history}
        rows.append(CycleRow(
            cycle.id, cycle.month, CYCLE_STATUS_NAMES.get(status, status), status in POSTED, cycle.count, cycle.total,
            names(prepared.user_name), prepared.on, _signed(signoffs[cycle.id], signed_round, history, names),
            last.get(CycleStatus.EXPORTED), last.get(CycleStatus.SETTLED), last.get(CycleStatus.CANCELLED),
            sum(1 for s in signoffs[cycle.id] if s.action == SignoffAction.SENT_BACK),
            len(returns[cycle.id]), sum(returns[cycle.id], ZERO)))
    return tuple(rows)


def _signed(given: Sequence[Signoff], prepared: CycleTransition, history: Sequence[CycleTransition],
            names: _Names) -> tuple[SignedStep, ...]:
    """The sign-offs of the draft in force (its round: the transition that last made it a draft); a cycle approved
    before sign-offs were recorded (a book from before migration 0015) has its approval alone, as the register
    prints it."""
    steps = tuple(SignedStep(step_name(s.step, s.of_steps), s.display_name or names(s.user_name), s.on)
                  for s in given if s.round == prepared.id and s.action == SignoffAction.SIGNED)
    if steps:
        return steps
    approved = [t for t in history if t.status == CycleStatus.APPROVED and t.id > prepared.id]
    return (SignedStep("审批", names(approved[-1].user_name), approved[-1].on),) if approved else ()


def _returns(session: Session, jurisdiction: str, start: date, as_of: date) -> tuple[ReturnRow, ...]:
    """The returns sent back by the day: those of the year, and earlier ones still open when it began."""
    again = aliased(Cycle)
    rows = session.execute(
        select(BankReturn, Cycle.month, CycleLine.head_name, CycleLine.head_id_number, ReturnResolution, again.month)
        .join(Cycle, Cycle.id == BankReturn.cycle_id)
        .outerjoin(CycleLine, (CycleLine.cycle_id == BankReturn.cycle_id)
                   & (CycleLine.household_id == BankReturn.household_id))
        .outerjoin(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
        .outerjoin(again, again.id == ReturnResolution.cycle_id)
        .where(Cycle.jurisdiction_code == jurisdiction, BankReturn.returned_on <= as_of)
        .order_by(BankReturn.returned_on, BankReturn.id))
    out = []
    for r, month, head_name, head_id, stored, again_month in rows:
        # resolved after the day: open as the books stood
        resolution: ReturnResolution | None = stored if stored is not None and stored.on <= as_of else None
        if r.returned_on < start and resolution is not None and resolution.on < start:
            continue  # settled in an earlier year
        out.append(ReturnRow(
            r.id, r.cycle_id, month, head_name or "", mask(head_id), mask(r.bank_account), r.amount, r.reason,
            r.returned_on,
            outcome_of(resolution.kind if resolution else None, resolution.cycle_id if resolution else None,
                       again_month, resolution.reason if resolution else "", resolution.on if resolution else None,
                       r.returned_on, as_of),
            resolution.on if resolution else None))
    return tuple(out)


def _entries(session: Session, jurisdiction: str, start: date, as_of: date, names: _Names) -> tuple[EntryRow, ...]:
    found = list(session.scalars(select(JournalEntry).where(
        JournalEntry.jurisdiction_code == jurisdiction, JournalEntry.kind.in_(MANUAL_KINDS),
        JournalEntry.date >= start, JournalEntry.date <= as_of).order_by(JournalEntry.date, JournalEntry.seq)))
    seqs = [e.seq for e in found]
    debits: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for seq, debit in session.execute(select(JournalLine.entry_seq, JournalLine.debit)
                                      .where(JournalLine.entry_seq.in_(seqs))):
        debits[seq] += debit
    reversed_by = dict(session.execute(select(JournalEntry.reverses_seq, JournalEntry.seq).where(
        JournalEntry.reverses_seq.in_(seqs), JournalEntry.date <= as_of)).all())
    originals = dict(session.execute(select(JournalEntry.seq, JournalEntry.kind).where(
        JournalEntry.seq.in_([e.reverses_seq for e in found if e.reverses_seq is not None]))).all())
    return tuple(EntryRow(e.seq, e.date, ENTRY_KINDS.get(e.kind, "其他"), e.description, e.reference or "",
                          debits[e.seq], names(e.user_name), e.reverses_seq,
                          ENTRY_KINDS.get(originals.get(e.reverses_seq, ""), "其他") if e.reverses_seq else "",
                          reversed_by.get(e.seq)) for e in found)


def _policy(session: Session, jurisdiction: str, year: int,
            as_of: date) -> tuple[EffectivePolicy, dict[str, int]] | None:
    """The policy the year's last cycle posted by the day was computed under, else the one in force (None: no
    policy), with the file version of each jurisdiction in its chain."""
    inputs = session.scalar(
        select(Cycle.inputs).join(CycleTransition, CycleTransition.cycle_id == Cycle.id)
        .where(Cycle.jurisdiction_code == jurisdiction, Cycle.month >= f"{year:04d}-01",
               Cycle.month <= month_of(as_of), CycleTransition.status == CycleStatus.APPROVED,
               CycleTransition.on <= as_of)
        .order_by(Cycle.month.desc(), Cycle.id.desc()).limit(1))
    versions = json.loads(inputs or "{}").get("policy_versions")
    try:
        if versions:
            return policy_as_loaded(session, jurisdiction, versions), dict(versions)
        policy = effective_policy(session, jurisdiction)
    except Refusal:
        return None
    latest = dict(session.execute(select(PolicyFile.jurisdiction_code, PolicyFile.version)
                                  .where(PolicyFile.jurisdiction_code.in_([d.code for d in policy.chain]))
                                  .order_by(PolicyFile.version)).all())  # the last row of each code wins
    return policy, latest


# The parameters behind each standard standards_of names (by the start of its name), for the files that set them.
STANDARD_PATHS = (
    ("最低生活保障标准", ("dibao.standard_urban", "dibao.standard_rural")),
    ("特困人员基本生活标准（分散", ("tekun.basic_ratio_dispersed", "dibao.standard_urban")),
    ("特困人员基本生活标准（集中", ("tekun.basic_ratio_centralized", "dibao.standard_urban")),
    ("特困人员照料护理标准（分散", ("tekun.care_dispersed", "wages")),
    ("特困人员照料护理标准（集中", ("tekun.care_centralized", "wages")),
    ("低收入", ("low_income", "dibao.standard_urban")),
    ("分类施保加发", ("dibao.addons", "dibao.standard_urban")),
)


def _standards(session: Session, found: tuple[EffectivePolicy, dict[str, int]], start: date,
               as_of: date) -> tuple[StandardRow, ...]:
    policy, versions = found
    days = sorted({start} | {d for d in _starts(policy.body) if d <= as_of})
    on_days = [[(s.name, s.urban, s.rural, s.unit, s.note) for s in standards_of(policy.on(day))] for day in days]
    names = {name for day in on_days for name, *_ in day}
    return standard_runs(days, on_days, start, as_of, ((name, _document(policy, versions, name)) for name in names))


def _starts(value: object) -> Iterable[date]:
    """Every start date of a dated value anywhere in a policy's body."""
    if isinstance(value, Dated):
        yield from value.starts
        for inner in value.values:
            yield from _starts(inner)
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _starts(inner)
    elif isinstance(value, tuple | list):
        for inner in value:
            yield from _starts(inner)


def _document(policy: EffectivePolicy, versions: dict[str, int], name: str) -> str:
    """The policy files that set a standard: 黑龙江省政策文件第1版、宝清县政策文件第2版."""
    paths = next((p for prefix, p in STANDARD_PATHS if name.startswith(prefix)), ())
    documents = []
    for path in paths:
        document = policy.set_by(path)
        if document is not None and document not in documents:
            documents.append(document)
    documents.sort(key=lambda d: list(policy.chain).index(d))
    return "、".join(f"{d.name}政策文件" + (f"第{versions[d.code]}版" if d.code in versions else "")
                    for d in documents)
