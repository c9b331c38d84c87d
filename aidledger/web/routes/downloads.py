"""Downloads: a cycle's payment register (发放花名册) as PDF, the county's or one township's, the county's summary
(汇总表), a county's monthly statistics (民政统计月报, PDF or CSV), and a jurisdiction's audit pack as of a day, drawn
by the services `report register`, `report monthly` and `report audit` use.

No route takes a file path: a PDF is drawn into a temporary directory of the server's own and answered as an
attachment. A township's clerk downloads their township's register only; the monthly statistics are the county's,
for every role whose scope holds the whole county (as its summary); the audit pack is for admins, approvers and
auditors whose scope holds the whole jurisdiction.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aidledger.auth.scope import level_of, within
from aidledger.disbursement.cycles.service.show import cycle_list
from aidledger.errors import Refusal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.policy.store import townships_of
from aidledger.reports.service.monthly import POSTED, monthly_report
from aidledger.web import params
from aidledger.web.access import ALL, Forbidden, Routes, SignedIn, Viewer, now_of
from aidledger.web.pages import render

from .cycles import cycle_number, not_found, township_filter, visible_county

if TYPE_CHECKING:
    from aidledger.reports.monthly_data import MonthlyReport
    from aidledger.reports.register_data import RegisterData

routes = Routes()
AUDIT_ROLES = ("admin", "approver", "auditor")
JURISDICTION = re.compile(r"^\d{6}$")
MONTH = re.compile(r"^\d{4}-\d{2}$")

Code = Annotated[str | None, Query(max_length=32)]


def pdf(content: bytes, ascii_name: str, name: str) -> Response:
    """A PDF as an attachment: an ASCII file name for every browser, the Chinese one for those that read RFC 6266's
    filename*."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": disposition})


def drawn(draw) -> bytes:
    """The bytes `draw(path)` writes into a fresh temporary directory (removed after)."""
    with tempfile.TemporaryDirectory(prefix="aidledger-download-") as folder:
        path = Path(folder) / "report.pdf"
        draw(path)
        return path.read_bytes()


@routes.get("/downloads", roles=ALL)
def downloads(request: Request, viewer: SignedIn) -> Response:
    """What the user may download: per cycle the register (the county's, each township's), and the audit pack."""
    with request.app.state.database.read() as session:
        listing = cycle_list(session, reader=viewer.name)
        counties = sorted({c.jurisdiction for c in listing.cycles})
        names = {code: require_jurisdiction(session, code).name for code in counties}
        townships = {code: townships_of(session, code) for code in counties}
    if viewer.township is not None:
        townships = {code: {t: n for t, n in found.items() if t == viewer.township}
                     for code, found in townships.items()}
    audit_choices = []
    if viewer.role in AUDIT_ROLES:
        if viewer.scope is not None and level_of(viewer.scope) != "county":
            audit_choices.append(viewer.scope)
        audit_choices += [code for code in counties if within(viewer.scope, code) and code not in audit_choices]
    # The months a posted cycle paid, newest first, of the counties the viewer's scope holds whole (not a clerk's).
    statistics = sorted({(c.jurisdiction, c.month) for c in listing.cycles
                         if c.status in POSTED and within(viewer.scope, c.jurisdiction)},
                        key=lambda found: (found[1], found[0]), reverse=True)
    return render(request, "downloads.html", viewer=viewer, listing=listing, names=names, townships=townships,
                  statistics=statistics, audit_choices=audit_choices, may_audit=viewer.role in AUDIT_ROLES,
                  large=request.app.state.thresholds.register_households,
                  today=now_of(request).date().isoformat())


@routes.get("/downloads/register/{cycle_id}.pdf", roles=ALL)
def register(request: Request, viewer: SignedIn, cycle_id: str, township: Code = None) -> Response:
    """`report register CYCLE`: the county's register, or (`township`) one township's; a township's clerk gets
    their township's whether they name it or not. Drawn inside the request (the page offers a background job for a
    large cycle, report_jobs.py)."""
    from aidledger.reports.pdf.register import write_register

    number = cycle_number(cycle_id)
    with request.app.state.database.read() as session:
        found = register_of(session, viewer, number, township)
    if found is None:
        return not_found(request, viewer, number)
    data, wanted = found
    content = drawn(lambda path: write_register(data, path))
    return pdf(content, *register_names(data, number, wanted))


@routes.get("/downloads/summary/{cycle_id}.pdf", roles=ALL)
def summary(request: Request, viewer: SignedIn, cycle_id: str) -> Response:
    """`report register CYCLE --summary`: the county's summary (汇总表) by township and programme; the county signs
    it, so a township's clerk is refused (their township's register is theirs)."""
    from aidledger.reports.pdf.summary import summary_title, write_summary
    from aidledger.reports.service.register import summary_data

    number = cycle_number(cycle_id)
    with request.app.state.database.read() as session:
        if visible_county(session, viewer, number) is None:
            return not_found(request, viewer, number)
        data = summary_data(session, number, reader=viewer.name)
    content = drawn(lambda path: write_summary(data, path))
    return pdf(content, f"summary-{number}-{data.header.month}.pdf", f"{summary_title(data)}.pdf")


