"""The whole month in a real browser (issue 17): Debian's chromium, driven by Playwright (executable_path), against the
application served by uvicorn, as tests/web/test_browser.py.

A fresh book holds the users, the example policies (the county asking for two sign-offs: 审核 then 审批) and an
allocation, and no registry. In the browser, 李明 (li.ming) uploads the worked example's registry and its events,
then runs each of its months, 2021-12 to 2022-03, from the cycles page; each month's amounts are the worked
example's (tests/data/examples/expected.json), read from the cycle's page and from the API in the same session. The
differences page reconciles last month's total with this month's. 王芳 signs 审核 and 陈静 审批; the preparer
cannot sign (no form, and a forged post is refused), nor can 王芳 sign twice (maker-checker). 李明 downloads the
bank file (its total is the cycle's), uploads the bank's returns (H002's January payment returned), corrects H002's
account through the household's form, and February's run pays the returned 1,032.00 again beside February's own.
March is sent back with a reason, run again and signed by both. Two approvers signing the same 待审核 page at
once give one 审核, and the other a page saying 请刷新页面.

The application's clock is the office's: the book is taken up on 2022-01-25 (the example's registry holds a
household approved on 2022-01-20, so it cannot be imported earlier), December is run late that day beside
January, February's work is done on 2022-02-05 and March's on 2022-03-05. Each day starts with signing in again
(a session lasts at most 12 hours).

Screenshots go to test-screenshots/month-*.png; with AIDLEDGER_DOC_SHOTS=1 also to docs/images/ (the copies
docs/web.md, "The month in the browser", shows: written only on request, so that a test run leaves the docs alone).
SQLite only, as the other browser tests: the route tests of these steps run on both databases.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from browsing import browser, serving, shot  # noqa: F401
from click.testing import CliRunner
from playwright import sync_api as playwright_api
from sqlalchemy import func, select
from support import ADMIN, APPROVER, EXAMPLE_POLICIES, EXAMPLES, PREPARER
from webbook import COUNTY, DISPLAY, PASSWORD, SECOND_APPROVER, USERS, new_book, password_env
from webbook import read_book as read

from aidledger.cli import cli
from aidledger.disbursement.signoffs.service import cycle_round
from aidledger.disbursement.signoffs.tables import Signoff
from aidledger.web.routes import month as month_routes

REGISTRY = EXAMPLES / "registry"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
MONTHS = sorted(key for key in EXPECTED if re.fullmatch(r"\d{4}-\d{2}", key))  # 2021-12 … 2022-03
COUNTY_POLICY = next(p for p in EXAMPLE_POLICIES if p.name.startswith(COUNTY))
TWO_SIGNOFFS = "\n[approval]\ncycle_signoffs = 2\n"
PEOPLE = (ADMIN, PREPARER, APPROVER, SECOND_APPROVER)  # 张伟, 李明, 王芳, 陈静
RETURNED = "H002"  # 李秀英's January payment comes back from the bank: 账户已销户
NEW_ACCOUNT = "6217000010000009999"
CYCLE_PAGE = re.compile(r".*/cycles/\d+$")


def yuan(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def accounts() -> dict[str, str]:
    with (REGISTRY / "households.csv").open(encoding="utf-8") as handle:
        return {row["household_id"]: row["bank_account"] for row in csv.DictReader(handle)}


# ---------------------------------------------------------------------------- the book, the clock, the server


def empty_book(path: Path) -> str:
    """A book that authenticates, with 张伟 (admin), 李明 (preparer), 王芳 and 陈静 (approvers), each with the test
    password, the example policies (the county's asking for two sign-offs) and a central_subsidy allocation: no
    registry. Made by the command line, as webbook.build makes the web book."""
    url = f"sqlite:///{path}"
    run = new_book(url)
    county_policy = path.parent / COUNTY_POLICY.name
    county_policy.write_text(COUNTY_POLICY.read_text(encoding="utf-8") + TWO_SIGNOFFS, encoding="utf-8")
    policies = [str(county_policy if p == COUNTY_POLICY else p) for p in EXAMPLE_POLICIES]
    with password_env():
        for name in PEOPLE:
            run("user", "add", name, "--role", USERS[name], "--display-name", DISPLAY[name], "--password-stdin",
                user=None if name == ADMIN else ADMIN, input=PASSWORD + "\n")
        run("policy", "load", *policies, user=ADMIN)
        run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "100000.00",
            "--date", "2021-12-01", user=PREPARER)
    return url


class OfficeClock:
    """The application's clock: a working day from 09:00, at the real pace; `day` moves it to another."""

    def __init__(self, day: date | None = None) -> None:
        self.offset = timedelta(0)
        if day is not None:
            self.day(day)

    def day(self, day: date) -> None:
        self.offset = datetime.now(timezone.utc) - datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) - self.offset


