"""What the preparer's and the planner's forms read (planning.py, planning_reserves.py, grants.py): amounts in
yuan as the command line reads them, township codes, record numbers, the scope a county's work needs, and the mark
that stores a double post once.

A double post (a double click, a resent form) is stored once. The services take no idempotency key, so every form
that would record something twice carries `mark`: the books' last entry number (or the last grant's) when the
page was drawn. Under the books' lock, before calling the service, the route looks for what this form would record,
recorded by the same user after the mark; when it is there, the post is a repeat and nothing is stored again.
A new page is a new mark, so the same allocation entered again on purpose is stored again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from aidledger.auth.scope import LEVELS, level_of, within
from aidledger.errors import Refusal
from aidledger.ledger.money import MoneyError, parse_amount
from aidledger.ledger.tables import JournalEntry, JournalLine, LedgerHead
from aidledger.web.access import Forbidden, Viewer

Field = Annotated[str, Form(max_length=200)]
Amount = Annotated[str, Form(max_length=40)]
Short = Annotated[str, Form(max_length=12)]


def read_amount(text: str, what: str) -> Decimal:
    """A yuan amount as the command line reads it (whole fen, a plain decimal numeral), never a float."""
    if not text.strip():
        raise Refusal(f"请填写{what}")
    try:
        return parse_amount(text)
    except MoneyError:
        raise Refusal(f"{what}“{text[:30]}”无效：应为以元为单位的数字，最多两位小数，不用千位分隔符"
                      "（如 1242.00）") from None


def read_township(text: str) -> str:
    code = text.strip()
    if level_of(code) != "township":
        raise Refusal(f"乡镇代码“{code[:20]}”不对：应为 9 位数字的乡镇（街道）区划代码")
    return code


def required(text: str, what: str) -> str:
    if not text.strip():
        raise Refusal(f"请填写{what}")
    return text.strip()


def read_number(text: str, what: str) -> int:
    """A record's number (a case, a grant): digits only, at most nine."""
    if not text:
        raise Refusal(f"请填写{what}")
    if not text.isdigit() or len(text) > 9 or int(text) == 0:
        raise Refusal(f"{what}“{text[:20]}”无效：应为正整数")
    return int(text)


def require_whole(viewer: Viewer, code: str, what: str) -> None:
    """The county's (city's, province's) work: the viewer's scope must hold all of `code` (users.require_whole)."""
    if not within(viewer.scope, code):
        raise Forbidden(f"{what}是{LEVELS.get(level_of(code) or '', '')} {code} 的工作，不在您的工作范围"
                        f"（{viewer.scope}）之内")


def mark_of(text: str) -> int:
    """The form's mark (see the module's docstring): the entry or grant number its page was drawn after."""
    if not text.isdigit() or len(text) > 18:
        raise Refusal("表单缺少防重复提交的标记（或已损坏）：请刷新页面后重新填写")
    return int(text)


def books_mark(session) -> int:
    head = session.get(LedgerHead, 1)
    return head.seq if head is not None else 0


def entry_after(session, mark: int, user: str, kind: str, jurisdiction: str, on: date, reference: str, *,
                total: Decimal | None = None, fund: str | None = None, description_end: str = "") -> int | None:
    """An entry of `kind` the user posted after `mark` that says what the form says (a repeat), or None."""
    found = session.scalars(select(JournalEntry).where(
        JournalEntry.seq > mark, JournalEntry.kind == kind, JournalEntry.jurisdiction_code == jurisdiction,
        JournalEntry.user_name == user, JournalEntry.date == on, JournalEntry.reference == reference)
        .order_by(JournalEntry.seq))
    for entry in found:
        debits = [line for line in session.scalars(select(JournalLine).where(JournalLine.entry_seq == entry.seq))
                  if line.debit > 0]
        if total is not None and sum((line.debit for line in debits), Decimal("0")) != total:
            continue
        if fund is not None and {line.fund_code for line in debits} != {fund}:
            continue
        if description_end and not entry.description.endswith(description_end):
            continue
        return entry.seq
    return None


def back(path: str, anchor: str = "", **query: object) -> RedirectResponse:
    shown = urlencode({k: v for k, v in query.items() if v is not None})
    return RedirectResponse(f"{path}?{shown}{'#' + anchor if anchor else ''}", status_code=303)


def outcome(request: Request) -> dict[str, str]:
    """What the last post did, as its redirect said (recorded=stored|unchanged, and the number stored)."""
    return {k: request.query_params.get(k, "")[:20] for k in ("recorded", "entry", "case", "grant")}
