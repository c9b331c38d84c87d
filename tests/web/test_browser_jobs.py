"""A month run from the page in a real browser (Debian's chromium, driven by Playwright, as tests/web/test_browser.py):
the post answers with the job's page, whose progress bar moves (static/jobs.js polls the job every second) and which
goes to the draft's page when the run is done. The run is held at its first household so that the bar is seen part
way; the screenshots are test-screenshots/20-job-progress.png (docs/images/web-job-progress.png is a copy) and
21-jobs.png (the jobs list).

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


@pytest.fixture(scope="module")
def server(web_templates):
    with serving(web_templates["sqlite"]()) as url:
        yield url




def test_a_preparer_runs_a_month_and_watches_its_progress(server, browser, held):
    reached, release = held
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server + "/signin")
    page.fill("input[name=user]", PREPARER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")

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
