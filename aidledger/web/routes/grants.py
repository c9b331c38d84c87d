"""Temporary grants (支出型临时救助) and price-subsidy declarations (价格临时补贴) in the browser (issue 17, part): the
county's grants with their approval and what the cycles paid (`temporary list`), the grant form of a preparer
(`temporary grant`), the approval of an approver (`temporary approve`: `approve_grant`, maker-checker, the service
refuses the preparer who recorded the grant) and the declaration form (`subsidy declare`), beside the declaration
each month of the year uses. Each write is the command's service in one write transaction; its refusals are the
service's, on a 422 page.

Scopes as in planning.py: a township's clerk grants to their township's households; approving a grant and declaring
a price subsidy are the county's (city's, province's) work. A double post is stored once: the grant form carries the
last grant's number as its mark; an approval or a declaration already given by the same user is not given again.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from aidledger.auth.scope import level_of
from aidledger.codes import SignoffAction, SignoffSubject
from aidledger.disbursement.registry import service as registry
from aidledger.disbursement.signoffs.service import history as signoff_history
from aidledger.disbursement.subsidy import service as subsidy
from aidledger.disbursement.subsidy.tables import PriceDeclarationRow
from aidledger.disbursement.temporary import service as temporary
from aidledger.disbursement.temporary.tables import TemporaryGrant
from aidledger.errors import Refusal
from aidledger.ledger.service.posting import lock_books
from aidledger.web import params
from aidledger.web.access import ALL, Routes, SignedIn, now_of
from aidledger.web.pages import render

from .dashboard import CODE, books_name, chosen_county, of_township, own_county, require_books
from .form_input import Amount, Field, back, mark_of, outcome, read_amount, read_number, require_whole

routes = Routes()


def read_count(text: str, what: str) -> int:
    """A whole number (the instalments); its range is the service's rule."""
    if not text.strip().isdigit() or len(text.strip()) > 3:
        raise Refusal(f"{what}“{text[:20]}”无效：应为正整数（1 至 12）")
    return int(text.strip())


def read_percent(text: str, what: str) -> Decimal:
    """A growth in percent, as `subsidy declare` reads it: at most three decimals, a trailing % allowed."""
    if not text.strip():
        raise Refusal(f"请填写{what}")
    try:
        number = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        number = Decimal("NaN")
    places = number.as_tuple().exponent  # a letter for NaN and infinity
    if not isinstance(places, int) or places < -3:
        raise Refusal(f"{what}“{text[:20]}”无效：应为百分数，最多三位小数（如 3.6）")
    return number


def grants_mark(session) -> int:
    return session.scalar(select(func.max(TemporaryGrant.id))) or 0


def _signed_by(session, grant_id: int, approved_by: str | None) -> set[str]:
    """Who has signed the grant so far (each step of its sign-off chain, and its approval)."""
    signed = {s.user_name for s in signoff_history(session, SignoffSubject.GRANT, grant_id)
              if s.action == SignoffAction.SIGNED}
    return signed | ({approved_by} if approved_by else set())


@routes.get("/temporary", roles=ALL)
def grants_page(request: Request, viewer: SignedIn, jurisdiction: CODE = None,
                year: Annotated[str | None, Query(max_length=4)] = None) -> Response:
    """`temporary list --jurisdiction COUNTY`, the forms, and each month's price-subsidy declaration."""
    requested = params.jurisdiction(jurisdiction, county=True)
    today = now_of(request).date()
    chosen = params.whole(year, today.year, 1900, 9999, "年度")
    grants, declarations, signed, name = None, [], {}, None
    with request.app.state.database.read() as session:
        counties = registry.registry_counties(session, reader=viewer.name) if own_county(viewer) is None else ()
        code = chosen_county(session, viewer, requested)
        if code is not None:
            name = require_books(session, code) if requested else books_name(session, code)
        if code is not None and name is not None:
            listed = temporary.grant_views(session, code)
            mine = of_township(session, viewer, (g.household_id for g in listed))
            grants = [g for g in listed if g.household_id in mine]
            signed = {g.id: _signed_by(session, g.id, g.approved_by) for g in grants if g.approved_by is None}
            for month in (f"{chosen:04d}-{m:02d}" for m in range(1, 13)):
                row = subsidy.declaration_for(session, code, month)
                if row is not None:  # read here: the rows are not kept past the read
                    declarations.append((month, row.jurisdiction_code, row.cpi_text, row.food_text, row.declared_by))
        mark = grants_mark(session)
    waiting = [g for g in grants or () if g.approved_by is None]
    return render(request, "grants.html", viewer=viewer, counties=counties, code=code, name=name, year=chosen,
                  today=today, grants=grants, waiting=waiting, signed=signed, declarations=declarations, mark=mark,
                  done=outcome(request))


