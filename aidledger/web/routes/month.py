"""The month's steps from the browser (issue 17, part): a preparer runs a county's month, an approver approves a
draft (maker-checker: the services refuse the one who ran it) or sends a bank return back to the fund. Each is the
command's service (`cycle run`, `cycle approve`, `cycle cancel-return`) in one write transaction, answered with a
redirect to the cycle's page; a refusal is the service's, on a 422 page.

A run is a background job (aidledger/jobs): a county of 100,000 households takes about a minute
(docs/benchmarks.md), so the post answers at once with the job's page, whose progress bar goes to the draft once it
is stored; a second run of the county's month while one is live is refused, naming it. A sign-off form carries the
draft's round and step as the page showed them, so a draft run again, sent back or signed by another approver since
the page was opened is not signed unseen ("the cycle changed; reload").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.cycles.service import actions, signing
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction
from aidledger.disbursement.matching import service as matching
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
    """`cycle run --jurisdiction COUNTY --month YYYY-MM [--date DAY]` as a background job: the job's page next."""
    county = params.jurisdiction(jurisdiction, county=True)
    wanted = params.month(month)
    if county is None or wanted is None:
        raise Refusal("请填写县级区划代码和月份")
    viewer.require_within(county, f"辖区 {county}")
    on = params.day(date, now_of(request).date()) if date else None
    job = request.app.state.jobs.start_run(county, wanted, on=on, user=viewer.name, channel=viewer.channel,
                                           now=now_of(request))
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@routes.post("/cycles/{cycle_id}/approve", roles=("approver",))
def approve(request: Request, viewer: SignedIn, cycle_id: str, round: Field = "", step: Field = "",
            date: Field = "") -> Response:
    """One sign-off (`cycle approve CYCLE [--date DAY]`) of the draft as the page showed it: its round and step."""
    number = cycle_number(cycle_id)
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
    with viewer.acting(), database.write() as session:
        signing.sign(session, number, on, user=viewer.name, now=now_of(request), seen=_seen(round, step))
    return RedirectResponse(f"/cycles/{number}", status_code=303)


@routes.post("/cycles/{cycle_id}/send-back", roles=("approver",))
def send_back(request: Request, viewer: SignedIn, cycle_id: str, reason: Field = "", round: Field = "",
              step: Field = "", date: Field = "") -> Response:
    """`cycle send-back CYCLE --reason TEXT`: the draft goes back to its preparer; its sign-offs no longer count."""
    number = cycle_number(cycle_id)
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
    with viewer.acting(), database.write() as session:
        signing.send_back(session, number, reason, on, user=viewer.name, now=now_of(request),
                          seen=_seen(round, step))
    return RedirectResponse(f"/cycles/{number}", status_code=303)


def _seen(round_: str, step: str) -> tuple[int, int]:
    """The round and step the page showed; a form without them (or tampered with) cannot match a draft."""
    try:
        return int(round_), int(step)
    except ValueError:
        return -1, -1


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


@routes.post("/findings/{finding_id}/resolve", roles=("approver",))
def resolve_finding(request: Request, viewer: SignedIn, finding_id: str, action: Field = "", reason: Field = "",
                    date: Field = "") -> Response:
    """`match resolve FINDING --confirm|--dismiss --reason TEXT`: a finding of the cross-checks (数据比对) resolved."""
    number = cycle_number(finding_id)
    on = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        cycle_id = matching.finding_cycle(session, number)
        viewer.require_within(cycle_jurisdiction(session, cycle_id), f"数据比对发现 {number}")
    with viewer.acting(), database.write() as session:
        matching.resolve(session, number, action, reason, user=viewer.name, now=now_of(request), on=on)
    return RedirectResponse(f"/cycles/{cycle_id}#findings", status_code=303)
