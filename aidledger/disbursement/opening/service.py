"""启用月: recording a county's first month and what its old books hand over, all or nothing, once.

The books (every entry dated the first day of the first month):
  fund balance        Dr Assets:Treasury            Cr Equity:NetPosition   one entry per fund
  reserve carried     Dr Assets:Reserve:T<township> Cr Equity:NetPosition   one entry per township
  open receivables    Dr Assets:Receivable:Recovery Cr Equity:NetPosition   one entry for all
Reserves and receivables carried over are charged to the first fund of the county's funding
order: the old books say how much, not from which fund. A reserve or receivable is committed
money (budget/figures.py), so only the treasury balances become available to spend.

A load is corrected by `reverse_opening` (the entries reversed, dated as they were) and a new
load, and only while nothing has been built on it: no cycle run, no money recovered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from aidledger.budget.service.figures import reserve_range_from, spendable_from
from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.recovery.tables import Receivable, ReceivablePart, Recovery
from aidledger.disbursement.registry.inputs import Input, Wanted, inputs
from aidledger.disbursement.registry.problem_file import write_problem_file
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.registry.store import load_households
from aidledger.disbursement.rules import first_paid_month
from aidledger.disbursement.rules.facts import counted_members, first_day
from aidledger.disbursement.rules.first_month import STANDARDS, CountyStart, HandedOver, county_start
from aidledger.disbursement.rules.gradual_exit import exit_months_allowed
from aidledger.errors import Refusal
from aidledger.labels import FUND_NAMES
from aidledger.ledger.chart import reserve_account_name
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.posting import load_entry, lock_books, post_entries, reverse_entry
from aidledger.policy import EffectivePolicy
from aidledger.policy.store import effective_policy
from aidledger.problems import Problem, ProblemLog
from aidledger.users import require_role

from .files import read_funds, read_receivables, read_reserves, read_states
from .tables import Opening, OpeningFund, OpeningReserve, OpeningReversal, OpeningState
from .validation import HouseholdFacts, receivable_problems, reserve_problems, state_problems
from .views import (
    FundBalanceView,
    LoadView,
    OpeningView,
    OpenReceivableView,
    ReserveBalanceView,
    ReversalView,
    StandingView,
)

TREASURY, NET_POSITION, RECEIVABLE = "Assets:Treasury", "Equity:NetPosition", "Assets:Receivable:Recovery"
FILE_KINDS = ("funds", "reserves", "receivables", "states")
ZERO = Decimal("0.00")


def current_opening(session: Session, county: str) -> Opening | None:
    """The county's opening load in force: the latest one not reversed."""
    reversed_ = select(OpeningReversal.opening_id)
    return session.scalars(select(Opening).where(Opening.county_code == county, Opening.id.not_in(reversed_))
                           .order_by(Opening.id.desc()).limit(1)).first()


def start_of(session: Session, county: str, policy: EffectivePolicy) -> CountyStart:
    """The county's first month and the standings handed over for it (rules/first_month.py)."""
    opening = current_opening(session, county)
    if opening is None:
        return county_start(county, [policy.defined_from(p) for p in STANDARDS], None)
    states = {s.household_id: HandedOver(s.status, s.exit_started, s.exit_base) for s in session.scalars(
        select(OpeningState).where(OpeningState.opening_id == opening.id))}
    return county_start(county, (), opening.month, states)


@dataclass(frozen=True)
class OpeningOutcome:
    opening_id: int
    month: str
    funds: Decimal
    reserves: Decimal
    receivables: Decimal
    states: int


