"""Reports drawn by background jobs (issue 17): a large cycle's payment register and any audit pack, asked for
from the downloads page, drawn by the services `report register` and `report audit` use in a read transaction of
the job's own, with their progress on the job's page, and kept in the job's row (`jobs.output`) to download.

The file was drawn for the user who asked (their scope, their masking of id numbers and accounts), so only that
user downloads it; anyone else who sees the job sees that it ran. A report writes nothing to the books, so any
number of them may run at once, and beside a run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.payments.tables import Cycle
from aidledger.jobs.codes import JobKind, JobState
from aidledger.jobs.service import job_output, open_job
from aidledger.jobs.workers import Work
from aidledger.web.access import ALL, Forbidden, Routes, SignedIn, Viewer, now_of
from aidledger.web.pages import render

from .cycles import cycle_number, not_found, township_filter, visible_county
from .downloads import AUDIT_ROLES, audit_asked, audit_names, drawn, pdf, register_names
from .jobs import job_number, visible_job

routes = Routes()
Field = Annotated[str, Form(max_length=32)]


@routes.post("/downloads/register/{cycle_id}", roles=ALL)
def register_job(request: Request, viewer: SignedIn, cycle_id: str, township: Field = "") -> Response:
    """A cycle's register (the county's, or one township's) drawn by a job; the job's page next."""
    from aidledger.reports.pdf.register import write_register
    from aidledger.reports.service.register import register_data

    number = cycle_number(cycle_id)
    database = request.app.state.database
    with database.read() as session:  # judged as the direct download judges it, without drawing anything yet
        county = visible_county(session, viewer, number)
        if county is None:
            return not_found(request, viewer, number)
        wanted = township_filter(township or None, county, viewer) or viewer.township
        month = session.get(Cycle, number).month
    label = f"发放花名册：第 {number} 号批次（{month}）" + (f"，乡镇 {wanted}" if wanted else "")

    def work(job: Work) -> None:
        with database.read() as session:  # as the request judged it; the service refuses a reader it no longer may
            data = register_data(session, number, reader=viewer.name, township=wanted)
        job.begin(data.count)
        content = drawn(lambda path: write_register(data, path, progress=job.step))
        ascii_name, name = register_names(data, number, wanted)
        job.done({"file": name, "ascii": ascii_name, "households": data.count}, output=content)

    return _started(request, viewer, county, month, label, {"cycle": number, "township": wanted}, work)


@routes.post("/downloads/audit", roles=AUDIT_ROLES)
def audit_job(request: Request, viewer: SignedIn, jurisdiction: Field = "", as_of: Field = "") -> Response:
    """An audit pack (`report audit`) drawn by a job: verifying the whole book takes a while on a large one."""
    from aidledger.reports.pdf.audit import audit_story, drawing_steps, write_audit
    from aidledger.reports.service.audit import audit_pack, audit_size

    code, day = audit_asked(viewer, jurisdiction, as_of or None, now_of(request).date())
    database = request.app.state.database

    def work(job: Work) -> None:
        with database.read() as session:
            size = audit_size(session, code, day.year, day)
            drawing = max(size // 10, 1)  # the drawing's part of the bar: its own length is known only later
            job.begin(size + drawing)
            pack = audit_pack(session, code, day.year, day, progress=job.step)
        story = audit_story(pack)
        content = drawn(lambda path: write_audit(pack, path, progress=_spread(job.step, drawing_steps(story),
                                                                              drawing), story=story))
        ascii_name, name = audit_names(pack.title, code, day)
        job.done({"file": name, "ascii": ascii_name, "exceptions": pack.exception_count}, output=content)

    return _started(request, viewer, code, None, f"审计材料：{code}，截至 {day.isoformat()}",
                    {"as_of": day.isoformat()}, work)


def _spread(step: Callable[[int], None], steps: int, length: int) -> Callable[[int], None]:
    """A progress callback told of `steps` steps that moves `step`'s bar by `length` in all, evenly."""
    done = told = 0

    def tell(count: int) -> None:
        nonlocal done, told
        done += count
        at = min(length, done * length // max(steps, 1))
        if at > told:
            step(at - told)
            told = at

    return tell


def _started(request: Request, viewer: Viewer, jurisdiction: str, month: str | None, label: str,
             parameters: dict[str, object], work) -> Response:
    lease = open_job(request.app.state.database, JobKind.REPORT, jurisdiction, month, label, parameters,
                     user=viewer.name, channel=viewer.channel, now=now_of(request))
    try:
        job = request.app.state.jobs.start(lease, work, user=viewer.name, channel=viewer.channel)
    except BaseException:
        lease.close()
        raise
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@routes.get("/jobs/{job_id}/file", roles=ALL)
def job_file(request: Request, viewer: SignedIn, job_id: str) -> Response:
    """The PDF a report job drew, for the user who asked for it only."""
    number = job_number(job_id)
    view = visible_job(request, viewer, number)
    content = None
    if view is not None and view.kind == JobKind.REPORT and view.state == JobState.DONE:
        if view.user_name != viewer.name:
            raise Forbidden("这份报表是为发起任务的用户生成的（按其权限遮蔽个人信息），只有该用户可以下载")
        with request.app.state.database.read() as session:
            content = job_output(session, number)
    if view is None or content is None:
        return render(request, "error.html", viewer=viewer, status=404, title="没有可下载的文件",
                      messages=[f"第 {number} 号任务没有生成可下载的报表。"])
    return pdf(content, str(view.result["ascii"]), str(view.result["file"]))
