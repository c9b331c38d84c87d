"""The web application in a real browser: Debian's chromium, driven by Playwright (executable_path), against the
application served by uvicorn over a copy of the web book. A preparer signs in, finds a household by its id
number, reads its January explanation, opens a cycle and filters it by township, downloads the payment register,
and signs out. Screenshots of the main pages go to test-screenshots/ (README), to be looked at.

SQLite only: what the browser adds over the route tests (tests/web/test_*pages.py, on both databases) is the
browser, not the database.
"""

from __future__ import annotations

import pytest
from browsing import browser, serving, shot  # noqa: F401
from support import PREPARER
from webbook import PASSWORD, web_templates  # noqa: F401

H001_HEAD = "230523197705100113"  # 王建国, the head of H001 (tests/data/examples/registry/members.csv)



@pytest.fixture(scope="module")
def server(web_templates):
    with serving(web_templates["sqlite"]()) as url:
        yield url


def test_a_preparers_round_trip_in_the_browser(server, browser, tmp_path):
    context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # Signed out, the dashboard sends the browser to the sign-in page.
    page.goto(server + "/")
    assert page.url.startswith(server + "/signin")
    shot(page, "01-signin")
    page.fill("input[name=user]", PREPARER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    assert "李明" in page.inner_text("header")
    shot(page, "02-dashboard")

    # The registry: find H001 by its head's id number.
    page.click("nav >> text=救助对象")
    page.fill("input[name=q]", H001_HEAD)
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert "H001" in page.inner_text("main") and "H002" not in page.inner_text("main")
    shot(page, "03-registry-search")
    page.click("main >> a:text-is('H001')")
    page.wait_for_url("**/registry/H001*")
    assert "王建国" in page.inner_text("main")

    # Its January amount, explained part by part.
    page.goto(server + "/registry/H001?month=2022-01")
    main = page.inner_text("main")
    assert "1,242.00" in main and "基本保障金" in main and "补差" in main
    shot(page, "04-household")

    # A cycle, filtered by township.
    page.click("nav >> text=发放批次")
    page.wait_for_url(server + "/cycles")
    shot(page, "05-cycles")
    page.goto(server + "/cycles/1")
    assert "9,639.00" in page.inner_text("main")
    page.select_option("select[name=township]", "230523101")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**township=230523101*")
    lines = page.inner_text("main")
    assert "H003" in lines and "H001" not in lines.split("发放明细", 1)[-1]
    shot(page, "06-cycle-filtered")

    # The payment register, downloaded as a PDF.
    page.click("nav >> text=下载报表")
    shot(page, "07-downloads")
    with page.expect_download() as download_info:
        page.click("a[href='/downloads/register/1.pdf']")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".pdf" and saved.read_bytes().startswith(b"%PDF")

    # Sign out: the pages are closed again.
    page.click("header >> button:text('退出')")
    page.wait_for_url("**/signin")
    page.goto(server + "/cycles/1")
    assert page.url.startswith(server + "/signin")
    assert not errors, errors
    context.close()


def test_the_other_main_pages_render(server, browser):
    """Screenshots of the budget, reserves, recoveries and ledger pages as an auditor sees them."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/signin")
    page.fill("input[name=user]", "zhao.audit")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    for number, path in enumerate(("/budget", "/reserves", "/recoveries", "/ledger"), start=8):
        response = page.goto(server + path)
        assert response is not None and response.status == 200, path
        assert "系统内部错误" not in page.inner_text("body")
        shot(page, f"{number:02d}-{path.strip('/')}")
    context.close()
