"""Background jobs benchmark (issue 17): a county's registry upload, its month's run and its payment register, each
done by a background job from the pages, against the same service called directly in the same run (the floor).

Never part of the test suite. For each backend (SQLite; PostgreSQL with --pg-url or AIDLEDGER_TEST_PG_URL) it:

  1. builds two books alike (bench/web_data.py's `set_up_book`: migrated with authentication, the bench's users with
     passwords, the three example policies) and generates the registry files of --households households of county
     230523 (bench/registry.py's generator; set-up, not timed);
  2. the floor, on the first book, in this process: `import_registry` (the service `registry import` calls) in one
     write transaction; `run_cycle` of today's month (`cycle run`); the register drawn (`register_data` and
     `write_register`, as `report register`);
  3. the jobs, on the second book, through the web application in this process (`create_app`, Starlette's test
     client, signed in as the bench's preparer): POST /registry/upload with the two files, POST /cycles/run, POST
     /downloads/register/ID (the thresholds lowered to 0, so that a small county's upload and register are jobs
     too), each then polled at GET /api/v1/jobs/ID every --poll seconds (the page polls every second) until
     done, and the register's PDF fetched from /jobs/ID/file. Timed from the post to the poll that saw it done.

What is printed, per work: the floor's seconds, the job's, their ratio (the job's overhead: receiving the upload,
the row's writes, the polling; a poll's granularity is in it), how soon the post answered (the page never waits for
the work), and how many distinct progress figures the polls saw (on SQLite the work holds the only write lock, so
the row learns its figures at the end, and only the process's own figures move: the polls here ask the same
process, as the page does). Both books must end with the same households, the same cycle total and a register of
the same households. Timings are printed, never asserted.

    .venv/bin/python bench/jobs.py                           # 20,000 households, SQLite (and PostgreSQL if set)
    .venv/bin/python bench/jobs.py --households 100000 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import io
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click
import httpx
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import registry as registry_bench  # noqa: E402
import web_data  # noqa: E402
from common import COUNTY, PREPARER, Backend  # noqa: E402

from aidledger import db as dbmod  # noqa: E402
from aidledger.disbursement.cycles.service.run import run_cycle  # noqa: E402
from aidledger.disbursement.registry.service import count_households, import_registry  # noqa: E402
from aidledger.reports.pdf.register import write_register  # noqa: E402
from aidledger.reports.service.register import register_data  # noqa: E402
from aidledger.web.app import create_app  # noqa: E402
from aidledger.web.thresholds import Thresholds  # noqa: E402

MONTH = registry_bench.CYCLE_MONTH


@dataclass
class Timed:
    work: str
    floor_s: float
    job_s: float = 0.0
    answered_ms: float = 0.0
    progress_seen: int = 0
    outcome: str = ""

    @property
    def ratio(self) -> float:
        return self.job_s / self.floor_s if self.floor_s else 0.0


@dataclass
class Result:
    backend: str
    households: int
    bytes: int
    rows: list[Timed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def floor(url: str, data: registry_bench.Generated) -> tuple[list[Timed], int, str, list[str]]:
    """The services called directly: the import, the month's run, the register; the cycle and what they made."""
    database = dbmod.Database(url)
    now = datetime.now(timezone.utc)
    try:
        start = time.perf_counter()
        with database.write() as session:
            imported = import_registry(session, data.households_path, data.members_path, user=PREPARER, now=now,
                                       today=now.date(), dry_run=False)
        import_s = time.perf_counter() - start
        start = time.perf_counter()
        with database.write() as session:
            outcome = run_cycle(session, COUNTY, MONTH, user=PREPARER, now=now)
        run_s = time.perf_counter() - start
        start = time.perf_counter()
        with database.read() as session:
            drawn = register_data(session, outcome.cycle_id, reader=PREPARER)
        pdf = io.BytesIO()
        write_register(drawn, pdf)
        register_s = time.perf_counter() - start
        with database.read() as session:
            households = count_households(session, COUNTY)
    finally:
        database.dispose()
    rows = [Timed("registry upload", import_s, outcome=f"{imported.households:,} households"),
            Timed(f"cycle run {MONTH}", run_s, outcome=f"{outcome.count:,} lines, {outcome.total:,.2f}"),
            Timed("payment register", register_s, outcome=f"{drawn.count:,} households, {len(pdf.getvalue()):,} B")]
    return rows, outcome.cycle_id, f"{outcome.total:.2f}", [str(households), str(drawn.count)]


def csrf(html: str) -> str:
    marker = 'name="csrf" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


def until_done(client: httpx.Client, job: int, poll: float) -> tuple[dict, int]:
    """Poll the job as its page does until it ends; the last answer and how many distinct figures were seen."""
    seen: set[int] = set()
    while True:
        answer = client.get(f"/api/v1/jobs/{job}").json()
        seen.add(answer["done"])
        if answer["state"] in ("done", "failed"):
            return answer, len(seen)
        time.sleep(poll)