def load_opening(session: Session, county: str, month: str, paths: dict[str, str | None], *, user: str | None,
                 now: datetime, encoding: str | None = None, errors_to: str | Path | None = None) -> OpeningOutcome:
    """Record the county's first month and post what the old books hand over (preparer). With `errors_to`, every
    problem of the files is written there (registry/problem_file.py; the header alone when there is none)."""
    acting = require_role(session, user, "preparer", action="load a county's opening").name
    lock_books(session)
    place = require_jurisdiction(session, county)
    if place.level != "county":
        raise Refusal(f"{county} {place.name} is a {place.level}; a first month is recorded per county")
    policy = effective_policy(session, county)
    _refuse_if_built_on(session, county, month)
    day = first_day(month)
    snap = policy.on(day)
    snap.dibao.standard("urban"), snap.dibao.standard("rural")  # defined on the first day, or a MissingParameter
    kinds = [kind for kind in FILE_KINDS if paths.get(kind)]
    every: list[Problem] = []
    log = ProblemLog(sink=every.append if errors_to is not None else None)
    with inputs([Wanted(str(paths[kind]), kind, encoding=encoding) for kind in kinds]) as ready:
        files = dict(zip(kinds, ready, strict=True))
        funds = _read(files.get("funds"), read_funds, log)
        reserves = _read(files.get("reserves"), read_reserves, log)
        receivables = _read(files.get("receivables"), read_receivables, log)
        states = _read(files.get("states"), read_states, log)
        stored = load_households(session, {r.household_id for r in receivables + states})
        facts = _facts(policy, day, stored)
        for name, rows in (("reserves", reserves), ("receivables", receivables), ("states", states)):
            source = files[name].name if name in files else ""
            for row in rows:
                if name == "reserves":
                    log.extend(reserve_problems(row, source, county, policy.townships, snap.reserve.amount))
                elif name == "receivables":
                    log.extend(receivable_problems(row, source, county, month, facts.get(row.household_id)))
                else:
                    log.extend(state_problems(row, source, county, month, facts.get(row.household_id)))
        if errors_to is not None:
            write_problem_file(errors_to, every, [(file.name, file.read_path) for file in ready])
    if log:
        refusal = log.refusal()
        if errors_to is not None:
            raise Refusal([*refusal.problems, f"every problem ({len(every)}) is listed in {errors_to}"])
        raise refusal

    opening = Opening(county_code=county, month=month, files=json.dumps(_digests(paths), ensure_ascii=False,
                                                                         sort_keys=True),
                      loaded_by=acting, loaded_at=now)
    session.add(opening)
    session.flush()
    fund0 = snap.budget.funding_order[0]
    reference = f"opening {opening.id}"

    def entry(debit_account: str, fund: str, amount: Decimal, description: str) -> EntryDraft:
        return EntryDraft(date=day, jurisdiction=county, kind="opening", reference=reference,
                          description=description, lines=(Line(debit_account, fund, debit=amount),
                                                          Line(NET_POSITION, fund, credit=amount)))

    # Each row with its entry (None for a zero balance), all posted in one batch in this order.
    fund_entries = [(f, entry(TREASURY, f.fund, f.amount, f"期初余额: {FUND_NAMES[f.fund]} (启用月 {month})")
                     if f.amount > 0 else None) for f in funds]
    reserve_entries = [(r, entry(reserve_account_name(r.township), fund0, r.amount,
                                 f"期初临时救助备用金: {policy.townships[r.township]} (启用月 {month})")
                        if r.amount > 0 else None) for r in reserves]
    owed = sum((r.amount for r in receivables), ZERO)
    receivable_entry = entry(RECEIVABLE, fund0, owed, f"期初应收追回款 {len(receivables)} 笔 (启用月 {month})") \
        if receivables else None
    drafts = [d for _, d in fund_entries] + [d for _, d in reserve_entries] + [receivable_entry]
    posted = iter(post_entries(session, [d for d in drafts if d is not None], user=acting, now=now))

    def seq_of(draft: EntryDraft | None) -> int | None:
        return next(posted).seq if draft is not None else None

    session.add_all([OpeningFund(opening_id=opening.id, fund=f.fund, amount=f.amount, entry_seq=seq_of(d))
                     for f, d in fund_entries])
    session.add_all([OpeningReserve(opening_id=opening.id, township=r.township, fund=fund0, amount=r.amount,
                                    entry_seq=seq_of(d)) for r, d in reserve_entries])
    if receivable_entry is not None:
        _add_receivables(session, opening, receivables, stored, fund=fund0, seq=seq_of(receivable_entry), on=day)
    if states:
        session.execute(insert(OpeningState), [
            {"opening_id": opening.id, "household_id": s.household_id, "status": s.status,
             "exit_started": s.exit_started, "exit_base": s.exit_base} for s in states])
    session.flush()
    return OpeningOutcome(opening.id, month, sum((f.amount for f in funds), ZERO),
                          sum((r.amount for r in reserves), ZERO), owed, len(states))


def _refuse_if_built_on(session: Session, county: str, month: str) -> None:
    earlier = current_opening(session, county)
    if earlier is not None:
        raise Refusal(f"first month (启用月): {county} already starts in {earlier.month} (opening {earlier.id}, "
                      f"loaded by {earlier.loaded_by}); an opening is loaded once: correct it by "
                      "reversing it (the action opening reverse) and loading again")
    cycles = list(session.scalars(select(Cycle).where(Cycle.jurisdiction_code == county,
                                                      Cycle.status != "cancelled").order_by(Cycle.month)))
    paid = [c for c in cycles if c.status != "draft"]
    if paid and paid[0].month < month:
        raise Refusal(f"first month (启用月): {month} is after {paid[0].month}, a month {county} has already paid "
                      f"(cycle {paid[0].id}, {paid[0].status})")
    if cycles:
        shown = ", ".join(f"{c.month} (cycle {c.id}, {c.status})" for c in cycles[:5])
        raise Refusal(f"first month (启用月): {county} has already run cycles ({shown}); the opening is loaded "
                      "before the first cycle (cancel a draft run by mistake first)")


