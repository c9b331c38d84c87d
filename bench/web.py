"""Web application benchmark: the pages of a county of 100,000 households with a year of cycles, over HTTP.

Never part of the test suite. The target (issue 16): every page answers in under 300 ms at the 95th percentile for
a county of 100,000 households. For each backend (--backend sqlite, postgresql or both) it:

  1. builds the book (bench/web_data.py; set-up, not timed, its duration printed): a fresh database migrated with
     authentication on, the bench's users with passwords, the three example policies, bench/cycle.py's generated
     county of --households households written with the raw driver, and the twelve months of 2022 run and
     approved through the services;
  2. starts the web application in a real server, in its own process:
         python -m uvicorn --factory web_data:clocked_app --app-dir bench --host 127.0.0.1 --port PORT
     with AIDLEDGER_DB naming the book (one worker process, as `aidledger serve` runs by default):
     `create_app(url, clock=…)` with the clock at --clock (default 2022-12-20, 09:00 UTC, running at the real
     pace: the month of the book's last cycle, when an office reads these pages; `now`: the real clock);
  3. signs in over HTTP as a bench user (--viewer; by default the county's preparer): GET /signin for the form's
     CSRF field and cookie, POST /signin for the session cookie;
  4. times --requests requests (default 200) to each route with one httpx client, one request at a time, after
     --warm-up untimed ones:
         the floor    /static/style.css (a static file: the server, the middleware and the loopback, no page)
         dashboard    /
         search       /registry?q=ID_NUMBER   (a different member's id number each request)
         household    /registry/HOUSEHOLD     (a different household each request)
         cycle, first /cycles/ID              (the year's last cycle, 2022-12)
         cycle, last  /cycles/ID?page=LAST    (LAST: the highest page= the first page links to)
         API cycle    /api/v1/cycles/ID       (optional, --api-requests: it returns every line; its size is shown)
     A route that does not answer 200 yet (a page still being written) is reported and skipped; --wait-for-pages
     re-checks every 30 s for that long first. A route whose requests take seconds stops at its time budget
     (--route-seconds, 300 s) with fewer requests than asked; the table marks its count with *.

What is measured, per route: the client's elapsed time on loopback (127.0.0.1: request sent → whole body read; it
includes the HTTP round trip, which the floor shows), its 50th and 95th percentiles (nearest rank) and the ratio of
the p50 to the floor's p50 measured in the same run; the `Server-Timing` header's metrics when the application
sends one; the server process's CPU time per request (/proc/PID/stat, all its threads; on PostgreSQL the database
server's own work is not in it); and the server's peak resident memory (VmHWM of /proc/PID/status, reset before
each route through /proc/PID/clear_refs so that each route has its own peak). Timings are printed, never asserted.

    .venv/bin/python bench/web.py                                       # 100,000 households, both backends
    .venv/bin/python bench/web.py --households 2000 --backend sqlite    # a quick check
    .venv/bin/python bench/web.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/web.py --keep …                               # keep the books, print their URLs
    .venv/bin/python bench/web.py --book sqlite:////tmp/…/web.db         # measure a kept book again
    .venv/bin/python bench/web.py --profile /tmp/webprof …              # and profile the routes over the target

--profile PREFIX profiles, in the bench's own process (create_app on the same book, httpx's ASGI transport, the
thread pool's work run inline so that one profiler sees it all), a few requests to every route whose p95 is over
the target (--profile-all: every route), with pyinstrument when it is installed, else cProfile; it writes
PREFIX.<backend>.<route>.txt and prints the slowest calls.
"""

from __future__ import annotations

import asyncio
import cProfile
import importlib.util
import io
import math
import os
import pstats
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402  (bench/common.py: backends, the machine)
import web_data  # noqa: E402  (bench/web_data.py: the book)
from common import ADMIN, APPROVER, PREPARER, Backend  # noqa: E402

TARGET_P95_MS = 300.0
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_CLOCK = "2022-12-20"  # the application's today: the month of the book's last cycle
VIEWERS = {"preparer": PREPARER, "auditor": web_data.AUDITOR, "approver": APPROVER, "admin": ADMIN,
           "town": web_data.TOWN_CLERK}
