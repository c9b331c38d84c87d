"""`temporary grant` / `temporary approve`: 支出型临时救助 approved once, paid in instalments.

A preparer records the grant for a household in the registry; above
temporary.case_by_case_threshold it needs the committee's decision (一事一议) named by
--committee-ref. Other users, approvers, sign it off (maker-checker; `approval.grant_signoffs`
sign-offs, one by default). From its first
month, each cycle of the household's county pays the instalments that have fallen due
and no approved cycle has paid yet (a `temporary` component, charged to
Expenses:Temporary): normally one per cycle, and any missed one in the next cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.codes import SignoffAction, SignoffSubject
from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.registry.store import load_household
from aidledger.disbursement.rules import Component
from aidledger.disbursement.rules.facts import first_day, month_of
from aidledger.disbursement.rules.instalments import (
    MAX_INSTALMENTS,
    instalment_amounts,
    instalment_component,
    instalment_months,
)
from aidledger.disbursement.signoffs.rules import Signed, signer_problems
from aidledger.disbursement.signoffs.service import chain_of, record
from aidledger.errors import Refusal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.posting import lock_books
from aidledger.orm import existing
from aidledger.policy.store import effective_policy
from aidledger.problems import Problem
from aidledger.users import require_role, require_whole

from .tables import CycleInstalment, GrantApproval, TemporaryGrant
from .views import GrantView, InstalmentPaid

POSTED = ("approved", "exported", "settled")


def grant(session: Session, household_id: str, total: Decimal, instalments: int, first_month: str, reason: str,
          committee_ref: str | None, *, user: str | None, now: datetime) -> int:
    """Record a grant (preparer); returns its id. It is paid once an approver approves it."""
    require_role(session, user, "preparer", action="grant temporary assistance")
    stored = load_household(session, household_id)  # refused when not in the registry
    county = stored.household.county
    require_whole(session, user, stored.household.township, what=f"a grant to household {household_id}")
    threshold = effective_policy(session, county).on(first_day(first_month)).temporary.case_by_case_threshold
    committee_ref = (committee_ref or "").strip() or None
    problems = []
    if total <= 0:
        problems.append(f"a grant must be more than 0.00, not {total:.2f}")
    if not 1 <= instalments <= MAX_INSTALMENTS:
        problems.append(f"instalments must be 1 to {MAX_INSTALMENTS} (consecutive monthly cycles), not {instalments}")
    elif total > 0 and total < Decimal("0.01") * instalments:
        problems.append(f"{total:.2f} cannot be paid in {instalments} instalments of at least 0.01")
    if not reason.strip():
        problems.append("a grant needs a reason")
    if total > threshold and committee_ref is None:
        problems.append(Problem(f"temporary.case_by_case_threshold: a grant of {total:.2f} is above {threshold:.2f} "
                                f"for {county}; it needs the committee's decision (一事一议) and its reference",
                                "temporary.case_by_case_threshold", field="committee_ref",
                                figures=(("total", f"{total:.2f}"), ("threshold", f"{threshold:.2f}"))))
    approved = month_of(stored.household.approved_on)
    if first_month < approved:
        problems.append(f"the first instalment's month {first_month} is before household {household_id} was approved "
                        f"({stored.household.approved_on})")
    state = stored.on(first_day(first_month))
    if state.terminated_on is not None and state.terminated_on < first_day(first_month):
        problems.append(f"household {household_id} was terminated on {state.terminated_on}, before the first "
                        f"instalment's month {first_month}")
    if problems:
        raise Refusal(problems)
    row = TemporaryGrant(county_code=county, household_id=household_id, total=total, instalments=instalments,
                         first_month=first_month, reason=reason.strip(), committee_ref=committee_ref,
                         granted_by=user, granted_at=now)
    session.add(row)
    session.flush()
    return row.id


def approve_grant(session: Session, grant_id: int, on: date, *, user: str | None, now: datetime) -> Signed:
    """One sign-off of a grant (maker-checker: not by who recorded it, nor by an earlier signer); at the last of the
    policy's `approval.grant_signoffs` (one by default) the cycles start paying its instalments."""
    approver = require_role(session, user, "approver", action="approve temporary assistance")
    lock_books(session)  # two approvers at once: the second waits, then sees the first's sign-off
    row = existing(session, TemporaryGrant, grant_id, "temporary grant")
    done = session.get(GrantApproval, grant_id)
    if done is not None:
        raise Refusal(f"temporary grant {grant_id} was already approved by {done.approved_by} on {done.on}")
    require_whole(session, approver.name, row.county_code, what=f"temporary grant {grant_id} of {row.county_code}")
    of_steps = effective_policy(session, row.county_code).on(on).approval.signoffs("grant")
    chain = chain_of(session, SignoffSubject.GRANT, grant_id, 0, of_steps)
    problems = signer_problems(approver.name, row.granted_by, chain.signers,
                               (f"第 {grant_id} 号临时救助", f"temporary grant {grant_id}"))
    if problems:
        raise Refusal(problems)
    signed = Signed(SignoffSubject.GRANT, grant_id, chain.next_step, of_steps, chain.next_name)
    record(session, chain, SignoffAction.SIGNED, approver, on, now)
    if signed.approved:
        session.add(GrantApproval(grant_id=grant_id, on=on, approved_by=approver.name, approved_at=now))
    session.flush()
    return signed


