"""A cycle's files with the paying bank, from its page (issue 17): the bank file downloaded (`cycle export-bank`; with
the policy's banks, one zip of every bank's file and the payment order), the bank's returns uploaded (`cycle
returns`, in aidledger's columns or a bank's own layout, csv or xlsx), and 办结 without returns (`cycle settle`),
through the commands' services."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date as Day
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.cycles.service.actions import book_returns as book_service
from aidledger.disbursement.cycles.service.actions import export_bank as export_service
from aidledger.disbursement.cycles.service.actions import settle as settle_service
from aidledger.disbursement.cycles.service.bank_export import cycle_banks
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction, cycle_of
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of
from aidledger.web.uploaded import saved, text_file, text_of

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
    if bank_file.order is not None:
        from aidledger.reports.pdf.payment_order import files_with_order  # ReportLab only when an order is drawn

        data = zipped(files_with_order(bank_file.files, bank_file.order), bank_file.order.approved_on)
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f"attachment; filename=\"bank-{number}-{month}.zip\"; "
                                                        f"filename*=UTF-8''{quote(f'{month}-第{number}号批次-银行代发.zip')}"})
    name = f"bank-{number}-{month}.csv"
    return Response(bank_file.data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''"
                                                    f"{quote(f'{month}-第{number}号批次-银行代发.csv')}"})


def zipped(files: tuple[tuple[str, bytes], ...], day: Day) -> bytes:
    """The files in one zip, each entry dated by the cycle's approval: a download again is the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


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
        banked = bool(cycle_banks(session, cycle_of(session, number))[0])
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        # With the policy's banks the file is in a bank's own layout (its encoding, or a workbook): read as bytes.
        if banked:
            path = saved(returns, Path(name), "银行退票")
            content: str | bytes = path.read_bytes()
        else:
            path = text_file(returns, Path(name), "银行退票")
            content = text_of(path)
        with viewer.acting(), database.write() as session:
            book_service(session, number, content, path.name, day, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{number}#returns", status_code=303)


@routes.post("/cycles/{cycle_id}/settle", roles=("preparer",))
def settle(request: Request, viewer: SignedIn, cycle_id: str, date: Annotated[str, Form(max_length=10)] = ""
           ) -> Response:
    """`cycle settle CYCLE`: 办结 an exported cycle the bank returned nothing of; back to the cycle's page."""
    number = cycle_number(cycle_id)
    day = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
    with viewer.acting(), database.write() as session:
        settle_service(session, number, day, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{number}#returns", status_code=303)
