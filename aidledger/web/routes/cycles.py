"""The payment cycles: the list of the cycles a user may see, and one cycle's page (`cycle show`).

Both read the services the CLI reads (`cycle_list`, `cycle_view`), for the signed-in user: the services limit a
township's clerk to the township's part of the county's cycle and show id numbers and accounts as that user may
see them. A cycle of a county outside the user's scope is a 403; a cycle that does not exist a 404.
"""

from __future__ import annotations

import json
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from aidledger.codes import CycleStatus, Program, values
from aidledger.commands.cycle import ADJUSTMENT_NAMES
from aidledger.disbursement.cycles.service.diff import cycle_diff
from aidledger.disbursement.cycles.service.page import LineFilter, paged_cycle_view
from aidledger.disbursement.cycles.service.show import cycle_list
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction
from aidledger.errors import Refusal
from aidledger.labels import LEFT_REASON_NAMES
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.policy.store import townships_of
from aidledger.users import list_users
from aidledger.web import params
from aidledger.web.access import ALL, Forbidden, Routes, SignedIn
from aidledger.web.pages import render

routes = Routes()
PAGE_SIZE = 50  # lines a page
DIFF_ROWS = 200  # rows of each list of differences a page shows (the CLI and the API give them all)
CYCLE_ID = re.compile(r"^[1-9]\d{0,8}$")
TOWNSHIP = re.compile(r"^\d{9}$")
COUNTY = re.compile(r"^\d{6}$")
RESOLUTION_NAMES = {"reissued": "已重新发放", "cancelled": "已退回资金"}

Text = Annotated[str | None, Query(max_length=64)]


def cycle_number(text: str) -> int:
    """A cycle id from the URL: digits only (at most nine), else a refusal."""
    if not CYCLE_ID.match(text or ""):
        raise Refusal(f"发放批次编号“{text[:64]}”无效：应为正整数")
    return int(text)


def township_filter(text: str | None, county: str, viewer) -> str | None:
    """The township a page or a download is asked for: nine digits, a township of `county`; a township's clerk
    may name only their own (another one is a 403)."""
    if text is None or text == "":
        return None
    if not TOWNSHIP.match(text) or not text.startswith(county):
        raise Refusal(f"乡镇代码“{text}”无效：应为本县（{county}）的 9 位乡镇代码")
    if viewer.township is not None and text != viewer.township:
        raise Forbidden(f"乡镇 {text} 不在您的工作范围（{viewer.scope}）之内")
    return text


def visible_county(session, viewer, cycle_id: int) -> str | None:
    """The county of a cycle the viewer may open (None: there is no such cycle); a 403 outside the viewer's scope."""
    try:
        county = cycle_jurisdiction(session, cycle_id)
    except Refusal:
        return None
    viewer.require_within(county, f"发放批次 {cycle_id}")
    return county


def not_found(request: Request, viewer, cycle_id: int) -> Response:
    return render(request, "error.html", viewer=viewer, status=404, title="发放批次不存在",
                  messages=[f"没有编号为 {cycle_id} 的发放批次。"])


def display_names(session) -> dict[str, str]:
    """user name → the name pages show (李明)."""
    return {user.name: user.display_name for user in list_users(session)}


def county_names(session, codes) -> dict[str, str]:
    return {code: require_jurisdiction(session, code).name for code in set(codes)}


@routes.get("/cycles", roles=ALL)
def cycles(request: Request, viewer: SignedIn, jurisdiction: Text = None, status: Text = None) -> Response:
    """The cycles of the counties the user's scope holds or lies inside, newest month first."""
    if jurisdiction:
        if not COUNTY.match(jurisdiction):
            raise Refusal(f"县级区划代码“{jurisdiction}”无效：应为 6 位数字")
        viewer.require_within(jurisdiction, f"辖区 {jurisdiction}")
    if status and status not in values(CycleStatus):
        raise Refusal(f"批次状态“{status}”无效")
    with request.app.state.database.read() as session:
        listing = cycle_list(session, reader=viewer.name, jurisdiction=jurisdiction or None, status=status or None)
        names = display_names(session)
        counties = county_names(session, [c.jurisdiction for c in listing.cycles])
        township_name = townships_of(session, viewer.township[:6]).get(viewer.township, "") if listing.township \
            else ""
    return render(request, "cycles.html", viewer=viewer, listing=listing, names=names, counties=counties,
                  township_name=township_name, jurisdiction=jurisdiction or "", wanted_status=status or "",
                  statuses=values(CycleStatus))


@routes.get("/cycles/{cycle_id}", roles=ALL)
def cycle_page(request: Request, viewer: SignedIn, cycle_id: str, township: Text = None, program: Text = None,
               q: Text = None, page: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    """`cycle show CYCLE`: status, totals per township and programme, the lines (filtered, 50 a page), the held
    households, the bank's returns, the recomputed months and the sign-offs."""
    number = cycle_number(cycle_id)
    wanted_page = params.page(page)
    if program and program not in values(Program):
        raise Refusal(f"救助项目“{program}”无效")
    search = (q or "").strip()
    with request.app.state.database.read() as session:
        county = visible_county(session, viewer, number)
        if county is None:
            return not_found(request, viewer, number)
        wanted = LineFilter(township_filter(township, county, viewer), program or None, search)
        found = paged_cycle_view(session, number, reader=viewer.name, wanted=wanted, page=wanted_page,
                           size=PAGE_SIZE, as_json=True)
        names = display_names(session)
        county_name = require_jurisdiction(session, county).name
        township_names = townships_of(session, county)
    view = found.view
    filters = {k: v for k, v in (("township", wanted.township), ("program", program), ("q", search)) if v}

    def page_url(n: int) -> str:
        return f"/cycles/{number}?" + urlencode({**filters, "page": n})

    return render(
        request, "cycle.html", viewer=viewer, view=view, county_name=county_name, township_names=township_names,
        names=names, scoped=getattr(view, "township", None), lines=view.lines,
        matching=found.matching, first=found.first, page=found.page, pages=found.pages,
        prev_url=page_url(found.page - 1) if found.page > 1 else None,
        next_url=page_url(found.page + 1) if found.page < found.pages else None,
        township=wanted.township or "", program=program or "", q=search, filtered=bool(filters),
        adjustment_names=ADJUSTMENT_NAMES, resolution_names=RESOLUTION_NAMES, inputs=json.loads(view.inputs),
        register_url=f"/downloads/register/{number}.pdf"
        + (f"?township={view.township}" if getattr(view, "township", None) else ""))


@routes.get("/cycles/{cycle_id}/diff", roles=ALL)
def cycle_differences(request: Request, viewer: SignedIn, cycle_id: str) -> Response:
    """`cycle diff CYCLE`: what changed since the county's previous cycle, reconciled; read before signing."""
    number = cycle_number(cycle_id)
    with request.app.state.database.read() as session:
        county = visible_county(session, viewer, number)
        if county is None:
            return not_found(request, viewer, number)
        found = cycle_diff(session, number, reader=viewer.name)
        county_name = require_jurisdiction(session, county).name
        township_names = townships_of(session, county)
    return render(request, "diff.html", viewer=viewer, found=found, d=found.differences,
                  r=found.differences.reconciliation, county_name=county_name, township_names=township_names,
                  reasons=LEFT_REASON_NAMES, shown_rows=DIFF_ROWS)
