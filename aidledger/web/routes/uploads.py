"""Files to and from the browser (issue 17, part): registry files uploaded (households and members together, or an
events file), stored by the services `registry import` and `registry events` call, all or nothing, with their checks
and their messages (every bad row with its line, column and reason); a cycle's bank file downloaded
(`cycle export-bank`) and the bank's returns uploaded (`cycle returns`).

An upload is written to a private temporary folder under the name it was sent with (the import records it as the
source) and read from there; the folder is removed after. Its content decides what it is: a file with NUL bytes
(a spreadsheet, an image, a Word document) is refused before the import reads it, whatever it is called, and the
import itself refuses any encoding but UTF-8 with the advice to save as UTF-8. Uploads run inside the request:
a county's registry of 100,000 households takes about a minute (docs/benchmarks.md), and background jobs with a
progress bar are the next part of issue 17.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.cycles.service.actions import book_returns as book_service
from aidledger.disbursement.cycles.service.actions import export_bank as export_service
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction, cycle_of
from aidledger.disbursement.registry import service as registry
from aidledger.errors import Refusal
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of
from aidledger.web.pages import render

from .cycles import cycle_number

routes = Routes()
LIMIT = 200 * 1024 * 1024  # bytes an uploaded file may hold (a province's registry is far below it)
CHUNK = 1024 * 1024
SAFE_NAME = re.compile(r"[^\w.\-]+")


def saved(upload: UploadFile | None, folder: Path, what: str) -> Path:
    """The upload written into `folder`, or a refusal: none sent, empty, too large, or not text."""
    if upload is None or not upload.filename:
        raise Refusal(f"请选择{what}文件")
    name = SAFE_NAME.sub("_", Path(upload.filename).name)[-100:] or "upload.csv"
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > LIMIT:
                raise Refusal(f"{what}文件 {name} 超过 {LIMIT // (1024 * 1024)} MB")
            if b"\x00" in chunk:
                raise Refusal(f"{what}文件 {name} 不是 CSV 文本文件（内容含二进制数据，可能是 Excel、图片或 Word "
                              "文件）：请在表格软件中“另存为 CSV UTF-8”后再上传")
            out.write(chunk)
    if size == 0:
        raise Refusal(f"{what}文件 {name} 是空的")
    return path


@routes.get("/registry/upload", roles=("preparer",))
def upload_page(request: Request, viewer: SignedIn) -> Response:
    return render(request, "upload.html", viewer=viewer, outcome=None)


@routes.post("/registry/upload", roles=("preparer",))
def upload_registry(request: Request, viewer: SignedIn, households: UploadFile | None = None,
                    members: UploadFile | None = None) -> Response:
    """`registry import --households … --members …`."""
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        folder = Path(name)
        households_path = saved(households, folder / _sub(folder, "h"), "家庭（households）")
        members_path = saved(members, folder / _sub(folder, "m"), "成员（members）")
        with viewer.acting(), request.app.state.database.write() as session:
            outcome = registry.import_registry(session, str(households_path), str(members_path), user=viewer.name,
                                               now=now_of(request), today=now_of(request).date(), dry_run=False)
    return render(request, "upload.html", viewer=viewer, outcome=outcome, kind="registry")


@routes.post("/registry/upload-events", roles=("preparer",))
def upload_events(request: Request, viewer: SignedIn, events: UploadFile | None = None) -> Response:
    """`registry events FILE`."""
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        path = saved(events, Path(name), "变动（events）")
        with viewer.acting(), request.app.state.database.write() as session:
            outcome = registry.import_events(session, str(path), user=viewer.name, now=now_of(request),
                                             today=now_of(request).date(), dry_run=False)
    return render(request, "upload.html", viewer=viewer, outcome=outcome, kind="events")


def text_of(path: Path) -> str:
    """An uploaded file's UTF-8 text (a byte-order mark dropped), else a refusal naming it as it was sent."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refusal(f"{path.name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 "
                      "（请在表格软件中“另存为 CSV UTF-8”）") from None


def _sub(folder: Path, name: str) -> str:
    """A folder of its own for each of two files, so that two uploads of the same name do not overwrite."""
    (folder / name).mkdir()
    return name


# ---- the bank: its file, and its returns ------------------------------------------------------------------


@routes.post("/cycles/{cycle_id}/export", roles=("preparer",))
def export_bank(request: Request, viewer: SignedIn, cycle_id: str, date: Annotated[str, Form(max_length=10)] = ""
                ) -> Response:
    """`cycle export-bank CYCLE`: the paying bank's CSV, as a download. The export is committed before the file is
    answered; an exported cycle answers the same bytes again (a reprint, nothing posted), so a lost download is
    downloaded again."""
    number = cycle_number(cycle_id)
    day = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
        month = cycle_of(session, number).month
    with viewer.acting(), database.write() as session:
        bank_file = export_service(session, number, day, user=viewer.name, now=now_of(request))
    name = f"bank-{number}-{month}.csv"
    return Response(bank_file.data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''"
                                                    f"{quote(f'{month}-第{number}号批次-银行代发.csv')}"})


@routes.post("/cycles/{cycle_id}/returns", roles=("preparer",))
def book_returns(request: Request, viewer: SignedIn, cycle_id: str, returns: UploadFile | None = None,
                 date: Annotated[str, Form(max_length=10)] = "") -> Response:
    """`cycle returns CYCLE --file FILE`: the bank's returns booked and the cycle settled (an empty list settles
    it all); back to the cycle's page."""
    number = cycle_number(cycle_id)
    day = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        path = saved(returns, Path(name), "银行退票")
        with viewer.acting(), database.write() as session:
            book_service(session, number, text_of(path), path.name, day, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{number}#returns", status_code=303)
