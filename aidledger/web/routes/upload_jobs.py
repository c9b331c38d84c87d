"""A large registry upload as a background job (issue 17): the same service, all or nothing, as the request's.

The files are received and judged in the request (a workbook's cells too); then, past `Thresholds.upload_bytes`,
the import runs in a job whose page shows how many rows it has read of about how many, and how it ended: the
households, members or events stored, or every problem with its line, column and reason and the problems file to
download. The upload's temporary folder is the job's from then on, removed when it ends.

A refused import's problems quote the file's cells (id numbers, accounts): they are kept in the job's row for the
user who sent the file and shown to that user only (the page, the CSV, the API's lines); anyone else who sees the
job reads how many problems it had. A job of a user whose scope is the whole book is seen by such users only.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.registry import service as registry
from aidledger.errors import Refusal
from aidledger.jobs.codes import JobKind, JobState
from aidledger.jobs.service import open_job
from aidledger.jobs.workers import Failure, Work
from aidledger.web.access import Forbidden, Routes, SignedIn, Viewer, now_of
from aidledger.web.pages import render
from aidledger.web.uploaded import Received, Uploaded

from .jobs import job_number, visible_job
from .upload_problems import (
    ProblemRow,
    csv_attachment,
    events_problems,
    every_problem,
    problem_rows,
    problems_csv,
    problems_name,
    registry_problems,
)

routes = Routes()
WHAT = {"registry": "家庭与成员", "events": "变动"}


def large(request: Request, files: Sequence[Received]) -> bool:
    """Whether the files the import reads are past the application's threshold for a background job."""
    return sum(file.path.stat().st_size for file in files) > request.app.state.thresholds.upload_bytes


def start_import(request: Request, viewer: Viewer, kind: str, upload: Uploaded) -> Response:
    """The import of `upload`'s files (`kind`: registry or events) as a job; the job's page next."""
    database, now = request.app.state.database, now_of(request)
    today, files, user = now.date(), list(upload.files), viewer.name
    names = [file.name for file in files]
    label = f"导入{WHAT[kind]}：{'、'.join(names)}"
    lease = open_job(database, JobKind.IMPORT, viewer.scope or "", None, label, {"kind": kind, "files": names},
                     user=user, channel=viewer.channel, now=now)
    upload.hand_over()

    def work(job: Work) -> None:
        paths = [str(file.path) for file in files]
        job.begin(registry.estimate_rows(*paths))
        with database.write() as session:
            if kind == "registry":
                outcome = registry.import_registry(session, *paths, user=user, now=now, today=today,
                                                   dry_run=False, progress=job.step)
            else:
                outcome = registry.import_events(session, paths[0], user=user, now=now, today=today, dry_run=False)
            job.done_in(session, {"kind": kind, "households": outcome.households, "members": outcome.members,
                                  "events": outcome.events, "unchanged": outcome.unchanged})

    def explain(refusal: Refusal) -> Failure:
        recheck = registry_problems if kind == "registry" else events_problems
        problems = every_problem(refusal, lambda: recheck(database, files, today))
        rows = problem_rows(problems, files)
        return Failure(refusal.messages, {"kind": kind, "problem_count": len(problems),
                                          "problems": [list(row.cells) for row in rows],
                                          "download_name": problems_name(files)})

    try:
        job_id = request.app.state.jobs.start(lease, work, user=user, channel=viewer.channel, explain=explain,
                                              cleanup=upload.remove)
    except BaseException:
        upload.remove()
        lease.close()
        raise
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@routes.get("/jobs/{job_id}/problems.csv", roles=("preparer",))
def job_problems(request: Request, viewer: SignedIn, job_id: str) -> Response:
    """The problems of a refused import job as a CSV, for the user who sent the files only."""
    number = job_number(job_id)
    view = visible_job(request, viewer, number)
    if view is None or view.kind != JobKind.IMPORT or view.state != JobState.FAILED:
        return render(request, "error.html", viewer=viewer, status=404, title="没有问题清单",
                      messages=[f"第 {number} 号任务不是未能完成的名册导入，没有问题清单。"])
    if view.user_name != viewer.name:
        raise Forbidden("问题清单只有上传文件的用户可以下载")
    rows = [ProblemRow(*cells) for cells in view.result.get("problems", [])]
    return csv_attachment(problems_csv(rows), str(view.result.get("download_name", "问题清单.csv")))
