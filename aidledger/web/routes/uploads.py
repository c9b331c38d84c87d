"""Registry files uploaded from the browser (issue 17): households and members together, or an events file, stored
by the services `registry import` and `registry events` call, all or nothing, with their checks and their messages.

A file's content decides what it is, never its name (web/uploaded.py, registry/sheets.py): CSV text goes to the
import as it is (which refuses any encoding but UTF-8, with the advice to save as UTF-8); an Excel workbook (.xlsx)
is written out as the CSV the import reads, its first sheet row for line, and then goes through the same service,
so that its checks and messages are the CSV's; an old .xls, a picture, an archive or any other binary is refused
with what it is and what to do. A refusal lists every problem, with the problems file to download
(upload_problems.py). A small upload is imported inside the request; a large one (upload_jobs.py: a county's
registry of 100,000 households takes about a minute, docs/benchmarks.md) is a background job with its progress.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request, UploadFile
from fastapi.responses import Response

from aidledger.disbursement.registry import service as registry
from aidledger.errors import Refusal
from aidledger.problems import Problem
from aidledger.web.access import Routes, SignedIn, now_of
from aidledger.web.pages import render
from aidledger.web.uploaded import Received, Uploaded, received, sub_folder

from . import upload_jobs
from .upload_problems import events_problems, every_problem, refused, registry_problems

routes = Routes()


@routes.get("/registry/upload", roles=("preparer",))
def upload_page(request: Request, viewer: SignedIn) -> Response:
    return render(request, "upload.html", viewer=viewer, outcome=None, refused=None)


@routes.post("/registry/upload", roles=("preparer",))
def upload_registry(request: Request, viewer: SignedIn, households: UploadFile | None = None,
                    members: UploadFile | None = None) -> Response:
    """`registry import --households … --members …`."""
    database = request.app.state.database
    today = now_of(request).date()
    with Uploaded() as upload:
        try:
            upload.files.append(received(households, sub_folder(upload.folder, "h"), "家庭（households）"))
            upload.files.append(received(members, sub_folder(upload.folder, "m"), "成员（members）"))
            if problems := sheet_problems(upload.files):
                return refused(request, viewer, "registry", problems, upload.files)
            if upload_jobs.large(request, upload.files):
                return upload_jobs.start_import(request, viewer, "registry", upload)
            h, m = (str(file.path) for file in upload.files)
            with viewer.acting(), database.write() as session:
                outcome = registry.import_registry(session, h, m, user=viewer.name, now=now_of(request),
                                                   today=today, dry_run=False)
        except Refusal as refusal:
            problems = every_problem(refusal, lambda: registry_problems(database, upload.files, today))
            return refused(request, viewer, "registry", problems, upload.files)
    return render(request, "upload.html", viewer=viewer, outcome=outcome, kind="registry", refused=None)


@routes.post("/registry/upload-events", roles=("preparer",))
def upload_events(request: Request, viewer: SignedIn, events: UploadFile | None = None) -> Response:
    """`registry events FILE`."""
    database = request.app.state.database
    today = now_of(request).date()
    with Uploaded() as upload:
        try:
            upload.files.append(received(events, upload.folder, "变动（events）"))
            if problems := sheet_problems(upload.files):
                return refused(request, viewer, "events", problems, upload.files)
            if upload_jobs.large(request, upload.files):
                return upload_jobs.start_import(request, viewer, "events", upload)
            with viewer.acting(), database.write() as session:
                outcome = registry.import_events(session, str(upload.files[0].path), user=viewer.name,
                                                 now=now_of(request), today=today, dry_run=False)
        except Refusal as refusal:
            problems = every_problem(refusal, lambda: events_problems(database, upload.files, today))
            return refused(request, viewer, "events", problems, upload.files)
    return render(request, "upload.html", viewer=viewer, outcome=outcome, kind="events", refused=None)


def sheet_problems(files: Sequence[Received]) -> list[Problem]:
    """The cells of the workbooks sent that no CSV could hold as they are (sheets.py): the import is not run."""
    return [problem for file in files if file.sheet is not None for problem in file.sheet.problems]


