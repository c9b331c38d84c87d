"""A cycle's files with the paying bank, from its page (issue 17): the bank file downloaded (`cycle export-bank`) and
the bank's returns uploaded (`cycle returns`), through the commands' services."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.cycles.service.actions import book_returns as book_service
from aidledger.disbursement.cycles.service.actions import export_bank as export_service
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction, cycle_of
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of
from aidledger.web.uploaded import text_file, text_of

from .cycles import cycle_number

routes = Routes()


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
        path = text_file(returns, Path(name), "银行退票")
        with viewer.acting(), database.write() as session:
            book_service(session, number, text_of(path), path.name, day, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{number}#returns", status_code=303)
