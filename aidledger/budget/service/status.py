"""`budget status`: a jurisdiction's funds and its purchased-services cap for a year, from the books."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from aidledger.budget.rules import CapCheck
from aidledger.ledger.service.accounts import require_jurisdiction

from .figures import FundFigures, fund_figures
from .purchases import cap_check


@dataclass(frozen=True)
class BudgetStatus:
    jurisdiction: str
    year: int
    funds: list[FundFigures]
    cap: CapCheck


def budget_status(session: Session, jurisdiction: str, year: int) -> BudgetStatus:
    require_jurisdiction(session, jurisdiction)
    start, end = date(year, 1, 1), date(year, 12, 31)
    return BudgetStatus(jurisdiction, year, fund_figures(session, jurisdiction, start, end),
                        cap_check(session, jurisdiction, end, requested=0))
