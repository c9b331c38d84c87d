"""Reading a county's month from the books for the monthly statistics report (民政统计月报).

The month's posted cycle (approved, exported or settled) names who is counted: its lines give each household's
programme and area as the cycle paid them, and the registry as that cycle saw it gives the members it counted.
"As the cycle saw it" is the households and members as loaded plus the events recorded up to the cycle's run (its
inputs' `registry_event_max`; approval refuses a cycle when events were recorded after its run), on the month's
first day: so the persons are exactly the line's `members`, and an event recorded later, even one dated inside
the month, changes neither the month's payments nor its report (it shows in the next cycle's arrears or
receivables). The year's posted cycles give the funds, summed per month, programme and area by the database.
The standards are the policy the month's cycle was computed under (the file versions its inputs record) on the
month's first day.

Households are read a chunk at a time in household order (three queries per chunk, registry/store.py), so a
county of a million households is counted in bounded memory; `progress` is told of every chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.service import authenticates
from aidledger.codes import CycleStatus, JurisdictionLevel
from aidledger.disbursement.payments.tables import BankReturn, Cycle, CycleLine, CycleReissue, CycleTransition
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.registry.store import load_households
from aidledger.disbursement.rules.facts import counted_members
from aidledger.errors import Refusal
from aidledger.ledger.tables import Jurisdiction
from aidledger.policy.effective import EffectivePolicy
from aidledger.policy.store import effective_policy, policy_as_loaded
from aidledger.problems import Problem
from aidledger.reports.monthly_data import (
    ZERO,
    FundRecord,
    MonthlyReport,
    PaidHousehold,
    Person,
    month_days,
    report_rows,
    standards_of,
    year_months,
)
from aidledger.users import require_whole

POSTED = (CycleStatus.APPROVED, CycleStatus.EXPORTED, CycleStatus.SETTLED)
CHUNK = 1_000


def _month(month: str) -> tuple[date, date]:
    try:
        return month_days(month)
    except ValueError:
        raise Refusal(Problem(f"{month} is not a month written YYYY-MM (统计月份应写作 YYYY-MM，如 2022-02)",
                              "report.month", field="month")) from None


def _posted(session: Session, county: str, months: Sequence[str]) -> dict[str, Cycle]:
    """The posted cycle of each month that has one (a county has one live cycle a month)."""
    return {c.month: c for c in session.scalars(
        select(Cycle).where(Cycle.jurisdiction_code == county, Cycle.status.in_(POSTED), Cycle.month.in_(months))
        .order_by(Cycle.month, Cycle.id))}


def monthly_size(session: Session, jurisdiction: str, month: str) -> int:
    """The households the month's posted cycle paid (0 when there is none or the month is not one): the length of
    the report's progress."""
    try:
        month_days(month)
    except ValueError:
        return 0
    cycle = _posted(session, jurisdiction, [month]).get(month)
    return cycle.count if cycle is not None else 0


def monthly_report(session: Session, jurisdiction: str, month: str, created: date | None = None, *,
                   reader: str | None = None, progress: Callable[[int], None] | None = None) -> MonthlyReport:
    """The month's report of a county. Refused: a month not written YYYY-MM, a jurisdiction not in the books or
    not a county, a reader whose scope does not hold the whole county (the report is the county's), and a month
    with no posted cycle (a draft is approved first; a cancelled month has none). `created` (default: the month's
    last day) is the date the report carries."""
    first, last = _month(month)
    place = session.get(Jurisdiction, jurisdiction)
    if place is None:
        raise Refusal(Problem(f"jurisdiction {jurisdiction} is not in the books (行政区划代码不在账簿中)",
                              "report.jurisdiction", field="jurisdiction"))
    if place.level != JurisdictionLevel.COUNTY:
        raise Refusal(Problem(f"{jurisdiction} ({place.name}) is a {place.level}: the monthly report is a county's, "
                              "whose cycles pay households (统计月报按县编制)", "report.county", field="jurisdiction"))
    require_whole(session, reader, jurisdiction, what=f"the monthly report of {jurisdiction} (统计月报为全县汇总)")
    months = year_months(month)
    cycles = _posted(session, jurisdiction, months)
    cycle = cycles.get(month)
    if cycle is None:
        raise Refusal(Problem(_no_cycle(session, jurisdiction, month), "report.no_cycle", field="month"))
    paid = list(_paid_households(session, cycle, first, progress))
    funds = _fund_records(session, list(cycles.values()))
    _check_totals(cycle, paid, funds)
    approved = session.scalar(select(CycleTransition.on).where(
        CycleTransition.cycle_id == cycle.id, CycleTransition.status == CycleStatus.APPROVED)
        .order_by(CycleTransition.id.desc()).limit(1))
    return MonthlyReport(
        jurisdiction=jurisdiction, name=place.name, month=month, last_day=last, created=created or last,
        cycle_id=cycle.id, cycle_status=cycle.status, approved_on=approved,
        year_months=tuple(m for m in months if m in cycles),
        rows=report_rows(paid, funds, month, last),
        standards=standards_of(_policy(session, cycle).on(first)),
        authenticated=authenticates(session),
        missing_months=tuple(m for m in months if m not in cycles),
    )


