"""`cycle show`: a cycle as one reader may see it (a `CycleView`, built and masked here, not by the command), and
the list of cycles a reader may see (`cycle_list`, the web application's list of cycles).

A reader's scope limits both: a reader whose scope neither holds the cycle's county nor lies inside it is refused;
a township's clerk sees the township's part of the county's cycle only (its lines, held households, returns,
adjustments and instalments), with the totals recomputed over that part and the view saying so (`township`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.scope import contains, township_of, within
from aidledger.codes import SignoffSubject
from aidledger.disbursement.banks.reader import parse_reason
from aidledger.disbursement.cycles.views import (
    AdjustmentView,
    ControlTotal,
    CycleLineView,
    CycleView,
    HeldView,
    InstalmentView,
    ReturnView,
    SignoffView,
    TransitionView,
)
from aidledger.disbursement.entitlement.views import component_view
from aidledger.disbursement.matching.service import findings_of
from aidledger.disbursement.matching.views import FindingView
from aidledger.disbursement.payments.tables import (
    BankReturn,
    Cycle,
    CycleAdjustment,
    CycleHeld,
    CycleLine,
    CycleTransition,
    ReturnResolution,
)
from aidledger.disbursement.registry.tables import HouseholdRow
from aidledger.disbursement.signoffs.rules import step_name
from aidledger.disbursement.signoffs.service import cycle_round, history
from aidledger.disbursement.temporary.tables import CycleInstalment, TemporaryGrant
from aidledger.labels import RETURN_REASON_NAMES
from aidledger.users import personal_numbers, require_within, scope_of

from .signing import cycle_chain
from .steps import ZERO, cycle_of, run_date


@dataclass(frozen=True, slots=True)
class TownshipCycleView(CycleView):
    """A cycle as a township's clerk sees it: the township's part only. `count`, `total`, `by_program` and
    `by_township` are over that part; `as_dict()` says which township it is (a key unscoped views do not have)."""

    township: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**CycleView.as_dict(self), "township": self.township}


def reader_township(session: Session, reader: str | None, county: str, what: str) -> str | None:
    """The township `reader` is limited to inside `county` (None: all of it); refused when the reader's scope
    neither holds the county nor lies inside it."""
    require_within(session, reader, county, what=what)
    scope = scope_of(session, reader)
    return township_of(scope) if contains(county, scope) else None


def cycle_view(session: Session, cycle_id: int, *, reader: str | None, as_json: bool = False) -> CycleView:
    """Everything `cycle show` prints: the cycle, its control totals and its lines. The heads' id numbers, the
    accounts and the members' id numbers are in full only in --json for roles that may see them. A township's
    clerk gets a `TownshipCycleView` of the township's part; a reader outside the county is refused."""
    cycle = cycle_of(session, cycle_id)
    township = reader_township(session, reader, cycle.jurisdiction_code, f"cycle {cycle_id}")
    shown = personal_numbers(session, reader, as_json=as_json)
    query = select(CycleLine).where(CycleLine.cycle_id == cycle_id)
    if township is not None:
        query = query.where(CycleLine.township == township)
    lines = tuple(line_view(line, shown)
                  for line in session.scalars(query.order_by(CycleLine.township, CycleLine.household_id)))
    findings = tuple(findings_of(session, cycle_id, reader=reader, as_json=as_json, township=township))
    return assemble(session, cycle, township, lines, findings)


def line_view(line: CycleLine, shown) -> CycleLineView:
    return CycleLineView(line.household_id, line.program, line.area, line.township, line.members, line.head_name,
                         shown(line.head_id_number), line.amount, line.payee_name, shown(line.bank_account),
                         tuple(component_view(c, shown) for c in json.loads(line.components)))


