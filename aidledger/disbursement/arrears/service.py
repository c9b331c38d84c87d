"""Months already paid, computed again: the differences a cycle pays (补发), claims (追回) or notes.

When cycle M of a county is run, every earlier month P the county has paid (an approved,
exported or settled cycle) is looked at again if, since the last cycle that computed it:
  - the policy in force changed P's parameters (a file loaded with a dated value from a past
    day: "from 1 July", published in September): every household paid in P is recomputed;
  - registry events were recorded with dates up to P's first day (a death, termination or
    income change recorded late): those households are recomputed.
"What the household got for P" is its line in P's cycle by the rules (not counting
instalments, arrears for other months or re-issued returns), plus the arrears and minus the
receivables approved for P since; rules/retro.py decides what the difference becomes. A
household whose payment for P came back from the bank unresolved or cancelled is left to the
return's own handling.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.codes import EventKind, values
from aidledger.disbursement.entitlement.compute import MonthComputer
from aidledger.disbursement.entitlement.store import stream_county
from aidledger.disbursement.entitlement.workers import entitled_in_workers
from aidledger.disbursement.opening.service import start_of
from aidledger.disbursement.payments.tables import (
    BankReturn,
    Cycle,
    CycleAdjustment,
    CycleHeld,
    CycleLine,
    CycleReissue,
    ReturnResolution,
)
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.registry.store import late_changes, load_household
from aidledger.disbursement.rules import walk_to
from aidledger.disbursement.rules.components import ZERO
from aidledger.disbursement.rules.facts import first_day
from aidledger.disbursement.rules.one_offs import PriceDeclaration
from aidledger.disbursement.rules.retro import ARREARS, RECOVERY, Difference, difference
from aidledger.disbursement.subsidy.service import price_for
from aidledger.ledger.money import from_fen
from aidledger.policy import EffectivePolicy, PolicySnapshot
from aidledger.policy.store import policy_as_loaded

POSTED = ("approved", "exported", "settled")
AMOUNT_EVENTS = tuple(k for k in values(EventKind) if k not in ("bank_account", "payee"))  # who is paid: no amount


def _rules_part(snap: PolicySnapshot) -> tuple:
    """The parameters the monthly amounts read (not budget, reserve, review …)."""
    return snap.dibao, snap.tekun, snap.wages, snap.low_income, snap.price_subsidy, snap.heating


def differences(session: Session, county: str, month: str, policy: EffectivePolicy, versions: dict[str, int],
                pool: tuple[int, list] = (0, [])) -> list[Difference]:
    """Every difference cycle `month` finds in the county's months already paid, in month and household order.

    `pool`: the run's (workers, shares of households); with shares, a month the policy changed
    is recomputed by the worker processes (cycle_workers.py), else in this process.
    """
    posted = list(session.scalars(select(Cycle).where(Cycle.jurisdiction_code == county, Cycle.status.in_(POSTED))
                                  .order_by(Cycle.month, Cycle.id)))
    found: list[Difference] = []
    start = start_of(session, county, policy)
    for paid in posted:
        if paid.month >= month:
            continue
        basis = json.loads(max((c for c in posted if c.month >= paid.month), key=lambda c: (c.month, c.id)).inputs)
        day = first_day(paid.month)
        policy_changed = (basis["policy_versions"] != versions and _rules_part(
            policy_as_loaded(session, county, basis["policy_versions"]).on(day)) != _rules_part(policy.on(day)))
        late = _late_events(session, county, basis.get("registry_event_max") or 0, day)
        if not policy_changed and not late:
            continue
        lines = _rules_amounts(session, paid.id)
        before = _adjusted(session, county, paid.month)
        price = price_for(session, county, paid.month)
        # Households not paid in P at all whose late events may make P payable (a mistaken death voided, a late
        # resume): their whole month is owed, if the rules now give one; a line held or returned is not this.
        unpaid = sorted(set(late) - _had_line(session, paid.id))

        def walked(ids, p=price, pm=paid.month):
            def price_on(m: str) -> PriceDeclaration | None:
                return p if m == pm else None  # the 渐退 base leaves earlier months' one-offs out
            return ((h, walk_to(pm, s.household.approved_on, policy.on, s.on, price_on,
                                start.begin(h, s.household.approved_on)).amount)
                    for h, s in _households(session, ids))

        found += _compared(paid.month, month, {}, before, late, walked(unpaid))
        if policy_changed and pool[1]:
            found += _compared(paid.month, month, lines, before, late,
                               _entitled_in_workers(session, county, paid.month, price, pool, lines))
            continue
        if policy_changed:
            computer = MonthComputer(policy, paid.month, price=price, carried=None, start=start)
            entitled = ((s.household.household_id, computer.compute(s).benefit.amount)
                        for s in stream_county(session, county) if s.household.household_id in lines)
        else:
            entitled = walked(sorted(h for h in late if h in lines))
        found += _compared(paid.month, month, lines, before, late, entitled)
    return found


def _compared(paid_month: str, month: str, lines: dict[str, Decimal], before: dict[str, Decimal],
              late: dict[str, set[str]], entitled) -> list[Difference]:
    found = []
    for household_id, amount in entitled:
        got = lines.get(household_id, ZERO) + before.get(household_id, ZERO)
        change = difference(household_id, paid_month, month, amount, got, tuple(late.get(household_id, ())))
        if change is not None:
            found.append(change)
    return found


def _entitled_in_workers(session: Session, county: str, month: str, price, pool: tuple[int, list],
                         lines: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """(household, amount) for the households paid in `month`, in household order, from the worker processes."""
    workers, parts = pool
    out = []
    with entitled_in_workers(session, county, month, price, workers, parts) as shares:
        for share in shares:
            out += [(h, from_fen(fen)) for h, fen in share if h in lines]
    return sorted(out)


def _households(session: Session, ids: list[str]) -> Iterator[tuple[str, StoredHousehold]]:
    for household_id in ids:
        yield household_id, load_household(session, household_id)


def _late_events(session: Session, county: str, after_id: int, day) -> dict[str, set[str]]:
    """Households with amount-changing events recorded after event `after_id` that change the registry as of `day`
    (dated up to it, or voiding one dated up to it)."""
    late: dict[str, set[str]] = defaultdict(set)
    for household_id, kind in late_changes(session, county, after_id, day, AMOUNT_EVENTS):
        late[household_id].add(kind)
    return late


def _rules_amounts(session: Session, cycle_id: int) -> dict[str, Decimal]:
    """household → what cycle `cycle_id` paid it by the month's rules, for households paid by the rules.

    Leaves out households whose payment came back from the bank and is unresolved or was
    cancelled back to the fund: that money is not the household's.
    """
    reissued = dict(session.execute(
        select(BankReturn.household_id, func.sum(BankReturn.amount))
        .join(CycleReissue, CycleReissue.return_id == BankReturn.id)
        .where(CycleReissue.cycle_id == cycle_id).group_by(BankReturn.household_id)).all())
    not_received = set(session.scalars(
        select(BankReturn.household_id).outerjoin(ReturnResolution, ReturnResolution.return_id == BankReturn.id)
        .where(BankReturn.cycle_id == cycle_id,
               ReturnResolution.kind.is_(None) | (ReturnResolution.kind == "cancelled"))))
    out = {}
    for household_id, amount, temporary, arrears, set_off in session.execute(
            select(CycleLine.household_id, CycleLine.amount, CycleLine.temporary, CycleLine.arrears, CycleLine.set_off)
            .where(CycleLine.cycle_id == cycle_id)):
        rules = amount - temporary - arrears - reissued.get(household_id, ZERO) + set_off
        if rules > 0 and household_id not in not_received:
            out[household_id] = rules
    return out


def _had_line(session: Session, cycle_id: int) -> set[str]:
    """The households cycle `cycle_id` paid or held (a held month is paid when it is released, additions.py)."""
    return set(session.scalars(select(CycleLine.household_id).where(CycleLine.cycle_id == cycle_id))) | set(
        session.scalars(select(CycleHeld.household_id).where(CycleHeld.cycle_id == cycle_id)))


def _adjusted(session: Session, county: str, month: str) -> dict[str, Decimal]:
    """household → arrears paid minus receivables claimed for `month` by posted cycles."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for household_id, kind, amount in session.execute(
            select(CycleAdjustment.household_id, CycleAdjustment.kind, func.sum(CycleAdjustment.amount))
            .join(Cycle, Cycle.id == CycleAdjustment.cycle_id)
            .where(Cycle.jurisdiction_code == county, Cycle.status.in_(POSTED), CycleAdjustment.month == month,
                   CycleAdjustment.kind.in_((ARREARS, RECOVERY)))
            .group_by(CycleAdjustment.household_id, CycleAdjustment.kind)):
        out[household_id] += amount if kind == ARREARS else -amount
    return out


def changed_since_run(session: Session, cycle_id: int, county: str) -> list[CycleAdjustment]:
    """A draft's arrears and receivables whose month another cycle has settled since this one was run."""
    adjustments = list(session.scalars(select(CycleAdjustment).where(
        CycleAdjustment.cycle_id == cycle_id, CycleAdjustment.kind.in_((ARREARS, RECOVERY)))))
    stale, by_month = [], {}
    for a in adjustments:
        if a.month not in by_month:
            by_month[a.month] = (_adjusted(session, county, a.month),
                                 _rules_amounts(session, _paid_cycle(session, county, a.month)))
        before, lines = by_month[a.month]
        if lines.get(a.household_id, ZERO) + before.get(a.household_id, ZERO) != a.paid_before:
            stale.append(a)
    return stale


def _paid_cycle(session: Session, county: str, month: str) -> int:
    return session.scalar(select(Cycle.id).where(Cycle.jurisdiction_code == county, Cycle.month == month,
                                                 Cycle.status.in_(POSTED)))
