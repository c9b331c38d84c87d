"""Large uploads and reports as background jobs (issue 17): past the application's thresholds an upload is the
same all-or-nothing import in a job whose page says what it stored, or lists every problem to the uploader with
the problems file; a register or an audit pack is drawn by a job, and its file is downloaded by the user who asked
for it, the same bytes as the direct download."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import threading
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import APPROVER, AUDITOR, EXAMPLES, PREPARER, snapshot
from test_downloads import assert_pdf, households_in, pdf_text
from test_jobs import finish, job_of
from webbook import (  # noqa: F401
    CITY_AUDITOR,
    TOWN_CLERK,
    TOWNSHIP,
    app,
    clock,
    csrf_of,
    signed_in,
    web_templates,
    web_url,
)
from webbook import read_book as read

from aidledger.disbursement.registry import service as registry_service
from aidledger.disbursement.registry.tables import EventRow
from aidledger.jobs.tables import Job
from aidledger.web.thresholds import Thresholds

REGISTRY = EXAMPLES / "registry"
BAD_EVENTS = b"household_id,kind,date,value\nH001,income,2022-03-15,900.00\nNOPE,income,2022-03-15,1\n"
GOOD_EVENTS = "household_id,kind,date,value\nH001,income,2022-03-15,900.00\nH003,suspend,2022-03-15,核查\n"


@pytest.fixture
def background(app):
    """Every upload and every register goes to a job."""
    app.state.thresholds = Thresholds(upload_bytes=0, register_households=0)
    return app


def upload(client, action: str, **files):
    page = client.get("/registry/upload")
    return client.post(action, data={"csrf": csrf_of(page.text)},
                       files={field: (name, content, "text/csv") for field, (name, content) in files.items()})


def events(url: str) -> int:
    return read(url, lambda s: s.scalar(select(func.count()).select_from(EventRow)))


def upload_folders() -> set[str]:
    return {path.name for path in Path(tempfile.gettempdir()).glob("aidledger-upload-*")}


def test_a_small_upload_is_answered_in_the_request(app, signed_in, web_url):
    done = upload(signed_in(PREPARER), "/registry/upload-events", events=("e.csv", GOOD_EVENTS.encode()))
    assert done.status_code == 200 and "已登记 2 项变动。" in done.text
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(Job))) == 0


def test_a_large_upload_is_imported_by_a_job(background, signed_in, web_url):
    c = signed_in(PREPARER)
    before, folders = events(web_url), upload_folders()
    job = job_of(upload(c, "/registry/upload-events", events=("三月变动.csv", GOOD_EVENTS.encode())))
    finish(background, job)
    assert events(web_url) == before + 2
    page = unescape(c.get(f"/jobs/{job}").text)
    assert 'data-outcome="stored"' in page and "已登记 2 项变动。" in page and "导入变动：三月变动.csv" in page
    polled = c.get(f"/api/v1/jobs/{job}").json()
    assert polled["kind"] == "import" and polled["state"] == "done"
    assert polled["result"] == {"kind": "events", "households": 0, "members": 0, "events": 2, "unchanged": False}
    assert "三月变动.csv" in c.get("/registry/H001").text  # the history names the upload as its source
    # The example registry again, as households and members: the job says nothing changed.
    again = job_of(upload(c, "/registry/upload", households=("households.csv", (REGISTRY / "households.csv")
                                                             .read_bytes()),
                          members=("members.csv", (REGISTRY / "members.csv").read_bytes())))
    finish(background, again)
    assert 'data-outcome="unchanged"' in c.get(f"/jobs/{again}").text
    rows = c.get(f"/api/v1/jobs/{again}").json()
    assert rows["state"] == "done" and rows["result"]["unchanged"] is True
    assert upload_folders() <= folders  # each job removed its files when it ended


def test_a_refused_large_upload_lists_its_problems_to_the_uploader_only(background, signed_in, web_url):
    c = signed_in(PREPARER)
    before, folders = snapshot(web_url), upload_folders()
    job = job_of(upload(c, "/registry/upload-events", events=("e.csv", BAD_EVENTS)))
    finish(background, job)
    after = snapshot(web_url)
    assert {k: v for k, v in after.items() if k not in ("jobs", "writes")} == \
        {k: v for k, v in before.items() if k not in ("jobs", "writes")}
    assert upload_folders() <= folders
    page = unescape(c.get(f"/jobs/{job}").text)
    assert "任务未能完成" in page and "未能导入：共 1 个问题" in page
    assert "<td>e.csv</td><td>3</td><td>household_id</td><td>NOPE</td>" in page
    download = c.get(f"/jobs/{job}/problems.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95-e.csv" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["文件", "行", "列", "值", "原因"] and rows[1][:4] == ["e.csv", "3", "household_id", "NOPE"]
    assert any("NOPE" in line for line in c.get(f"/api/v1/jobs/{job}").json()["errors"])
    # The auditor sees the job, but not the file's cells: how many problems, no rows, no file, no lines.
    auditor = signed_in(AUDITOR)
    theirs = unescape(auditor.get(f"/jobs/{job}").text)
    assert "任务未能完成" in theirs and "共 1 个问题，问题清单只有上传文件的用户可以查看" in theirs
    assert "NOPE" not in theirs and "problems.csv" not in theirs
    assert auditor.get(f"/jobs/{job}/problems.csv").status_code == 403
    assert "NOPE" not in json.dumps(auditor.get(f"/api/v1/jobs/{job}").json(), ensure_ascii=False)
    # A township's clerk does not see a job of a user whose scope is the whole book.
    assert signed_in(TOWN_CLERK).get(f"/jobs/{job}").status_code == 403


def test_a_second_import_while_one_runs_is_refused_naming_it(background, signed_in, web_url, monkeypatch):
    reached, release = threading.Event(), threading.Event()
    real = registry_service.import_events

    def holding(*args, **options):
        reached.set()
        release.wait(60)
        return real(*args, **options)

    monkeypatch.setattr(registry_service, "import_events", holding)
    c = signed_in(PREPARER)
    job = job_of(upload(c, "/registry/upload-events", events=("e.csv", GOOD_EVENTS.encode())))
    try:
        assert reached.wait(30)
        assert c.get(f"/api/v1/jobs/{job}").json()["state"] == "running"
        second = upload(c, "/registry/upload-events", events=("f.csv", GOOD_EVENTS.encode()))
        assert second.status_code == 422
        assert f"第 {job} 号任务" in unescape(second.text)
    finally:
        release.set()
    finish(background, job)
    assert c.get(f"/api/v1/jobs/{job}").json()["state"] == "done"


def test_a_large_cycles_register_is_drawn_by_a_job_for_its_asker(background, signed_in, tmp_path):
    auditor = signed_in(AUDITOR)
    listing = auditor.get("/downloads").text
    assert 'action="/downloads/register/1"' in listing and 'href="/downloads/register/1.pdf"' not in listing
    job = job_of(auditor.post("/downloads/register/1", data={"csrf": csrf_of(listing)}))
    finish(background, job)
    page = unescape(auditor.get(f"/jobs/{job}").text)
    assert "报表已生成。" in page and f'href="/jobs/{job}/file"' in page
    polled = auditor.get(f"/api/v1/jobs/{job}").json()
    assert polled["state"] == "done" and polled["done"] == polled["total"] == polled["result"]["households"] > 0
    drawn = auditor.get(f"/jobs/{job}/file")
    assert_pdf(drawn, "register-1-2022-01.pdf")
    assert drawn.content == auditor.get("/downloads/register/1.pdf").content  # the direct download's bytes
    # Drawn with the asker's masking: nobody else downloads it.
    other = signed_in(APPROVER)
    assert other.get(f"/jobs/{job}/file").status_code == 403
    assert "只有发起人可以下载" in unescape(other.get(f"/jobs/{job}").text)
    # A township's clerk's job draws their township's register, whatever the form says.
    clerk = signed_in(TOWN_CLERK)
    theirs = job_of(clerk.post("/downloads/register/1", data={"csrf": csrf_of(clerk.get("/downloads").text)}))
    finish(background, theirs)
    mine = clerk.get(f"/jobs/{theirs}/file")
    assert_pdf(mine, f"register-1-2022-01-{TOWNSHIP}.pdf")
    assert households_in(pdf_text(tmp_path, mine.content)) == households_in(
        pdf_text(tmp_path, clerk.get(f"/downloads/register/1.pdf?township={TOWNSHIP}").content))
    forged = clerk.post("/downloads/register/1", data={"csrf": csrf_of(clerk.get("/downloads").text),
                                                       "township": "230523101"})
    assert forged.status_code == 403


def test_the_audit_pack_is_drawn_by_a_job_with_the_verification_as_its_progress(app, signed_in, tmp_path):
    auditor = signed_in(CITY_AUDITOR)
    page = auditor.get("/downloads").text
    job = job_of(auditor.post("/downloads/audit", data={"csrf": csrf_of(page), "jurisdiction": "230523",
                                                        "as_of": "2022-03-31"}))
    finish(app, job)
    polled = auditor.get(f"/api/v1/jobs/{job}").json()
    assert polled["state"] == "done" and polled["done"] == polled["total"] > 0  # journal lines verified
    drawn = auditor.get(f"/jobs/{job}/file")
    assert_pdf(drawn, "audit-230523-2022-03-31.pdf")
    assert "宝清县（230523）2022年度社会救助资金审计资料" in pdf_text(tmp_path, drawn.content)
    refused = auditor.post("/downloads/audit", data={"csrf": csrf_of(page), "jurisdiction": "../x"})
    assert refused.status_code == 422 and "辖区代码“../x”无效" in unescape(refused.text)
    preparer = signed_in(PREPARER)
    assert preparer.post("/downloads/audit", data={"csrf": csrf_of(preparer.get("/downloads").text),
                                                   "jurisdiction": "230523"}).status_code == 403
