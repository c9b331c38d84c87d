"""The ledger's business actions as users invoke them: each checks the acting user's role."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from ..users import require_role
from . import accounts, periods, posting
from .entries import EntryDraft


def add_jurisdiction(session: Session, code: str, name: str, level: str, parent: str | None, *, user, now):
    require_role(session, user, "admin", action="add jurisdictions")
    return accounts.add_jurisdiction(session, code, name, level, parent, user=user, now=now)


def post_manual(session: Session, draft: EntryDraft, *, user: str | None, now: datetime) -> posting.Posted:
    require_role(session, user, "preparer", action="post entries")
    return posting.post_entry(session, draft, user=user, now=now)


def reverse(session: Session, seq: int, *, on: date, reason: str, user: str | None, now: datetime):
    require_role(session, user, "preparer", action="reverse entries")
    return posting.reverse_entry(session, seq, on=on, reason=reason, user=user, now=now)


def close_month(session: Session, jurisdiction: str, month: str, *, user: str | None, now: datetime):
    require_role(session, user, "approver", action="close a month")
    return periods.close_month(session, jurisdiction, month, user=user, now=now)


def close_account(session: Session, jurisdiction: str, name: str, on: date, *, user: str | None):
    require_role(session, user, "admin", action="close accounts")
    return accounts.close_account(session, jurisdiction, name, on)
