"""`cycle diff`: a cycle against the county's previous cycle, for one reader (cycles/diff.py compares).

The previous cycle is the county's latest cycle of an earlier month that was not cancelled. The lines are read
twice, amounts only; the components are parsed only for the households whose amount or members changed (a
county pays 70,000 households, most of them the same as last month). Why a household left is read from the
registry's events dated from the first day of last month to the end of this one (voided ones left out), from its
hold this month, and from its 渐退 track last month.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.cycles.diff import LEFT_REASONS, CycleDiff, HeldLine, Paid, compare, parts_of
from aidledger.disbursement.payments.tables import Cycle, CycleHeld, CycleLine
from aidledger.disbursement.registry.tables import EventRow
from aidledger.disbursement.rules.facts import next_month

from .show import households_of, reader_township
from .steps import cycle_of

# The events that tell why a household is not paid any more, by the reason each gives.
EVENT_REASONS = {"death": "death", "terminate": "terminated", "suspend": "suspended", "program": "program",
                 "income": "income", "income_type": "income", "tier": "income"}
CHUNK = 500


def previous_cycle(session: Session, cycle: Cycle) -> Cycle | None:
    """The county's latest cycle of an earlier month that was not cancelled."""
    return session.scalar(select(Cycle).where(Cycle.jurisdiction_code == cycle.jurisdiction_code,
                                              Cycle.month < cycle.month, Cycle.status != "cancelled")
                          .order_by(Cycle.month.desc(), Cycle.id.desc()).limit(1))


def cycle_diff(session: Session, cycle_id: int, *, reader: str | None) -> CycleDiff:
    cycle = cycle_of(session, cycle_id)
    township = reader_township(session, reader, cycle.jurisdiction_code, f"cycle {cycle_id}")
    before = previous_cycle(session, cycle)
    current = _amounts(session, cycle.id, township)
    previous = _amounts(session, before.id, township) if before is not None else {}
    moved = [h for h, p in current.items() if h in previous
             and (previous[h][3] != p[3] or previous[h][2] != p[2])]
    current_parts = _parts(session, cycle.id, moved)
    previous_parts = _parts(session, before.id, moved) if before is not None else {}
    held_rows = list(session.execute(select(CycleHeld.household_id, CycleHeld.amount, CycleHeld.reason)
                                     .where(CycleHeld.cycle_id == cycle.id).order_by(CycleHeld.household_id)))
    if township is not None and held_rows:
        mine = households_of(session, cycle.id, township, [row[0] for row in held_rows])
        held_rows = [row for row in held_rows if row[0] in mine]
    gone = [h for h in previous if h not in current]
    why = _why_left(session, gone, before, cycle, {row[0] for row in held_rows}, previous)
    differences = compare({h: _paid(h, row, previous_parts) for h, row in previous.items()},
                          {h: _paid(h, row, current_parts) for h, row in current.items()}, why)
    return CycleDiff(cycle.id, cycle.jurisdiction_code, cycle.month, before.id if before else None,
                     before.month if before else None, differences,
                     tuple(HeldLine(h, amount, reason) for h, amount, reason in held_rows), township)


def _amounts(session: Session, cycle_id: int, township: str | None) -> dict[str, tuple]:
    """household → (program, township, members, amount, track_status) of a cycle's lines."""
    query = select(CycleLine.household_id, CycleLine.program, CycleLine.township, CycleLine.members,
                   CycleLine.amount, CycleLine.track_status).where(CycleLine.cycle_id == cycle_id)
    if township is not None:
        query = query.where(CycleLine.township == township)
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def _parts(session: Session, cycle_id: int, households: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(households), CHUNK):
        for household, components in session.execute(
                select(CycleLine.household_id, CycleLine.components).where(
                    CycleLine.cycle_id == cycle_id, CycleLine.household_id.in_(households[start:start + CHUNK]))):
            found[household] = parts_of(json.loads(components))
    return found


def _paid(household: str, row: tuple, parts: dict[str, dict]) -> Paid:
    program, township, members, amount, _ = row
    return Paid(household, program, township, members, amount, parts.get(household, {}))


def _why_left(session: Session, gone: list[str], before: Cycle | None, cycle: Cycle, held: set[str],
              previous: dict[str, tuple]) -> dict[str, str]:
    if not gone or before is None:
        return {}
    first = date.fromisoformat(f"{before.month}-01")
    end = date.fromisoformat(f"{next_month(cycle.month)}-01")
    found: dict[str, set[str]] = {h: set() for h in gone}
    for start in range(0, len(gone), CHUNK):
        part = gone[start:start + CHUNK]
        # A void voids its event whatever the void's own date.
        voided = {int(value) for value in session.scalars(select(EventRow.value).where(
            EventRow.household_id.in_(part), EventRow.kind == "void")) if value and value.isdigit()}
        for event_id, household, kind in session.execute(
                select(EventRow.id, EventRow.household_id, EventRow.kind).where(
                    EventRow.household_id.in_(part), EventRow.kind.in_(tuple(EVENT_REASONS)),
                    EventRow.date >= first, EventRow.date < end)):
            if event_id not in voided:
                found[household].add(EVENT_REASONS[kind])
    why = {}
    for household in gone:
        reasons = found[household]
        if household in held:
            reasons.add("held")
        if previous[household][4] == "exit":
            reasons.add("exit_ended")
        why[household] = next((r for r in LEFT_REASONS if r in reasons), "not_entitled")
    return why