# ---------------------------------------------------------------------------- a person at a browser


class Desk:
    """One person's browser (a context of their own, so a session of their own), signed in."""

    def __init__(self, browser, server: str, user: str, errors: list[str]):
        self.server, self.user = server, user
        self.context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                           viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: errors.append(f"{user}: {error}"))
        self.page.on("console", lambda message: errors.append(f"{user}: {message.text}")
                     if message.type == "error" and "Failed to load resource" not in message.text else None)
        self.page.goto(server + "/signin")
        self.page.fill("input[name=user]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(server + "/")
        assert DISPLAY[user] in self.page.inner_text("header")

    def open(self, path: str):
        response = self.page.goto(self.server + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.page

    def main(self) -> str:
        return self.page.inner_text("main")

    def api(self, path: str) -> dict:
        """A GET of the API in this browser's session (page.request shares the context's cookies)."""
        response = self.page.request.get(self.server + path)
        assert response.ok, (path, response.status, response.text()[:400])
        return response.json()

    def submit(self, form: str, status: int = 200):
        """Click the submit button of `form` (a selector) and wait for the page it leads to; its status."""
        with self.page.expect_navigation() as navigation:
            self.page.click(f"{form} button[type=submit]")
        response = navigation.value
        assert response is not None and response.status == status, (form, response and response.status,
                                                                     self.main()[:800])
        return self.page

    def close(self) -> None:
        self.context.close()


def run_month(desk: Desk, month: str) -> int:
    """Run the county's month from the cycles page: the post answers with the job's page, which goes to the draft's
    page once the run is done (whatever the redirect, the browser ends on /cycles/N). The cycle's id."""
    page = desk.open("/cycles")
    page.fill("form[data-form=run] input[name=jurisdiction]", COUNTY)
    page.fill("form[data-form=run] input[name=month]", month)
    page.click("form[data-form=run] button[type=submit]")
    try:
        page.wait_for_url(CYCLE_PAGE, timeout=90_000)
    except playwright_api.TimeoutError:
        raise AssertionError(f"the run of {month} did not end on its cycle's page: {page.url}\n"
                             f"{page.inner_text('main')[:800]}") from None
    page.wait_for_load_state()
    assert month in page.inner_text("h1")
    return int(page.url.rsplit("/", 1)[1])


def page_amounts(page) -> dict[str, Decimal]:
    """household → amount, from the lines table of a cycle's page (its 11 households fit one page)."""
    rows = page.eval_on_selector_all(
        "table.lines tbody tr[data-household]", "rows => rows.map(r => [r.dataset.household, r.cells[7].textContent])")
    return {household: yuan(amount) for household, amount in rows}


def figure(page, name: str) -> str:
    return page.inner_text(f"[data-figure={name}]").strip()


def waiting(page) -> str:
    return figure(page, "waiting")


def expected(month: str) -> dict[str, Decimal]:
    return {household: Decimal(amount) for household, amount in EXPECTED[month].items()}


def check_amounts(desk: Desk, cycle_id: int, month: str, reissued: dict[str, Decimal] | None = None) -> dict:
    """The cycle's amounts, on its page and in the API, are the worked example's for the month (plus what it pays
    again of earlier returns, `reissued`); the API's view of the cycle."""
    reissued = reissued or {}
    wanted = {household: amount + reissued.get(household, Decimal("0")) for household, amount in
              expected(month).items()}
    page = desk.open(f"/cycles/{cycle_id}")
    assert page_amounts(page) == wanted, month
    assert yuan(figure(page, "total")) == sum(wanted.values()) and figure(page, "count") == str(len(wanted))
    view = desk.api(f"/api/v1/cycles/{cycle_id}")
    assert {line["household_id"]: Decimal(line["amount"]) for line in view["lines"]} == wanted
    assert (view["month"], view["status"]) == (month, "draft")
    entitled = {line["household_id"]: sum((Decimal(c["amount"]) for c in line["components"]
                                           if c["kind"] != "arrears"), Decimal("0")) for line in view["lines"]}
    assert entitled == expected(month)  # the month's own amounts, the re-issues aside
    return view


def check_differences(desk: Desk, cycle_id: int, previous_total: Decimal | None, total: Decimal) -> None:
    """The differences page reconciles: last month's total + new − left + changed = this month's total."""
    page = desk.open(f"/cycles/{cycle_id}/diff")
    cell = {name: yuan(page.inner_text(f"table.reconciliation tr[data-figure={name}] td.amount"))
            for name in ("previous_total", "new", "left", "changed", "total")}
    assert cell["total"] == total
    assert cell["previous_total"] + cell["new"] - cell["left"] + cell["changed"] == total
    assert "核对相符" in desk.main()
    if previous_total is None:
        assert "这是本县的第一个发放批次" in desk.main() and cell["new"] == total
    else:
        assert cell["previous_total"] == previous_total


def sign(desk: Desk, cycle_id: int, then: str) -> None:
    """One sign-off from the cycle's page; the page reads `then` afterwards (待审批, or the status 已审批)."""
    page = desk.open(f"/cycles/{cycle_id}")
    desk.submit("form[data-form=approve]")
    assert CYCLE_PAGE.match(page.url)
    if then == "已审批":
        assert page.inner_text(".cards .status") == "已审批" and page.locator("[data-figure=waiting]").count() == 0
    else:
        assert waiting(page) == then


def export(desk: Desk, cycle_id: int, folder: Path) -> list[list[str]]:
    """The bank file downloaded from the cycle's page: its rows (the control row last), checked against the
    cycle's count and total."""
    page = desk.open(f"/cycles/{cycle_id}")
    count, total = int(figure(page, "count")), yuan(figure(page, "total"))
    with page.expect_download() as downloaded:
        page.click("form[data-form=export] button[type=submit]")
    download = downloaded.value
    saved = folder / download.suggested_filename
    download.save_as(saved)
    text = saved.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    header, lines, control = rows[0], rows[1:-1], rows[-1]
    assert header == ["序号", "户编号", "收款人", "账号", "金额", "用途"]
    assert len(lines) == count and sum(Decimal(r[4]) for r in lines) == total
    assert control[0] == "合计" and control[2] == f"{count}户" and Decimal(control[4]) == total
    desk.open(f"/cycles/{cycle_id}")
    assert page.inner_text(".cards .status") == "已交银行代发"
    return rows


def book_returns(desk: Desk, cycle_id: int, folder: Path, rows: list[tuple[str, str, str]]) -> None:
    """The bank's returns file (账号,金额,原因; only the header when nothing came back) uploaded on the cycle's
    page: the cycle is settled."""
    path = folder / f"returns-{cycle_id}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("账号", "金额", "原因"))
        writer.writerows(rows)
    page = desk.open(f"/cycles/{cycle_id}")
    page.set_input_files("form[data-form=returns] input[name=returns]", str(path))
    desk.submit("form[data-form=returns]")
    assert re.match(rf".*/cycles/{cycle_id}#returns$", page.url)
    assert page.inner_text(".cards .status") == "已结算"


# ---------------------------------------------------------------------------- the month


def test_the_worked_examples_months_in_the_browser(browser, tmp_path):
    url = empty_book(tmp_path / "county.db")
    clock = OfficeClock(date(2022, 1, 25))
    errors: list[str] = []
    bank = accounts()
    totals: dict[str, Decimal] = {}
    cycles: dict[str, int] = {}
    with serving(url, clock) as server:
        # ---- 2022-01-25: the county takes the books up. 李明 uploads the registry, then its events.
        li = Desk(browser, server, PREPARER, errors)
        li.open("/registry")
        li.page.click("main >> text=上传名册文件")
        li.page.wait_for_url("**/registry/upload")
        li.page.set_input_files("form[data-form=registry] input[name=households]", str(REGISTRY / "households.csv"))
        li.page.set_input_files("form[data-form=registry] input[name=members]", str(REGISTRY / "members.csv"))
        li.submit("form[data-form=registry]")
        stored = li.page.inner_text("[data-outcome=stored]")
        assert re.fullmatch(r"已导入 11 户、\d+ 名成员。", stored), stored
        shot(li.page, "month-upload", full_page=False)
        li.page.set_input_files("form[data-form=events] input[name=events]", str(REGISTRY / "events.csv"))
        li.submit("form[data-form=events]")
        assert li.page.inner_text("[data-outcome=stored]") == "已登记 1 项变动。"
        li.open("/registry")
        assert all(h in li.main() for h in EXPECTED["2022-03"])

        wang, chen = Desk(browser, server, APPROVER, errors), Desk(browser, server, SECOND_APPROVER, errors)

        # ---- December, run late beside January: the county's first cycle; everything in it is new.
        cycles["2021-12"] = run_month(li, "2021-12")
        view = check_amounts(li, cycles["2021-12"], "2021-12")
        totals["2021-12"] = Decimal(view["total"])
        check_differences(li, cycles["2021-12"], None, totals["2021-12"])
        sign(wang, cycles["2021-12"], "待审批")
        sign(chen, cycles["2021-12"], "已审批")
        export(li, cycles["2021-12"], tmp_path)
        book_returns(li, cycles["2021-12"], tmp_path, [])

        # ---- January: run, read, the differences, signed by two, exported, a return, the account corrected.
        january = cycles["2022-01"] = run_month(li, "2022-01")
        assert waiting(li.page) == "待审核"
        # the preparer's page has no sign-off form
        assert li.page.locator("form[data-form=approve]").count() == 0
        assert li.page.locator("form[data-form=send-back]").count() == 0
        shot(li.page, "month-run", full_page=False)
        view = check_amounts(li, january, "2022-01")
        totals["2022-01"] = Decimal(view["total"])
        assert totals["2022-01"] == Decimal("9639.00")
        check_differences(li, january, totals["2021-12"], totals["2022-01"])
        # every household's amount rose with the 2022 standards: all ten are on the page, with their parts
        changed = li.page.eval_on_selector_all("table.changed tr[data-household]",
                                               "rows => rows.map(r => r.dataset.household)")
        assert sorted(changed) == sorted(EXPECTED["2022-01"])
        assert "基本保障金" in li.page.inner_text("table.changed")
        shot(li.page, "month-diff")

        # 李明 cannot sign: a post forged with his session's token is refused (403), nothing recorded
        page = li.open(f"/cycles/{january}")
        forged = page.request.post(f"{server}/cycles/{january}/approve", form={
            "csrf": page.get_attribute("header form input[name=csrf]", "value"), "round": "1", "step": "1"})
        assert forged.status == 403, forged.status
        assert "无权访问" in forged.text() and "不能使用此功能" in forged.text(), forged.text()[:400]
        assert signoffs(url, january) == 0

        # 王芳 signs 审核: the page then waits for the 审批 and shows her sign-off
        page = wang.open(f"/cycles/{january}")
        assert waiting(page) == "待审核"
        assert page.inner_text("form[data-form=approve] button").startswith("审核签字（10 户，9,639.00 元）")
        sign(wang, january, "待审批")
        assert f"审核 王芳 {clock().date().isoformat()}" in page.inner_text("section.signing")
        assert "审核（1/2）" in page.inner_text("table.signoffs")
        # … and cannot give the 审批 too (maker-checker): her page offers no button but says whose step it is, and a
        # post forged with the page's round and the next step is refused, in Chinese, nothing recorded
        assert page.locator("form[data-form=approve]").count() == 0
        assert "须由另一名审批人签字" in page.inner_text("[data-note=signed]")
        forged = page.request.post(f"{server}/cycles/{january}/approve", form={
            "csrf": page.get_attribute("header form input[name=csrf]", "value"),
            "round": str(read(url, lambda s: cycle_round(s, january))), "step": "2"})
        assert forged.status == 422, forged.status
        assert "每一步须由不同的人签字" in forged.text() and "already signed step 1" in forged.text()
        assert signoffs(url, january) == 1

        # 陈静 reads the draft waiting for her 审批, with 王芳's 审核, and signs it: approved and posted
        page = chen.open(f"/cycles/{january}")
        assert waiting(page) == "待审批" and "审核 王芳" in page.inner_text("section.signing")
        assert page.inner_text("form[data-form=approve] button").startswith("审批并入账（10 户，9,639.00 元）")
        shot(page, "month-signoff-waiting", full_page=False)
        sign(chen, january, "已审批")
        record = page.inner_text("table.signoffs")
        assert "审核（1/2）" in record and "王芳" in record and "审批（2/2）" in record and "陈静" in record
        shot(page, "month-approved")

        # 李明 downloads the bank file; the bank returns H002's payment
        rows = export(li, january, tmp_path)
        [h002] = [r for r in rows[1:-1] if r[1] == RETURNED]
        assert (h002[3], h002[4]) == (bank[RETURNED], EXPECTED["2022-01"][RETURNED])
        book_returns(li, january, tmp_path, [(bank[RETURNED], EXPECTED["2022-01"][RETURNED], "账户已销户")])
        page = li.page
        returned = page.inner_text("table.returns")
        assert RETURNED in returned and "1,032.00" in returned and "账户已销户" in returned and "待处理" in returned
        shot(page, "month-returns")

        # 李秀英 opens a new account: 李明 records it on H002's page
        page = li.open(f"/registry/{RETURNED}")
        page.click("details.changes summary")
        form = "form[data-form=payee]"
        page.fill(f"{form} input[name=date]", "2022-01-25")
        page.fill(f"{form} input[name=payee_name]", "李秀英")
        page.fill(f"{form} input[name=bank_account]", NEW_ACCOUNT)
        li.submit(form)
        assert page.locator("[data-recorded=stored]").count() == 1, li.main()[:800]
        assert NEW_ACCOUNT in li.main()
        for desk in (li, wang, chen):
            desk.close()

        # ---- 2022-02-05: February pays H002 again what came back, to the new account.
        clock.day(date(2022, 2, 5))
        li, wang, chen = (Desk(browser, server, user, errors) for user in (PREPARER, APPROVER, SECOND_APPROVER))
        february = cycles["2022-02"] = run_month(li, "2022-02")
        view = check_amounts(li, february, "2022-02", reissued={RETURNED: Decimal("1032.00")})
        line = next(line for line in view["lines"] if line["household_id"] == RETURNED)
        assert line["bank_account"] == NEW_ACCOUNT and line["amount"] == "2064.00"
        assert [(c["amount"], c["month"]) for c in line["components"] if c["kind"] == "arrears"] == [
            ("1032.00", "2022-01")]
        totals["2022-02"] = Decimal(view["total"])
        page = li.open(f"/cycles/{february}?q={RETURNED}")  # the line, on the page: the re-issue is one of its parts
        [cells] = page.eval_on_selector_all("table.lines tbody tr[data-household]",
                                            "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))")
        assert (cells[1], cells[7], cells[9]) == (RETURNED, "2,064.00", NEW_ACCOUNT)
        assert "补发 1,032.00" in cells[10], cells
        page.locator("#lines").scroll_into_view_if_needed()
        shot(page, "month-reissue")
        check_differences(li, february, totals["2022-01"], totals["2022-02"])
        assert "H009" in li.page.inner_text("table.arrived")  # approved 2022-01-20, paid from February
        sign(wang, february, "待审批")
        sign(chen, february, "已审批")
        rows = export(li, february, tmp_path)
        assert [r[3:5] for r in rows[1:-1] if r[1] == RETURNED] == [[NEW_ACCOUNT, "2064.00"]]
        book_returns(li, february, tmp_path, [])
        page = li.open(f"/cycles/{january}")  # January's return: re-issued by February's cycle
        assert "已重新发放" in page.inner_text("table.returns")
        assert page.locator(f"table.returns a[href='/cycles/{february}']").count() == 1
        for desk in (li, wang, chen):
            desk.close()

        # ---- 2022-03-05: March, sent back with a reason, run again, signed by both.
        clock.day(date(2022, 3, 5))
        li, wang, chen = (Desk(browser, server, user, errors) for user in (PREPARER, APPROVER, SECOND_APPROVER))
        march = cycles["2022-03"] = run_month(li, "2022-03")
        check_amounts(li, march, "2022-03")
        sign(wang, march, "待审批")
        page = chen.open(f"/cycles/{march}")
        page.fill("form[data-form=send-back] input[name=reason]", "H010 收入证明待核实")
        chen.submit("form[data-form=send-back]")
        assert waiting(page) == "待审核" and "退回：H010 收入证明待核实" in chen.main() and "已失效" in chen.main()
        assert run_month(li, "2022-03") == march  # the same draft, computed again: a new round
        view = check_amounts(li, march, "2022-03")
        totals["2022-03"] = Decimal(view["total"])
        check_differences(li, march, totals["2022-02"], totals["2022-03"])
        sign(wang, march, "待审批")
        sign(chen, march, "已审批")
        page = li.open("/cycles")
        listed = {row.get_attribute("data-cycle"): row.inner_text()
                  for row in page.locator("table.cycles tr[data-cycle]").all()}
        assert set(listed) == {str(c) for c in cycles.values()}
        assert "已审批" in listed[str(march)] and "已结算" in listed[str(february)]
        for desk in (li, wang, chen):
            desk.close()
    assert not errors, errors


def signoffs(url: str, cycle_id: int) -> int:
    return int(read(url, lambda s: s.scalar(select(func.count()).select_from(Signoff).where(
        Signoff.subject == "cycle", Signoff.subject_id == cycle_id))))


# ---------------------------------------------------------------------------- two approvers at once


@pytest.fixture
def together(monkeypatch):
    """The server holds each sign-off post, once it has read the cycle's county and before it writes, until the
    other has come as far: the two are in the server at the same moment, whatever the browsers' pace."""
    arrived = threading.Barrier(2, timeout=30)
    real = month_routes.cycle_jurisdiction

    def meeting(session, cycle_id: int) -> str:
        arrived.wait()
        return real(session, cycle_id)

    monkeypatch.setattr(month_routes, "cycle_jurisdiction", meeting)
    return arrived


def test_two_browsers_signing_at_once_give_one_signoff(browser, tmp_path, together):
    url = empty_book(tmp_path / "county.db")
    with password_env():
        for args in (("registry", "import", "--households", str(REGISTRY / "households.csv"),
                      "--members", str(REGISTRY / "members.csv")),
                     ("registry", "events", str(REGISTRY / "events.csv"))):
            result = CliRunner().invoke(cli, ["--db", url, "--user", PREPARER, *args], catch_exceptions=False)
            assert result.exit_code == 0, result.output
        ran = CliRunner().invoke(cli, ["--db", url, "--user", PREPARER, "cycle", "run", "--jurisdiction", COUNTY,
                                       "--month", "2022-01"], catch_exceptions=False)
        assert ran.exit_code == 0, ran.output
    january = int(ran.stdout.strip())
    errors: list[str] = []
    with serving(url) as server:
        desks = [Desk(browser, server, user, errors) for user in (APPROVER, SECOND_APPROVER)]
        for desk in desks:  # both read the same 待审核 page
            assert waiting(desk.open(f"/cycles/{january}")) == "待审核"
        responses: list = []
        for desk in desks:
            desk.page.on("response", lambda r, found=responses: found.append(r.status)
                         if r.request.method == "POST" else None)
        for desk in desks:  # both click, neither waiting for the other's answer
            desk.page.click("form[data-form=approve] button[type=submit]", no_wait_after=True)
        for desk in desks:
            desk.page.wait_for_load_state()
        deadline = time.monotonic() + 30
        while len(responses) < 2:
            assert time.monotonic() < deadline, responses
            desks[0].page.wait_for_timeout(100)
        assert sorted(responses) == [303, 422], responses
        assert not together.broken  # both posts met in the server before either wrote
        texts = {desk.user: desk.main() for desk in desks}
        refused = [user for user, text in texts.items() if "请刷新页面" in text]
        signed = [user for user, text in texts.items() if "请刷新页面" not in text]
        assert len(refused) == 1 and len(signed) == 1, texts
        assert "未能完成" in texts[refused[0]]
        winner = next(desk for desk in desks if desk.user == signed[0])
        assert waiting(winner.page) == "待审批"
        assert f"审核 {DISPLAY[signed[0]]}" in winner.page.inner_text("section.signing")
        # the one refused reloads, and sees the other's 审核: exactly one sign-off is recorded
        loser = next(desk for desk in desks if desk.user == refused[0])
        assert waiting(loser.open(f"/cycles/{january}")) == "待审批"
        for desk in desks:
            desk.close()
    assert signoffs(url, january) == 1
    assert not errors, errors
