"""The JSON API under /api/v1/ (cli.md, "Web application and API"): the shapes of the CLI's --json, from the same
services. Authenticated by `Authorization: Bearer TOKEN` or the browser's session (then with X-CSRF-Token on a
POST). The OpenAPI description is /api/v1/openapi.json, for any signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Path, Query, Request
from fastapi.responses import Response

from aidledger.budget.service.status import budget_status
from aidledger.disbursement.checks import verify_books
from aidledger.disbursement.cycles.service import signing
from aidledger.disbursement.cycles.service.diff import cycle_diff
from aidledger.disbursement.cycles.service.show import cycle_view
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction
from aidledger.disbursement.entitlement.service import explain_view
from aidledger.disbursement.registry import service as registry
from aidledger.jobs.service import job_view
from aidledger.render import budget_status_shape, json_text
from aidledger.web import params
from aidledger.web.access import ALL, Routes, SignedIn, now_of

routes = Routes()
V1 = "/api/v1"


def as_json(data: object, status: int = 200) -> Response:
    return Response(json_text(data), status_code=status, media_type="application/json")


@routes.get(f"{V1}/openapi.json", roles=ALL)
def openapi(request: Request, viewer: SignedIn) -> Response:
    return as_json(request.app.openapi())


@routes.get(f"{V1}/registry/{{household_id}}", roles=ALL)
def registry_show(request: Request, viewer: SignedIn, household_id: str,
                  on: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    """`registry show HOUSEHOLD --json`."""
    day = params.in_english_day(on, now_of(request).date())
    with request.app.state.database.read() as session:
        viewer.require_within(registry.household_township(session, household_id), f"户 {household_id}")
        view = registry.household_view(session, household_id, day, reader=viewer.name, as_json=True)
    return as_json(view.as_dict())


@routes.get(f"{V1}/households/{{household_id}}/explain", roles=ALL)
def explain(request: Request, viewer: SignedIn, household_id: str,
            month: Annotated[str, Query(max_length=7)]) -> Response:
    """`explain HOUSEHOLD --month YYYY-MM --json`."""
    month = params.in_english_month(month)
    with request.app.state.database.read() as session:
        township = registry.household_township(session, household_id)
        viewer.require_within(township, f"户 {household_id}")
        view = explain_view(session, household_id, month, reader=viewer.name, as_json=True)
    return as_json(view.as_dict())


@routes.get(f"{V1}/cycles/{{cycle_id}}", roles=ALL)
def cycle_show(request: Request, viewer: SignedIn, cycle_id: int) -> Response:
    """`cycle show CYCLE --json`."""
    with request.app.state.database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, cycle_id), f"批次 {cycle_id}")
        view = cycle_view(session, cycle_id, reader=viewer.name, as_json=True)
    return as_json(view.as_dict())


@routes.get(f"{V1}/cycles/{{cycle_id}}/diff", roles=ALL)
def cycle_differences(request: Request, viewer: SignedIn, cycle_id: int) -> Response:
    """`cycle diff CYCLE --json`: what changed since the county's previous cycle."""
    with request.app.state.database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, cycle_id), f"批次 {cycle_id}")
        found = cycle_diff(session, cycle_id, reader=viewer.name)
    return as_json(found.as_dict())


@routes.post(f"{V1}/cycles", roles=("preparer",))
def cycle_run(request: Request, viewer: SignedIn, body: Annotated[dict, Body()]) -> Response:
    """`cycle run --jurisdiction CODE --month YYYY-MM`: answers {"cycle": "ID"}. The run is a job run inside the
    request (jobs/workers.py `run_here`): refused while the page's job of the same month is live, and the other way
    round."""
    jurisdiction, month = str(body.get("jurisdiction", "")), params.in_english_month(str(body.get("month", "")))
    viewer.require_within(jurisdiction, f"辖区 {jurisdiction}")
    run_on = params.in_english_day(body.get("date"), now_of(request).date()) if body.get("date") else None
    cycle = request.app.state.jobs.run_here(jurisdiction, month, on=run_on, user=viewer.name,
                                            channel=viewer.channel, now=now_of(request))
    return as_json({"cycle": str(cycle)}, status=201)


@routes.get(f"{V1}/jobs/{{job_id}}", roles=ALL)
def job(request: Request, viewer: SignedIn, job_id: Annotated[int, Path(ge=1, le=999_999_999)]) -> Response:
    """A background job (cli.md: `POST /api/v1/cycles` may answer {"job": …}): {"job", "state", "done", "total"},
    with "cycle" once a run is done, "result" once an import or a report is, and "errors" once failed (a refused
    import's only for its uploader). The job's page polls it every second (static/jobs.js)."""
    with request.app.state.database.read() as session:
        view = job_view(session, job_id)
    if view is None:
        return as_json({"errors": [f"job {job_id} does not exist"]}, status=404)
    viewer.require_within(view.jurisdiction, f"任务 {job_id}")
    return as_json(request.app.state.jobs.current(view).as_dict(viewer.name))


@routes.post(f"{V1}/cycles/{{cycle_id}}/approve", roles=("approver",))
def cycle_approve(request: Request, viewer: SignedIn, cycle_id: int,
                  body: Annotated[dict | None, Body()] = None) -> Response:
    """`cycle approve CYCLE [--date DATE]`: one sign-off; answers {"cycle": "ID", "step": n, "of_steps": m, "entry":
    SEQ (the approval entry, at the last sign-off; null before)}."""
    with request.app.state.database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, cycle_id), f"批次 {cycle_id}")
    on = params.in_english_day((body or {}).get("date"), now_of(request).date())
    with viewer.acting(), request.app.state.database.write() as session:
        signed = signing.sign(session, cycle_id, on, user=viewer.name, now=now_of(request))
    return as_json({"cycle": str(cycle_id), "step": signed.step, "of_steps": signed.of_steps,
                    "entry": signed.entry_seq})


@routes.get(f"{V1}/budget/status", roles=ALL)
def budget(request: Request, viewer: SignedIn, jurisdiction: Annotated[str, Query(max_length=12)],
           year: Annotated[int, Query(ge=1900, le=9999)]) -> Response:
    """`budget status --jurisdiction CODE --year YYYY --json`."""
    viewer.require_within(jurisdiction, f"辖区 {jurisdiction}")
    with request.app.state.database.read() as session:
        status = budget_status(session, jurisdiction, year)
    return as_json(budget_status_shape(status))


@routes.get(f"{V1}/ledger/verify", roles=("admin", "approver", "auditor"))
def ledger_verify(request: Request, viewer: SignedIn) -> Response:
    """`ledger verify`: {"ok": …, "problems": […], "head": …}."""
    with request.app.state.database.read() as session:
        report = verify_books(session)
    return as_json({"ok": report.ok, "problems": report.messages, "head": report.head_hash,
                    "entries": report.entries, "evidence_seq": report.evidence_seq,
                    "evidence_head": report.evidence_mac})