@routes.post("/temporary", roles=("preparer",))
def record_grant(request: Request, viewer: SignedIn, household: Field = "", total: Amount = "",
                 instalments: Field = "", first_month: Field = "", reason: Field = "", committee_ref: Field = "",
                 mark: Field = "") -> Response:
    """`temporary grant --household H --total X --instalments N --first-month M --reason … [--committee-ref …]`."""
    household_id = household.strip()
    if not household_id or len(household_id) > 64:
        raise Refusal("请填写户编号")
    money, count = read_amount(total, "救助总额"), read_count(instalments, "分期数")
    month = params.month(first_month.strip())
    if month is None:
        raise Refusal("请填写首期发放月份（YYYY-MM）")
    after, why, ref = mark_of(mark), reason.strip(), committee_ref.strip() or None
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(registry.household_township(session, household_id), f"户 {household_id}")
    with viewer.acting(), database.write() as session:
        lock_books(session)
        seen = session.scalar(select(func.min(TemporaryGrant.id)).where(
            TemporaryGrant.id > after, TemporaryGrant.household_id == household_id, TemporaryGrant.total == money,
            TemporaryGrant.instalments == count, TemporaryGrant.first_month == month,
            TemporaryGrant.reason == why, TemporaryGrant.granted_by == viewer.name,
            TemporaryGrant.committee_ref.is_(None) if ref is None else TemporaryGrant.committee_ref == ref))
        if seen is None:
            grant_id = temporary.grant(session, household_id, money, count, month, reason, ref, user=viewer.name,
                                       now=now_of(request))
        county = session.get(TemporaryGrant, seen or grant_id).county_code
    return back("/temporary", "done", jurisdiction=county, recorded="unchanged" if seen else "stored",
                grant=seen or grant_id)


@routes.post("/temporary/{grant_id}/approve", roles=("approver",))
def approve(request: Request, viewer: SignedIn, grant_id: str, date: Field = "") -> Response:
    """`temporary approve GRANT [--date DAY]`: by an approver who did not record it (the service's maker-checker)."""
    number = read_number(grant_id, "临时救助编号")
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        row = session.get(TemporaryGrant, number)
        if row is None:
            raise Refusal(f"没有编号为 {number} 的临时救助")
        county = row.county_code
    require_whole(viewer, county, f"审批第 {number} 号临时救助")
    with viewer.acting(), database.write() as session:
        lock_books(session)
        approved = {g.id: g.approved_by for g in temporary.grant_views(session, county)}.get(number)
        repeat = viewer.name in _signed_by(session, number, approved)
        if not repeat:
            temporary.approve_grant(session, number, on, user=viewer.name, now=now_of(request))
    return back("/temporary", "grants", jurisdiction=county, recorded="unchanged" if repeat else "approved",
                grant=number)


@routes.post("/subsidies", roles=("preparer",))
def declare(request: Request, viewer: SignedIn, jurisdiction: Field = "", month: Field = "", cpi: Field = "",
            food: Field = "", county: Field = "") -> Response:
    """`subsidy declare --jurisdiction CODE --month M --cpi PCT --food PCT`: the month's cycles pay the subsidy."""
    code = params.jurisdiction(jurisdiction.strip())
    wanted = params.month(month.strip())
    if code is None or wanted is None:
        raise Refusal("请填写申报辖区代码和月份")
    growth, food_growth = read_percent(cpi, "居民消费价格指数（CPI）涨幅"), read_percent(food, "食品价格涨幅")
    shown = params.jurisdiction(county.strip(), county=True) or (code if level_of(code) == "county" else None)
    require_whole(viewer, code, "申报价格临时补贴")
    with viewer.acting(), request.app.state.database.write() as session:
        lock_books(session)
        earlier = session.scalar(select(PriceDeclarationRow).where(
            PriceDeclarationRow.jurisdiction_code == code, PriceDeclarationRow.month == wanted))
        repeat = earlier is not None and earlier.declared_by == viewer.name and \
            (earlier.cpi, earlier.food) == (growth, food_growth)
        if not repeat:
            subsidy.declare(session, code, wanted, growth, food_growth, user=viewer.name, now=now_of(request))
    return back("/temporary", "subsidies", jurisdiction=shown, year=wanted[:4],
                recorded="unchanged" if repeat else "declared")
