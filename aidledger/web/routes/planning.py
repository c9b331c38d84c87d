"""The budget planner's forms (issue 17, part): an allocation received, purchased services, a township's reserve
advanced, an emergency payment from it (先行救助), the case's documentation (补充说明) and the reserve replenished.
Each form calls the service its command calls (`budget allocate`, `budget purchase-services`, `reserve advance`,
`reserve pay`, `reserve document`, `reserve replenish`) in one write transaction, so its checks and its refusals
are the command's (the cap, the reserve's set amount and balance, the id number); a refusal is a 422 page and
leaves the books as they were. Here the budget's forms; the reserves' are planning_reserves.py; what they all read
(amounts, scopes, the double post) is form_input.py.

Scopes: the services judge roles only, so the pages judge the scope. The county's work (allocations, purchases,
advancing and replenishing a reserve, declaring a price subsidy) needs a scope holding all of the jurisdiction, as
running a county's month does; a township's clerk pays and documents their township's cases only.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from aidledger.budget.service.allocations import allocate
from aidledger.budget.service.purchases import purchase_services
from aidledger.budget.service.status import budget_status
from aidledger.errors import Refusal
from aidledger.ledger.chart import FUND_CODES, FUNDS
from aidledger.ledger.service.posting import lock_books
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of
from aidledger.web.pages import render

from .dashboard import CODE, books_name, chosen_county, not_for_townships, require_books
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
    require_whole,
    required,
)

routes = Routes()
FUND_ORDER = tuple(f.code for f in FUNDS)


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
