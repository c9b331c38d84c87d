"""Purchased services (政府购买社会救助服务), capped at rate × base a year.

The base is one of three kinds (budget.purchased_services_cap.base): allocations received in
the prior year into the four subsidy funds (榆林), in the current year into them (山西), or in
the current year into the central and provincial funds (吉林). The spending is charged to the
funds in funding order.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from aidledger.budget.rules import CapCheck, cap_base_funds_and_year, cap_of, charge_in_order
from aidledger.errors import Refusal
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.posting import Posted, lock_books, post_entry
from aidledger.policy.store import effective_policy
from aidledger.problems import Problem
from aidledger.users import require_role, require_whole

from .figures import PURCHASED_SERVICES, purchased_services_used, received_in, spendable_from


def cap_check(session: Session, jurisdiction: str, on: date, requested: Decimal) -> CapCheck:
    """The cap as it stands on `on` for a purchase of `requested`."""
    rule = effective_policy(session, jurisdiction).on(on).budget.purchased_services_cap
    funds, base_year = cap_base_funds_and_year(rule.base, on.year)
    # A current-year base counts what has been received by the day of the purchase.
    base_end = on if base_year == on.year else date(base_year, 12, 31)
    base = received_in(session, jurisdiction, funds, date(base_year, 1, 1), base_end)
    used = purchased_services_used(session, jurisdiction, date(on.year, 1, 1), date(on.year, 12, 31))
    return CapCheck(rule.base, base, rule.rate, cap_of(base, rule.rate), used, requested)


def purchase_services(
    session: Session, jurisdiction: str, amount: Decimal, on: date, *, vendor: str, reference: str,
    user: str | None, now: datetime,
) -> Posted:
    require_role(session, user, "preparer", action="record purchased services")
    require_whole(session, user, jurisdiction, what=f"a purchase of services by {jurisdiction}")
    lock_books(session)
    place = require_jurisdiction(session, jurisdiction)
    if amount <= 0:
        raise Refusal(f"a purchase must be positive, got {amount:.2f}")
    if not vendor.strip():
        raise Refusal(Problem("a purchase names its vendor", "purchase.vendor", field="vendor"))
    check = cap_check(session, jurisdiction, on, amount)
    if not check.allowed:
        raise Refusal(check.refusal())
    order = effective_policy(session, jurisdiction).on(on).budget.funding_order
    charges, problems = charge_in_order(amount, spendable_from(session, jurisdiction, on), order,
                                        f"purchased services for {place.name}")
    if problems:
        raise Refusal(problems)
    lines = [Line(PURCHASED_SERVICES, fund, debit=part) for fund, part in charges]
    lines += [Line("Assets:Treasury", fund, credit=part) for fund, part in charges]
    return post_entry(session, EntryDraft(
        date=on, jurisdiction=jurisdiction, kind="purchased_services", reference=reference,
        description=f"政府购买社会救助服务: {vendor.strip()}", lines=tuple(lines),
    ), user=user, now=now)
