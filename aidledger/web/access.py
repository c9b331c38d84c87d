"""Who is asking, and whether they may: the signed-in user of every request, the rule of every route, CSRF.

Every route is declared through `Routes` with the roles that may use it; a test enumerates the application's
routes and fails on one without a rule (tests/web/test_access.py). A page asked for while signed out redirects to
the sign-in page; an API call answers 401. A role without the right gets 403 on both. Form posts carry the
session's CSRF token (a field `csrf`); API calls made with the browser's session carry it in `X-CSRF-Token`;
calls with a bearer token need none (no browser sends one on its own).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from aidledger.acting import ACTING, Acting
from aidledger.auth import service as auth
from aidledger.auth.scope import contains, township_of, within
from aidledger.users import PERSONAL_DATA_ROLES, Standing

SESSION_COOKIE = "aidledger_session"
SIGNIN_COOKIE = "aidledger_signin"  # the sign-in form's CSRF token, before there is a session (double submit)
ALL = ("admin", "preparer", "approver", "auditor")
PUBLIC: tuple[str, ...] = ()  # the sign-in page, the static files


class NotSignedIn(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]  # empty: public

    @property
    def public(self) -> bool:
        return not self.roles


RULES: dict[tuple[str, str], Rule] = {}  # (method, path) → rule, for every route the application has


@dataclass
class Viewer:
    """The signed-in user of one request."""

    user: Standing
    channel: str  # web (a page) or api
    csrf: str | None  # the session's token; None for a bearer token
    session_id: str | None

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def scope(self) -> str | None:
        return self.user.scope

    @property
    def township(self) -> str | None:
        """The township a township clerk is limited to (their lists show only it), else None."""
        return township_of(self.user.scope)

    @property
    def sees_personal_data(self) -> bool:
        return self.user.role in PERSONAL_DATA_ROLES

    def may_see(self, code: str | None) -> bool:
        """Whether `code` (a household's township, a cycle's county) is inside this viewer's scope, wholly or (a
        county holding the viewer's township) in part."""
        return within(self.scope, code) or contains(code, self.scope)

    def require_within(self, code: str | None, what: str) -> None:
        if not self.may_see(code):
            raise Forbidden(f"{what} 不在您的工作范围（{self.scope}）之内")

    @contextmanager
    def acting(self) -> Iterator[None]:
        """Writes made inside record this user and channel (db.py, `writes`)."""
        token = ACTING.set(Acting(self.user.name, self.channel))
        try:
            yield
        finally:
            ACTING.reset(token)


def now_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current(request: Request) -> Viewer:
    """The signed-in user of this request (once per request), or NotSignedIn."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    database = request.app.state.database
    api = request.url.path.startswith("/api/")
    now = now_of(request)
    token = _bearer(request) if api else None
    viewer: Viewer | None = None
    with database.read() as session:
        if token is not None:
            user = auth.user_of_token(session, token)
            viewer = Viewer(user, "api", None, None) if user is not None else None
            live = None
        else:
            live = auth.live_session(session, request.cookies.get(SESSION_COOKIE), now)
            if live is not None:
                viewer = Viewer(live.user, "api" if api else "web", live.csrf,
                                request.cookies.get(SESSION_COOKIE))
    if viewer is None:
        raise NotSignedIn()
    if live is not None and live.needs_touch:
        auth.touch_quietly(database.engine, live.id_hash, now)
    request.state.viewer = viewer
    return viewer


SignedIn = Annotated[Viewer, Depends(current)]


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def _form_token(request: Request) -> str | None:
    if request.headers.get("x-csrf-token"):
        return request.headers["x-csrf-token"]
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded") or kind.startswith("multipart/form-data"):
        form = await request.form()
        value = form.get("csrf")
        return value if isinstance(value, str) else None
    return None


def _checker(rule: Rule) -> Callable[..., Any]:
    async def check(request: Request) -> None:
        # The viewer is resolved here (a sync read in the thread pool) so that the rule holds before the route runs.
        from starlette.concurrency import run_in_threadpool

        viewer = await run_in_threadpool(current, request)
        if viewer.role not in rule.roles:
            raise Forbidden(f"您的角色（{viewer.role}）不能使用此功能；需要：{'、'.join(rule.roles)}")
        if request.method not in ("GET", "HEAD") and viewer.csrf is not None:
            if not _same(await _form_token(request), viewer.csrf):
                raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    return check


async def signin_csrf_ok(request: Request) -> bool:
    return _same(await _form_token(request), request.cookies.get(SIGNIN_COOKIE))


class Routes:
    """An APIRouter whose every route states who may use it."""

    def __init__(self) -> None:
        self.router = APIRouter()

    def route(self, method: str, path: str, *, roles: tuple[str, ...], **options: Any):
        rule = Rule(tuple(roles))

        def register(func):
            RULES[(method, path)] = rule
            dependencies = [] if rule.public else [Depends(_checker(rule))]
            self.router.add_api_route(path, func, methods=[method], dependencies=dependencies, **options)
            return func
        return register

    def get(self, path: str, *, roles: tuple[str, ...], **options: Any):
        return self.route("GET", path, roles=roles, **options)

    def post(self, path: str, *, roles: tuple[str, ...], **options: Any):
        return self.route("POST", path, roles=roles, **options)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
