"""The month's steps from the browser (issue 17, part): a preparer runs a county's month, an approver approves a
draft (maker-checker: the services refuse the one who ran it) or sends a bank return back to the fund. Each is the
command's service (`cycle run`, `cycle approve`, `cycle cancel-return`) in one write transaction, answered with a
redirect to the cycle's page; a refusal is the service's, on a 422 page.

A run is done inside the request for now: a county of 100,000 households takes about a minute (docs/benchmarks.md);
a background job with a progress bar is issue 17's next part. An approval form carries the cycle's total as the
page showed it, so a draft run again since the page was opened is not approved unseen ("the cycle changed").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.cycles.service import actions, approval
from aidledger.disbursement.cycles.service.run import run_cycle
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction, cycle_of
from aidledger.disbursement.payments.tables import BankReturn
from aidledger.errors import Refusal
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of

from .cycles import cycle_number

routes = Routes()
Field = Annotated[str, Form(max_length=200)]


@routes.post("/cycles/run", roles=("preparer",))
def run_month(request: Request, viewer: SignedIn, jurisdiction: Field = "", month: Field = "",
              date: Field = "") -> Response:
    """`cycle run --jurisdiction COUNTY --month YYYY-MM [--date DAY]`: the draft's page next."""
    county = params.jurisdiction(jurisdiction, county=True)
    wanted = params.month(month)
    if county is None or wanted is None:
        raise Refusal("请填写县级区划代码和月份")
    viewer.require_within(county, f"辖区 {county}")
    on = params.day(date, now_of(request).date()) if date else None
    with viewer.acting(), request.app.state.database.write() as session:
        outcome = run_cycle(session, county, wanted, user=viewer.name, now=now_of(request), on=on)
    return RedirectResponse(f"/cycles/{outcome.cycle_id}", status_code=303)


@routes.post("/cycles/{cycle_id}/approve", roles=("approver",))
def approve(request: Request, viewer: SignedIn, cycle_id: str, total: Field = "", date: Field = "") -> Response:
    """`cycle approve CYCLE [--date DAY]`, of the draft as the page showed it."""
    number = cycle_number(cycle_id)
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
    with viewer.acting(), database.write() as session:
        shown = _amount(total)
        cycle = cycle_of(session, number)
        if shown is None or cycle.total != shown:
            raise Refusal(f"发放批次 {number} 自页面打开后已经改变（合计现为 {cycle.total:.2f} 元）："
                          "请刷新页面，核对后再审批")
        approval.approve(session, number, on, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{number}", status_code=303)


@routes.post("/returns/{return_id}/cancel", roles=("approver",))
def cancel_return(request: Request, viewer: SignedIn, return_id: str, reason: Field = "", date: Field = "") -> Response:
    """`cycle cancel-return RETURN --reason TEXT [--date DAY]`: the returned payment goes back to the fund."""
    number = cycle_number(return_id)
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        found = session.get(BankReturn, number)
        if found is None:
            raise Refusal(f"没有编号为 {number} 的银行退票")
        cycle_id = found.cycle_id
        viewer.require_within(cycle_jurisdiction(session, cycle_id), f"银行退票 {number}")
    with viewer.acting(), database.write() as session:
        actions.cancel_return(session, number, reason, on, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{cycle_id}#returns", status_code=303)


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
