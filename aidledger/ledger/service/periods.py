"""Closed months: once a jurisdiction closes month M, nothing may be dated in M or earlier."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.ledger.tables import PeriodClose

from .accounts import require_jurisdiction

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> str:
    if not _MONTH.match(text or ""):
        raise Refusal(f"month {text!r} must be written YYYY-MM")
    return text


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def closed_through(session: Session, jurisdictions: Iterable[str]) -> dict[str, str]:
    """The latest closed month of each jurisdiction that has closed one."""
    rows = session.execute(
        select(PeriodClose.jurisdiction_code, func.max(PeriodClose.month))
        .where(PeriodClose.jurisdiction_code.in_(sorted(set(jurisdictions))))
        .group_by(PeriodClose.jurisdiction_code)
    )
    return dict(rows.all())


def close_month(session: Session, jurisdiction: str, month: str, *, user: str, now: datetime) -> PeriodClose:
    """Close a month (and so every month before it) for one jurisdiction."""
    parse_month(month)
    require_jurisdiction(session, jurisdiction)
    latest = closed_through(session, [jurisdiction]).get(jurisdiction)
    if latest is not None and month <= latest:
        raise Refusal(f"{jurisdiction} is already closed through {latest}; {month} cannot be closed again")
    record = PeriodClose(jurisdiction_code=jurisdiction, month=month, closed_by=user, closed_at=now)
    session.add(record)
    session.flush()
    return record
