"""The township reserves' forms (issue 17, part; planning.py has the budget's): the county advances a township's
reserve (备用金) and replenishes it; a township pays an emergency case from it (先行救助) and documents it afterwards
(补充说明). Each calls the service its command calls (`reserve advance`, `reserve pay`, `reserve document`,
`reserve replenish`) in one write transaction, with that command's checks (the reserve's set amount and balance,
the id number). Advancing and replenishing need a scope holding the whole county; a township's clerk pays and
documents their township's cases only. A double post is stored once (form_input.py).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import func, select

from aidledger.auth.scope import within
from aidledger.budget.service import reserves as reserve_service
from aidledger.budget.tables import ReserveCase, ReserveDocumentation
from aidledger.errors import Refusal
from aidledger.idcard import normalize_id_number
from aidledger.ledger.service.posting import lock_books
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of
from aidledger.web.pages import render

from .dashboard import CODE, books_name, chosen_county, require_books
from .form_input import (
    Amount,
    Field,
    Short,
    back,
    books_mark,
    entry_after,
    mark_of,
    outcome,
    read_amount,
    read_number,
    read_township,
    require_whole,
)

routes = Routes()


@routes.get("/reserves/entries", roles=("preparer",))
def reserve_entries(request: Request, viewer: SignedIn, jurisdiction: CODE = None) -> Response:
    """The reserve forms of a county: advance and replenish (the county's), pay and document (a township's too)."""
    requested = params.jurisdiction(jurisdiction, county=True)
    today = now_of(request).date()
    rows, name = None, None
    with request.app.state.database.read() as session:
        code = chosen_county(session, viewer, requested)
        if code is not None:
            name = require_books(session, code) if requested else books_name(session, code)
            if name is not None:
                rows = [r for r in reserve_service.status(session, code, today)
                        if viewer.township is None or r.township == viewer.township]
        mark = books_mark(session)
    return render(request, "planning_reserves.html", viewer=viewer, code=code, name=name, rows=rows, today=today,
                  mark=mark, county_work=code is not None and within(viewer.scope, code), done=outcome(request))


def _county_of(code: str) -> str:
    return code[:6]  # a township's code is its county's six digits and three (auth/scope.py)


@routes.post("/reserves/advance", roles=("preparer",))
def advance(request: Request, viewer: SignedIn, township: Short = "",
            amount: Amount = "", date: Field = "",
            mark: Field = "") -> Response:
    """`reserve advance --township CODE --amount X --date DAY`: up to reserve.amount."""
    code, money = read_township(township), read_amount(amount, "拨付金额")
    on, after = params.day(date, now_of(request).date()), mark_of(mark)
    county = _county_of(code)
    require_whole(viewer, county, "向乡镇拨付备用金")
    with viewer.acting(), request.app.state.database.write() as session:
        lock_books(session)
        seen = entry_after(session, after, viewer.name, "reserve_advance", county, on, code, total=money)
        if seen is None:
            seq = reserve_service.advance(session, code, money, on, user=viewer.name, now=now_of(request))
    return back("/reserves/entries", "done", jurisdiction=county, recorded="unchanged" if seen else "stored",
                entry=seen or seq)


@routes.post("/reserves/pay", roles=("preparer",))
def pay(request: Request, viewer: SignedIn, township: Short = "",
        id_number: Field = "", name: Field = "", amount: Amount = "",
        date: Field = "", reason: Field = "", mark: Field = "") -> Response:
    """`reserve pay --township CODE --id-number ID --name NAME --amount X --date DAY --reason TEXT`: the case's
    number on the page next."""
    code, money = read_township(township), read_amount(amount, "救助金额")
    on, after = params.day(date, now_of(request).date()), mark_of(mark)
    viewer.require_within(code, f"乡镇 {code} 的备用金")
    person, who, why = normalize_id_number(id_number), name.strip(), reason.strip()
    with viewer.acting(), request.app.state.database.write() as session:
        lock_books(session)
        seen = session.scalar(select(func.min(ReserveCase.id)).where(
            ReserveCase.entry_seq > after, ReserveCase.township == code, ReserveCase.id_number == person,
            ReserveCase.name == who, ReserveCase.amount == money, ReserveCase.paid_on == on,
            ReserveCase.reason == why, ReserveCase.recorded_by == viewer.name))
        if seen is None:
            case = reserve_service.pay(session, code, id_number, name, money, on, reason, user=viewer.name,
                                       now=now_of(request))
    return back("/reserves/entries", "done", jurisdiction=_county_of(code),
                recorded="unchanged" if seen else "stored", case=seen or case)


@routes.post("/reserves/document", roles=("preparer",))
def document(request: Request, viewer: SignedIn, case: Short = "", date: Field = "") -> Response:
    """`reserve document CASE --date DAY` (补充说明); a late one is accepted and marked late."""
    number = read_number(case.strip(), "个案编号")
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        found = session.get(ReserveCase, number)
        if found is None:
            raise Refusal(f"没有编号为 {number} 的先行救助个案")
        code = found.township
    viewer.require_within(code, f"第 {number} 号先行救助个案")
    with viewer.acting(), database.write() as session:
        lock_books(session)
        done = session.get(ReserveDocumentation, number)
        # the same documentation again (a double click) is not a refusal: it is already there
        repeat = done is not None and done.recorded_by == viewer.name and done.documented_on == on
        if not repeat:
            reserve_service.document(session, number, on, user=viewer.name, now=now_of(request))
    return back("/reserves", "cases", jurisdiction=_county_of(code), recorded="unchanged" if repeat else "documented",
                case=number)


@routes.post("/reserves/replenish", roles=("preparer",))
def replenish(request: Request, viewer: SignedIn,
              township: Short = "", date: Field = "",
              mark: Field = "") -> Response:
    """`reserve replenish --township CODE --date DAY`: by the documented payments not yet replenished."""
    code = read_township(township)
    on, after = params.day(date, now_of(request).date()), mark_of(mark)
    county = _county_of(code)
    require_whole(viewer, county, "补充乡镇备用金")
    with viewer.acting(), request.app.state.database.write() as session:
        lock_books(session)
        seen = entry_after(session, after, viewer.name, "reserve_replenish", county, on, code)
        if seen is None:
            seq, _, _ = reserve_service.replenish(session, code, on, user=viewer.name, now=now_of(request))
    return back("/reserves/entries", "done", jurisdiction=county, recorded="unchanged" if seen else "stored",
                entry=seen or seq)
