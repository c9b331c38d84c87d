"""A county's month of 100,000 households run from the page, in a real browser (issue 17): Debian's chromium, driven
by Playwright (executable_path), against the application served by uvicorn, as tests/web/test_browser.py.

The county is bench/cycle.py's generated one (≈ 250,000 members, the three programmes, income changes), written
straight into the registry tables by the bench's own loader, on a book bench/web_data.py sets up (users with
passwords, the example policies, an allocation for the year): imported from bench/, not copied. The preparer starts
2022-01 from the cycles page; the job's page shows the bar moving (at least two different figures seen part way),
then goes to the draft's page, which counts the households paid. The job's page part way is the screenshot
test-screenshots/month-job.png (docs/images/month-job.png with AIDLEDGER_DOC_SHOTS=1).

Marked slow: about 45 seconds on two shared cores (the county generated and loaded in about 15, the run about 20:
its shares are computed by worker processes, so the bar moves a share at a time).
SQLite only, as the other browser tests.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from browsing import browser, serving, shot  # noqa: F401
from playwright import sync_api as playwright_api

BENCH = Path(__file__).resolve().parents[2] / "bench"
HOUSEHOLDS = 100_000
MONTH = "2022-01"


def county_book(folder: Path) -> tuple[str, object]:
    """The bench's book with its generated county of HOUSEHOLDS households: its URL and the bench's web_data module
    (its users and password)."""
    sys.path.insert(0, str(BENCH))
    try:
        import common  # bench/common.py
        import cycle as generated  # bench/cycle.py
        import web_data  # bench/web_data.py
    finally:
        sys.path.remove(str(BENCH))
    url = f"sqlite:///{folder / 'county.db'}"
    web_data.set_up_book(url, HOUSEHOLDS)
    with common.sqlite_backend(str(folder)) as backend:
        county = generated.load_registry(backend, url, HOUSEHOLDS)
    assert county.households == HOUSEHOLDS
    return url, web_data


@pytest.mark.slow
def test_a_county_of_100000_households_runs_from_the_page(browser, tmp_path):
    started = time.monotonic()
    url, bench = county_book(tmp_path)
    built = time.monotonic() - started
    errors: list[str] = []
    with serving(url) as server:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server + "/signin")
        page.fill("input[name=user]", bench.PREPARER)
        page.fill("input[name=password]", bench.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")

        page.click("nav >> text=发放批次")
        page.wait_for_url(server + "/cycles")
        page.fill("form[data-form=run] input[name=jurisdiction]", bench.COUNTY)
        page.fill("form[data-form=run] input[name=month]", MONTH)
        run_at = time.monotonic()
        page.click("form[data-form=run] button[type=submit]")
        page.wait_for_url(re.compile(r".*/jobs/\d+$"))

        # Watch the bar until the page goes to the draft: what it showed, each time it changed.
        seen: list[tuple[int, int, str]] = []
        shot_taken = False
        deadline = time.monotonic() + 180
        while not re.match(r".*/cycles/\d+$", page.url):
            assert time.monotonic() < deadline, (page.url, seen)
            try:
                figures = page.evaluate(
                    "() => { const bar = document.getElementById('job-progress'); "
                    "const text = document.getElementById('job-counted'); "
                    "return bar && text ? [bar.value, bar.max, text.textContent] : null; }")
            except playwright_api.Error:  # the page is going to the cycle's page
                figures = None
            if figures is not None:
                value, top, text = int(figures[0]), int(figures[1]), figures[2].strip()
                if not seen or seen[-1] != (value, top, text):
                    seen.append((value, top, text))
                if not shot_taken and 0 < value < top:
                    shot(page, "month-job", full_page=False)
                    shot_taken = True
            page.wait_for_timeout(250)
        ran = time.monotonic() - run_at
        page.wait_for_load_state()

        part_way = {(value, text) for value, top, text in seen if top == HOUSEHOLDS and 0 < value < HOUSEHOLDS}
        assert len(part_way) >= 2, seen  # the bar moved at least twice before the run was done
        assert all(re.fullmatch(r"已计算 \d+ / \d+ 户", text) for _, _, text in seen), seen
        assert any(text == f"已计算 {value} / {HOUSEHOLDS} 户" for value, text in part_way), seen
        values = [value for value, _, _ in seen]
        assert values == sorted(values), seen  # never backwards
        assert shot_taken

        assert MONTH in page.inner_text("h1") and page.inner_text(".cards .status").startswith("草稿")
        count = int(page.inner_text("[data-figure=count]").replace(",", ""))
        assert 0 < count <= HOUSEHOLDS
        cycle_id = int(page.url.rsplit("/", 1)[1])
        context.close()
    stored = bench._query(url, f"SELECT count, status FROM cycles WHERE id = {cycle_id}")[0]
    assert stored == (count, "draft")
    assert not errors, errors
    print(f"\n{HOUSEHOLDS:,} households: book built in {built:.0f} s; run from the page in {ran:.0f} s, "
          f"{count:,} paid; progress seen: {[v for v, _, _ in seen]}")

