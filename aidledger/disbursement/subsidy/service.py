"""`subsidy declare`: a 价格临时补贴 declaration, and which declaration a county's month uses.

Declared for a jurisdiction and month with the CPI and food-price year-on-year growth
(percent). Refused unless an index reaches its threshold in the jurisdiction's policy on
the first day of the month. A county uses its own declaration for the month, or else the
nearest one above it (city, then province). A declaration comes before the month's cycles
are approved: one declared after would be missed, so it is refused then.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.rules.facts import first_day
from aidledger.disbursement.rules.one_offs import PriceDeclaration, triggered_growth
from aidledger.errors import Refusal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.posting import lock_books
from aidledger.ledger.tables import Jurisdiction
from aidledger.policy.store import effective_policy
from aidledger.users import require_role, require_whole

from .tables import PriceDeclarationRow

_GROWTH_LIMIT = Decimal("1000")


def declare(session: Session, code: str, month: str, cpi: Decimal, food: Decimal, *, user: str | None,
            now: datetime) -> int:
    """Record the declaration (preparer); returns its id."""
    require_role(session, user, "preparer", action="declare price subsidies")
    require_whole(session, user, code, what=f"a price subsidy declaration for {code}")
    lock_books(session)  # one declaration per jurisdiction and month, even from two sessions at once
    place = require_jurisdiction(session, code)
    problems = [f"{name} growth {value}% is outside −100% … {_GROWTH_LIMIT}%"
                for name, value in (("CPI", cpi), ("food-price", food)) if not -100 <= value <= _GROWTH_LIMIT]
    if problems:
        raise Refusal(problems)
    snap = effective_policy(session, code).on(first_day(month))
    rule = snap.price_subsidy
    if triggered_growth(snap, PriceDeclaration(cpi, food)) is None:
        raise Refusal(f"price_subsidy.cpi_threshold, price_subsidy.food_threshold: CPI growth {cpi}% is below "
                      f"{rule.cpi_threshold}% and food-price growth {food}% is below {rule.food_threshold}% for "
                      f"{code} {place.name} in {month}; no price subsidy is triggered")
    earlier = session.scalar(select(PriceDeclarationRow).where(PriceDeclarationRow.jurisdiction_code == code,
                                                               PriceDeclarationRow.month == month))
    if earlier is not None:
        raise Refusal(f"{code} {month}: a price subsidy was already declared (declaration {earlier.id}: CPI "
                      f"{earlier.cpi_text}%, food {earlier.food_text}%, by {earlier.declared_by}); declarations "
                      "are never changed")
    counties = _counties_under(session, code)
    past_draft = session.execute(select(Cycle.id, Cycle.jurisdiction_code, Cycle.status).where(
        Cycle.jurisdiction_code.in_(counties), Cycle.month == month,
        Cycle.status.not_in(("draft", "cancelled"))).order_by(Cycle.id)).all()
    if past_draft:
        raise Refusal([f"cycle {cid} for {county} {month} is already {status}; a price subsidy for {month} must be "
                       "declared before the month's cycle is approved" for cid, county, status in past_draft])
    row = PriceDeclarationRow(jurisdiction_code=code, month=month, cpi_text=str(cpi), food_text=str(food),
                              declared_by=user, declared_at=now)
    session.add(row)
    session.flush()
    return row.id


def _counties_under(session: Session, code: str) -> list[str]:
    found, frontier = [], [code]
    while frontier:
        rows = session.execute(select(Jurisdiction.code, Jurisdiction.level)
                               .where(Jurisdiction.code.in_(frontier))).all()
        found += [c for c, level in rows if level == "county"]
        frontier = list(session.scalars(select(Jurisdiction.code).where(Jurisdiction.parent_code.in_(frontier))))
    return found


def declaration_for(session: Session, county: str, month: str) -> PriceDeclarationRow | None:
    """The declaration a county's month uses: its own, else the nearest above it."""
    code: str | None = county
    while code is not None:
        row = session.scalar(select(PriceDeclarationRow).where(PriceDeclarationRow.jurisdiction_code == code,
                                                               PriceDeclarationRow.month == month))
        if row is not None:
            return row
        code = session.scalar(select(Jurisdiction.parent_code).where(Jurisdiction.code == code))
    return None


def price_for(session: Session, county: str, month: str) -> PriceDeclaration | None:
    row = declaration_for(session, county, month)
    return PriceDeclaration(row.cpi, row.food) if row is not None else None
