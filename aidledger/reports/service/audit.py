"""Reading a jurisdiction's year from the books for the audit pack.

Every figure comes from the same services the commands use (`ledger verify`, `budget
status`'s fund figures and cap check, `reserve status`, `ledger trial-balance`), so the pack
cannot disagree with them; the posted cycles' lines, the registry, the reserve cases and the
bank returns are read as records for the exception finders (exceptions_data.py).

One cut-off, the end of the as-of day, holds for every section: the cycles counted are those approved on or before
it (and not cancelled by then) of the months up to its month; a return resolved, a case documented, a receivable
recovered or a grant instalment paid later is as it stood that day.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.service import authenticates
from aidledger.budget.rules import CAP_BASES
from aidledger.budget.service import reserves
from aidledger.budget.service.figures import fund_figures
from aidledger.budget.service.purchases import cap_check
from aidledger.budget.tables import ReserveCase, ReserveDocumentation
from aidledger.disbursement.checks import verify_books
from aidledger.disbursement.entitlement.rows import RELEASED
from aidledger.disbursement.matching.service import year_findings
from aidledger.disbursement.opening.service import start_of
from aidledger.disbursement.payments.tables import (
    BankReturn,
    Cycle,
    CycleAdjustment,
    CycleHeld,
    CycleLine,
    CycleTransition,
    ReturnResolution,
)
from aidledger.disbursement.recovery.service import receivable_list
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.registry.store import load_households
from aidledger.disbursement.rules.facts import next_month
from aidledger.disbursement.rules.instalments import instalment_months
from aidledger.disbursement.subsidy.service import declaration_for, price_for
from aidledger.disbursement.temporary.service import grant_views
from aidledger.errors import Refusal
from aidledger.ledger.chart import FUNDS
from aidledger.ledger.checkpoints import Checkpoint
from aidledger.ledger.money import from_fen
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.balances import movements, trial_balance
from aidledger.ledger.service.checkpoints import extension_problems
from aidledger.ledger.service.verify import streamed
from aidledger.ledger.service.views import journal_size
from aidledger.ledger.tables import Account
from aidledger.policy.store import effective_policy
from aidledger.policy.tables import Township
from aidledger.problems import Problem
from aidledger.reports import exceptions_data as found
from aidledger.reports.audit_data import (
    ArrearsRow,
    AuditPack,
    BeyondTheBase,
    CapStatus,
    CheckpointResult,
    DeclarationRow,
    ExpenseMovement,
    FundFigure,
    GrantRow,
    ReceivableRow,
    ReserveRow,
    TrialRow,
    VerifyResult,
    exception_sections,
    fund_statements,
)
from aidledger.reports.audit_months import MonthTally, split_line
from aidledger.reports.service.bridge import bridge as reconciliation_bridge
from aidledger.reports.service.register import signed_name
from aidledger.reports.service.schedules import schedules as read_schedules
from aidledger.reports.shares import Shared, worker_count

COUNTED = ("approved", "exported", "settled", "cancelled")  # a cycle cancelled after the cut-off still counted then


def audit_pack(session: Session, jurisdiction: str, year: int, as_of: date | None = None,
               created: date | None = None, progress: Callable[[int], None] | None = None,
               checkpoints: Sequence[tuple[str, Checkpoint]] = ()) -> AuditPack:
    """The pack of a year up to `as_of`; `progress` is told of its work in the units `audit_size` counts: every
    counted cycle line read, then `ledger verify`'s work and every line's recomputation as they go (side by side,
    when forked workers recompute). Each of
    `checkpoints` (a name and an auditor's checkpoint) is proved on the cover: the books extend it, or the pack
    fails."""
    with _collector_paused():
        return _audit_pack(session, jurisdiction, year, as_of, created, progress, checkpoints)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while the pack reads a county's year. The pack holds a million paid lines
    and the registry's households, all alive to the end and free of cycles; each full collection would walk them
    all again, and at 100,000 households × 12 months those walks cost 40 s of 125 (docs/benchmarks.md). Everything
    is freed by reference counting; the collector resumes (if it ran before) when the pack is read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _audit_pack(session: Session, jurisdiction: str, year: int, as_of: date | None, created: date | None,
                progress: Callable[[int], None] | None, checkpoints: Sequence[tuple[str, Checkpoint]]) -> AuditPack:
    place = require_jurisdiction(session, jurisdiction)
    start = date(year, 1, 1)
    as_of = as_of or date(year, 12, 31)
    if not start <= as_of <= date(year, 12, 31):
        raise Refusal(Problem(f"the day {as_of} is not in {year}", "audit.as_of", field="as_of"))
    tell = progress or _nothing
    cycles = counted_cycles(session, jurisdiction, year, as_of)
    returns = _bank_returns(session, jurisdiction, as_of)
    read = _Lines(_settled_later(session, cycles), _returned(returns))
    lines = list(read.paid_lines(session, cycles, tell))
    registry = _registry(session, sorted({line.household_id for line in lines}))
    # The rules are recomputed by forked workers (for a large county) while this process verifies the books and
    # reads the rest; the workers' steps are told whenever this process tells its own.
    with _rules_begun(session, jurisdiction, lines, registry, tell) as rules:
        def meanwhile(count: int) -> None:
            tell(count)
            rules.poll()

        report = verify_books(session, progress=meanwhile if progress else None,
                              shown=_verify_size(session) if progress else None)
        kept, broken = [], []
        for name, checkpoint in checkpoints:
            problems = extension_problems(session, checkpoint, name)
            kept.append(CheckpointResult(name, checkpoint.seq, checkpoint.evidence_seq, checkpoint.at,
                                         not problems))
            broken += [str(p) for p in problems]
        checked = VerifyResult(report.ok and not broken, report.entries, report.lines, report.head_hash,
                               report.first_failing_entry, tuple(report.messages) + tuple(broken),
                               report.evidence_seq, report.evidence_mac, tuple(kept), authenticates(session))
        names = {f.code: f.name for f in FUNDS}
        figures = [FundFigure(f.fund, names[f.fund], f.opening, f.received, f.spent, f.committed)
                   for f in fund_figures(session, jurisdiction, start, as_of)]
        expenses = [ExpenseMovement(m.account, m.fund, m.debit, m.credit)
                    for m in movements(session, jurisdiction, start, as_of) if m.type == "expense"]
        has_policy = _has_policy(session, jurisdiction)
        cases = _reserve_cases(session, jurisdiction, as_of)
        receivables = [found.ReceivableRecord(r.household_id, r.month, r.amount, r.outstanding, r.reason)
                       for r in receivable_list(session, jurisdiction, as_of)]
        held = _held(session, cycles, read.released)
        tb = trial_balance(session, jurisdiction, as_of)
        titles = {name: title for name, title in session.execute(select(Account.name, Account.title))}
        cap = _cap(session, jurisdiction, as_of) if has_policy else None
        reserve_rows = tuple(
            ReserveRow(r.township, r.name, r.carried, r.advanced, r.paid, r.replenished, r.balance, r.undocumented,
                       r.overdue) for r in reserves.status(session, jurisdiction, as_of)) if has_policy else ()
        beyond = _beyond(session, jurisdiction, year, as_of, cycles) if has_policy else BeyondTheBase()
        bridge = reconciliation_bridge(session, jurisdiction, year, as_of)
        schedules = read_schedules(session, jurisdiction, year, as_of)
        duplicates = found.duplicate_ids(lines, cases)
        shared = found.shared_accounts(lines, registry)
        after_end, differing = _rules_collected(rules)
    exceptions: list[found.AuditException] = []
    exceptions += after_end
    exceptions += duplicates
    exceptions += differing
    exceptions += found.overdue_reserve_cases(cases, as_of)
    exceptions += found.open_bank_returns(returns, as_of)
    exceptions += found.open_receivables(receivables)
    exceptions += shared
    exceptions += found.held_lines(held, as_of)
    counted = {cycle_id for cycle_id, _ in cycles}
    exceptions += found.cross_check_findings(
        f for f in year_findings(session, jurisdiction, year, reader=None) if f.cycle_id in counted)
    exceptions += found.verify_failures(checked.problems, titles, names)
    return AuditPack(
        jurisdiction=jurisdiction, name=place.name, year=year, as_of=as_of, created=created or as_of,
        verify=checked,
        funds=fund_statements(figures, expenses),
        cap=cap,
        months=read.months.table(year, as_of.month),
        reserves=reserve_rows,
        trial=tuple(TrialRow(r.account, r.title, r.fund, r.debit, r.credit) for r in tb.rows),
        exceptions=exception_sections(exceptions),
        beyond=beyond,
        cycles=tuple(cycle_id for cycle_id, _ in cycles),
        bridge=bridge,
        schedules=schedules,
    )


def _nothing(_count: int) -> None:
    pass


Found = tuple[list[found.AuditException], list[found.AuditException]]


def _rules_begun(session: Session, county: str, lines: Sequence[found.PaidLine],
                 registry: dict[str, StoredHousehold], progress: Callable[[int], None]) -> Shared[Found]:
    """The after-end and differing amounts, the rules recomputed for every line, begun in forked workers for a
    large county (shares.py; collected by `_rules_collected`). What the work reads beyond the records in memory (the
    policy, the county's start, each month's price-subsidy declaration) is read here first: a share reads
    nothing. Each share takes whole households (a household's months are walked together)."""
    if not lines:
        return Shared(lambda _number, _count, _progress: ([], []), 0)
    policy = effective_policy(session, county)
    start = start_of(session, county, policy)
    first, last = min(line.month for line in lines), max(line.month for line in lines)
    prices, month = {}, first
    while month <= last:  # the months any household's walk reads a declaration of
        prices[month] = price_for(session, county, month)
        month = next_month(month)
    households = sorted({line.household_id for line in lines})

    def share(number: int, count: int, told: Callable[[int], None]) -> Found:
        mine = lines
        if count > 1:
            owned = set(households[number::count])
            mine = [line for line in lines if line.household_id in owned]
        return found.rules_exceptions(mine, registry, policy, prices.__getitem__, start, progress=told)

    return Shared(share, worker_count(len(lines)), progress)


def _rules_collected(rules: Shared[Found]) -> Found:
    """The shares' exceptions in one order, whatever the number of shares (the same bytes with one or several)."""
    results = rules.results()
    after_end = sorted((e for a, _ in results for e in a), key=lambda e: (e.month, e.household))
    differing = sorted((e for _, d in results for e in d), key=lambda e: (e.household, e.month))
    return after_end, differing


def audit_size(session: Session, jurisdiction: str, year: int, as_of: date | None = None) -> int:
    """The work `audit_pack` tells its progress of: `ledger verify`'s (`_verify_size`) and the counted cycles'
    lines twice (read, and their amounts recomputed)."""
    counted = [cycle_id for cycle_id, _ in counted_cycles(session, jurisdiction, year, as_of or date(year, 12, 31))]
    lines = session.scalar(select(func.count()).select_from(CycleLine).where(CycleLine.cycle_id.in_(counted))) \
        if counted else 0
    return _verify_size(session) + 2 * (lines or 0)


def _verify_size(session: Session) -> int:
    """Verify's share of the bar: the journal's lines and every cycle line of the books (it hashes each once), so
    that the bar moves through verify as it takes its time (a county's year has a few hundred journal lines and a
    million cycle lines)."""
    _, journal = journal_size(session)
    return journal + (session.scalar(select(func.count()).select_from(CycleLine)) or 0)


def counted_cycles(session: Session, county: str, year: int, as_of: date) -> list[tuple[int, str]]:
    """(id, month) of the cycles the books had posted at the end of `as_of`: approved on or before it, not cancelled
    by then, of the year's months up to its month."""
    def moved_to(status: str):
        return select(CycleTransition.cycle_id).where(CycleTransition.status == status, CycleTransition.on <= as_of)
    return list(session.execute(
        select(Cycle.id, Cycle.month)
        .where(Cycle.jurisdiction_code == county, Cycle.status.in_(COUNTED),
               Cycle.month >= f"{year:04d}-01", Cycle.month <= f"{year:04d}-{as_of.month:02d}",
               Cycle.id.in_(moved_to("approved")), Cycle.id.not_in(moved_to("cancelled")))
        .order_by(Cycle.month, Cycle.id)).all())


def _beyond(session: Session, county: str, year: int, as_of: date,
            cycles: Sequence[tuple[int, str]]) -> BeyondTheBase:
    """The year's grants, arrears, receivables and price-subsidy declarations, as they stood at the cut-off."""
    last = f"{year:04d}-{as_of.month:02d}"
    months = [f"{year:04d}-{m:02d}" for m in range(1, as_of.month + 1)]
    counted = {cycle_id for cycle_id, _ in cycles}
    grants = []
    for g in grant_views(session, county):
        if g.first_month > last or instalment_months(g.first_month, g.instalments)[-1] < months[0]:
            continue
        approved = g.approved_by if g.approved_on is not None and g.approved_on <= as_of else None
        paid = sum((p.amount for p in g.payments if p.cycle in counted), Decimal("0.00"))
        grants.append(GrantRow(g.id, g.household_id, g.total, g.instalments, g.first_month, paid, g.committee_ref,
                               signed_name(session, g.granted_by),  # by display name, as the register signs
                               signed_name(session, approved) if approved else None))
    arrears = tuple(ArrearsRow(*row) for row in session.execute(
        select(Cycle.month, CycleAdjustment.month, func.count(), func.sum(CycleAdjustment.amount))
        .join(Cycle, Cycle.id == CycleAdjustment.cycle_id)
        .where(Cycle.id.in_(counted), CycleAdjustment.kind == "arrears")
        .group_by(Cycle.month, CycleAdjustment.month).order_by(Cycle.month, CycleAdjustment.month))) if counted else ()
    receivables = tuple(
        ReceivableRow(str(r.id), r.household_id, r.month, r.reason, r.amount, r.recovered, r.created_on)
        for r in receivable_list(session, county, as_of) if r.created_on >= date(year, 1, 1))
    declarations = tuple(DeclarationRow(month, row.jurisdiction_code, row.cpi, row.food) for month in months
                         if (row := declaration_for(session, county, month)) is not None)
    return BeyondTheBase(tuple(grants), arrears, receivables, declarations)


def _has_policy(session: Session, jurisdiction: str) -> bool:
    try:
        effective_policy(session, jurisdiction)
    except Refusal:
        return False
    return True


def _cap(session: Session, jurisdiction: str, as_of: date) -> CapStatus:
    check = cap_check(session, jurisdiction, as_of, requested=Decimal("0.00"))
    return CapStatus(check.base_kind, CAP_BASES[check.base_kind][2], check.base, check.rate, check.cap, check.used)


def _settled_later(session: Session, cycles: Sequence[tuple[int, str]]) -> dict[tuple[str, str], Decimal]:
    """(household, month) → arrears paid minus receivables claimed for it by the counted cycles."""
    out: dict[tuple[str, str], Decimal] = {}
    counted = [cycle_id for cycle_id, _ in cycles]
    if not counted:
        return out
    for household_id, month, kind, amount in session.execute(
            select(CycleAdjustment.household_id, CycleAdjustment.month, CycleAdjustment.kind, CycleAdjustment.amount)
            .where(CycleAdjustment.cycle_id.in_(counted), CycleAdjustment.kind.in_(("arrears", "recovery")))):
        out[(household_id, month)] = out.get((household_id, month), Decimal("0.00")) + (
            amount if kind == "arrears" else -amount)
    return out


def _returned(returns: Sequence[found.BankReturnRecord]) -> dict[tuple[int, str], Decimal]:
    """(cycle, household) → what the bank returned of that line by the cut-off."""
    out: dict[tuple[int, str], Decimal] = {}
    for r in returns:
        out[(r.cycle_id, r.household_id)] = out.get((r.cycle_id, r.household_id), Decimal("0.00")) + r.amount
    return out


_ADDED = frozenset(("arrears", "temporary", "recovery"))  # beyond the month's own rules (a set-off is negative)
_PAID_LINES = ("SELECT household_id, program, members, amount_fen, head_id_number, components, bank_account, area "
               "FROM cycle_lines WHERE cycle_id = {cycle} ORDER BY household_id")


class _Lines:
    """One pass over the counted cycles' lines: the paid lines for the exception finders, the monthly table's sums
    (each amount split into the pack's columns) and the held lines later lines released.

    The lines are read through the driver (a county's year is a million: no ORM row, no Decimal type per column)
    and their components parsed once, for every use."""

    def __init__(self, settled: dict[tuple[str, str], Decimal], returned: dict[tuple[int, str], Decimal]):
        self.settled, self.returned = settled, returned
        self.months = MonthTally()
        self.released: dict[tuple[str, int], tuple[int, str]] = {}  # (household, held cycle) → (cycle, month)

    def paid_lines(self, session: Session, cycles: Sequence[tuple[int, str]],
                   progress: Callable[[int], None] = _nothing) -> Iterator[found.PaidLine]:
        zero = Decimal("0.00")
        settled, returned, released, tally, loads = self.settled, self.returned, self.released, self.months.add, \
            json.loads
        for cycle_id, month in cycles:
            with streamed(session, _PAID_LINES.format(cycle=int(cycle_id))) as rows:
                read = 0
                for household_id, program, members, fen, head_id, components, account, area in rows:
                    parts = loads(components)
                    amount = from_fen(fen)
                    added = zero
                    ids = [head_id]
                    for c in parts:
                        if c["kind"] in _ADDED:
                            added += Decimal(c["amount"])
                        if c.get("id_number"):
                            ids.append(c["id_number"])
                        if RELEASED in c:
                            released.setdefault((household_id, int(c[RELEASED])), (cycle_id, month))
                    tally(month, program, area, members, split_line(parts, amount))
                    yield found.PaidLine(cycle_id, month, household_id, program, members, amount, added,
                                         tuple(ids), settled.get((household_id, month), zero), account,
                                         returned.get((cycle_id, household_id), zero))
                    read += 1
                    if read % 1000 == 0:
                        progress(1000)
                progress(read % 1000)


def _held(session: Session, cycles: Sequence[tuple[int, str]],
          released: dict[tuple[str, int], tuple[int, str]]) -> list[found.HeldRecord]:
    months = dict(cycles)
    if not months:
        return []
    out = []
    for h in session.scalars(select(CycleHeld).where(CycleHeld.cycle_id.in_(list(months)))
                             .order_by(CycleHeld.cycle_id, CycleHeld.household_id)):
        by = released.get((h.household_id, h.cycle_id))
        out.append(found.HeldRecord(h.cycle_id, months[h.cycle_id], h.household_id, h.payee_name, h.amount, h.reason,
                                    by[0] if by else None, by[1] if by else None))
    return out

def _registry(session: Session, household_ids: Sequence[str]) -> dict[str, StoredHousehold]:
    return load_households(session, household_ids)


def _reserve_cases(session: Session, county: str, as_of: date) -> list[found.ReserveCaseRecord]:
    rows = session.execute(
        select(ReserveCase, Township.name, ReserveDocumentation.documented_on)
        .join(Township, Township.code == ReserveCase.township)
        .outerjoin(ReserveDocumentation, ReserveDocumentation.case_id == ReserveCase.id)
        .where(ReserveCase.county_code == county, ReserveCase.paid_on <= as_of).order_by(ReserveCase.id))
    return [found.ReserveCaseRecord(c.id, c.township, name, c.id_number, c.name, c.amount, c.paid_on, c.deadline,
                                    documented_on) for c, name, documented_on in rows]


def _bank_returns(session: Session, county: str, as_of: date) -> list[found.BankReturnRecord]:
    rows = session.execute(
        select(BankReturn, Cycle.month, ReturnResolution.on, ReturnResolution.kind)
        .join(Cycle, Cycle.id == BankReturn.cycle_id)
        .outerjoin(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
        .where(Cycle.jurisdiction_code == county, BankReturn.returned_on <= as_of).order_by(BankReturn.id))
    return [found.BankReturnRecord(r.id, r.cycle_id, month, r.household_id, r.amount, r.reason, r.returned_on,
                                   resolved_on, kind) for r, month, resolved_on, kind in rows]