def _source(path: str | None) -> str:
    return Path(path).name if path else ""


def _read(file: Input | None, reader, log: ProblemLog) -> list:
    """A file's rows (a CSV in UTF-8 or GBK, or a workbook's first visible sheet: registry/inputs.py), its problems
    logged."""
    if file is None:
        return []
    rows = []
    log.extend(file.problems)
    with file.lines() as lines:
        for item in reader(lines, file.name):
            if isinstance(item, Problem):
                log.add(item)
            else:
                rows.append(item)
    return rows


def _digests(paths: dict[str, str | None]) -> dict[str, dict[str, str]]:
    out = {}
    for kind in FILE_KINDS:
        path = paths.get(kind)
        if path:
            out[kind] = {"name": _source(path), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}
    return out


def _facts(policy: EffectivePolicy, day: date, households: dict[str, StoredHousehold]) -> dict[str, HouseholdFacts]:
    """What the checks need of each household the files name (those in the registry)."""
    snap = policy.on(day)
    out = {}
    for household_id, stored in households.items():
        state = stored.on(day)
        disabled = any(m.disability_grade is not None for m in counted_members(state))
        out[household_id] = HouseholdFacts(
            stored.household.county, state.household.program,
            first_paid_month(stored.household.approved_on, snap.dibao.start),
            exit_months_allowed(snap.dibao.gradual_exit, disabled))
    return out


def _add_receivables(session: Session, opening: Opening, receivables, stored: dict[str, StoredHousehold], *,
                     fund: str, seq: int | None, on: date) -> None:
    """The receivables handed over, each owed to `fund`: two bulk inserts, however many there are."""
    rows = []
    for r in receivables:
        household = stored[r.household_id].on(first_day(r.month)).household  # as in the month overpaid
        rows.append({"county_code": opening.county_code, "household_id": r.household_id, "month": r.month,
                     "program": household.program, "area": household.area, "amount": r.amount,
                     "reason": r.reason, "detail": f"旧账移交 (启用月 {opening.month}): {r.reason}",
                     "cycle_id": None, "opening_id": opening.id, "entry_seq": seq, "created_on": on})
    ids = session.scalars(insert(Receivable).returning(Receivable.id, sort_by_parameter_order=True), rows).all()
    session.execute(insert(ReceivablePart), [{"receivable_id": i, "fund": fund, "position": 0, "amount": r.amount}
                                             for i, r in zip(ids, receivables)])


def reverse_opening(session: Session, county: str, reason: str, *, user: str | None,
                    now: datetime) -> tuple[int, list[int]]:
    """Reverse the county's opening load (preparer): (the opening's id, the reversing entries)."""
    acting = require_role(session, user, "preparer", action="reverse a county's opening").name
    lock_books(session)
    require_jurisdiction(session, county)
    if not reason.strip():
        raise Refusal(Problem("a reversal of an opening needs a reason", "opening.reason", field="reason"))
    opening = current_opening(session, county)
    if opening is None:
        raise Refusal(f"{county} has no opening load to reverse")
    problems = []
    cycles = list(session.scalars(select(Cycle.id).where(Cycle.jurisdiction_code == county,
                                                         Cycle.status != "cancelled")))
    if cycles:
        problems.append(f"opening {opening.id}: cycles {', '.join(map(str, cycles[:10]))} of {county} were run on "
                        "it; cancel them first or correct the books with entries")
    recovered = session.scalar(select(Recovery.id).join(Receivable, Receivable.id == Recovery.receivable_id)
                               .where(Receivable.opening_id == opening.id).limit(1))
    if recovered is not None:
        problems.append(f"opening {opening.id}: money has been recovered against its receivables (recovery "
                        f"{recovered}); it cannot be reversed")
    day = first_day(opening.month)
    funds = list(session.scalars(select(OpeningFund).where(OpeningFund.opening_id == opening.id)))
    spendable = spendable_from(session, county, day)
    for f in funds:
        if f.entry_seq is not None and spendable.get(f.fund, ZERO) < f.amount:
            problems.append(f"opening {opening.id}: {f.fund} can spend {spendable.get(f.fund, ZERO):.2f} from {day} "
                            f"on; taking back its opening balance {f.amount:.2f} would leave it below zero")
    reserves = list(session.scalars(select(OpeningReserve).where(OpeningReserve.opening_id == opening.id)))
    for r in reserves:
        lowest, _ = reserve_range_from(session, county, r.township, day)
        if r.entry_seq is not None and lowest.get(r.fund, ZERO) < r.amount:
            problems.append(f"opening {opening.id}: the reserve of {r.township} holds {lowest.get(r.fund, ZERO):.2f} "
                            f"from {day} on; taking back {r.amount:.2f} carried over would leave it below zero")
    if problems:
        raise Refusal(problems)
    seqs = sorted({s for s in _entry_seqs(session, opening.id)})
    reversals = [reverse_entry(session, seq, on=day, reason=f"冲销期初 (opening {opening.id}): {reason.strip()}",
                               user=acting, now=now).seq for seq in seqs]
    session.add(OpeningReversal(opening_id=opening.id, reason=reason.strip(), reversed_by=acting, reversed_at=now))
    session.flush()
    return opening.id, reversals


