"""`cycle run`: compute a county's month and store it as a draft cycle, in one transaction.

One live cycle per county and month (a unique index). Running again while it is a draft
replaces the draft; once approved it can only be cancelled. Because the whole run is one
transaction, a run killed at any moment leaves either no new cycle or the complete draft.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..errors import Refusal
from ..ledger.accounts import require_jurisdiction
from ..ledger.posting import lock_books
from ..policy.store import effective_policy
from ..policy.tables import PolicyFile
from ..users import require_role
from .cycle_compute import Computed, MonthComputer, head_of, previous_tracks, stream_county
from .cycle_tables import BankReturn, Cycle, CycleLine, CycleReissue, CycleTrack, CycleTransition, ReturnResolution
from .registry_store import load_household
from .registry_tables import EventRow, RegistryImport
from .rules import Component
from .rules.components import ZERO
from .rules.facts import counted_members, previous_month
from .rules.gradual_exit import ENDED

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
              progress: Callable[[int], None] | None = None) -> RunOutcome:
    require_role(session, user, "preparer", action="run payment cycles")
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
        for table in (CycleLine, CycleTrack, CycleReissue):
            session.execute(delete(table).where(table.cycle_id == cycle.id))
    previous = live_cycle(session, county, previous_month(month))
    carried = previous_tracks(session, previous.id) if previous is not None else None
    computer = MonthComputer(policy, month, price=None, carried=carried)
    reissues = _reissues_due(session, county, computer)
    count, total = _store_lines(session, cycle.id, stream_county(session, county), computer, reissues, progress)
    cycle.count, cycle.total, cycle.run_by, cycle.run_at = count, total, user, now
    cycle.inputs = json.dumps(_inputs(session, policy, previous), ensure_ascii=False, sort_keys=True)
    session.add(CycleTransition(cycle_id=cycle.id, status="draft", on=now.date(), entry_seq=None,
                                reason="re-run" if replaced else "run", user_name=user, at=now))
    session.flush()
    return RunOutcome(cycle.id, count, total, replaced)


def _store_lines(session, cycle_id, households, computer: MonthComputer, reissues, progress) -> tuple[int, Decimal]:
    count, total = 0, ZERO
    lines: list[dict] = []
    tracks: list[dict] = []
    for stored in households:
        computed = computer.compute(stored)
        extra = reissues.get(stored.household.household_id, [])
        if computed.benefit.paid or extra:
            line = _line(cycle_id, computed, extra, computer)
            lines.append(line)
            count += 1
            total += line["amount"]
        elif computed.track.status == ENDED:  # the next month must know it is not paid again
            tracks.append({"cycle_id": cycle_id, "household_id": stored.household.household_id,
                           "track_status": ENDED})
        if len(lines) >= _BATCH:
            session.execute(insert(CycleLine), lines)
            lines = []
        if len(tracks) >= _BATCH:
            session.execute(insert(CycleTrack), tracks)
            tracks = []
        if progress:
            progress(1)
    if lines:
        session.execute(insert(CycleLine), lines)
    if tracks:
        session.execute(insert(CycleTrack), tracks)
    if reissues:
        session.execute(insert(CycleReissue), [{"cycle_id": cycle_id, "return_id": r.id}
                                               for due in reissues.values() for r in due])
    return count, total


@dataclass(frozen=True)
class Reissue:
    """A bank return to pay again: its id, amount, when it came back and the month it paid for."""

    id: int
    amount: Decimal
    returned_on: object
    month: str


def _line(cycle_id: int, computed: Computed, reissues: list[Reissue], computer: MonthComputer) -> dict:
    stored, benefit, track = computed.stored, computed.benefit, computed.track
    household = stored.household
    components = [c.as_dict() for c in benefit.components]
    for r in reissues:
        components.append(Component(
            "arrears", r.amount, f"退票重发: {r.returned_on} 退回的 {r.amount:.2f} 元改付至更正后的账号",
            "bank return", month=r.month).as_dict() | {"return_id": r.id})
    head = head_of(stored.members)
    state = stored.on(computer.day)
    return {
        "cycle_id": cycle_id, "household_id": household.household_id, "program": household.program,
        "area": household.area, "township": household.township, "head_name": head.name,
        "head_id_number": head.id_number, "members": len(counted_members(state)),
        "payee_name": household.payee_name, "bank_account": state.household.bank_account,
        "amount": benefit.amount + sum((r.amount for r in reissues), ZERO),
        "components": json.dumps(components, ensure_ascii=False),
        "track_status": track.status, "exit_month": track.exit_month, "exit_base": track.exit_base,
        "dibao_amount": track.amount,
    }


def _reissues_due(session: Session, county: str, computer: MonthComputer) -> dict[str, list[Reissue]]:
    """Unresolved returns whose household's account has been corrected since: paid again this month."""
    resolved = select(ReturnResolution.return_id)
    rows = session.execute(
        select(BankReturn, Cycle.month).join(Cycle, Cycle.id == BankReturn.cycle_id)
        .where(Cycle.jurisdiction_code == county, BankReturn.id.not_in(resolved))
        .order_by(BankReturn.id))
    due: dict[str, list[Reissue]] = {}
    for bank_return, cycle_month in rows:
        if cycle_month >= computer.month:
            continue
        account = load_household(session, bank_return.household_id).on(computer.day).household.bank_account
        if account != bank_return.bank_account:
            due.setdefault(bank_return.household_id, []).append(
                Reissue(bank_return.id, bank_return.amount, bank_return.returned_on, cycle_month))
    return due


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