def _no_cycle(session: Session, county: str, month: str) -> str:
    draft = session.scalar(select(Cycle.id).where(Cycle.jurisdiction_code == county, Cycle.month == month,
                                                  Cycle.status == CycleStatus.DRAFT))
    if draft is not None:
        return (f"the cycle for {month} of county {county} (cycle {draft}) is a draft: the monthly report counts "
                "what a posted cycle paid; approve it first (草稿批次不统计)")
    return (f"county {county} has no posted cycle for {month}: nothing was paid that month, so there is nothing to "
            "report (该月无已审批的发放批次)")


def _paid_households(session: Session, cycle: Cycle, first: date,
                     progress: Callable[[int], None] | None) -> Iterator[PaidHousehold]:
    """The cycle's households in household order, each with the members the cycle counted."""
    inputs = json.loads(cycle.inputs or "{}")
    # The registry as the cycle saw it: the events recorded up to its run (none at all when there were none).
    mark = (inputs.get("registry_event_max") or 0) if "registry_event_max" in inputs else None
    after = ""
    while True:
        lines = session.execute(
            select(CycleLine.household_id, CycleLine.program, CycleLine.area, CycleLine.members)
            .where(CycleLine.cycle_id == cycle.id, CycleLine.household_id > after)
            .order_by(CycleLine.household_id).limit(CHUNK)).all()
        if not lines:
            return
        stored = load_households(session, [line.household_id for line in lines])
        for household_id, program, area, members in lines:
            found = stored.get(household_id)
            if found is None:
                raise Refusal(Problem(f"cycle {cycle.id} paid household {household_id}, which is not in the registry",
                                      "report.registry", entity=f"cycle {cycle.id}"))
            if mark is not None:
                found = StoredHousehold(found.household, found.members,
                                        tuple(e for e in found.events if e.event_id <= mark))
            counted = counted_members(found.on(first))
            if len(counted) != members:
                raise Refusal(Problem(
                    f"cycle {cycle.id} counted {members} members of household {household_id} for {cycle.month}; the "
                    f"registry as the cycle saw it holds {len(counted)} on {first}: the registry was changed behind "
                    "the application's back (ledger verify)", "report.registry", entity=f"cycle {cycle.id}",
                    figures=(("counted", str(members)), ("registry", str(len(counted))))))
            yield PaidHousehold(household_id, program, area,
                                tuple(Person(m.birth_date, m.disability_grade) for m in counted))
        if progress is not None:
            progress(len(lines))
        after = lines[-1].household_id


def _fund_records(session: Session, cycles: Sequence[Cycle]) -> list[FundRecord]:
    """Each posted cycle's lines summed by programme and area, with the re-issued returns they paid."""
    months = {c.id: c.month for c in cycles}
    if not months:
        return []
    reissued = {
        (cycle_id, program, area): amount
        for cycle_id, program, area, amount in session.execute(
            select(CycleReissue.cycle_id, CycleLine.program, CycleLine.area, func.sum(BankReturn.amount))
            .join(BankReturn, BankReturn.id == CycleReissue.return_id)
            .join(CycleLine, (CycleLine.cycle_id == CycleReissue.cycle_id)
                  & (CycleLine.household_id == BankReturn.household_id))
            .where(CycleReissue.cycle_id.in_(list(months)))
            .group_by(CycleReissue.cycle_id, CycleLine.program, CycleLine.area))}
    rows = session.execute(
        select(CycleLine.cycle_id, CycleLine.program, CycleLine.area, func.count(), func.sum(CycleLine.members),
               func.sum(CycleLine.amount), func.sum(CycleLine.arrears), func.sum(CycleLine.temporary),
               func.sum(CycleLine.price_subsidy), func.sum(CycleLine.heating), func.sum(CycleLine.set_off))
        .where(CycleLine.cycle_id.in_(list(months)))
        .group_by(CycleLine.cycle_id, CycleLine.program, CycleLine.area)
        .order_by(CycleLine.cycle_id, CycleLine.program, CycleLine.area))
    return [FundRecord(months[cycle_id], program, area, int(count), int(persons or 0), paid, arrears,
                       reissued.get((cycle_id, program, area), ZERO), temporary, price, heating, set_off)
            for cycle_id, program, area, count, persons, paid, arrears, temporary, price, heating, set_off in rows]


def _check_totals(cycle: Cycle, paid: Sequence[PaidHousehold], funds: Sequence[FundRecord]) -> None:
    """The lines must add up to the cycle's recorded count and total, as the register requires."""
    mine = [f for f in funds if f.month == cycle.month]
    total = sum((f.paid for f in mine), ZERO)
    count = sum(f.households for f in mine)
    if len(paid) != cycle.count or count != cycle.count or total != cycle.total:
        raise Refusal(Problem(
            f"the lines of cycle {cycle.id} ({len(paid)} households, {total:.2f}) do not add up to its recorded "
            f"{cycle.count} households and {cycle.total:.2f} (ledger verify reports it)", "cycles.lines",
            entity=f"cycle {cycle.id}"))


def _policy(session: Session, cycle: Cycle) -> EffectivePolicy:
    """The policy the cycle was computed under: the file versions its inputs record (else the policy in force)."""
    versions = json.loads(cycle.inputs or "{}").get("policy_versions")
    if versions:
        return policy_as_loaded(session, cycle.jurisdiction_code, versions)
    return effective_policy(session, cycle.jurisdiction_code)
