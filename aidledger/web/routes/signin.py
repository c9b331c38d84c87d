"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from aidledger.auth import service as auth
from aidledger.auth.hashing import new_secret
from aidledger.web.access import ALL, PUBLIC, SESSION_COOKIE, SIGNIN_COOKIE, Routes, SignedIn, now_of, signin_csrf_ok
from aidledger.web.pages import render

routes = Routes()


def _secure(request: Request) -> bool:
    """Cookies are Secure when the page is served over https (directly, or behind a proxy that says so and that
    uvicorn trusts: --proxy-headers, docs/web.md)."""
    return request.url.scheme == "https"


def _local(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never //elsewhere or https://elsewhere)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form(request: Request, *, status: int = 200, message: str | None = None, user: str = "") -> Response:
    token = new_secret()
    response = render(request, "signin.html", status=status, csrf=token, message=message, user_name=user,
                      next=_local(request.query_params.get("next")))
    response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path="/signin")
    return response


@routes.get("/signin", roles=PUBLIC)
def signin_page(request: Request) -> Response:
    return _form(request)


@routes.post("/signin", roles=PUBLIC)
async def signin(request: Request, user: Annotated[str, Form(max_length=200)] = "",
                 password: Annotated[str, Form(max_length=1000)] = "",
                 next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    if not await signin_csrf_ok(request):
        return _form(request, status=403, message="表单已过期（CSRF 校验失败），请重新登录", user=user)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_sign_in, request, user, password, next)


def _sign_in(request: Request, user: str, password: str, target: str) -> Response:
    database, now = request.app.state.database, now_of(request)
    with database.write() as session:  # the attempt is recorded whatever its outcome
        attempt = auth.check_password(session, user, password, channel="web", now=now)
        opened = auth.open_session(session, attempt.user.name, now) if attempt.user is not None else None
    if attempt.wait_seconds:
        return _form(request, status=429, user=user,
                     message=f"登录失败次数过多，请在 {attempt.wait_seconds} 秒后再试")
    if opened is None:
        return _form(request, status=401, message="用户名或密码错误，或该用户已停用", user=user)
    response = RedirectResponse(_local(target), status_code=303)
    response.set_cookie(SESSION_COOKIE, opened.session_id, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=int(auth.LONGEST.total_seconds()))
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


@routes.post("/signout", roles=ALL)
def signout(request: Request, viewer: SignedIn) -> Response:
    with request.app.state.database.write() as session:
        auth.end_session(session, viewer.session_id, now_of(request))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
