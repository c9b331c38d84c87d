"""`cycle run`: compute a county's month and store it as a draft cycle, in one transaction.

One live cycle per county and month (a unique index). Running again while it is a draft
replaces the draft; once approved it can only be cancelled. Because the whole run is one
transaction, a run killed at any moment leaves either no new cycle or the complete draft.
The rows come from cycle_rows.py; a large county is computed on every core (cycle_workers.py).

Besides the month's rules, a line may carry additions: bank returns re-issued to a
corrected account, instalments of approved temporary grants (grants.py), and arrears for
months already paid that the policy or late registry changes have raised (recompute.py).
The run also stores what it found about months already paid (`cycle_adjustments`): the
arrears it pays, the receivables its approval will create, and notes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from aidledger.disbursement.entitlement.compute import MonthComputer
from aidledger.disbursement.entitlement.rows import AMOUNT, HELD_COLUMNS, LINE_COLUMNS, TRACK_COLUMNS, computed_rows
from aidledger.disbursement.entitlement.store import previous_tracks, stream_county
from aidledger.disbursement.entitlement.workers import in_workers, parts_of
from aidledger.disbursement.matching.service import match_cycle
from aidledger.disbursement.opening.service import start_of
from aidledger.disbursement.payments.tables import (
    Cycle,
    CycleAdjustment,
    CycleHeld,
    CycleLine,
    CycleReissue,
    CycleTrack,
    CycleTransition,
)
from aidledger.disbursement.recovery.service import store_set_offs
from aidledger.disbursement.recovery.tables import CycleSetOff
from aidledger.disbursement.registry.tables import EventRow, RegistryImport
from aidledger.disbursement.rules.components import ZERO
from aidledger.disbursement.rules.facts import month_of, next_month, previous_month
from aidledger.disbursement.rules.one_offs import PriceDeclaration
from aidledger.disbursement.subsidy.service import declaration_for
from aidledger.disbursement.temporary.tables import CycleInstalment
from aidledger.errors import Refusal
from aidledger.ledger.money import from_fen
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.posting import lock_books
from aidledger.policy.store import effective_policy
from aidledger.policy.tables import PolicyFile
from aidledger.problems import Problem
from aidledger.users import require_role, require_whole

from .additions import gather

_BATCH = 5_000


@dataclass(frozen=True)
class RunOutcome:
    cycle_id: int
    count: int
    total: Decimal
    replaced_draft: bool


def live_cycle(session: Session, county: str, month: str) -> Cycle | None:
    return session.scalar(select(Cycle).where(Cycle.jurisdiction_code == county, Cycle.month == month,
                                              Cycle.status != "cancelled"))


def run_cycle(session: Session, county: str, month: str, *, user: str | None, now: datetime,
              progress: Callable[[int], None] | None = None, workers: int | None = None,
              on: date | None = None) -> RunOutcome:
    """Compute and store the county's month as a draft, booked on `on` (default: today); `workers` as in
    `cycle_workers` (None: automatic)."""
    require_role(session, user, "preparer", action="run payment cycles")
    require_whole(session, user, county, what=f"the payment cycle of {county}")
    today = now.date()
    on = on or today
    if on > today:
        raise Refusal(Problem(f"a run dated {on} is after today ({today}): a cycle is run on the day it is computed",
                              "cycle.run_date", field="date", figures=(("date", on.isoformat()),
                                                                       ("today", today.isoformat()))))
    latest = next_month(month_of(today))
    if month > latest:
        raise Refusal(Problem(f"{month} is too far ahead: a cycle runs at the latest for next month ({latest}), "
                              "whose registry and policy are known", "cycle.month_ahead", field="month",
                              figures=(("month", month), ("latest", latest))))
    lock_books(session)
    place = require_jurisdiction(session, county)
    if place.level != "county":
        raise Refusal(f"{county} {place.name} is a {place.level}; payment cycles run per county")
    policy = effective_policy(session, county)
    cycle = live_cycle(session, county, month)
    replaced = cycle is not None
    if cycle is not None and cycle.status != "draft":
        raise Refusal(f"cycle {cycle.id} for {county} {month} is {cycle.status}; it cannot be re-run, "
                      "only cancelled by an approver (before export)")
    if cycle is None:
        cycle = Cycle(jurisdiction_code=county, month=month, status="draft", count=0, total=ZERO, inputs="{}",
                      run_by=user, run_at=now)
        session.add(cycle)
        session.flush()
    else:
        for table in (CycleSetOff, CycleLine, CycleTrack, CycleHeld, CycleReissue, CycleInstalment, CycleAdjustment):
            session.execute(delete(table).where(table.cycle_id == cycle.id))
    previous = live_cycle(session, county, previous_month(month))
    inputs = _inputs(session, policy, previous)
    declared = declaration_for(session, county, month)
    inputs["price_declaration"] = declared.id if declared is not None else None
    price = PriceDeclaration(declared.cpi, declared.food) if declared is not None else None
    start = start_of(session, county, policy)
    computer = MonthComputer(policy, month, price=price, carried=None, start=start)
    # The 渐退 tracks the previous cycle carried hold only while the policy it ran under still
    # stands; after a new version (perhaps changing past months) they are walked again.
    carry = previous if previous is not None and json.loads(previous.inputs).get("policy_versions") == \
        inputs["policy_versions"] else None
    workers, parts = parts_of(session, county, workers)
    extra = gather(session, county, computer, policy, inputs["policy_versions"], (workers, parts))
    if parts:
        with in_workers(session, county, month, cycle.id, carry, extra.by_household, price, workers,
                        parts) as chunks:
            count, total, held = _store_lines(session, cycle.id, chunks, progress)
    else:
        carried = previous_tracks(session, carry.id) if carry is not None else None
        computer = MonthComputer(policy, month, price=price, carried=carried, start=start)
        rows = computed_rows(cycle.id, stream_county(session, county), computer, extra.by_household)
        count, total, held = _store_lines(session, cycle.id, rows, progress)
    # A held line pays nothing: its re-issues and instalments stay due for the cycle that pays the household.
    reissues = [r for household_id, due in extra.reissues.items() if household_id not in held for r in due]
    if reissues:
        session.execute(insert(CycleReissue), [{"cycle_id": cycle.id, "return_id": r.id} for r in reissues])
    instalments = [d for d in extra.instalments if d.household_id not in held]
    if instalments:
        session.execute(insert(CycleInstalment), [
            {"cycle_id": cycle.id, "grant_id": d.grant_id, "number": d.number, "amount": d.component.amount}
            for d in instalments])
    store_set_offs(session, cycle.id, county)
    if extra.found:
        session.execute(insert(CycleAdjustment), [
            {"cycle_id": cycle.id, "household_id": c.household_id, "month": c.month, "kind": c.kind,
             "amount": c.amount, "paid_before": c.paid_before, "entitled": c.entitled, "reason": c.reason}
            for c in extra.found])
    cycle.count, cycle.total, cycle.run_by, cycle.run_at, cycle.run_on = count, total, user, now, on
    cycle.inputs = json.dumps(inputs, ensure_ascii=False, sort_keys=True)
    run_row = CycleTransition(cycle_id=cycle.id, status="draft", on=on, entry_seq=None,
                              reason="re-run" if replaced else "run", user_name=user, at=now)
    session.add(run_row)
    session.flush()
    # 数据比对: the counted members against the lists in force; a confirmed finding found again holds its line.
    match_cycle(session, cycle, run_row.id, on, now)
    session.flush()
    return RunOutcome(cycle.id, cycle.count, cycle.total, replaced)


def _store_lines(session, cycle_id, chunks, progress) -> tuple[int, Decimal, set[str]]:
    """Insert the lines, tracks and held lines; returns the count and total paid, and the households held."""
    count, total_fen = 0, 0
    lines: list[tuple] = []  # LineRows, or their plain tuples from the worker processes
    tracks: list[tuple] = []
    held: list[tuple] = []
    for new_lines, new_tracks, new_held, done in chunks:
        count += len(new_lines)
        total_fen += sum(line[AMOUNT] for line in new_lines)
        lines += new_lines
        tracks += new_tracks
        held += new_held
        while len(lines) >= _BATCH:
            _insert(session, _LINES, lines[:_BATCH])
            del lines[:_BATCH]
        while len(tracks) >= _BATCH:
            _insert(session, _TRACKS, tracks[:_BATCH])
            del tracks[:_BATCH]
        if progress:
            progress(done)
    if lines:
        _insert(session, _LINES, lines)
    if tracks:
        _insert(session, _TRACKS, tracks)
    if held:  # few: a payee who died
        _insert(session, _HELD, held)
    return count, from_fen(total_fen), {row[1] for row in held}


# The lines and tracks are written as plain rows (money already in fen) with the driver's own
# executemany, in batches of _BATCH: for a million households the ORM's per-row work on
# insert would cost more than computing them.
_LINES = ("cycle_lines", LINE_COLUMNS)
_TRACKS = ("cycle_tracks", TRACK_COLUMNS)
_HELD = ("cycle_held", HELD_COLUMNS)
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _insert(session: Session, target: tuple[str, tuple[str, ...]], rows: list[tuple]) -> None:
    table, columns = target
    connection = session.connection()
    mark = _MARKS[connection.dialect.paramstyle]
    placeholders = ", ".join([mark] * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _inputs(session: Session, policy, previous: Cycle | None) -> dict:
    versions = dict(session.execute(
        select(PolicyFile.jurisdiction_code, func.max(PolicyFile.version))
        .where(PolicyFile.jurisdiction_code.in_([d.code for d in policy.chain]))
        .group_by(PolicyFile.jurisdiction_code)).all())
    return {
        "policy_versions": versions,
        "registry_import_max": session.scalar(select(func.max(RegistryImport.id))),
        "registry_event_max": session.scalar(select(func.max(EventRow.id))),
        "previous_cycle": previous.id if previous is not None else None,
    }
