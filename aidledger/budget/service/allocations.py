"""Allocations (下拨): money a jurisdiction receives into a fund, from outside or from a level above.

With `from_code` the giver's books show the transfer out and the receiver's the receipt,
both posted in one transaction; the giver must have the money available in that fund.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.labels import FUND_SHORT_NAMES
from aidledger.ledger.chart import FUND_CODES
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.posting import Posted, lock_books, post_entries
from aidledger.ledger.tables import Jurisdiction
from aidledger.users import require_role, require_whole

from .figures import spendable_from


def _is_ancestor(session: Session, ancestor: str, code: str) -> bool:
    walk = session.get(Jurisdiction, code).parent_code
    while walk is not None:
        if walk == ancestor:
            return True
        walk = session.get(Jurisdiction, walk).parent_code
    return False


def allocate(
    session: Session, jurisdiction: str, fund: str, amount: Decimal, on: date, *,
    from_code: str | None, reference: str, user: str | None, now: datetime,
) -> list[Posted]:
    """Record an allocation; returns the posted entries (the giver's first when there is one)."""
    require_role(session, user, "preparer", action="record allocations")
    # An allocation is the receiving jurisdiction's books (and the giver's): not a township clerk's work.
    for code in (jurisdiction, from_code):
        if code is not None:
            require_whole(session, user, code, what=f"an allocation of {code}")
    lock_books(session)
    receiver = require_jurisdiction(session, jurisdiction)
    problems = []
    if fund not in FUND_CODES:
        problems.append(f"unknown fund {fund!r}; funds are {', '.join(sorted(FUND_CODES))}")
    if amount <= 0:
        problems.append(f"an allocation must be positive, got {amount:.2f}")
    giver = None
    if from_code is not None:
        giver = require_jurisdiction(session, from_code)
        if not _is_ancestor(session, from_code, jurisdiction):
            problems.append(f"{from_code} {giver.name} is not above {jurisdiction} {receiver.name}; "
                            "allocations go down the levels")
        elif fund in FUND_CODES and amount > 0:
            available = spendable_from(session, from_code, on)[fund]
            if amount > available:
                problems.append(
                    f"fund availability: {from_code} {giver.name} has {available:.2f} available in {fund} "
                    f"on {on} and after, less than the {amount:.2f} to allocate (short by {amount - available:.2f})"
                )
    if problems:
        raise Refusal(problems)
    drafts = []
    if giver is not None:
        drafts.append(EntryDraft(
            date=on, jurisdiction=from_code, kind="allocation_out", reference=reference,
            description=f"下拨{receiver.name}{FUND_SHORT_NAMES.get(fund, fund)}资金",
            lines=(Line("Expenses:Allocations:Transferred", fund, debit=amount),
                   Line("Assets:Treasury", fund, credit=amount)),
        ))
    source = f"{giver.name}下拨" if giver is not None else "收到上级"
    drafts.append(EntryDraft(
        date=on, jurisdiction=jurisdiction, kind="allocation", reference=reference,
        description=f"{source}{FUND_SHORT_NAMES.get(fund, fund)}资金",  # readers' words, not the fund's code
        lines=(Line("Assets:Treasury", fund, debit=amount), Line("Income:Allocations", fund, credit=amount)),
    ))
    return post_entries(session, drafts, user=user, now=now)
