"""Background jobs (issue 17): a month run from the page is a job in a thread of the server, one all-or-nothing
transaction as the command line's, with its progress polled by the page; a second run of the county's month while
one is live is refused naming it (two posts at once included); a refusal ends the job failed with its lines and the
books unchanged; a job a dead process left live is failed at start-up; another county's users do not see it."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from html import unescape

import pytest
from sqlalchemy import func, select
from support import ADMIN, APPROVER, AUDITOR, PREPARER, snapshot
from webbook import (  # noqa: F401
    CITY_AUDITOR,
    ELSEWHERE,
    TOWN_CLERK,
    app,
    clock,
    csrf_of,
    password_env,
    signed_in,
    web_templates,
    web_url,
)
from webbook import read_book as read

from aidledger import db as dbmod
from aidledger.auth.tables import WriteRecord
from aidledger.disbursement.entitlement import rows
from aidledger.disbursement.payments.tables import Cycle
from aidledger.jobs import service, store, workers
from aidledger.jobs.codes import DEFECT, INTERRUPTED
from aidledger.jobs.tables import Job
from aidledger.web.app import create_app

APRIL = {"jurisdiction": "230523", "month": "2022-04", "date": "2022-04-01"}


def start(client, **fields):
    page = client.get("/cycles").text
    return client.post("/cycles/run", data={"csrf": csrf_of(page), **(fields or APRIL)})


def job_of(response) -> int:
    assert response.status_code == 303, unescape(response.text)[-600:]
    location = response.headers["location"]
    assert location.startswith("/jobs/"), location
    return int(location.rsplit("/", 1)[1])


def finish(app, job: int) -> None:
    assert app.state.jobs.wait(job, 120), f"job {job} did not end"


def job_row(url, job: int):
    return read(url, lambda s: (lambda j: (j.state, j.done, j.total, j.errors, j.result))(s.get(Job, job)))


def cycles_of(url, month: str) -> int:
    return read(url, lambda s: s.scalar(select(func.count()).select_from(Cycle).where(Cycle.month == month)))


def cli(url: str, *args: str, user: str | None = None) -> str:
    from click.testing import CliRunner

    from aidledger.cli import cli as command

    with password_env():
        result = CliRunner().invoke(command, ["--db", url, *(["--user", user] if user else []), *args],
                                    catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout.strip()


@pytest.fixture
def held(monkeypatch):
    """The run holds at its first household until released: a job seen running, done < total. The real run, one
    household a progress step, every step written to the row where the database lets it (PostgreSQL)."""
    reached, release = threading.Event(), threading.Event()
    real = workers.run_cycle

    def holding(session, *args, progress, **options):
        def step(households: int = 1) -> None:
            progress(households)
            if not reached.is_set():
                reached.set()
                release.wait(60)
        return real(session, *args, progress=step, **options)

    monkeypatch.setattr(rows, "PROGRESS_STEP", 1)
    monkeypatch.setattr(workers, "EVERY", 0.0)
    monkeypatch.setattr(workers, "run_cycle", holding)
    yield reached, release
    release.set()


def test_a_run_through_a_job_is_the_command_lines_run(app, signed_in, web_url, web_templates, backend):
    preparer = signed_in(PREPARER)
    job = job_of(start(preparer))
    finish(app, job)
    state, done, total, errors, result = job_row(web_url, job)
    cycle = json.loads(result)["cycle"]
    assert (state, errors) == ("done", None) and done == total > 0
    # The job's page names the cycle, the API too; the jobs list links it.
    page = unescape(preparer.get(f"/jobs/{job}").text)
    assert "已完成" in page and f'href="/cycles/{cycle}"' in page and f"已计算 {done} / {total} 户" in page
    assert preparer.get(f"/api/v1/jobs/{job}").json() == {
        "job": str(job), "kind": "run", "jurisdiction": "230523", "month": "2022-04", "state": "done",
        "done": done, "total": total, "cycle": str(cycle)}
    listing = preparer.get("/jobs").text
    assert f'data-job="{job}" data-state="done"' in listing and f'href="/cycles/{cycle}"' in listing
    # The same draft as `cycle run` makes of the same book, recorded as the preparer's write through the web.
    other = web_templates[backend]()
    ran = cli(other, "cycle", "run", "--jurisdiction", "230523", "--month", "2022-04", "--date", "2022-04-01",
              user=PREPARER)
    assert int(ran) == cycle
    assert json.loads(cli(other, "cycle", "show", ran, "--json", user=PREPARER)) == \
        preparer.get(f"/api/v1/cycles/{cycle}").json()
    last = read(web_url, lambda s: s.execute(select(WriteRecord.user_name, WriteRecord.channel)
                                             .order_by(WriteRecord.id.desc())).first())
    assert tuple(last) == (PREPARER, "web")
    assert read(web_url, lambda s: s.get(Cycle, cycle).run_by) == PREPARER


def test_the_progress_is_seen_while_the_run_runs(app, signed_in, web_url, held, backend):
    reached, release = held
    preparer = signed_in(PREPARER)
    job = job_of(start(preparer))
    assert reached.wait(60)
    polled = preparer.get(f"/api/v1/jobs/{job}").json()
    assert polled["state"] == "running" and 1 <= polled["done"] < polled["total"]
    assert "cycle" not in polled and "errors" not in polled
    page = unescape(preparer.get(f"/jobs/{job}").text)
    assert f'<progress id="job-progress" max="{polled["total"]}" value="{polled["done"]}">' in page
    assert f"已计算 {polled['done']} / {polled['total']} 户" in page and "/static/jobs.js" in page
    assert f'data-job="{job}" data-state="running"' in preparer.get("/jobs").text
    # The row itself moves where a second writer may write beside the run (several server processes read it);
    # SQLite has one writer, so there it learns the figures at the end and the page reads this process's.
    state, done, total, _, _ = job_row(web_url, job)
    assert (state, total) == ("running", polled["total"])
    assert done == (polled["done"] if backend == "postgresql" else 0)
    release.set()
    finish(app, job)
    assert preparer.get(f"/api/v1/jobs/{job}").json()["state"] == "done"


def test_a_second_run_of_the_month_while_one_runs_is_refused_naming_it(app, signed_in, web_url, held):
    reached, release = held
    preparer = signed_in(PREPARER)
    job = job_of(start(preparer))
    assert reached.wait(60)
    again = start(preparer)
    assert again.status_code == 422
    text = unescape(again.text)
    assert f"第 {job} 号任务" in text and "李明（li.ming）" in text and "2022-04-01 09:00" in text, text[-800:]
    assert "不能同时计算两次" in text and f"/jobs/{job}" in text
    # The API's run is refused the same way, naming the job.
    api = preparer.post("/api/v1/cycles", json={"jurisdiction": "230523", "month": "2022-04"},
                        headers={"X-CSRF-Token": csrf_of(preparer.get("/cycles").text)})
    assert api.status_code == 422 and any(f"第 {job} 号任务" in line for line in api.json()["errors"])
    release.set()
    finish(app, job)
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(Job))) == 1
    assert cycles_of(web_url, "2022-04") == 1
    # Once it has ended, the month may be run again (a draft is re-run in place).
    finish(app, job_of(start(preparer)))


def test_two_posts_at_the_same_moment_start_one_job(app, signed_in, web_url, held, monkeypatch):
    """Both pass the first look (no live job yet) and insert at once: the database's partial unique index (or, on
    SQLite, the write lock the first run then holds) lets one in; the other is refused naming it."""
    reached, release = held
    together = threading.Barrier(2, timeout=30)
    real_open = service.Lease.open

    def open_together(self, values):
        together.wait()
        return real_open(self, values)

    monkeypatch.setattr(service.Lease, "open", open_together)
    clients = [signed_in(PREPARER), signed_in(PREPARER)]
    pages = [c.get("/cycles").text for c in clients]
    answers: list = [None, None]

    def post(index: int) -> None:
        answers[index] = clients[index].post("/cycles/run", data={"csrf": csrf_of(pages[index]), **APRIL})

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(a.status_code for a in answers)
    assert codes == [303, 422], [(a.status_code, unescape(a.text)[-400:]) for a in answers]
    started = next(a for a in answers if a.status_code == 303)
    refused = next(a for a in answers if a.status_code == 422)
    job = job_of(started)
    assert f"第 {job} 号任务" in unescape(refused.text), unescape(refused.text)[-600:]
    release.set()
    finish(app, job)
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(Job))) == 1


def test_the_database_holds_one_live_job_a_county_and_month(web_url):
    from sqlalchemy.exc import IntegrityError

    database = dbmod.Database(web_url)
    values = {"kind": "run", "jurisdiction_code": "230523", "month": "2022-04", "label": "x", "parameters": "{}",
              "state": "running", "done": 0, "total": 0, "user_name": PREPARER, "channel": "web",
              "created_at": datetime(2022, 4, 1, 9, 0, tzinfo=timezone.utc)}
    try:
        with database.engine.begin() as connection:
            first = store.insert_job(connection, values)
        with pytest.raises(IntegrityError, match="uq_jobs_live|UNIQUE"):
            with database.engine.begin() as connection:
                store.insert_job(connection, values | {"state": "queued"})
        with database.engine.begin() as connection:
            store.insert_job(connection, values | {"month": "2022-05"})  # another month: its own
            store.update_job(connection, first, state="failed")
            store.insert_job(connection, values)  # the first has ended: the month may run again
    finally:
        database.dispose()


def test_a_refused_run_ends_failed_with_its_lines_and_the_books_unchanged(app, signed_in, web_url):
    preparer = signed_in(PREPARER)
    page = preparer.get("/cycles").text
    before = snapshot(web_url)
    job = job_of(preparer.post("/cycles/run", data={"csrf": csrf_of(page), "jurisdiction": "230523",
                                                    "month": "2022-06"}))
    finish(app, job)
    state, _, _, errors, result = job_row(web_url, job)
    assert state == "failed" and result is None and "2022-06 is too far ahead" in errors
    after = snapshot(web_url)
    assert {k: v for k, v in after.items() if k != "jobs"} == {k: v for k, v in before.items() if k != "jobs"}
    shown = unescape(preparer.get(f"/jobs/{job}").text)
    assert "任务未能完成" in shown and "2022-06 is too far ahead" in shown and "账簿没有改变" in shown
    english = unescape(preparer.get(f"/jobs/{job}?lang=en").text)
    assert "The job did not complete" in english and "2022-06 is too far ahead" in english
    assert "Failed" in english and "the books are unchanged" in english
    polled = preparer.get(f"/api/v1/jobs/{job}").json()
    assert polled["state"] == "failed" and any("too far ahead" in e for e in polled["errors"])


def test_a_defect_fails_the_job_in_chinese_without_a_traceback(app, signed_in, web_url, monkeypatch, caplog):
    def broken(*args, **options):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(workers, "run_cycle", broken)
    preparer = signed_in(PREPARER)
    with caplog.at_level(logging.ERROR, logger="aidledger.jobs"):
        job = job_of(start(preparer))
        finish(app, job)
    assert any("background job" in r.getMessage() and r.exc_info for r in caplog.records)
    assert job_row(web_url, job)[:1] == ("failed",) and job_row(web_url, job)[3] == DEFECT
    page = preparer.get(f"/jobs/{job}").text
    assert DEFECT in unescape(page) and "Traceback" not in page and "on fire" not in page
    assert cycles_of(web_url, "2022-04") == 0


def test_a_job_a_dead_process_left_running_is_failed_at_start_up(web_url, clock, backend):
    database = dbmod.Database(web_url)
    values = {"kind": "run", "jurisdiction_code": "230523", "label": "230523 2022-04 发放批次计算",
              "parameters": "{}", "state": "running", "done": 3, "total": 12, "user_name": PREPARER,
              "channel": "web", "created_at": clock.now}
    try:
        with database.engine.begin() as connection:
            dead = store.insert_job(connection, values | {"month": "2022-04"})
        alive = None
        if backend == "postgresql":  # another server process, alive, holds its job's lease: left alone
            keeper = database.engine.connect()
            with keeper.begin():
                alive = store.insert_job(keeper, values | {"month": "2022-05"})
                store.hold_lease(keeper, alive)
        application = create_app(web_url, clock=clock)
        application.state.database.dispose()
        state, _, _, errors, _ = job_row(web_url, dead)
        assert (state, errors) == ("failed", INTERRUPTED)
        if alive is not None:
            assert job_row(web_url, alive)[0] == "running"
            keeper.close()
    finally:
        database.dispose()
    assert INTERRUPTED == "服务重启，任务中断，数据库未改变"


def test_a_job_is_seen_only_inside_its_county(app, signed_in, web_url):
    job = job_of(start(signed_in(PREPARER)))
    finish(app, job)
    outsider = signed_in(ELSEWHERE)  # an auditor of 230524
    assert outsider.get(f"/jobs/{job}").status_code == 403
    assert outsider.get(f"/api/v1/jobs/{job}").status_code == 403
    assert f'data-job="{job}"' not in outsider.get("/jobs").text
    for user in (TOWN_CLERK, CITY_AUDITOR, AUDITOR, APPROVER):  # the county's township clerk, its city, the county
        c = signed_in(user)
        assert c.get(f"/jobs/{job}").status_code == 200, user
        assert f'data-job="{job}"' in c.get("/jobs").text, user
    assert outsider.get("/jobs/999").status_code == 404
    assert outsider.get("/api/v1/jobs/999").status_code == 404
    assert outsider.get("/jobs/abc").status_code == 422


def test_only_the_countys_preparers_start_runs(signed_in, web_url):
    for user in (ADMIN, APPROVER, AUDITOR):
        c = signed_in(user)
        assert start(c).status_code == 403, user
    clerk = signed_in(TOWN_CLERK)  # a preparer of one township: the county's month is not theirs
    refused = start(clerk)
    assert refused.status_code == 422 and "230523" in unescape(refused.text)
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(Job))) == 0


def test_the_apis_run_is_a_job_run_inside_the_request(app, signed_in, web_url):
    """`POST /api/v1/cycles` answers with the cycle, as before; the run was a job (channel api), so that the page's
    run of the same month is refused while it runs, and a refusal ends it failed with the books unchanged."""
    preparer = signed_in(PREPARER)
    token = {"X-CSRF-Token": csrf_of(preparer.get("/cycles").text)}
    before = snapshot(web_url)
    refused = preparer.post("/api/v1/cycles", json={"jurisdiction": "230523", "month": "2022-06"}, headers=token)
    assert refused.status_code == 422 and any("too far ahead" in line for line in refused.json()["errors"])
    assert {k: v for k, v in snapshot(web_url).items() if k != "jobs"} == \
        {k: v for k, v in before.items() if k != "jobs"}
    made = preparer.post("/api/v1/cycles", json={"jurisdiction": "230523", "month": "2022-04"}, headers=token)
    assert made.status_code == 201, made.text
    cycle = int(made.json()["cycle"])
    found = read(web_url, lambda s: [(j.state, j.channel, json.loads(j.result or "{}").get("cycle"))
                                     for j in s.scalars(select(Job).order_by(Job.id))])
    assert found == [("failed", "api", None), ("done", "api", cycle)]
    assert read(web_url, lambda s: s.get(Cycle, cycle).run_by) == PREPARER
