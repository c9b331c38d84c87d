"""Issue 19 in a real browser (Debian's chromium driven by Playwright): the demo county's year (a workbook registry,
two paying banks, a bank's own returns file, a death-list finding dismissed), then January 2023 run against a new
crematorium list: the approver sees the finding on the cycle's page, cannot sign while it is open, confirms it
there, and the line is held. Screenshots: test-screenshots/county-*.png (docs/images/ with AIDLEDGER_DOC_SHOTS=1).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from browsing import browser, serving, shot  # noqa: F401  (browser is the module's fixture)
from click.testing import CliRunner

from aidledger import db as dbmod
from aidledger.cli import cli
from aidledger.demo import DEMO_USERS
from aidledger.disbursement.cycles.service.run import run_cycle
from aidledger.disbursement.matching.service import load_list

PASSWORDS = {name: password for name, _, _, _, password in DEMO_USERS}
NOW = datetime(2023, 1, 10, 9, 0, tzinfo=timezone.utc)
MA_YUMEI = "230523197809020222"  # H001's spouse, not its payee


def sign_in(browser, server: str, user: str, errors: list[str]):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/signin")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    return context, page


def test_banks_returns_and_a_finding_resolved_in_the_browser(browser, tmp_path):  # noqa: F811
    out = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", "--out", str(out)]).exit_code == 0
    url = f"sqlite:///{out / 'aidledger.db'}"
    deaths = tmp_path / "火化名单.csv"
    deaths.write_bytes(f"身份证号,姓名,死亡日期,备注\n{MA_YUMEI},马玉梅,2022-12-20,已火化\n".encode("gbk"))
    database = dbmod.Database(url)
    try:
        with database.write() as session:
            load_list(session, deaths, kind="death", source="县殡仪馆火化名单", listed_on=date(2023, 1, 5),
                      user="li.ming", now=NOW, today=NOW.date())
        with database.write() as session:
            january = run_cycle(session, "230523", "2023-01", user="li.ming", now=NOW, on=NOW.date()).cycle_id
    finally:
        database.dispose()
    errors: list[str] = []
    with serving(url, clock=lambda: NOW) as server:
        context, page = sign_in(browser, server, "li.ming", errors)
        # March 2022: the two banks' files, the 邮储 return booked from its own xlsx, in the bank's words
        page.goto(f"{server}/cycles/3")
        returns = page.inner_text("table.returns")
        assert "账户已销户" in returns and "closed" not in returns
        shot(page, "county-bank-returns")
        context.close()

        context, page = sign_in(browser, server, "wang.fang", errors)
        page.goto(f"{server}/cycles/{january}")
        row = page.locator("tr[data-finding]").filter(has_text="马玉梅")
        assert row.get_attribute("data-status") == "open"
        assert "于 2022-12-20 死亡" in row.inner_text() and MA_YUMEI in row.inner_text()  # an approver sees it
        assert page.locator("[data-figure=open-findings]").count() == 1
        carried = page.locator("tr[data-finding]").filter(has_text="高小燕")
        assert carried.get_attribute("data-status") == "dismissed" and "沿用第" in carried.inner_text()
        shot(page, "county-finding-open")
        # signing is refused while the finding is open, with the reason in Chinese
        page.locator("form[data-form=approve] button[type=submit]").click()
        page.wait_for_load_state()
        assert "数据比对" in page.inner_text("main")
        page.goto(f"{server}/cycles/{january}")
        row = page.locator("tr[data-finding]").filter(has_text="马玉梅")
        row.locator("input[name=reason]").fill("经殡仪馆核实已火化")
        with page.expect_navigation():
            row.locator("button[value=confirmed]").click()
        row = page.locator("tr[data-finding]").filter(has_text="马玉梅")
        assert row.get_attribute("data-status") == "confirmed" and "经殡仪馆核实已火化" in row.inner_text()
        assert "H001" in page.inner_text("table.held")
        assert page.locator("[data-figure=open-findings]").count() == 0
        shot(page, "county-finding-confirmed")
        context.close()

        context, page = sign_in(browser, server, "zhao.audit", errors)  # an auditor: the id number masked
        page.goto(f"{server}/cycles/{january}")
        text = page.inner_text("table.findings")
        assert "230523********0222" in text and MA_YUMEI not in text and "已核实" in text
        assert page.locator("form[data-form=resolve-finding]").count() == 0
        context.close()
    assert errors == []
