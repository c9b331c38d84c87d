"""Jurisdictions and their charts of accounts: creating, finding and closing accounts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.codes import JurisdictionLevel, values
from aidledger.errors import Refusal
from aidledger.ledger.chart import STANDARD_CHART, AccountTemplate, account_type_of
from aidledger.ledger.tables import Account, Jurisdiction

LEVELS = values(JurisdictionLevel)
_PARENT_LEVEL = {"city": "province", "county": "city"}
_CODE = re.compile(r"^\d{6}$")
_ACCOUNT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*(:[A-Z0-9][A-Za-z0-9\-]*)+$")


def add_jurisdiction(
    session: Session, code: str, name: str, level: str, parent: str | None, *, user: str, now: datetime
) -> Jurisdiction:
    """Create a jurisdiction with the standard chart of accounts."""
    problems = []
    if not _CODE.match(code):
        problems.append(f"jurisdiction code {code!r} must be a 6-digit administrative division code")
    if level not in LEVELS:
        problems.append(f"level {level!r} is not one of {', '.join(LEVELS)}")
    if not name.strip():
        problems.append("a jurisdiction needs a name")
    if level == "province" and parent:
        problems.append("a province has no parent")
    if level in _PARENT_LEVEL:
        if not parent:
            problems.append(f"a {level} needs a parent ({_PARENT_LEVEL[level]})")
        else:
            parent_row = session.get(Jurisdiction, parent)
            if parent_row is None:
                problems.append(f"parent jurisdiction {parent} is not in the books")
            elif parent_row.level != _PARENT_LEVEL[level]:
                problems.append(
                    f"the parent of a {level} must be a {_PARENT_LEVEL[level]}; {parent} is a {parent_row.level}"
                )
    if session.get(Jurisdiction, code) is not None:
        problems.append(f"jurisdiction {code} already exists")
    if problems:
        raise Refusal(problems)
    jurisdiction = Jurisdiction(
        code=code, name=name.strip(), level=level, parent_code=parent or None, created_at=now, created_by=user
    )
    session.add(jurisdiction)
    session.flush()
    ensure_accounts(session, code, STANDARD_CHART)
    return jurisdiction


def ensure_accounts(session: Session, jurisdiction: str, templates: Iterable[AccountTemplate]) -> list[Account]:
    """Open the accounts of `templates` that the jurisdiction does not have yet."""
    existing = {a.name for a in session.scalars(select(Account).where(Account.jurisdiction_code == jurisdiction))}
    added = []
    for template in templates:
        if template.name in existing:
            continue
        if not _ACCOUNT_NAME.match(template.name) or account_type_of(template.name) != template.type:
            raise ValueError(f"account template {template.name!r} does not fit its type {template.type}")
        account = Account(
            jurisdiction_code=jurisdiction,
            name=template.name,
            type=template.type,
            title=template.title,
            classification=template.classification,
            program_area=template.program_area,
        )
        session.add(account)
        added.append(account)
    session.flush()
    return added


@dataclass(frozen=True)
class AccountRef:
    id: int
    name: str
    type: str
    closed_on: date | None


def accounts_of(session: Session, jurisdictions: Iterable[str]) -> dict[tuple[str, str], AccountRef]:
    """(jurisdiction, account name) → the account, for every account of the given jurisdictions."""
    codes = sorted(set(jurisdictions))
    rows = session.execute(
        select(Account.jurisdiction_code, Account.name, Account.id, Account.type, Account.closed_on).where(
            Account.jurisdiction_code.in_(codes)
        )
    )
    return {(j, n): AccountRef(i, n, t, c) for j, n, i, t, c in rows}


def chart(session: Session, jurisdiction: str) -> list[Account]:
    require_jurisdiction(session, jurisdiction)
    return list(
        session.scalars(select(Account).where(Account.jurisdiction_code == jurisdiction).order_by(Account.name))
    )


def close_account(session: Session, jurisdiction: str, name: str, on: date) -> Account:
    """Close an account: no line may post to it on or after `on`. Its history stays."""
    require_jurisdiction(session, jurisdiction)
    account = session.scalar(
        select(Account).where(Account.jurisdiction_code == jurisdiction, Account.name == name)
    )
    if account is None:
        raise Refusal(f"account {name} is not in the chart of {jurisdiction}")
    if account.closed_on is not None:
        raise Refusal(f"account {name} of {jurisdiction} was already closed on {account.closed_on}")
    account.closed_on = on
    session.flush()
    return account


def require_jurisdiction(session: Session, code: str) -> Jurisdiction:
    jurisdiction = session.get(Jurisdiction, code)
    if jurisdiction is None:
        raise Refusal(f"jurisdiction {code} is not in the books")
    return jurisdiction
