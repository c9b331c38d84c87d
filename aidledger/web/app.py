"""The application: one per database, created by `aidledger serve` (or a test, or a worker process of a
production server: `uvicorn --factory aidledger.web.app:from_environment`, docs/web.md).

It refuses a book that does not authenticate (`db upgrade --no-auth`): a local single-user book has no users to
sign in. Refusals become 422 (a page in Chinese, or `{"errors": […]}`), a missing sign-in a redirect or 401, a
missing right 403. Anything else is a defect: 500, logged, and a page that says so without a traceback.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from aidledger import db as dbmod
from aidledger.auth import service as auth
from aidledger.errors import Refusal
from aidledger.jobs.service import fail_interrupted
from aidledger.jobs.workers import JobRunner

from .access import RULES, Forbidden, NotSignedIn, utc_now
from .pages import render
from .thresholds import Thresholds

log = logging.getLogger("aidledger.web")
API = "/api/"


def create_app(url: str, *, clock: Callable[[], datetime] = utc_now, thresholds: Thresholds | None = None) -> FastAPI:
    database = dbmod.Database(url)
    _check_book(database)
    _start_jobs(database, clock)
    app = FastAPI(title="aidledger", version="1", openapi_url=None, docs_url=None, redoc_url=None,
                  description="社会救助资金账簿与发放：JSON API（与命令行 --json 的结构相同）")
    app.state.database = database
    app.state.clock = clock
    app.state.jobs = JobRunner(database, clock)
    app.state.thresholds = thresholds or Thresholds()
    app.mount("/static", StaticFiles(directory=str(resources.files("aidledger.web") / "static")), name="static")
    RULES[("GET", "/static")] = RULES.get(("GET", "/static")) or _public()
    from .routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    _handlers(app)
    _headers(app)
    return app


def _public():
    from .access import Rule

    return Rule(())


def from_environment() -> FastAPI:
    """For a production server's workers: the database from AIDLEDGER_DB."""
    return create_app(os.environ.get("AIDLEDGER_DB", dbmod.DEFAULT_URL))


def _check_book(database: dbmod.Database) -> None:
    current, head = dbmod.current_revision(database), dbmod.head_revision()
    if current != head:
        raise Refusal(f"the database {database.shown_url} is at schema revision {current or 'none'}, not {head}: "
                      "run 'aidledger db upgrade' first")
    with database.read() as session:
        if not auth.authenticates(session):
            raise Refusal(f"the database {database.shown_url} is a local single-user book (made with db upgrade "
                          "--no-auth): it has no users who sign in, so the web application does not serve it "
                          "(未启用身份认证)")


def _start_jobs(database: dbmod.Database, clock: Callable[[], datetime]) -> None:
    """A server's start: the jobs a dead process left queued or running are failed; their transaction died with it
    (rolled back), so the books are as they were (docs/web.md, "Background jobs")."""
    failed = fail_interrupted(database, clock())
    if failed:
        log.warning("background jobs %s were interrupted by a restart: marked failed", ", ".join(map(str, failed)))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if _is_api(request):
            return JSONResponse({"errors": ["authentication required: sign in, or send Authorization: Bearer TOKEN"]},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"errors": [exc.message]}, status_code=403)
        return render(request, "error.html", status=403, title="无权访问", messages=[exc.message])

    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> Response:
        if _is_api(request):
            return JSONResponse({"errors": exc.messages}, status_code=422)
        return render(request, "error.html", status=422, title="未能完成", messages=exc.messages)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        messages = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'path', 'body'))}: "
                    f"{e.get('msg', '')}" for e in exc.errors()]
        if _is_api(request):
            return JSONResponse({"errors": messages}, status_code=422)
        return render(request, "error.html", status=422, title="输入有误", messages=messages)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "页面不存在", 405: "不支持此操作"}.get(exc.status_code, "请求有误")
        if _is_api(request):
            return JSONResponse({"errors": [str(exc.detail)]}, status_code=exc.status_code)
        return render(request, "error.html", status=exc.status_code, title=title, messages=[])

    @app.exception_handler(Exception)
    async def defect(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        if _is_api(request):
            return JSONResponse({"errors": [f"internal error ({type(exc).__name__})"]}, status_code=500)
        return render(request, "error.html", status=500, title="系统内部错误", messages=["请联系系统管理员。"])


# Content-Security-Policy: only this site's own scripts, styles and images; no framing (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def add_headers(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        # How long the application took (bench/web.py reads it; a browser's developer tools show it).
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