@routes.get("/downloads/monthly/{jurisdiction}/{month}.pdf", roles=ALL)
def monthly_pdf(request: Request, viewer: SignedIn, jurisdiction: str, month: str) -> Response:
    """`report monthly --jurisdiction CODE --month YYYY-MM`: the county's statistics of the month, as PDF."""
    from aidledger.reports.pdf.monthly import write_monthly

    report = monthly_of(request, viewer, jurisdiction, month)
    content = drawn(lambda path: write_monthly(report, path))
    return pdf(content, f"monthly-{jurisdiction}-{month}.pdf", f"{report.title}.pdf")


@routes.get("/downloads/monthly/{jurisdiction}/{month}.csv", roles=ALL)
def monthly_csv(request: Request, viewer: SignedIn, jurisdiction: str, month: str) -> Response:
    """The same figures as CSV (UTF-8 with a BOM, for Excel on a Chinese Windows; monthly_csv.py)."""
    from aidledger.reports.monthly_csv import ENCODING, csv_text

    report = monthly_of(request, viewer, jurisdiction, month)
    name = f"monthly-{jurisdiction}-{month}.csv"
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(report.title + '.csv')}"
    return Response(csv_text(report).encode(ENCODING), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})


def monthly_of(request: Request, viewer: Viewer, jurisdiction: str, month: str) -> MonthlyReport:
    """The monthly report asked for, or a refusal: a code or month not so written (422), a county the viewer's
    scope does not hold whole (403: a township's clerk has their township's register, not the county's
    statistics), a month with no posted cycle (422, the service's)."""
    if not JURISDICTION.match(jurisdiction) or level_of(jurisdiction) != "county":
        raise Refusal(f"县级行政区划代码“{jurisdiction[:16]}”无效：统计月报按县编制，应为 6 位县级代码")
    if not MONTH.match(month):
        raise Refusal(f"统计月份“{month[:16]}”无效：应写作 YYYY-MM，如 2022-02")
    if not within(viewer.scope, jurisdiction):
        raise Forbidden(f"县 {jurisdiction} 不全在您的工作范围（{viewer.scope}）之内：统计月报为全县汇总，"
                        "需整个县的权限")
    with request.app.state.database.read() as session:
        return monthly_report(session, jurisdiction, month, reader=viewer.name)


def register_of(session: Session, viewer: Viewer, number: int,
                township: str | None) -> tuple[RegisterData, str | None] | None:
    """The register the viewer asks for and its township (None: there is no such cycle): a township's clerk's is
    their township's."""
    from aidledger.reports.service.register import register_data

    county = visible_county(session, viewer, number)
    if county is None:
        return None
    wanted = township_filter(township, county, viewer) or viewer.township
    return register_data(session, number, reader=viewer.name, township=wanted), wanted


def register_names(data: RegisterData, number: int, township: str | None) -> tuple[str, str]:
    """The register's file names: ASCII, and as the user reads it."""
    part = f"-{township}" if township else ""
    return f"register-{number}-{data.header.month}{part}.pdf", f"{data.title}{part}.pdf"


@routes.get("/downloads/audit.pdf", roles=AUDIT_ROLES)
def audit(request: Request, viewer: SignedIn, jurisdiction: Code = None,
          as_of: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    """`report audit --jurisdiction CODE --year YYYY --as-of DAY`: the year of `as_of` (default today), as of it.
    Drawn inside the request; the downloads page asks for it as a background job (report_jobs.py)."""
    from aidledger.reports.pdf.audit import write_audit
    from aidledger.reports.service.audit import audit_pack

    code, day = audit_asked(viewer, jurisdiction, as_of, now_of(request).date())
    with request.app.state.database.read() as session:
        pack = audit_pack(session, code, day.year, day)
    content = drawn(lambda path: write_audit(pack, path))
    return pdf(content, *audit_names(pack.title, code, day))


def audit_asked(viewer: Viewer, jurisdiction: str | None, as_of: str | None, today: date) -> tuple[str, date]:
    """The jurisdiction and day of an audit pack asked for, or a refusal (a 403 outside the viewer's scope)."""
    if not jurisdiction or not JURISDICTION.match(jurisdiction) or level_of(jurisdiction) is None:
        raise Refusal(f"辖区代码“{jurisdiction or ''}”无效：应为 6 位行政区划代码（省、市或县）")
    if not within(viewer.scope, jurisdiction):
        raise Forbidden(f"辖区 {jurisdiction} 不全在您的工作范围（{viewer.scope}）之内：审计材料需整个辖区的权限")
    return jurisdiction, params.day(as_of, today)


def audit_names(title: str, jurisdiction: str, day: date) -> tuple[str, str]:
    return f"audit-{jurisdiction}-{day.isoformat()}.pdf", f"{title}.pdf"
