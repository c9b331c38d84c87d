"""The county's dashboard (the first page after signing in), and what the overview pages share: which county or
jurisdiction a page shows, its query parameters checked, the journal's descriptions made readable.

The figures come from the services the commands print: the latest cycle (`cycle_list`, `cycle show`), the funds
(`budget status`), the township reserves (`reserve status`), the open receivables (`recovery list`), the reviews
due (`registry reviews-due`) and the last `ledger verify` run. A township's clerk sees the township's part only
(the cycle's lines, its reserve, its households' receivables and reviews) and no county-wide fund figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from aidledger.auth.scope import level_of
from aidledger.budget.service import reserves
from aidledger.budget.service.status import budget_status
from aidledger.disbursement.cycles.service.show import OpenMatters, cycle_list, open_matters
from aidledger.disbursement.recovery.service import receivable_list
from aidledger.disbursement.registry.service import households_in, registry_counties
from aidledger.disbursement.registry.service.reviews import DueSummary, reviews_due_summary
from aidledger.errors import Refusal
from aidledger.labels import FUND_SHORT_NAMES
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.service.verify_runs import last_run
from aidledger.policy.store import townships_of
from aidledger.web import params
from aidledger.web.access import ALL, Forbidden, Routes, SignedIn, Viewer, now_of
from aidledger.web.pages import render

routes = Routes()
ZERO = Decimal("0.00")
SHOWN = 20  # rows a dashboard list shows before pointing to its page
CODE = Annotated[str | None, Query(max_length=12)]
MONTH_QUERY = Annotated[str | None, Query(max_length=7)]
DAY_QUERY = Annotated[str | None, Query(max_length=10)]


# ---- which jurisdiction a page shows -------------------------------------------------------------


def own_county(viewer: Viewer) -> str | None:
    """The county a county's or township's user works in, else None."""
    scope = viewer.scope
    if scope is None:
        return None
    level = level_of(scope)
    return scope[:6] if level == "township" else scope if level == "county" else None


def chosen_county(session, viewer: Viewer, requested: str | None) -> str | None:
    """The county a page shows: a county's or township's user their own; others the one asked for, else the first
    county with households they may see (None: none)."""
    if requested is not None:
        viewer.require_within(requested, f"辖区 {requested}")
    own = own_county(viewer)
    if own is not None:
        if requested is not None and requested != own and level_of(requested) == "county":
            raise Forbidden(f"辖区 {requested} 不在您的工作范围（{viewer.scope}）之内")
        return own
    if requested is not None:
        return requested
    counties = registry_counties(session, reader=viewer.name)
    return counties[0][0] if counties else None


def books_name(session, code: str) -> str | None:
    """The jurisdiction's name when the books have it, else None."""
    try:
        return require_jurisdiction(session, code).name
    except Refusal:
        return None


def require_books(session, code: str) -> str:
    name = books_name(session, code)
    if name is None:
        raise Refusal(f"辖区 {code} 尚未建立账簿（没有这个辖区）")
    return name


def not_for_townships(viewer: Viewer, what: str) -> None:
    if viewer.township is not None:
        raise Forbidden(f"{what}是全县的数据，乡镇（街道）用户（{viewer.township}）不能查看")


def readable(text: str) -> str:
    """A journal description for a page: a fund's code (some entries name it) replaced by the fund's name."""
    for code, name in FUND_SHORT_NAMES.items():
        text = text.replace(code, name)
    return text


def of_township(session, viewer: Viewer, household_ids) -> set[str]:
    """Which of the households a township's clerk may see (all of them for other users)."""
    ids = set(household_ids)
    if viewer.township is None:
        return ids
    return set(households_in(session, viewer.township, ids))


def latest_cycle(session, viewer: Viewer, county: str, month: str | None):
    """The county's cycle of `month` (the live one before a cancelled one), else its latest; None when none."""
    cycles = [c for c in cycle_list(session, reader=viewer.name, jurisdiction=county).cycles
              if month is None or c.month == month]
    live = [c for c in cycles if c.status != "cancelled"]
    return (live or cycles or [None])[0]


# ---- the dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    """What the dashboard shows of one county, for one viewer."""

    county: str
    name: str
    month: str | None
    cycle: Any  # the cycle's summary (`cycle_list`: the viewer's part of it), or None
    year: int
    budget: Any  # budget_status, or None for a township's clerk
    reserves: tuple  # TownshipReserve rows (a township's clerk: theirs)
    reserves_refused: tuple[str, ...]
    receivables: tuple  # the open ones
    reviews: DueSummary  # how many are due, and the first SHOWN
    reviews_refused: tuple[str, ...]
    verify: Any  # the last verify run, or None
    matters: OpenMatters  # held households of the cycle, bank returns waiting
    township_names: dict[str, str]

    @property
    def outstanding(self) -> Decimal:
        return sum((r.outstanding for r in self.receivables), ZERO)

    @property
    def overdue_cases(self) -> int:
        return sum(r.overdue for r in self.reserves)


def board(session, viewer: Viewer, county: str, name: str, month: str | None, today: date) -> Board:
    # The cycle's summary, not `cycle_view`: that reads every line (seconds for a county of 100,000 households);
    # the cycle's page shows its lines, held households and returns.
    cycle = latest_cycle(session, viewer, county, month)
    year = int((month or (cycle.month if cycle else None) or today.isoformat())[:4])
    budget = budget_status(session, county, year) if viewer.township is None else None
    rows, reserves_refused = (), ()
    try:
        rows = tuple(r for r in reserves.status(session, county, today)
                     if viewer.township is None or r.township == viewer.township)
    except Refusal as refusal:
        reserves_refused = tuple(refusal.messages)
    open_ = [r for r in receivable_list(session, county) if r.outstanding > 0]
    mine = of_township(session, viewer, (r.household_id for r in open_))
    due, reviews_refused = DueSummary(0, ()), ()
    try:
        due = reviews_due_summary(session, county, today, township=viewer.township, first=SHOWN)
    except Refusal as refusal:
        reviews_refused = tuple(refusal.messages)
    matters = open_matters(session, county, cycle.cycle_id if cycle else None, reader=viewer.name)
    return Board(county, name, month or (cycle.month if cycle else None), cycle, year, budget, rows,
                 reserves_refused, tuple(r for r in open_ if r.household_id in mine),
                 due, reviews_refused,
                 last_run(session) if viewer.township is None else None, matters, townships_of(session, county))


@routes.get("/", roles=ALL)
def dashboard(request: Request, viewer: SignedIn, jurisdiction: CODE = None, month: MONTH_QUERY = None) -> Response:
    requested, month = params.jurisdiction(jurisdiction, county=True), params.month(month)
    today = now_of(request).date()
    level = level_of(viewer.scope) if viewer.scope else None
    with request.app.state.database.read() as session:
        counties = registry_counties(session, reader=viewer.name) if own_county(viewer) is None else ()
        if level in ("city", "province") and requested is None:
            county = None  # a city's or province's user chooses one of their counties
        else:
            county = chosen_county(session, viewer, requested)
        name = books_name(session, county) if county is not None else None
        shown = board(session, viewer, county, name, month, today) if county is not None and name else None
    return render(request, "dashboard.html", viewer=viewer, counties=counties, county=county, board=shown,
                  today=today, shown_rows=SHOWN)