def job_id(response: httpx.Response) -> int:
    if response.status_code != 303 or not response.headers["location"].startswith("/jobs/"):
        raise SystemExit(f"no job started: {response.status_code} {response.text[-400:]}")
    return int(response.headers["location"].rsplit("/", 1)[1])


def through_jobs(url: str, data: registry_bench.Generated, rows: list[Timed], poll: float) -> list[str]:
    """The same three pieces of work through the pages' jobs; what they made, to compare with the floor's."""
    app = create_app(url, thresholds=Thresholds(upload_bytes=0, register_households=0))
    made: list[str] = []
    try:
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            _sign_in(client)
            token = csrf(client.get("/registry/upload").text)  # the session's form token, outside the timing
            posts = [
                lambda: client.post("/registry/upload", data={"csrf": token},
                                    files={"households": open(data.households_path, "rb"),
                                           "members": open(data.members_path, "rb")}),
                lambda: client.post("/cycles/run", data={"csrf": token, "jurisdiction": COUNTY, "month": MONTH}),
                lambda: client.post(f"/downloads/register/{cycle}", data={"csrf": token}),
            ]
            cycle = 0
            for row, post in zip(rows, posts, strict=True):
                start = time.perf_counter()
                job = job_id(post())
                row.answered_ms = (time.perf_counter() - start) * 1000
                answer, row.progress_seen = until_done(client, job, poll)
                row.job_s = time.perf_counter() - start
                if answer["state"] != "done":
                    raise SystemExit(f"{row.work}: job {job} failed: {answer.get('errors')}")
                if "cycle" in answer:
                    cycle = int(answer["cycle"])
                    made.append(client.get(f"/api/v1/cycles/{cycle}").json()["total"])
            made.append(str(len(client.get(f"/jobs/{job}/file").content)))
        database = dbmod.Database(url)
        try:
            with database.read() as session:
                made.insert(0, str(count_households(session, COUNTY)))
        finally:
            database.dispose()
    finally:
        app.state.database.dispose()
    return made


def _sign_in(client: httpx.Client) -> None:
    form = client.get("/signin")
    signed = client.post("/signin", data={"csrf": csrf(form.text), "user": PREPARER,
                                          "password": web_data.PASSWORD, "next": "/"})
    if signed.status_code != 303:
        raise SystemExit(f"sign-in failed: {signed.status_code}")


def measure(backend: Backend, directory: str, households: int, poll: float) -> Result:
    click.echo(f"{backend.name}: generating {households:,} households …", err=True)
    data = registry_bench.generate(directory, households)
    result = Result(backend.name, households, data.bytes)
    direct, jobs = backend.new_database("direct"), backend.new_database("jobs")
    for url in (direct, jobs):
        web_data.set_up_book(url, households)
    click.echo(f"{backend.name}: the floor: the services called directly …", err=True)
    result.rows, _, total, floor_made = floor(direct, data)
    click.echo(f"{backend.name}: the same through the pages' background jobs …", err=True)
    made = through_jobs(jobs, data, result.rows, poll)
    households_made, total_made = made[0], made[1]
    if households_made != floor_made[0]:
        result.problems.append(f"households: {households_made} through jobs, {floor_made[0]} direct")
    if total_made != total:
        result.problems.append(f"cycle total: {total_made} through jobs, {total} direct")
    return result


def report(results: list[Result]) -> None:
    click.echo("")
    click.echo("| backend | work | direct (floor) s | job s | ratio | post answered | progress figures seen | made |")
    click.echo("|---|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        for t in r.rows:
            click.echo(f"| {r.backend} | {t.work} ({r.households:,} households) | {t.floor_s:.2f} | {t.job_s:.2f} | "
                       f"{t.ratio:.2f}× | {t.answered_ms:,.0f} ms | {t.progress_seen} | {t.outcome} |")
    for r in results:
        for problem in r.problems:
            click.echo(f"{r.backend}: DIFFERS: {problem}")
        if not r.problems:
            click.echo(f"{r.backend}: both books hold the same households and the same cycle total")


@click.command()
@click.option("--households", default=20_000, show_default=True)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between two polls (the page's: 1).")
@common.sqlite_option
@common.pg_url_option("AIDLEDGER_BENCH_PG_URL", "AIDLEDGER_TEST_PG_URL")
def main(households: int, poll: float, on_sqlite: bool, pg_url: str | None) -> None:
    load = os.getloadavg()
    with common.scratch_folder("aidledger-jobs-bench-") as directory:
        results, versions = common.on_each_backend(directory, "jobs", on_sqlite, pg_url,
                                                   lambda backend: measure(backend, directory, households, poll))
    common.echo_machine(versions, load)
    report(results)


if __name__ == "__main__":
    main()
