"""The registry's pages: the county's households (`registry list`) and one household's page (`registry show`,
`registry history` and, month by month, `explain`).

Both read the services the CLI reads, for the signed-in user: the services limit a township's clerk to the
households registered in the township and show id numbers, accounts and birth dates as that user may see them
(in full for admins, preparers and approvers; masked, birth dates to the year, for auditors). A household outside
the user's scope is a 403 before anything of it is read; one that does not exist a 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from aidledger.auth.scope import level_of
from aidledger.codes import Program, values
from aidledger.disbursement.entitlement.service import explain_months, explain_view
from aidledger.disbursement.entitlement.views import ExplainView
from aidledger.disbursement.registry import service as registry
from aidledger.errors import Refusal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.masking import mask
from aidledger.policy.store import townships_of
from aidledger.users import list_users
from aidledger.web import params
from aidledger.web.access import ALL, Forbidden, Routes, SignedIn, now_of
from aidledger.web.pages import render
from aidledger.web.words import event_details, event_value, word

routes = Routes()
PAGE_SIZE = 50  # households a page
EXPLAINED_MONTHS = 12  # months a household's page explains, newest first
COUNTY = re.compile(r"^\d{6}$")
ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
TOWNSHIP = re.compile(r"^\d{9}$")

Text = Annotated[str | None, Query(max_length=64)]
Day = Annotated[str | None, Query(max_length=10)]
Search = Annotated[str | None, Query(max_length=100)]

def default_county(viewer, counties: tuple[tuple[str, str], ...]) -> str | None:
    """The viewer's county when the scope is a county or a township, else the first county with households."""
    scope = viewer.scope
    if scope is not None and level_of(scope) in ("county", "township"):
        return scope[:6]
    return counties[0][0] if counties else None


def township_filter(text: str | None, county: str, viewer) -> str | None:
    """The township the list is asked for: a township of `county`; a township's clerk may name only their own."""
    if text is None or text == "":
        return None
    if not TOWNSHIP.match(text) or not text.startswith(county):
        raise Refusal(f"乡镇代码“{text}”无效：应为本县（{county}）的 9 位乡镇代码")
    if viewer.township is not None and text != viewer.township:
        raise Forbidden(f"乡镇 {text} 不在您的工作范围（{viewer.scope}）之内")
    return text