@dataclass(frozen=True)
class DueInstalment:
    grant_id: int
    number: int
    household_id: str
    component: Component


def instalments_due(session: Session, county: str, month: str) -> list[DueInstalment]:
    """The approved grants' instalments due by `month` that no approved cycle has paid."""
    paid = set(session.execute(select(CycleInstalment.grant_id, CycleInstalment.number)
                               .join(Cycle, Cycle.id == CycleInstalment.cycle_id)
                               .where(Cycle.status.in_(POSTED))).all())
    grants = session.scalars(select(TemporaryGrant).join(GrantApproval, GrantApproval.grant_id == TemporaryGrant.id)
                             .where(TemporaryGrant.county_code == county, TemporaryGrant.first_month <= month)
                             .order_by(TemporaryGrant.id))
    due = []
    for g in grants:
        amounts = instalment_amounts(g.total, g.instalments)
        for number, (due_month, amount) in enumerate(zip(instalment_months(g.first_month, g.instalments), amounts), 1):
            if due_month <= month and (g.id, number) not in paid:
                due.append(DueInstalment(g.id, number, g.household_id, instalment_component(
                    g.id, number, g.instalments, g.total, amount, due_month)))
    return due


def already_paid(session: Session, cycle_id: int) -> list[tuple[int, int, int]]:
    """(grant, instalment, other cycle) of a draft's instalments that another cycle has paid since it was run."""
    mine = set(session.execute(select(CycleInstalment.grant_id, CycleInstalment.number)
                               .where(CycleInstalment.cycle_id == cycle_id)).all())
    if not mine:
        return []
    others = session.execute(
        select(CycleInstalment.grant_id, CycleInstalment.number, CycleInstalment.cycle_id)
        .join(Cycle, Cycle.id == CycleInstalment.cycle_id)
        .where(Cycle.status.in_(POSTED), CycleInstalment.cycle_id != cycle_id,
               CycleInstalment.grant_id.in_({g for g, _ in mine}))).all()
    return [(g, n, c) for g, n, c in others if (g, n) in mine]


def grant_views(session: Session, county: str) -> list[GrantView]:
    """Every grant of a county with its approval and what has been paid (for `temporary list`)."""
    require_jurisdiction(session, county)
    rows = session.execute(
        select(TemporaryGrant, GrantApproval).outerjoin(GrantApproval, GrantApproval.grant_id == TemporaryGrant.id)
        .where(TemporaryGrant.county_code == county).order_by(TemporaryGrant.id)).all()
    paid: dict[int, list[InstalmentPaid]] = {}
    for grant_id, number, amount, cycle_id, cycle_month in session.execute(
            select(CycleInstalment.grant_id, CycleInstalment.number, CycleInstalment.amount, Cycle.id, Cycle.month)
            .join(Cycle, Cycle.id == CycleInstalment.cycle_id).where(Cycle.status.in_(POSTED))
            .order_by(CycleInstalment.number)):
        paid.setdefault(grant_id, []).append(InstalmentPaid(number, amount, cycle_id, cycle_month))
    out = []
    for g, approval in rows:
        done = tuple(paid.get(g.id, []))
        out.append(GrantView(g.id, g.household_id, g.total, g.instalments, g.first_month, g.reason, g.committee_ref,
                             g.granted_by, approval.approved_by if approval else None,
                             approval.on if approval else None, sum((p.amount for p in done), Decimal("0.00")), done))
    return out