def _entry_seqs(session: Session, opening_id: int) -> Iterator[int]:
    for table in (OpeningFund, OpeningReserve, Receivable):
        for seq in session.scalars(select(table.entry_seq).where(table.opening_id == opening_id)):
            if seq is not None:
                yield seq


def opening_view(session: Session, county: str) -> OpeningView:
    """`opening show`: the county's first month, where it comes from, and what was handed over."""
    require_jurisdiction(session, county)
    policy = effective_policy(session, county)
    start = start_of(session, county, policy)
    opening = current_opening(session, county)
    reversals = select(OpeningReversal).join(Opening, Opening.id == OpeningReversal.opening_id).where(
        Opening.county_code == county).order_by(OpeningReversal.opening_id)
    reversed_ = tuple(ReversalView(r.opening_id, r.reason, r.reversed_by, r.reversed_at.isoformat())
                      for r in session.scalars(reversals))
    source = "opening" if opening is not None else "standards"
    if opening is None:
        return OpeningView(county, start.first_month, source, None, (), (), (), (), reversed_)
    of_this = {table: table.opening_id == opening.id for table in (OpeningFund, OpeningReserve, OpeningState)}
    return OpeningView(
        county, start.first_month, source,
        LoadView(str(opening.id), opening.month, opening.loaded_by, opening.loaded_at.isoformat(),
                 json.loads(opening.files)),
        tuple(FundBalanceView(f.fund, f.amount, f.entry_seq) for f in session.scalars(
            select(OpeningFund).where(of_this[OpeningFund]).order_by(OpeningFund.fund))),
        tuple(ReserveBalanceView(r.township, policy.townships.get(r.township, r.township), r.fund, r.amount,
                                 r.entry_seq) for r in session.scalars(
            select(OpeningReserve).where(of_this[OpeningReserve]).order_by(OpeningReserve.township))),
        tuple(OpenReceivableView(str(r.id), r.household_id, r.month, r.amount, r.reason) for r in session.scalars(
            select(Receivable).where(Receivable.opening_id == opening.id).order_by(Receivable.id))),
        tuple(StandingView(s.household_id, s.status, s.exit_started, s.exit_base) for s in session.scalars(
            select(OpeningState).where(of_this[OpeningState]).order_by(OpeningState.household_id))),
        reversed_)


def check_openings(session: Session) -> list[Problem]:
    """`ledger verify`: each opening's fund and reserve rows are what their entries posted."""
    rows = [(f.opening_id, "opening_funds", TREASURY, f.fund, f.amount, f.entry_seq)
            for f in session.scalars(select(OpeningFund).where(OpeningFund.entry_seq.is_not(None)))]
    rows += [(r.opening_id, "opening_reserves", reserve_account_name(r.township), r.fund, r.amount, r.entry_seq)
             for r in session.scalars(select(OpeningReserve).where(OpeningReserve.entry_seq.is_not(None)))]
    problems = []
    for opening_id, table, account, fund, amount, seq in rows:
        if seq is None:  # (selected away above; for the type checker)
            continue
        lines = load_entry(session, seq).lines
        booked = sum((ln.debit for ln in lines if ln.account == account and ln.fund == fund), ZERO)
        if booked != amount:
            problems.append(Problem(f"{table} records {amount:.2f} but entry {seq} posted {booked:.2f}",
                                    "opening.entry", entity=f"opening {opening_id}",
                                    figures=(("recorded", f"{amount:.2f}"), ("posted", f"{booked:.2f}"))))
    return problems
