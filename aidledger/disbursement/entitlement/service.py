"""`explain`: the amount the rules give a household for a month, rebuilt from the stored registry.

The 渐退 state is rebuilt by walking the months from approval or from the county's first
month (启用月), whichever is later, so the answer needs no cycle to have run ("by these
rules, whether or not a cycle ran") and no parameter before the first month. A price subsidy declared
for the month is included; instalments of temporary grants and arrears are not rules of
the month but additions a cycle makes, shown by `cycle show`.

`explain_view` is what a reader sees: the same answer with id numbers shown as the reader may see them, refused
for a reader whose scope does not hold the household's township. `explain_months` are the months a household's
page explains.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.codes import CycleStatus
from aidledger.disbursement.opening.service import start_of
from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.registry.service import household_township
from aidledger.disbursement.registry.store import load_household
from aidledger.disbursement.rules import Benefit, walk_to
from aidledger.disbursement.rules.facts import first_day, month_of, next_month
from aidledger.disbursement.subsidy.service import price_for
from aidledger.policy.store import effective_policy
from aidledger.users import personal_numbers

from .views import ExplainView, component_view


@dataclass(frozen=True)
class Explained:
    benefit: Benefit
    track_origin: str | None  # where the 渐退 track began (低保 only), in words


def explain(session: Session, household_id: str, month: str) -> Explained:
    stored = load_household(session, household_id)
    county = stored.household.county
    policy = effective_policy(session, county)
    first_day(month)  # a malformed month is refused by the caller's parser
    start = start_of(session, county, policy)
    start.refuse_before(month, "explain")
    begin = start.begin(household_id, stored.household.approved_on)
    benefit = walk_to(month, stored.household.approved_on, policy.on, stored.on,
                      lambda m: price_for(session, county, m) if m == month else None, begin)
    dibao = stored.on(first_day(month)).household.program == "dibao"
    return Explained(benefit, begin.origin if dibao else None)


def explain_view(session: Session, household_id: str, month: str, *, reader: str | None,
                 as_json: bool = False) -> ExplainView:
    """`explain` for `reader`: members' id numbers in full only in --json for roles that may see them. Refused for
    a reader whose scope does not hold the household's township (registry.service.household_township)."""
    household_township(session, household_id, reader=reader)
    explained = explain(session, household_id, month)
    shown = personal_numbers(session, reader, as_json=as_json)
    benefit = explained.benefit
    return ExplainView(benefit.household_id, benefit.program, benefit.month, benefit.amount,
                       tuple(component_view(c.as_dict(), shown) for c in benefit.components),
                       benefit.reason or None, explained.track_origin)


def explain_months(session: Session, household_id: str, until: str, *, reader: str | None,
                   limit: int | None = None) -> tuple[str, ...]:
    """The months a household's amount is explained for, newest first, up to `until` (YYYY-MM), at most `limit`:
    from the latest of its month of approval, the county's first month (启用月) and the month of its first cycle
    (not cancelled), the first month aidledger paid it; none when it is approved after `until`. Refused as
    `explain_view` is for a reader outside the household's township."""
    household_township(session, household_id, reader=reader)
    stored = load_household(session, household_id)
    county = stored.household.county
    starts = [month_of(stored.household.approved_on)]
    first = start_of(session, county, effective_policy(session, county)).first_month
    cycled = session.scalar(select(func.min(Cycle.month)).where(Cycle.jurisdiction_code == county,
                                                                Cycle.status != CycleStatus.CANCELLED))
    starts += [m for m in (first, cycled) if m is not None]
    month, months = max(starts), []
    while month <= until:
        months.append(month)
        month = next_month(month)
    months.reverse()
    return tuple(months if limit is None else months[:limit])
