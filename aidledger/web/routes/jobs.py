"""Background jobs' pages (issue 17): the list of the jobs a user may see, and one job's page, whose progress bar
asks `GET /api/v1/jobs/{job}` every second (static/jobs.js) and goes to the cycle once a run is done; an import's
page then says what it stored or lists its problems (to its uploader), a report's offers its file (to whoever
asked for it: upload_jobs.py, report_jobs.py).

A job is seen by the users whose scope holds its county, or lies in it (a township's clerk sees the county's runs,
as the clerk sees the county's cycle in part); another county's job is a 403, a job that does not exist a 404.
The figures come from the job's row, or fresher from this process when it runs the job (jobs/workers.py).
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

from aidledger.errors import Refusal
from aidledger.jobs.codes import KIND_NAMES, STATE_NAMES
from aidledger.jobs.service import job_list, job_view
from aidledger.jobs.views import JobView
from aidledger.web.access import ALL, Routes, SignedIn, Viewer
from aidledger.web.pages import render

from .upload_problems import ProblemRow

routes = Routes()
JOB_ID = re.compile(r"^[1-9]\d{0,8}$")


def job_number(text: str) -> int:
    """A job's number from the URL: digits only (at most nine), else a refusal."""
    if not JOB_ID.match(text or ""):
        raise Refusal(f"任务编号“{text[:64]}”无效：应为正整数")
    return int(text)


def visible_job(request: Request, viewer: Viewer, job_id: int) -> JobView | None:
    """The job as it stands now (None: there is no such job); a 403 outside the viewer's scope."""
    with request.app.state.database.read() as session:
        view = job_view(session, job_id)
    if view is None:
        return None
    viewer.require_within(view.jurisdiction, f"第 {job_id} 号任务")
    current: JobView = request.app.state.jobs.current(view)
    return current


@routes.get("/jobs", roles=ALL)
def jobs_page(request: Request, viewer: SignedIn) -> Response:
    """The newest jobs of the viewer's jurisdictions, newest first."""
    with request.app.state.database.read() as session:
        found = job_list(session, viewer.scope)
    runner = request.app.state.jobs
    return render(request, "jobs.html", viewer=viewer, jobs=[runner.current(view) for view in found],
                  KIND_NAMES=KIND_NAMES, STATE_NAMES=STATE_NAMES)


@routes.get("/jobs/{job_id}", roles=ALL)
def job_page(request: Request, viewer: SignedIn, job_id: str) -> Response:
    """One job: its progress while it runs, the cycle once done, the refusal's lines once failed."""
    number = job_number(job_id)
    view = visible_job(request, viewer, number)
    if view is None:
        return render(request, "error.html", viewer=viewer, status=404, title="任务不存在",
                      messages=[f"没有编号为 {number} 的任务。"])
    own = view.user_name == viewer.name
    rows = [ProblemRow(*cells) for cells in view.result.get("problems", [])] if own else []
    return render(request, "job.html", viewer=viewer, job=view, KIND_NAMES=KIND_NAMES, STATE_NAMES=STATE_NAMES,
                  own=own, errors=view.errors_for(viewer.name), problems=[row for row in rows if row.file],
                  problem_messages=[row.reason for row in rows if not row.file])
