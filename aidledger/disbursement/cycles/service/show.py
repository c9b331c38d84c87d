"""`cycle show`: a cycle as one reader may see it (a `CycleView`, built and masked here, not by the command)."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.cycles.views import (
    AdjustmentView,
    ControlTotal,
    CycleLineView,
    CycleView,
    HeldView,
    InstalmentView,
    ReturnView,
    TransitionView,
)
from aidledger.disbursement.entitlement.views import component_view
from aidledger.disbursement.payments.tables import (
    BankReturn,
    CycleAdjustment,
    CycleHeld,
    CycleLine,
    CycleTransition,
    ReturnResolution,
)
from aidledger.disbursement.temporary.tables import CycleInstalment
from aidledger.users import personal_numbers

from .steps import ZERO, cycle_of


def cycle_view(session: Session, cycle_id: int, *, reader: str | None, as_json: bool = False) -> CycleView:
    """Everything `cycle show` prints: the cycle, its control totals and its lines. The heads' id numbers, the
    accounts and the members' id numbers are in full only in --json for roles that may see them."""
    cycle = cycle_of(session, cycle_id)
    shown = personal_numbers(session, reader, as_json=as_json)
    by_program: dict[str, list] = defaultdict(lambda: [0, ZERO])
    by_township: dict[str, list] = defaultdict(lambda: [0, ZERO])
    lines = []
    for line in session.scalars(select(CycleLine).where(CycleLine.cycle_id == cycle_id)
                                .order_by(CycleLine.township, CycleLine.household_id)):
        for bucket in (by_program[line.program], by_township[line.township]):
            bucket[0] += 1
            bucket[1] += line.amount
        lines.append(CycleLineView(
            line.household_id, line.program, line.area, line.township, line.members, line.head_name,
            shown(line.head_id_number), line.amount, line.payee_name, shown(line.bank_account),
            tuple(component_view(c, shown) for c in json.loads(line.components))))
    # The bank's returns of this cycle with their ids (what `cycle cancel-return` takes) and
    # how each ended; accounts are left out (the lines carry them, shown as the reader may see them).
    returns = session.execute(
        select(BankReturn, ReturnResolution).outerjoin(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
        .where(BankReturn.cycle_id == cycle_id).order_by(BankReturn.id)).all()
    return CycleView(
        cycle.id, cycle.jurisdiction_code, cycle.month, cycle.status, cycle.count, cycle.total,
        _totals(by_program), _totals(by_township), cycle.inputs,
        history=tuple(TransitionView(t.status, t.on, t.user_name, t.entry_seq, t.reason or None)
                      for t in session.scalars(select(CycleTransition).where(CycleTransition.cycle_id == cycle_id)
                                               .order_by(CycleTransition.id))),
        returns=tuple(ReturnView(r.id, r.household_id, r.amount, r.reason, r.returned_on,
                                 done.kind if done else None, done.on if done else None,
                                 done.cycle_id if done else None) for r, done in returns),
        adjustments=tuple(AdjustmentView(a.household_id, a.month, a.kind, a.amount, a.paid_before, a.entitled,
                                         a.reason)
                          for a in session.scalars(select(CycleAdjustment).where(CycleAdjustment.cycle_id == cycle_id)
                                                   .order_by(CycleAdjustment.month, CycleAdjustment.household_id))),
        instalments=tuple(InstalmentView(i.grant_id, i.number, i.amount)
                          for i in session.scalars(select(CycleInstalment).where(CycleInstalment.cycle_id == cycle_id)
                                                   .order_by(CycleInstalment.grant_id, CycleInstalment.number))),
        lines=tuple(lines),
        held=tuple(HeldView(h.household_id, h.payee_name, h.amount, h.reason)
                   for h in session.scalars(select(CycleHeld).where(CycleHeld.cycle_id == cycle_id)
                                            .order_by(CycleHeld.household_id))),
    )


def _totals(buckets: dict[str, list]) -> tuple[ControlTotal, ...]:
    return tuple(ControlTotal(key, count, total) for key, (count, total) in sorted(buckets.items()))
