"""The ledger page: the trial balance (`ledger trial-balance`), the journal a page at a time (the entries with
their lines, as `ledger show` shows one), the last verify run, and the verify button (`ledger verify`).

A verify runs `verify_books` in a read transaction (one consistent snapshot, as the command does), then records
what it found in `verify_runs` in a write of its own, made as the signed-in user. Accounts are shown by their
Chinese titles and funds by their names, never by their codes. A township's clerk may not see the county's books.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.checks import verify_books
from aidledger.disbursement.registry.service import registry_counties
from aidledger.ledger.service.balances import trial_balance
from aidledger.ledger.service.verify_runs import VERIFY_ROLES, journal_page, last_run, record_run
from aidledger.web import params
from aidledger.web.access import ALL, Routes, SignedIn, now_of
from aidledger.web.pages import render

from .dashboard import (
    CODE,
    DAY_QUERY,
    books_name,
    chosen_county,
    not_for_townships,
    own_county,
    readable,
    require_books,
)

routes = Routes()


@routes.get("/ledger", roles=ALL)
def ledger(request: Request, viewer: SignedIn, jurisdiction: CODE = None, as_of: DAY_QUERY = None,
           page: Annotated[str | None, Query(max_length=7)] = None) -> Response:
    not_for_townships(viewer, "总账")
    requested = params.jurisdiction(jurisdiction)
    day = params.day(as_of, now_of(request).date())
    page_no = params.whole(page, 1, 1, 999999, "页码")
    balances = journal = None
    with request.app.state.database.read() as session:
        code = chosen_county(session, viewer, requested)
        name = None
        if code is not None:
            name = require_books(session, code) if requested == code else books_name(session, code)
        if name is not None:
            balances = trial_balance(session, code, day)
            journal = journal_page(session, code, page=page_no)
        run = last_run(session)
        counties = registry_counties(session, reader=viewer.name) if own_county(viewer) is None else ()
    return render(request, "ledger.html", viewer=viewer, code=code, name=name, as_of=day, balances=balances,
                  journal=journal, run=run, may_verify=viewer.role in VERIFY_ROLES, counties=counties,
                  readable=readable)


@routes.post("/ledger/verify", roles=VERIFY_ROLES)
def verify(request: Request, viewer: SignedIn) -> Response:
    """`ledger verify`, from the page's button: the run is recorded, then the page shows it."""
    not_for_townships(viewer, "账簿校验")
    database = request.app.state.database
    with database.read() as session:
        report = verify_books(session)
    with viewer.acting(), database.write() as session:
        record_run(session, report, user=viewer.name, now=now_of(request))
    return RedirectResponse("/ledger", status_code=303)