@routes.get("/registry", roles=ALL)
def registry_list(request: Request, viewer: SignedIn, jurisdiction: Text = None, on: Day = None, q: Search = None,
                  township: Text = None, program: Text = None, status: Text = None,
                  page: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    """`registry list`: the county's households as of a day, searched by name, household id or id number."""
    day = params.day(on, now_of(request).date())
    wanted_page = params.page(page)
    if program and program not in values(Program):
        raise Refusal(f"救助类别“{program}”无效")
    if status and status not in registry.LIST_STATUSES:
        raise Refusal(f"状态“{status}”无效")
    if jurisdiction:
        if not COUNTY.match(jurisdiction):
            raise Refusal(f"县级区划代码“{jurisdiction}”无效：应为 6 位数字")
        viewer.require_within(jurisdiction, f"辖区 {jurisdiction}")
    search = (q or "").strip()
    with request.app.state.database.read() as session:
        counties = registry.registry_counties(session, reader=viewer.name)
        county = jurisdiction or default_county(viewer, counties)
        names = dict(counties)
        wanted_township = township_filter(township, county, viewer) if county else None
        found = None
        if county in names:
            found = registry.household_list(session, county, day, reader=viewer.name, as_json=True,
                                            township=wanted_township, program=program or None,
                                            status=status or None, search=search or None)
        township_names = townships_of(session, county) if county in names else {}
    households = found.households if found is not None else ()
    pages = max(1, -(-len(households) // PAGE_SIZE))
    if wanted_page > pages:
        raise Refusal(f"第 {wanted_page} 页不存在：共 {pages} 页")
    start = (wanted_page - 1) * PAGE_SIZE
    filters = {k: v for k, v in (("jurisdiction", jurisdiction), ("on", on), ("q", search),
                                 ("township", wanted_township), ("program", program), ("status", status)) if v}

    def page_url(n: int) -> str:
        return "/registry?" + urlencode({**filters, "page": n})

    # An auditor who searched by a full id number sees it masked, as every number on the page is.
    hidden = bool(ID_NUMBER.match(search)) and not viewer.sees_personal_data
    choosable = {code: name for code, name in township_names.items()
                 if viewer.township is None or code == viewer.township}
    return render(
        request, "registry.html", viewer=viewer, county=county or "", county_name=names.get(county or "", ""),
        counties=counties, day=day, found=found, households=households[start:start + PAGE_SIZE],
        matching=len(households), first=start + 1, page=wanted_page, pages=pages,
        prev_url=page_url(wanted_page - 1) if wanted_page > 1 else None,
        next_url=page_url(wanted_page + 1) if wanted_page < pages else None,
        township_names=township_names, choosable=sorted(choosable.items()), township=wanted_township or "",
        program=program or "", wanted_status=status or "", q="" if hidden else search,
        masked_search=mask(search) if hidden else "", on=on or "", programs=values(Program),
        statuses=registry.LIST_STATUSES, word=word, scoped=viewer.township,
        household_query=urlencode({"on": on}) if on else "")


@routes.get("/registry/{household_id}", roles=ALL)
def household_page(request: Request, viewer: SignedIn, household_id: str, on: Day = None,
                   month: Annotated[str | None, Query(max_length=7)] = None,
                   recorded: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    """A household as of a day (`registry show`), its history (`registry history`) and its amount month by month
    with the rules of every part (`explain`), for at most the twelve latest months up to the day's."""
    if len(household_id) > 64:  # the longest id the registry holds
        return not_found(request, viewer, household_id[:64] + "…")
    day = params.day(on, now_of(request).date())
    wanted = params.month(month)
    with request.app.state.database.read() as session:
        try:
            township = registry.household_township(session, household_id)
        except Refusal:
            return not_found(request, viewer, household_id)
        viewer.require_within(township, f"户 {household_id}")
        view = registry.household_view(session, household_id, day, reader=viewer.name, as_json=True)
        history = registry.household_history(session, household_id, reader=viewer.name, as_json=True)
        months = explain_months(session, household_id, f"{day.year:04d}-{day.month:02d}", reader=viewer.name)
        if wanted is not None and wanted not in months:
            if months:
                raise Refusal(f"月份 {wanted} 不在本户可说明的月份（{months[-1]} 至 {months[0]}）之内")
            raise Refusal(f"本户截至 {day.isoformat()} 尚无可说明的月份")
        shown = months[:EXPLAINED_MONTHS]
        explained = [explained_month(session, household_id, m, viewer) for m in shown]
        selected = wanted or (shown[0] if shown else None)
        expanded = next((e for e in explained if e.month == selected), None)
        if selected is not None and expanded is None:
            expanded = explained_month(session, household_id, selected, viewer)
        county_name = require_jurisdiction(session, view.county).name
        people = {user.name: user.display_name for user in list_users(session)}
    return render(
        request, "household.html", viewer=viewer, h=view, history=history, explained=explained,
        expanded=expanded, selected=selected, county_name=county_name, people=people, word=word,
        event_value=event_value, event_details=event_details, on=on or "", recorded=recorded,
        today=now_of(request).date(),
        month_url=lambda m: f"/registry/{household_id}?" + urlencode({**({"on": on} if on else {}), "month": m}))


@dataclass(frozen=True)
class Month:
    """One month of a household's page: `explain`'s answer, or why the rules give none (a refusal's words)."""

    month: str
    view: ExplainView | None
    refused: tuple[str, ...] = ()


def explained_month(session, household_id: str, month: str, viewer) -> Month:
    try:
        return Month(month, explain_view(session, household_id, month, reader=viewer.name, as_json=True))
    except Refusal as refusal:  # a month the policy does not cover: said on its row, the other months shown
        return Month(month, None, tuple(refusal.messages))


def not_found(request: Request, viewer, household_id: str) -> Response:
    return render(request, "error.html", viewer=viewer, status=404, title="救助对象不存在",
                  messages=[f"救助对象名册中没有户编号为“{household_id}”的户。"])