def assemble(session: Session, cycle: Cycle, township: str | None, lines: tuple[CycleLineView, ...],
             findings: tuple[FindingView, ...] = ()) -> CycleView:
    """The view of `cycle` for a reader limited to `township` (None: the whole county), holding `lines` (all of
    them for `cycle show`, one page of them for the cycle's page): the totals, the sign-offs, the returns, the
    recomputed months, the instalments and the held households, in the reader's part only; and the cross-checks'
    `findings` (数据比对), as the reader may see them."""
    cycle_id = cycle.id
    by_program, by_township = control_totals(session, cycle_id, township)
    # The bank's returns of this cycle with their ids (what `cycle cancel-return` takes) and
    # how each ended; accounts are left out (the lines carry them, shown as the reader may see them).
    returns = session.execute(
        select(BankReturn, ReturnResolution).outerjoin(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
        .where(BankReturn.cycle_id == cycle_id).order_by(BankReturn.id)).all()
    adjustments = list(session.scalars(select(CycleAdjustment).where(CycleAdjustment.cycle_id == cycle_id)
                                       .order_by(CycleAdjustment.month, CycleAdjustment.household_id)))
    instalments = session.execute(
        select(CycleInstalment, TemporaryGrant.household_id)
        .join(TemporaryGrant, TemporaryGrant.id == CycleInstalment.grant_id)
        .where(CycleInstalment.cycle_id == cycle_id)
        .order_by(CycleInstalment.grant_id, CycleInstalment.number)).all()
    held = list(session.scalars(select(CycleHeld).where(CycleHeld.cycle_id == cycle_id)
                                .order_by(CycleHeld.household_id)))
    if township is not None:
        mine = households_of(session, cycle_id, township,
                              [r.household_id for r, _ in returns] + [a.household_id for a in adjustments]
                              + [household for _, household in instalments] + [h.household_id for h in held])
        returns = [(r, done) for r, done in returns if r.household_id in mine]
        adjustments = [a for a in adjustments if a.household_id in mine]
        instalments = [(i, household) for i, household in instalments if household in mine]
        held = [h for h in held if h.household_id in mine]
    parts = dict(
        history=tuple(TransitionView(t.status, t.on, t.user_name, t.entry_seq, t.reason or None)
                      for t in session.scalars(select(CycleTransition).where(CycleTransition.cycle_id == cycle_id)
                                               .order_by(CycleTransition.id))),
        returns=tuple(_return_view(r, done) for r, done in returns),
        adjustments=tuple(AdjustmentView(a.household_id, a.month, a.kind, a.amount, a.paid_before, a.entitled,
                                         a.reason) for a in adjustments),
        instalments=tuple(InstalmentView(i.grant_id, i.number, i.amount) for i, _ in instalments),
        lines=lines,
        held=tuple(HeldView(h.household_id, h.payee_name, h.amount, h.reason) for h in held),
        findings=findings,
        **_signoff_parts(session, cycle),
    )
    if township is None:
        return CycleView(cycle.id, cycle.jurisdiction_code, cycle.month, cycle.status, cycle.count, cycle.total,
                         by_program, by_township, cycle.inputs, **parts)
    return TownshipCycleView(cycle.id, cycle.jurisdiction_code, cycle.month, cycle.status,
                             sum(t.count for t in by_township), sum((t.total for t in by_township), ZERO),
                             by_program, by_township, cycle.inputs, **parts, township=township)


def _signoff_parts(session: Session, cycle: Cycle) -> dict:
    """The sign-off chain, every round, and where a draft stands in it (the policy as on the day it was run)."""
    current = cycle_round(session, cycle.id)
    views = tuple(SignoffView(s.step, s.of_steps, step_name(s.step, s.of_steps), s.action, s.user_name,
                              s.display_name, s.on, s.at, s.reason, s.round == current)
                  for s in history(session, SignoffSubject.CYCLE, cycle.id))
    if cycle.status != "draft":
        return {"signoffs": views}
    chain = cycle_chain(session, cycle, run_date(cycle))
    return {"signoffs": views, "waiting": chain.waiting, "round": chain.round, "next_step": chain.next_step}


def control_totals(session: Session, cycle_id: int, township: str | None) \
        -> tuple[tuple[ControlTotal, ...], tuple[ControlTotal, ...]]:
    """Households and amount per programme and per township, of the cycle or of one township's part: one pass
    over the cycle's lines in the database (the lines themselves are not read)."""
    query = (select(CycleLine.program, CycleLine.township, func.count().label("n"),
                    func.sum(CycleLine.amount).label("total"))
             .where(CycleLine.cycle_id == cycle_id).group_by(CycleLine.program, CycleLine.township))
    if township is not None:
        query = query.where(CycleLine.township == township)
    by_program: dict[str, list] = defaultdict(lambda: [0, ZERO])
    by_township: dict[str, list] = defaultdict(lambda: [0, ZERO])
    for row in session.execute(query):
        for bucket in (by_program[row.program], by_township[row.township]):
            bucket[0] += row.n
            bucket[1] += row.total
    return _totals(by_program), _totals(by_township)


def households_of(session: Session, cycle_id: int, township: str, named: Iterable[str]) -> set[str]:
    """Which of the households a cycle names lie in `township`: a household paid by the cycle is its line's
    township's; one it does not pay (held, or only recomputed) is the township's it is registered in."""
    named = set(named)
    if not named:
        return set()
    lines = dict(session.execute(select(CycleLine.household_id, CycleLine.township).where(
        CycleLine.cycle_id == cycle_id, CycleLine.household_id.in_(named))).all())
    registered = set(session.scalars(select(HouseholdRow.household_id).where(
        HouseholdRow.household_id.in_(named - set(lines)), HouseholdRow.township == township)))
    return {h for h, where in lines.items() if where == township} | registered


def _totals(buckets: dict[str, list]) -> tuple[ControlTotal, ...]:
    return tuple(ControlTotal(key, count, total) for key, (count, total) in sorted(buckets.items()))


# ---- the list of cycles ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CycleSummary:
    """One cycle in the list: what it is, where it stands, and who ran and approved it. `count` and `total` are
    the reader's part (a township's clerk: the township's lines)."""

    cycle_id: int
    jurisdiction: str
    month: str
    status: str
    count: int
    total: Decimal
    run_by: str
    run_on: date
    approved_by: str | None
    approved_on: date | None
    waiting: str | None = None  # a draft's place in its sign-off chain: 待审核 / 待审批

    def as_dict(self) -> dict[str, object]:
        return {"cycle": str(self.cycle_id), "jurisdiction": self.jurisdiction, "month": self.month,
                "status": self.status, "count": self.count, "total": self.total, "run_by": self.run_by,
                "run_on": self.run_on, "approved_by": self.approved_by, "approved_on": self.approved_on,
                "waiting": self.waiting}


@dataclass(frozen=True, slots=True)
class CycleList:
    """The cycles a reader may see, newest month first. `township`: the township the figures are limited to."""

    scope: str | None
    township: str | None
    cycles: tuple[CycleSummary, ...]

    def as_dict(self) -> dict[str, object]:
        return {"scope": self.scope, "township": self.township, "cycles": [c.as_dict() for c in self.cycles]}


def cycle_list(session: Session, *, reader: str | None, jurisdiction: str | None = None,
               status: str | None = None) -> CycleList:
    """The cycles of the counties the reader's scope holds or lies inside (a township's clerk: the township's
    county, with the township's households and amounts only), optionally of one county or status; newest month
    first, then by county and id."""
    scope = scope_of(session, reader)
    own = township_of(scope)
    query = select(Cycle)
    if jurisdiction is not None:
        query = query.where(Cycle.jurisdiction_code == jurisdiction)
    if status is not None:
        query = query.where(Cycle.status == status)
    cycles = [c for c in session.scalars(query.order_by(Cycle.month.desc(), Cycle.jurisdiction_code, Cycle.id))
              if within(scope, c.jurisdiction_code) or contains(c.jurisdiction_code, scope)]
    ids = [c.id for c in cycles]
    approved: dict[int, CycleTransition] = {}
    if ids:
        for t in session.scalars(select(CycleTransition).where(CycleTransition.cycle_id.in_(ids),
                                                               CycleTransition.status == "approved")
                                 .order_by(CycleTransition.id)):
            approved[t.cycle_id] = t
    parts: dict[int, tuple[int, Decimal]] = {}
    if own is not None and ids:
        parts = {row.cycle_id: (row.n, row.total if row.total is not None else ZERO) for row in session.execute(
            select(CycleLine.cycle_id, func.count().label("n"), func.sum(CycleLine.amount).label("total"))
            .where(CycleLine.cycle_id.in_(ids), CycleLine.township == own).group_by(CycleLine.cycle_id))}
    summaries = []
    for c in cycles:
        count, total = (c.count, c.total) if own is None else parts.get(c.id, (0, ZERO))
        step = approved.get(c.id)
        # Drafts are few (one live per county and month): their chains are read one by one.
        waiting = cycle_chain(session, c, run_date(c)).waiting if c.status == "draft" else None
        summaries.append(CycleSummary(c.id, c.jurisdiction_code, c.month, c.status, count, total, c.run_by,
                                      run_date(c), step.user_name if step else None, step.on if step else None,
                                      waiting))
    return CycleList(scope, own, tuple(summaries))


# ---- what waits on someone (the dashboard) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenMatters:
    """The payments waiting on an office: the households a cycle holds (a payee who died, until a `payee` event
    names who is paid now) and the county's bank returns not yet re-issued or cancelled, in the reader's part."""

    held_count: int
    held_total: Decimal
    returns_count: int
    returns_total: Decimal


def open_matters(session: Session, county: str, cycle_id: int | None, *, reader: str | None) -> OpenMatters:
    township = reader_township(session, reader, county, f"jurisdiction {county}")
    held = list(session.execute(select(CycleHeld.household_id, CycleHeld.amount)
                                .where(CycleHeld.cycle_id == cycle_id))) if cycle_id is not None else []
    pending = list(session.execute(
        select(BankReturn.household_id, BankReturn.amount, BankReturn.cycle_id)
        .join(Cycle, Cycle.id == BankReturn.cycle_id)
        .outerjoin(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
        .where(Cycle.jurisdiction_code == county, ReturnResolution.return_id.is_(None))))
    if township is not None:
        mine_held = households_of(session, cycle_id, township, [h for h, _ in held]) if held else set()
        held = [(h, amount) for h, amount in held if h in mine_held]
        kept = []
        for returned_in in {c for _, _, c in pending}:
            mine = households_of(session, returned_in, township, [h for h, _, c in pending if c == returned_in])
            kept += [row for row in pending if row[2] == returned_in and row[0] in mine]
        pending = kept
    return OpenMatters(len(held), sum((amount for _, amount in held), ZERO),
                       len(pending), sum((row[1] for row in pending), ZERO))


def _return_view(row, done) -> ReturnView:
    """A return as its reader sees it: the bank's words for the failure, its code beside them (the stored reason
    keeps both, `closed: 账户已销户`: banks/reader.py)."""
    code, text = parse_reason(row.reason)
    return ReturnView(row.id, row.household_id, row.amount, text or RETURN_REASON_NAMES.get(code or "", ""),
                      row.returned_on, done.kind if done else None, done.on if done else None,
                      done.cycle_id if done else None, code)
