"""The budget planner's forms (issue 17, part): an allocation received, purchased services, a township's reserve
advanced, an emergency payment from it (先行救助), the case's documentation (补充说明) and the reserve replenished.
Each form calls the service its command calls (`budget allocate`, `budget purchase-services`, `reserve advance`,
`reserve pay`, `reserve document`, `reserve replenish`) in one write transaction, so its checks and its refusals
are the command's (the cap, the reserve's set amount and balance, the id number); a refusal is a 422 page and
leaves the books as they were. The forms' own helpers (amounts, scopes, the double post) are here; grants.py uses
them too.

Scopes: the services judge roles only, so the pages judge the scope. The county's work (allocations, purchases,
advancing and replenishing a reserve, declaring a price subsidy) needs a scope holding all of the jurisdiction, as
running a county's month does; a township's clerk pays and documents their township's cases only.

A double post (a double click, a resent form) is stored once. The services take no idempotency key, so every form
that would record something twice carries `mark`: the books' last entry number (or the last grant's) when the
page was drawn. Under the books' lock, before calling the service, the route looks for what this form would record,
recorded by the same user after the mark; when it is there, the post is a repeat and nothing is stored again.
A new page is a new mark, so the same allocation entered again on purpose is stored again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from aidledger.auth.scope import LEVELS, level_of, within
from aidledger.budget.service import reserves as reserve_service
from aidledger.budget.service.allocations import allocate
from aidledger.budget.service.purchases import purchase_services
from aidledger.budget.service.status import budget_status
from aidledger.budget.tables import ReserveCase, ReserveDocumentation
from aidledger.errors import Refusal
from aidledger.idcard import normalize_id_number
from aidledger.ledger.chart import FUND_CODES, FUNDS
from aidledger.ledger.money import MoneyError, parse_amount
from aidledger.ledger.service.posting import lock_books
from aidledger.ledger.tables import JournalEntry, JournalLine, LedgerHead
from aidledger.web import params
from aidledger.web.access import Forbidden, Routes, SignedIn, Viewer, now_of
from aidledger.web.pages import render

from .dashboard import CODE, books_name, chosen_county, not_for_townships, require_books

routes = Routes()
Field = Annotated[str, Form(max_length=200)]
Amount = Annotated[str, Form(max_length=40)]
Short = Annotated[str, Form(max_length=12)]
FUND_ORDER = tuple(f.code for f in FUNDS)


# ---- what every form reads -------------------------------------------------------------------------------------


def read_amount(text: str, what: str) -> Decimal:
    """A yuan amount as the command line reads it (whole fen, a plain decimal numeral), never a float."""
    if not text.strip():
        raise Refusal(f"请填写{what}")
    try:
        return parse_amount(text)
    except MoneyError:
        raise Refusal(f"{what}“{text[:30]}”无效：应为以元为单位的数字，最多两位小数，不用千位分隔符"
                      "（如 1242.00）") from None


def read_township(text: str) -> str:
    code = text.strip()
    if level_of(code) != "township":
        raise Refusal(f"乡镇代码“{code[:20]}”不对：应为 9 位数字的乡镇（街道）区划代码")
    return code


def required(text: str, what: str) -> str:
    if not text.strip():
        raise Refusal(f"请填写{what}")
    return text.strip()


def read_number(text: str, what: str) -> int:
    """A record's number (a case, a grant): digits only, at most nine."""
    if not text:
        raise Refusal(f"请填写{what}")
    if not text.isdigit() or len(text) > 9 or int(text) == 0:
        raise Refusal(f"{what}“{text[:20]}”无效：应为正整数")
    return int(text)


def require_whole(viewer: Viewer, code: str, what: str) -> None:
    """The county's (city's, province's) work: the viewer's scope must hold all of `code` (users.require_whole)."""
    if not within(viewer.scope, code):
        raise Forbidden(f"{what}是{LEVELS.get(level_of(code) or '', '')} {code} 的工作，不在您的工作范围"
                        f"（{viewer.scope}）之内")


def mark_of(text: str) -> int:
    """The form's mark (see the module's docstring): the entry or grant number its page was drawn after."""
    if not text.isdigit() or len(text) > 18:
        raise Refusal("表单缺少防重复提交的标记（或已损坏）：请刷新页面后重新填写")
    return int(text)


def books_mark(session) -> int:
    head = session.get(LedgerHead, 1)
    return head.seq if head is not None else 0


def entry_after(session, mark: int, user: str, kind: str, jurisdiction: str, on: date, reference: str, *,
                total: Decimal | None = None, fund: str | None = None, description_end: str = "") -> int | None:
    """An entry of `kind` the user posted after `mark` that says what the form says (a repeat), or None."""
    found = session.scalars(select(JournalEntry).where(
        JournalEntry.seq > mark, JournalEntry.kind == kind, JournalEntry.jurisdiction_code == jurisdiction,
        JournalEntry.user_name == user, JournalEntry.date == on, JournalEntry.reference == reference)
        .order_by(JournalEntry.seq))
    for entry in found:
        debits = [line for line in session.scalars(select(JournalLine).where(JournalLine.entry_seq == entry.seq))
                  if line.debit > 0]
        if total is not None and sum((line.debit for line in debits), Decimal("0")) != total:
            continue
        if fund is not None and {line.fund_code for line in debits} != {fund}:
            continue
        if description_end and not entry.description.endswith(description_end):
            continue
        return entry.seq
    return None


