"""A month run from the page in a real browser (Debian's chromium, driven by Playwright, as tests/web/test_browser.py):
the post answers with the job's page, whose progress bar moves (static/jobs.js polls the job every second) and which
goes to the draft's page when the run is done. The run is held at its first household so that the bar is seen part
way; the screenshots are test-screenshots/20-job-progress.png (docs/images/web-job-progress.png is a copy) and
21-jobs.png (the jobs list). Then a large upload refused and a large register, each a job whose page shows how it
ended: 22-import-job-refused.png and 23-report-job.png (docs/images/web-import-job-refused.png, web-report-job.png).

SQLite only, as the other browser tests: the route tests (tests/web/test_jobs.py) run on both databases.
"""

from __future__ import annotations

import re

import pytest
from browsing import SHOTS, browser, serving  # noqa: F401
from playwright import sync_api as playwright_api
from support import PREPARER
from test_jobs import held  # noqa: F401  (the run held at its first household)
from webbook import PASSWORD, web_templates  # noqa: F401

from aidledger.web.thresholds import Thresholds


@pytest.fixture(scope="module")
def server(web_templates):
    with serving(web_templates["sqlite"]()) as url:
        yield url


def signed_in_page(context, server: str) -> tuple[playwright_api.Page, list[str]]:
    """A page of the preparer's, signed in, and the console errors it will log."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server + "/signin")
    page.fill("input[name=user]", PREPARER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    return page, errors


def test_a_preparer_runs_a_month_and_watches_its_progress(server, browser, held):
    reached, release = held
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page, errors = signed_in_page(context, server)

    page.click("nav >> text=发放批次")
    page.wait_for_url(server + "/cycles")
    page.fill("form[data-form=run] input[name=jurisdiction]", "230523")
    page.fill("form[data-form=run] input[name=month]", "2022-04")
    page.click("form[data-form=run] button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    assert reached.wait(30)
    # The page's script asks every second: the bar shows the household the run holds at, of all of them.
    counted = page.locator("#job-counted")
    playwright_api.expect(counted).to_have_text(re.compile(r"已计算 1 / \d+ 户"), timeout=10_000)
    total = int(re.search(r"/ (\d+) 户", counted.inner_text()).group(1))
    assert total > 1
    assert page.locator("#job-progress").get_attribute("max") == str(total)
    assert page.eval_on_selector("#job-progress", "bar => bar.value") == 1
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "20-job-progress.png"), full_page=True)

    # Closing the tab stops nothing: the run goes on, and the jobs list shows it.
    watcher = context.new_page()
    watcher.goto(server + "/jobs")
    assert "进行中" in watcher.inner_text("main")
    release.set()
    page.wait_for_url(re.compile(r".*/cycles/\d+$"), timeout=30_000)
    main = page.inner_text("main")
    assert "2022-04" in main and "草稿" in main
    watcher.goto(server + "/jobs")
    assert "已完成" in watcher.inner_text("main")
    watcher.screenshot(path=str(SHOTS / "21-jobs.png"), full_page=True)
    assert not errors, errors
    context.close()


@pytest.fixture(scope="module")
def everything_a_job(web_templates):
    """A server that gives every upload and every register to a background job."""
    with serving(web_templates["sqlite"](), thresholds=Thresholds(upload_bytes=0, register_households=0)) as url:
        yield url


def test_a_large_upload_and_a_register_are_jobs_with_their_results_on_the_jobs_page(everything_a_job, browser,
                                                                                     tmp_path):
    server = everything_a_job
    context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 720})
    page, errors = signed_in_page(context, server)

    # An events file with a household that does not exist: the job ends refused, its page lists the problem.
    bad = tmp_path / "四月变动.csv"
    bad.write_text("household_id,kind,date,value\nH001,income,2022-03-15,900.00\nNOPE,income,2022-03-15,1\n",
                   encoding="utf-8")
    page.goto(server + "/registry/upload")
    page.set_input_files("form[data-form=events] input[name=events]", str(bad))
    page.click("form[data-form=events] button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    playwright_api.expect(page.locator("section.job")).to_have_attribute("data-state", "failed", timeout=30_000)
    row = page.locator("table.problems tr[data-problem]")
    playwright_api.expect(row).to_have_count(1)
    assert row.inner_text().split("\t")[:4] == ["四月变动.csv", "3", "household_id", "NOPE"]
    page.screenshot(path=str(SHOTS / "22-import-job-refused.png"), full_page=True)
    with page.expect_download() as downloaded:
        page.click("a[data-problems]")
    saved = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(saved)
    assert saved.name == "问题清单-四月变动.csv"
    assert saved.read_text(encoding="utf-8-sig").splitlines()[1].startswith("四月变动.csv,3,household_id,NOPE,")

    # January's register, drawn by a job: its page offers the file once it is made.
    page.goto(server + "/downloads")
    page.click("tr[data-cycle='1'] form[data-form=register-job] >> nth=0 >> button")
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    link = page.locator("a[data-file]")
    playwright_api.expect(link).to_be_visible(timeout=30_000)
    page.screenshot(path=str(SHOTS / "23-report-job.png"), full_page=True)
    with page.expect_download() as downloaded:
        link.click()
    assert downloaded.value.suggested_filename.endswith("1月社会救助资金发放花名册.pdf")
    pdf = tmp_path / "register.pdf"
    downloaded.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert not errors, errors
    context.close()