PLACEHOLDER = "本页由仪表盘填写"  # the dashboard's text before its page was written
TICK = os.sysconf("SC_CLK_TCK")


def echo(message: str) -> None:
    click.echo(message, err=True)


# ---------------------------------------------------------------------------- the server process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The web application under uvicorn in a child process, on a free loopback port."""

    def __init__(self, url: str, log_path: str, clock: str):
        self.url = url
        self.clock = clock
        self.log_path = log_path
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "uvicorn", "--factory", "web_data:clocked_app",
                        "--app-dir", str(Path(__file__).resolve().parent), "--host", "127.0.0.1",
                        "--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        self.process: subprocess.Popen | None = None
        self.started_s = 0.0

    def start(self) -> None:
        env = dict(os.environ, AIDLEDGER_DB=self.url, **{web_data.CLOCK_ENV: self.clock})
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        start = time.perf_counter()
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(self.base + "/signin", timeout=5).status_code == 200:
                    self.started_s = time.perf_counter() - start
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer /signin within 120 s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def status(self, key: str) -> int:
        """A VmXXX line of /proc/PID/status, KiB."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as handle:
            return next((int(ln.split()[1]) for ln in handle if ln.startswith(key + ":")), 0)

    def reset_peak(self) -> bool:
        """Reset the process's VmHWM to its current RSS (Linux: 5 > /proc/PID/clear_refs)."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w", encoding="ascii") as handle:
                handle.write("5")
            return True
        except OSError:
            return False

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server process, all its threads."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15 of stat(5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None) is not None:
            self.log.close()


@contextmanager
def serving(url: str, log_path: str, clock: str):
    server = Server(url, log_path, clock)
    try:
        server.start()
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------- signing in


def sign_in(client: httpx.Client, user: str, password: str) -> None:
    """As a browser does: the form (its CSRF field and cookie), then the post; the session cookie stays in the
    client."""
    form = client.get("/signin")
    found = re.search(r'<input[^>]*name="csrf"[^>]*value="([^"]+)"', form.text)
    if form.status_code != 200 or not found:
        raise SystemExit(f"GET /signin: HTTP {form.status_code}, no csrf field")
    answer = client.post("/signin", data={"user": user, "password": password, "csrf": found.group(1), "next": "/"})
    if answer.status_code != 303 or "aidledger_session" not in client.cookies:
        raise SystemExit(f"POST /signin as {user}: HTTP {answer.status_code}, no session cookie: {answer.text[:500]}")


# ---------------------------------------------------------------------------- the routes


@dataclass
class Route:
    name: str
    paths: Callable[[int], str]  # request number → path
    requests: int
    floor: bool = False
    page: bool = True  # an HTML page the target applies to
    shown: str = ""  # the path as the table shows it


