"""`explain`: the amount the rules give a household for a month, rebuilt from the stored registry.

The 渐退 state is rebuilt by walking the months from approval, so the answer needs no
cycle to have run ("by these rules, whether or not a cycle ran"). A price subsidy declared
for the month is included; instalments of temporary grants and arrears are not rules of
the month but additions a cycle makes, shown by `cycle show`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..policy.store import effective_policy
from .registry_store import load_household
from .rules import Benefit, walk_to
from .rules.facts import first_day
from .subsidy import price_for


def explain(session: Session, household_id: str, month: str) -> Benefit:
    stored = load_household(session, household_id)
    policy = effective_policy(session, stored.household.county)
    first_day(month)  # a malformed month is refused by the caller's parser
    county = stored.household.county
    return walk_to(month, stored.household.approved_on, policy.on, stored.on,
                   lambda m: price_for(session, county, m) if m == month else None)
