"""Rendering a page: the Jinja2 templates (autoescaped), the language, the viewer, the labels of the domain's codes.

Templates receive the views the services return (never a database object) and the helpers below: `_` (gettext),
`money` (amounts to the fen, with thousands separators), `label` (a code's Chinese word, labels.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from aidledger import labels
from aidledger.auth.scope import LEVELS, level_of

from .i18n import LANG_COOKIE, LANGUAGES, choose, translations

ROLE_NAMES = {"admin": "系统管理员", "preparer": "经办人", "approver": "审核审批人", "auditor": "审计人员"}


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{amount:,.2f}"


def label(kind: str, code: Any) -> str:
    """The reader's word for a code (a programme, a fund, a component…); the code itself only if none is known."""
    table = {
        "program": labels.PROGRAM_NAMES, "component": labels.COMPONENT_NAMES, "area": labels.AREA_NAMES,
        "status": labels.CYCLE_STATUS_NAMES, "event": labels.EVENT_NAMES, "fund": labels.FUND_NAMES,
        "role": ROLE_NAMES, "addon": labels.ADDON_NAMES, "match_kind": labels.MATCH_KIND_NAMES,
        "match_status": labels.MATCH_STATUS_NAMES,
    }.get(kind, {})
    return table.get(str(code), str(code)) if code is not None else ""


def scope_name(scope: str | None) -> str:
    if scope is None:
        return "全部辖区"
    return f"{scope}（{LEVELS.get(level_of(scope) or '', '')}）"


# China keeps one time all year (UTC+8, no summer time): the books store UTC, the pages show the county's clock.
BEIJING = timezone(timedelta(hours=8), "北京时间")


def beijing(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as a county office reads it (a time the database gave back without its zone is UTC)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(BEIJING).strftime(fmt)


@lru_cache(maxsize=None)
def environment(language: str) -> Environment:
    folder = str(resources.files("aidledger.web") / "templates")
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["beijing"] = beijing
    env.globals.update(money=money, label=label, scope_name=scope_name, LANGUAGES=LANGUAGES, ROLE_NAMES=ROLE_NAMES)
    return env


def language_of(request: Request) -> str:
    return choose(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def render(request: Request, template: str, *, status: int = 200, viewer: Any = None, **context: Any) -> HTMLResponse:
    language = language_of(request)
    page = environment(language).get_template(template)
    if viewer is None:
        viewer = getattr(request.state, "viewer", None)
    html = page.render(request=request, viewer=viewer, language=language, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, httponly=True, samesite="lax")
    return response