@dataclass
class Timing:
    route: Route
    status: str = "measured"  # or why not
    ms: list[float] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    server_timing: dict[str, list[float]] = field(default_factory=dict)
    cpu_s: float = 0.0
    peak_kib: int = 0
    errors: int = 0
    first_status: int = 0
    cut_short: bool = False  # stopped at the route's time budget before its requests were all made
    transport: list[str] = field(default_factory=list)  # requests that got no answer (connection reset…)

    @property
    def measured(self) -> bool:
        return self.status == "measured"

    def p(self, q: float) -> float:
        return percentile(self.ms, q)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0…100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def parse_server_timing(header: str | None) -> dict[str, float]:
    """`Server-Timing: app;dur=12.3, db;dur=4.5;desc="…"` → {"app": 12.3, "db": 4.5} (metrics without dur are
    left out)."""
    metrics: dict[str, float] = {}
    for entry in (header or "").split(","):
        parts = [p.strip() for p in entry.split(";")]
        if not parts[0]:
            continue
        for part in parts[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "dur":
                try:
                    metrics[parts[0]] = float(value.strip().strip('"'))
                except ValueError:
                    pass
    return metrics


def probe(client: httpx.Client, path: str) -> httpx.Response:
    return client.get(path)


def time_route(client: httpx.Client, server: Server, route: Route, warm_up: int, budget_s: float) -> Timing:
    timing = Timing(route)
    try:
        first = probe(client, route.paths(0))
    except httpx.TransportError as error:
        timing.status = f"not measured: {type(error).__name__} {error}"
        return timing
    timing.first_status = first.status_code
    if first.status_code != 200:
        timing.status = f"not measured: HTTP {first.status_code}"
        return timing
    for n in range(min(warm_up, route.requests)):
        try:
            client.get(route.paths(n))
        except httpx.TransportError as error:
            timing.transport.append(f"{time.strftime('%H:%M:%S')} warm-up: {type(error).__name__} {error}")
    have_peak = server.reset_peak()
    cpu_before = server.cpu_s()
    deadline = time.monotonic() + budget_s
    for n in range(route.requests):
        if n and time.monotonic() > deadline:
            timing.cut_short = True
            break
        path = route.paths(n)
        start = time.perf_counter()
        try:
            response = client.get(path)
        except httpx.TransportError as error:  # counted and left out of the times; the client reconnects
            timing.errors += 1
            timing.transport.append(f"{time.strftime('%H:%M:%S')} request {n + 1} after "
                                    f"{time.perf_counter() - start:.1f} s: {type(error).__name__} {error}")
            continue
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            timing.errors += 1
        timing.ms.append(elapsed * 1000)
        timing.bytes.append(len(response.content))
        for name, dur in parse_server_timing(response.headers.get("server-timing")).items():
            timing.server_timing.setdefault(name, []).append(dur)
    timing.cpu_s = server.cpu_s() - cpu_before
    if not timing.ms:
        timing.status = f"not measured: no answer to {timing.errors} requests"
    timing.peak_kib = server.status("VmHWM") if have_peak else 0
    return timing


def last_page(html: str) -> int:
    """The page's last page: the pager's "共 N 页" (of N pages), or the highest page= it links to; 1 when neither."""
    pages = [int(n.replace(",", "")) for n in re.findall(r"共\s*([\d,]+)\s*页", html)]
    pages += [int(n) for n in re.findall(r"[?&;]page=(\d+)", html)]
    return max(pages, default=1)


# ---------------------------------------------------------------------------- one backend


@dataclass
class Result:
    backend: str
    households: int
    members: int
    book: web_data.Book
    cycle_id: int
    cycle_lines: int
    cycle_last_page: int
    timings: list[Timing]
    started_s: float
    rss_start_kib: int
    hwm_kib: int
    notes: list[str]

    def timing(self, name: str) -> Timing | None:
        return next((t for t in self.timings if t.route.name == name), None)

    @property
    def floor_p50(self) -> float:
        floor = next(t for t in self.timings if t.route.floor)
        return floor.p(50)


def make_routes(s: web_data.Samples, cycle_id: int, last: int, requests: int, api_requests: int) -> list[Route]:
    households, ids = s.households, s.id_numbers
    return [
        Route("floor: static file", lambda n: "/static/style.css", requests, floor=True, page=False,
              shown="/static/style.css"),
        Route("dashboard", lambda n: "/", requests, shown="/"),
        Route("household search", lambda n: f"/registry?q={ids[n % len(ids)]}", requests,
              shown="/registry?q=ID_NUMBER"),
        Route("household page", lambda n: f"/registry/{households[n % len(households)]}", requests,
              shown="/registry/HOUSEHOLD"),
        Route("cycle, first page", lambda n: f"/cycles/{cycle_id}", requests, shown=f"/cycles/{cycle_id}"),
        Route("cycle, last page", lambda n: f"/cycles/{cycle_id}?page={last}", requests,
              shown=f"/cycles/{cycle_id}?page={last}"),
        Route("API cycle (every line)", lambda n: f"/api/v1/cycles/{cycle_id}", api_requests, page=False,
              shown=f"/api/v1/cycles/{cycle_id}"),
    ]


def wait_for_pages(client: httpx.Client, paths: list[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        missing = [p for p in paths if client.get(p).status_code != 200]
        if not missing or time.monotonic() >= deadline:
            if missing:
                echo(f"still not answering 200: {', '.join(missing)}")
            return
        echo(f"waiting for pages not answering 200 yet: {', '.join(missing)} (re-checking in 30 s)")
        time.sleep(30)


def measure(backend: Backend | None, url: str, book: web_data.Book, directory: str, options: Options) -> Result:
    name = backend.name if backend else ("sqlite" if url.startswith("sqlite") else "postgresql")
    user = VIEWERS[options.viewer]
    township = web_data.TOWNSHIP if options.viewer == "town" else None
    picked = web_data.samples(url, max(options.requests, 1), township)
    last = book.months[-1]
    notes: list[str] = []
    log_path = os.path.join(directory, f"{name}-server.log")
    with serving(url, log_path, options.clock) as server:
        echo(f"{name}: server pid {server.pid} answering on {server.base} after {server.started_s:.1f} s; "
             f"signing in as {user}")
        with httpx.Client(base_url=server.base, timeout=600, follow_redirects=False) as client:
            sign_in(client, user, web_data.PASSWORD)
            if options.wait_for_pages:
                wait_for_pages(client, ["/", f"/registry?q={picked.id_numbers[0]}", f"/registry/{picked.households[0]}",
                                        f"/cycles/{last.cycle_id}"], options.wait_for_pages)
            rss_start = server.status("VmRSS")
            first = client.get(f"/cycles/{last.cycle_id}")
            pages = last_page(first.text) if first.status_code == 200 else 1
            if first.status_code == 200 and pages == 1 and last.lines > 1000:
                notes.append(f"the cycle page links to no page= beyond 1 for {last.lines:,} lines")
            routes = make_routes(picked, last.cycle_id, pages, options.requests, options.api_requests)
            timings = []
            for route in routes:
                if route.requests == 0:
                    continue
                echo(f"{name}: {route.requests} requests to {route.name} ({route.shown}) …")
                timing = time_route(client, server, route, options.warm_up, options.route_seconds)
                timings.append(timing)
                if timing.measured:
                    echo(f"{name}: {route.name}: p50 {timing.p(50):.1f} ms, p95 {timing.p(95):.1f} ms")
                else:
                    echo(f"{name}: {route.name}: {timing.status}")
            dashboard = client.get("/")
            if PLACEHOLDER in dashboard.text:
                notes.append("the dashboard is still its placeholder page (本页由仪表盘填写)")
            check = client.get(f"/registry?q={picked.id_numbers[0]}")
            if check.status_code == 200 and picked.households[0] not in check.text:
                notes.append(f"the search for {picked.id_numbers[0][:6]}… did not show its household "
                             f"{picked.households[0]}")
            hwm = server.status("VmHWM")
        for t in timings:
            notes.extend(f"{t.route.name}: no answer: {line}" for line in t.transport)
        errors = server.log_tail(20) if any(t.errors for t in timings) else ""
        if errors:
            notes.append("server log: " + errors.strip().replace("\n", " | ")[:1500])
        started = server.started_s
    result = Result(name, picked.household_count, picked.member_count, book, last.cycle_id, last.lines, pages,
                    timings, started, rss_start, hwm, notes)
    report(result, options)
    if options.profile:
        over = [t for t in timings if t.measured and not t.route.floor and
                (options.profile_all or t.p(95) >= TARGET_P95_MS)]
        for timing in over:
            profile_route(url, user, timing.route, f"{options.profile}.{name}.{_slug(timing.route.name)}.txt",
                          options.clock)
    return result


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------- printing


def kib_mib(kib: int) -> str:
    return f"{kib / 1024:.0f}" if kib else "–"


def size(nbytes: float) -> str:
    if nbytes >= 2**20:
        return f"{nbytes / 2**20:.1f} MiB"
    if nbytes >= 1024:
        return f"{nbytes / 1024:.1f} KiB"
    return f"{nbytes:.0f} B"


def server_timing_text(t: Timing) -> str:
    if not t.server_timing:
        return "none sent"
    return "; ".join(f"{k} p50 {percentile(v, 50):.1f} / p95 {percentile(v, 95):.1f} ms"
                     for k, v in t.server_timing.items())


def verdict(t: Timing) -> str:
    if not t.route.page:
        return "–"
    return "met" if t.p(95) < TARGET_P95_MS else "**MISSED**"


def report(r: Result, options: Options) -> None:
    b = r.book
    click.echo("")
    click.echo(f"{r.backend}: book: {r.households:,} households, {r.members:,} members, {len(b.months)} cycles "
               f"({b.months[0].month}…{b.months[-1].month}); cycle {r.cycle_id} ({b.months[-1].month}) has "
               f"{r.cycle_lines:,} lines, its page's last page is {r.cycle_last_page:,}")
    if b.county is not None:
        click.echo(f"{r.backend}: build: {b.build_s:.1f} s (set-up {b.setup_s:.1f} s, registry {b.registry_s:.1f} s, "
                   f"{len(b.months)} months run + approved {b.cycles_s:.1f} s: run "
                   f"{sum(m.run_s for m in b.months):.1f} s, approve {sum(m.approve_s for m in b.months):.1f} s)")
    click.echo(f"{r.backend}: server: uvicorn {_version('uvicorn')} ({_impl()}), one process, clock {options.clock}, "
               f"signed in as {VIEWERS[options.viewer]}, started in "
               f"{r.started_s:.1f} s; RSS after signing in {kib_mib(r.rss_start_kib)} MiB, peak (VmHWM) over the "
               f"run {kib_mib(r.hwm_kib)} MiB")
    floor = r.floor_p50
    for t in r.timings:
        if not t.measured:
            click.echo(f"{r.backend}: {t.route.name:<24} {t.status}")
            continue
        ratio = t.p(50) / floor if floor else math.nan
        click.echo(f"{r.backend}: {t.route.name:<24} {len(t.ms):4d} requests, p50 {t.p(50):8.1f} ms, p95 "
                   f"{t.p(95):8.1f} ms, max {max(t.ms):8.1f} ms, p50 ÷ floor {ratio:7.1f}×, "
                   f"{size(sum(t.bytes) / len(t.bytes))} a response, server CPU "
                   f"{1000 * t.cpu_s / len(t.ms):.1f} ms a request, peak RSS {kib_mib(t.peak_kib)} MiB"
                   + (f", {t.errors} not 200" if t.errors else "")
                   + (f" (cut short at the {options.route_seconds:.0f} s budget)" if t.cut_short else "")
                   + f"; Server-Timing: {server_timing_text(t)}; target p95 < {TARGET_P95_MS:.0f} ms: {verdict(t)}")
    for note in r.notes:
        click.echo(f"{r.backend}: note: {note}")


def table(results: list[Result]) -> None:
    click.echo("| backend | route | path | requests | p50 ms | p95 ms | max ms | p50 ÷ floor | response | "
               "server CPU ms/request | peak RSS MiB | p95 < 300 ms |")
    click.echo("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        floor = r.floor_p50
        for t in r.timings:
            if not t.measured:
                click.echo(f"| {r.backend} | {t.route.name} | `{t.route.shown}` | – | – | – | – | – | – | – | – | "
                           f"{t.status} |")
                continue
            count = f"{len(t.ms)}{'*' if t.cut_short else ''}"
            click.echo(f"| {r.backend} | {t.route.name} | `{t.route.shown}` | {count} | {t.p(50):.1f} | "
                       f"{t.p(95):.1f} | {max(t.ms):.1f} | {t.p(50) / floor:.1f}× | "
                       f"{size(sum(t.bytes) / len(t.bytes))} | {1000 * t.cpu_s / len(t.ms):.1f} | "
                       f"{kib_mib(t.peak_kib)} | {verdict(t)} |")


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _impl() -> str:
    """The event loop and HTTP parser uvicorn picks (auto: uvloop and httptools when installed)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop}, {http}"


# ---------------------------------------------------------------------------- profiling


@contextmanager
def inline_threads():
    """Run what Starlette hands to the thread pool (sync routes and dependencies) in the calling thread, so that a
    profiler of the event loop's thread sees it."""
    import anyio.to_thread

    original = anyio.to_thread.run_sync

    async def run_sync(func, *args, **_options):
        return func(*args)

    anyio.to_thread.run_sync = run_sync
    try:
        yield
    finally:
        anyio.to_thread.run_sync = original


def profile_route(url: str, user: str, route: Route, path_out: str, clock: str, requests: int = 5) -> None:
    """A few requests to `route` in this process, profiled; the report written to `path_out`, its head printed."""
    app = web_data.clocked(url, clock)

    async def go(profiled: Callable[[], object]) -> list[float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", follow_redirects=False) as client:
            form = await client.get("/signin")
            token = re.search(r'<input[^>]*name="csrf"[^>]*value="([^"]+)"', form.text).group(1)
            await client.post("/signin", data={"user": user, "password": web_data.PASSWORD, "csrf": token,
                                               "next": "/"})
            await client.get(route.paths(0))  # warm: templates compiled, caches filled
            times = []
            with profiled():
                for n in range(requests):
                    start = time.perf_counter()
                    answer = await client.get(route.paths(n))
                    times.append((time.perf_counter() - start) * 1000)
                    if answer.status_code != 200:
                        raise SystemExit(f"profiling {route.shown}: HTTP {answer.status_code}")
            return times

    have_pyinstrument = importlib.util.find_spec("pyinstrument") is not None
    with inline_threads():
        if have_pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005, async_mode="disabled")

            @contextmanager
            def profiled():
                profiler.start()
                try:
                    yield
                finally:
                    profiler.stop()

            times = asyncio.run(go(profiled))
            report_text = profiler.output_text(unicode=True, color=False, show_all=False)
        else:
            profile = cProfile.Profile()

            @contextmanager
            def profiled():
                profile.enable()
                try:
                    yield
                finally:
                    profile.disable()

            times = asyncio.run(go(profiled))
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(60)
            report_text = out.getvalue()
    app.state.database.dispose()
    with open(path_out, "w", encoding="utf-8") as handle:
        handle.write(report_text)
    tool = f"pyinstrument {_version('pyinstrument')}" if have_pyinstrument else "cProfile"
    click.echo(f"profile of {route.name} ({route.shown}), {requests} requests in process under {tool}: "
               f"{', '.join(f'{t:.0f}' for t in times)} ms; written to {path_out}")
    for line in report_text.splitlines()[:70]:
        click.echo("    " + line)


# ---------------------------------------------------------------------------- main


@dataclass
class Options:
    requests: int
    api_requests: int
    warm_up: int
    viewer: str
    wait_for_pages: float
    profile: str | None
    profile_all: bool
    route_seconds: float
    clock: str


def _keep_pg(url: str, directory: str) -> str:
    """Rename a PostgreSQL book so that the backend's clean-up (DROP DATABASE of its own names) leaves it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    kept = f"aidl_webbench_kept_{os.getpid()}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {parsed.database} RENAME TO {kept}"))
    finally:
        admin.dispose()
    return parsed.set(database=kept).render_as_string(hide_password=False)


@click.command()
@click.option("--households", type=click.IntRange(min=100), default=100_000, show_default=True,
              help="Households in the county (members ≈ 2.5 per household).")
@click.option("--months", type=click.IntRange(1, 12), default=12, show_default=True,
              help="Months of 2022 run and approved (the pages show the last).")
@click.option("--backend", "backends", type=click.Choice(["sqlite", "postgresql", "both"]), default="both",
              show_default=True)
@click.option("--pg-url", envvar="AIDLEDGER_TEST_PG_URL", default=DEFAULT_PG_URL, show_default=True,
              help="The PostgreSQL server (the bench creates and drops its own database there); default "
                   "$AIDLEDGER_TEST_PG_URL, then the local server.")
@click.option("--requests", type=click.IntRange(min=1), default=200, show_default=True,
              help="Timed requests per route.")
@click.option("--api-requests", type=click.IntRange(min=0), default=10, show_default=True,
              help="Timed requests to /api/v1/cycles/ID, which returns every line (0: skip it).")
@click.option("--route-seconds", type=click.FloatRange(min=1), default=300, show_default=True,
              help="A route's time budget: its timed requests stop there when not all made (the count is shown).")
@click.option("--warm-up", type=click.IntRange(min=0), default=3, show_default=True,
              help="Untimed requests per route first.")
@click.option("--viewer", type=click.Choice(sorted(VIEWERS)), default="preparer", show_default=True,
              help="Who signs in: the county's preparer, approver, admin or auditor (masked id numbers), or the "
                   "township clerk (a preparer of 宝清镇 only).")
@click.option("--wait-for-pages", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Before timing, re-check every 30 s for up to SECONDS until every page answers 200.")
@click.option("--clock", default=DEFAULT_CLOCK, show_default=True, metavar="YYYY-MM-DD|now",
              help="The application's clock: from 09:00 UTC that day at the real pace (the book's last cycle is "
                   "2022-12), or the real clock.")
@click.option("--book", default=None, metavar="URL",
              help="Measure a book this bench built and kept (--keep) instead of building one.")
@click.option("--keep", is_flag=True, help="Keep the books (the SQLite folder; the PostgreSQL database, renamed).")
@click.option("--profile", default=None, metavar="PREFIX",
              help="Profile the routes whose p95 is over the target; reports in PREFIX.<backend>.<route>.txt.")
@click.option("--profile-all", is_flag=True, help="With --profile: profile every route.")
def main(households: int, months: int, backends: str, pg_url: str, requests: int, api_requests: int, warm_up: int,
         route_seconds: float, viewer: str, wait_for_pages: float, clock: str, book: str | None, keep: bool,
         profile: str | None, profile_all: bool) -> None:
    """Build a county with a year of cycles; time the web application's pages over HTTP against a static file."""
    load_at_start = os.getloadavg()
    options = Options(requests, api_requests, warm_up, viewer, wait_for_pages, profile, profile_all, route_seconds,
                      clock)
    results: list[Result] = []
    versions: list[str] = []
    with common.scratch_folder("aidledger-webbench-", keep) as directory:
        if book:
            if not os.environ.get("AIDLEDGER_KEYS"):
                raise click.UsageError("--book needs AIDLEDGER_KEYS set to the keys folder --keep printed")
            results.append(measure(None, book, web_data.existing_book(book), directory, options))
            if not book.startswith("sqlite"):
                versions.append("PostgreSQL " + web_data.server_version(book))
        else:
            on_sqlite = backends in ("sqlite", "both")
            on_pg = pg_url if backends in ("postgresql", "both") else None

            def on(backend: Backend) -> Result:
                url = backend.new_database("web")
                echo(f"{backend.name}: building the book: {households:,} households, {months} months …")
                built = web_data.build_book(backend, url, households, months, echo)
                echo(f"{backend.name}: built in {built.build_s:.1f} s")
                try:
                    return measure(backend, url, built, directory, options)
                finally:
                    if keep:
                        kept = url if backend.sqlite else _keep_pg(url, directory)
                        click.echo(f"{backend.name}: kept the book: --book {kept} (AIDLEDGER_KEYS="
                                   f"{os.environ['AIDLEDGER_KEYS']})")

            results, versions = common.on_each_backend(directory, "webbench", on_sqlite, on_pg, on)
    common.echo_machine(versions, load_at_start, extra=[
        f"server: uvicorn {_version('uvicorn')} ({_impl()}), FastAPI {_version('fastapi')}, one worker process; "
        f"client: httpx {_version('httpx')}, one request at a time on loopback",
        f"measured: {common.aidledger_source()}"])
    table(results)
    click.echo("")
    if any(t.cut_short for r in results for t in r.timings):
        click.echo("* fewer requests than asked: the route's time budget (--route-seconds) ran out.")
    click.echo("Times are the client's elapsed time on loopback (request sent → body read); the floor is "
               "/static/style.css in the same run. The application sends "
               + ("a Server-Timing header." if any(t.server_timing for r in results for t in r.timings)
                  else "no Server-Timing header, so there is no server-side figure but the server's CPU time."))


if __name__ == "__main__":
    main()