def back(path: str, anchor: str = "", **query: object) -> RedirectResponse:
    shown = urlencode({k: v for k, v in query.items() if v is not None})
    return RedirectResponse(f"{path}?{shown}{'#' + anchor if anchor else ''}", status_code=303)


def outcome(request: Request) -> dict[str, str]:
    """What the last post did, as its redirect said (recorded=stored|unchanged, and the number stored)."""
    return {k: request.query_params.get(k, "")[:20] for k in ("recorded", "entry", "case", "grant")}


# ---- the budget: allocations and purchased services -------------------------------------------------------------


@routes.get("/budget/entries", roles=("preparer",))
def budget_entries(request: Request, viewer: SignedIn, jurisdiction: CODE = None) -> Response:
    """The allocation and purchased-services forms, beside the funds' figures and the cap's headroom."""
    not_for_townships(viewer, "预算登记")
    requested = params.jurisdiction(jurisdiction)
    today = now_of(request).date()
    status = name = None
    with request.app.state.database.read() as session:
        code = chosen_county(session, viewer, requested)
        if code is not None:
            name = require_books(session, code) if requested else books_name(session, code)
            status = budget_status(session, code, today.year) if name else None
        mark = books_mark(session)
    return render(request, "planning_budget.html", viewer=viewer, code=code, name=name, figures=status,
                  today=today, mark=mark, funds=FUND_ORDER, done=outcome(request))


@routes.post("/budget/allocations", roles=("preparer",))
def record_allocation(request: Request, viewer: SignedIn, jurisdiction: Field = "", fund: Field = "",
                      amount: Amount = "", date: Field = "",
                      giver: Short = "", reference: Field = "",
                      mark: Field = "") -> Response:
    """`budget allocate --jurisdiction CODE --fund FUND --amount X --date DAY [--from CODE] [--reference TEXT]`."""
    code = params.jurisdiction(jurisdiction)
    if code is None:
        raise Refusal("请填写收到拨款的辖区代码")
    if fund not in FUND_CODES:
        raise Refusal(f"资金“{fund[:30]}”不对：请从列表中选择一项资金")
    money = read_amount(amount, "拨款金额")
    from_code = params.jurisdiction(giver.strip())
    on = params.day(date, now_of(request).date())
    after, reference = mark_of(mark), reference.strip()
    require_whole(viewer, code, "登记收到的拨款")
    if from_code is not None:
        require_whole(viewer, from_code, "登记上级下拨的拨款（拨出方的账簿）")
    with viewer.acting(), request.app.state.database.write() as session:
        lock_books(session)
        seen = entry_after(session, after, viewer.name, "allocation", code, on, reference, total=money, fund=fund)
        if seen is None:
            posted = allocate(session, code, fund, money, on, from_code=from_code, reference=reference,
                              user=viewer.name, now=now_of(request))
    if seen is not None:
        return back("/budget/entries", "done", jurisdiction=code, recorded="unchanged", entry=seen)
    return back("/budget/entries", "done", jurisdiction=code, recorded="stored", entry=posted[-1].seq)


@routes.post("/budget/purchases", roles=("preparer",))
def record_purchase(request: Request, viewer: SignedIn, jurisdiction: Field = "",
                    amount: Amount = "", date: Field = "",
                    vendor: Field = "", reference: Field = "", mark: Field = "") -> Response:
    """`budget purchase-services --jurisdiction CODE --amount X --date DAY --vendor TEXT [--reference TEXT]`: refused
    above the year's cap with the service's figures."""
    code = params.jurisdiction(jurisdiction)
    if code is None:
        raise Refusal("请填写购买服务的辖区代码")
    money = read_amount(amount, "购买服务金额")
    seller = required(vendor, "服务机构")
    on = params.day(date, now_of(request).date())
    after, reference = mark_of(mark), reference.strip()
    require_whole(viewer, code, "登记政府购买服务支出")
    with viewer.acting(), request.app.state.database.write() as session:
        lock_books(session)
        seen = entry_after(session, after, viewer.name, "purchased_services", code, on, reference, total=money,
                           description_end=seller)
        if seen is None:
            posted = purchase_services(session, code, money, on, vendor=seller, reference=reference,
                                       user=viewer.name, now=now_of(request))
    return back("/budget/entries", "done", jurisdiction=code, recorded="unchanged" if seen else "stored",
                entry=seen or posted.seq)


# ---- township reserves ------------------------------------------------------------------------------------------


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
