"""The budget, reserves and recoveries pages: `budget status` with the year's allocations, `reserve status`,
`recovery list`, read from the services the commands call.

The allocations are the year's allocation entries of the journal (kinds allocation and allocation_out, the only
record an allocation leaves), listed by `journal_page`. A township's clerk may not see the county's budget (403);
on the reserves and recoveries pages they see their township's reserve and their households' receivables only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from aidledger.auth.scope import level_of
from aidledger.budget.rules import CAP_BASES
from aidledger.budget.service import reserves as reserve_service
from aidledger.budget.service.status import budget_status
from aidledger.disbursement.recovery.service import receivable_list
from aidledger.disbursement.registry.service import registry_counties
from aidledger.errors import Refusal
from aidledger.labels import recovery_reason
from aidledger.ledger.service.verify_runs import journal_page
from aidledger.web import params
from aidledger.web.access import ALL, Routes, SignedIn, now_of
from aidledger.web.pages import render

from .dashboard import (
    CODE,
    DAY_QUERY,
    ZERO,
    books_name,
    chosen_county,
    latest_cycle,
    not_for_townships,
    of_township,
    own_county,
    readable,
    require_books,
)

routes = Routes()
ALLOCATION_KINDS = ("allocation", "allocation_out")
PAGE = Annotated[str | None, Query(max_length=7)]


def _county_or_none(session, viewer, requested: str | None) -> tuple[str | None, str | None]:
    """The county a page shows and its name: an explicit one must have books; a default without books shows an
    empty page, not a refusal."""
    county = chosen_county(session, viewer, requested)
    if county is None:
        return None, None
    return county, (require_books(session, county) if requested is not None and requested == county
                    else books_name(session, county))


def _counties(session, viewer):
    return registry_counties(session, reader=viewer.name) if own_county(viewer) is None else ()


@routes.get("/budget", roles=ALL)
def budget(request: Request, viewer: SignedIn, jurisdiction: CODE = None,
           year: Annotated[str | None, Query(max_length=4)] = None, page: PAGE = None) -> Response:
    """`budget status --jurisdiction CODE --year YYYY` and the year's allocations."""
    not_for_townships(viewer, "预算")
    requested = params.jurisdiction(jurisdiction)
    page_no = params.whole(page, 1, 1, 999999, "页码")
    today = now_of(request).date()
    status = allocations = None
    with request.app.state.database.read() as session:
        counties = _counties(session, viewer)
        code, name = _county_or_none(session, viewer, requested)
        if code is not None and name is not None:
            latest = latest_cycle(session, viewer, code, None) if level_of(code) == "county" else None
            chosen = params.whole(year, int(latest.month[:4]) if latest else today.year, 1900, 9999, "年度")
            status = budget_status(session, code, chosen)
            allocations = journal_page(session, code, page=page_no, kinds=ALLOCATION_KINDS,
                                       start=date(chosen, 1, 1), end=date(chosen, 12, 31))
        else:
            chosen = params.whole(year, today.year, 1900, 9999, "年度")
    cap_base = CAP_BASES[status.cap.base_kind][2] if status and status.cap.base_kind in CAP_BASES else ""
    return render(request, "budget.html", viewer=viewer, counties=counties, code=code, name=name, year=chosen,
                  figures=status, allocations=allocations, cap_base=cap_base, readable=readable,
                  allocation_amount=_allocation_amount)


def _allocation_amount(entry) -> tuple[str, Decimal]:
    """An allocation entry's fund and amount (its debit lines: the treasury received, or the transfer out)."""
    debits = [line for line in entry.lines if line.debit > 0]
    funds = sorted({line.fund for line in debits})
    return (funds[0] if len(funds) == 1 else ""), sum((line.debit for line in debits), ZERO)


@routes.get("/reserves", roles=ALL)
def reserves(request: Request, viewer: SignedIn, jurisdiction: CODE = None, as_of: DAY_QUERY = None) -> Response:
    """`reserve status --jurisdiction COUNTY --as-of DATE`: each township's reserve and its cases."""
    requested = params.jurisdiction(jurisdiction, county=True)
    day = params.day(as_of, now_of(request).date())
    rows, cases = None, []
    with request.app.state.database.read() as session:
        counties = _counties(session, viewer)
        code, name = _county_or_none(session, viewer, requested)
        if code is not None and name is not None:
            rows = [r for r in reserve_service.status(session, code, day)
                    if viewer.township is None or r.township == viewer.township]
            cases = reserve_service.open_cases(session, code, day, reader=viewer.name)
    totals = None
    if rows:
        totals = {key: sum((getattr(r, key) for r in rows), ZERO)
                  for key in ("carried", "advanced", "paid", "replenished", "balance")}
        totals.update(undocumented=sum(r.undocumented for r in rows), overdue=sum(r.overdue for r in rows))
    return render(request, "reserves.html", viewer=viewer, counties=counties, choose=own_county(viewer) is None,
                  code=code, name=name, as_of=day, rows=rows, totals=totals, cases=cases,
                  township_names={r.township: r.name for r in rows or ()})


@routes.get("/recoveries", roles=ALL)
def recoveries(request: Request, viewer: SignedIn, jurisdiction: CODE = None,
               state: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    """`recovery list --jurisdiction COUNTY`: receivables (追回) with what is recovered and outstanding."""
    requested = params.jurisdiction(jurisdiction, county=True)
    if state not in (None, "", "open", "all"):
        raise Refusal(f"筛选条件“{state}”不对：可选 open（未追回）或 all（全部）")
    only_open = state == "open"
    rows = None
    with request.app.state.database.read() as session:
        counties = _counties(session, viewer)
        code, name = _county_or_none(session, viewer, requested)
        if code is not None and name is not None:
            listed = receivable_list(session, code)
            mine = of_township(session, viewer, (r.household_id for r in listed))
            rows = [r for r in listed if r.household_id in mine and (not only_open or r.outstanding > 0)]
    totals = None
    if rows:
        totals = {key: sum((getattr(r, key) for r in rows), ZERO) for key in ("amount", "recovered", "outstanding")}
    return render(request, "recoveries.html", viewer=viewer, counties=counties, choose=own_county(viewer) is None,
                  code=code, name=name, rows=rows, totals=totals, only_open=only_open, reasons=recovery_reason)

