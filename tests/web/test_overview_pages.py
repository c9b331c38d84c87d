"""The overview pages: the dashboard, budget, reserves, recoveries, ledger and users pages show what the services
the commands call return, limited to the viewer's scope, in Chinese words (never the internal codes), and the
ledger page's verify button records a run only through a form carrying the session's CSRF token.

`rich` adds to the web book what the overview needs to show something in two townships: late registry events that
make receivables (H001 of 宝清镇, H004 of 七星泡镇) when April 2022 is approved, reserves advanced to both
townships, and an emergency case in 七星泡镇 left undocumented past its deadline.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from sqlalchemy import func, select
from support import ADMIN, APPROVER, AUDITOR, PREPARER
from webbook import (  # noqa: F401
    CITY_AUDITOR,
    COUNTY,
    ELSEWHERE,
    OTHER_TOWNSHIP,
    TOWN_CLERK,
    TOWNSHIP,
    app,
    client,
    clock,
    csrf_of,
    password_env,
    signed_in,
    web_templates,
    web_url,
)
from webbook import read_book as read

from aidledger.auth.tables import VerifyRun
from aidledger.budget.service import reserves
from aidledger.budget.service.status import budget_status
from aidledger.cli import cli
from aidledger.disbursement.checks import verify_books
from aidledger.disbursement.cycles.service.show import cycle_list, cycle_view
from aidledger.disbursement.recovery.service import receivable_list
from aidledger.disbursement.registry.service import household_township, reviews_due
from aidledger.ledger.service.balances import trial_balance
from aidledger.ledger.service.verify_runs import journal_page, last_run
from aidledger.web.pages import money

TODAY = date(2022, 4, 1)  # the web book's clock
RAW_CODES = ("central_subsidy", "provincial_subsidy", "Assets:", "Expenses:", "Liabilities:", "Income:", "dibao",
             "tekun", "low_income", "approved", "auditor", "preparer")
TEMPLATES = ("dashboard.html", "budget.html", "reserves.html", "recoveries.html", "ledger.html", "users.html")


def text_of(html: str) -> str:
    """What a reader sees: the page's text without its tags (and without the head)."""
    body = re.sub(r"(?s)<head>.*?</head>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def main_of(html: str) -> str:
    return text_of(html.split("<main>", 1)[1])



def runs(url: str) -> int:
    return read(url, lambda s: s.scalar(select(func.count()).select_from(VerifyRun)))


@pytest.fixture
def rich(web_url, tmp_path):
    runner = CliRunner()

    def run(*args: str, user: str) -> str:
        result = runner.invoke(cli, ["--db", web_url, "--user", user, *args], catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        return result.stdout.strip()

    events = tmp_path / "late.csv"
    events.write_text("household_id,kind,date,value,id_number\nH004,terminate,2022-01-31,,\n"
                      "H001,income,2022-02-01,2000,\n", encoding="utf-8")
    with password_env():
        run("registry", "events", str(events), user=PREPARER)
        cycle = run("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-04", "--date", "2022-04-01",
                    user=PREPARER)
        run("cycle", "approve", cycle, "--date", "2022-04-01", user=APPROVER)
        run("reserve", "advance", "--township", OTHER_TOWNSHIP, "--amount", "7000.00", "--date", "2022-02-20",
            user=PREPARER)
        run("reserve", "pay", "--township", OTHER_TOWNSHIP, "--id-number", "23052319800101123X", "--name", "张三",
            "--amount", "300.00", "--date", "2022-02-25", "--reason", "火灾", user=PREPARER)
        run("reserve", "advance", "--township", TOWNSHIP, "--amount", "3000.00", "--date", "2022-03-10",
            user=PREPARER)
    return web_url


# ---- the dashboard -------------------------------------------------------------------------


def test_the_county_auditors_dashboard_shows_the_countys_figures(signed_in, rich):
    page = signed_in(AUDITOR).get("/")
    assert page.status_code == 200
    text = main_of(page.text)
    latest = read(rich, lambda s: cycle_list(s, reader=AUDITOR, jurisdiction=COUNTY).cycles[0])
    assert latest.month == "2022-04" and "宝清县" in text and "已审批" in text
    assert re.search(rf'data-figure="cycle-count">{latest.count}<', page.text)
    assert f'data-figure="cycle-total">{money(latest.total)}<' in page.text
    status = read(rich, lambda s: budget_status(s, COUNTY, 2022))
    shown = re.findall(r'data-fund-available="\d+">([^<]+)<', page.text)
    assert shown == [money(f.available) for f in status.funds]
    assert "中央困难群众救助补助资金" in text
    assert f'data-figure="headroom">{money(status.cap.headroom)}<' in page.text
    rows = read(rich, lambda s: reserves.status(s, COUNTY, TODAY))
    for row in rows:
        assert row.name in text and money(row.balance) in text
    assert sum(r.overdue for r in rows) == 1 and "1 个个案逾期未补充说明" in text
    open_ = read(rich, lambda s: [r for r in receivable_list(s, COUNTY) if r.outstanding > 0])
    assert {r.household_id for r in open_} == {"H001", "H004"}
    outstanding = sum((r.outstanding for r in open_), Decimal("0"))
    assert f'data-figure="outstanding">{money(outstanding)}<' in page.text
    due = read(rich, lambda s: reviews_due(s, COUNTY, TODAY))
    assert f"共 {len(due)} 户" in text
    for review in due:
        assert f'href="/registry/{review.household_id}"' in page.text


def test_a_township_clerks_dashboard_has_no_other_townships_figures(signed_in, rich):
    page = signed_in(TOWN_CLERK).get("/")
    assert page.status_code == 200
    text = main_of(page.text)
    mine = read(rich, lambda s: cycle_view(s, cycle_list(s, reader=TOWN_CLERK).cycles[0].cycle_id,
                                           reader=TOWN_CLERK))
    assert re.search(rf'data-figure="cycle-count">{mine.count}<', page.text)
    assert f'data-figure="cycle-total">{money(mine.total)}<' in page.text
    county = read(rich, lambda s: cycle_list(s, reader=AUDITOR, jurisdiction=COUNTY).cycles[0])
    assert mine.count < county.count and money(county.total) not in text
    # no county-wide fund figure, and the page says why
    assert "data-fund-available" not in page.text and "headroom" not in page.text
    assert "乡镇（街道）用户看不到" in text
    # the township's reserve only: 宝清镇 3,000.00, not 七星泡镇's 6,700.00 nor its overdue case
    assert "宝清镇" in text and "3,000.00" in text
    assert "七星泡镇" not in text and "青原镇" not in text and "6,700.00" not in text and "逾期未补充说明" not in text
    # the township's households' receivables and reviews only
    assert 'data-figure="outstanding">2,200.00<' in page.text and "H004" not in text
    due = read(rich, lambda s: reviews_due(s, COUNTY, TODAY))
    theirs = read(rich, lambda s: [d.household_id for d in due if household_township(s, d.household_id) == TOWNSHIP])
    assert theirs and f"共 {len(theirs)} 户" in text
    for review in due:
        assert (review.household_id in text) == (review.household_id in theirs)
    assert "账簿校验" not in text


def test_a_city_auditor_chooses_a_county_and_another_county_sees_nothing(signed_in):
    city = signed_in(CITY_AUDITOR)
    listing = city.get("/")
    assert listing.status_code == 200 and f'href="/?jurisdiction={COUNTY}"' in listing.text
    assert "data-figure" not in listing.text
    chosen = city.get(f"/?jurisdiction={COUNTY}")
    assert chosen.status_code == 200 and "data-fund-available" in chosen.text
    elsewhere = signed_in(ELSEWHERE)
    own = elsewhere.get("/")
    assert own.status_code == 200 and "宝清县" not in main_of(own.text) and "data-figure" not in own.text
    assert elsewhere.get(f"/?jurisdiction={COUNTY}").status_code == 403
    assert elsewhere.get(f"/reserves?jurisdiction={COUNTY}").status_code == 403
    assert elsewhere.get(f"/recoveries?jurisdiction={COUNTY}").status_code == 403
    assert elsewhere.get(f"/ledger?jurisdiction={COUNTY}").status_code == 403
    assert elsewhere.get(f"/budget?jurisdiction={COUNTY}").status_code == 403


def test_a_chosen_month_without_a_cycle_says_so(signed_in):
    page = signed_in(AUDITOR).get("/?month=2022-07")
    assert page.status_code == 200 and "2022-07 尚无发放批次" in main_of(page.text)
    january = signed_in(AUDITOR).get("/?month=2022-01")
    assert 'href="/cycles/1"' in january.text


# ---- budget, reserves, recoveries ------------------------------------------------------------


def test_the_budget_page_shows_budget_status_and_the_years_allocations(signed_in, rich):
    c = signed_in(AUDITOR)
    page = c.get("/budget")
    assert page.status_code == 200
    text = main_of(page.text)
    status = read(rich, lambda s: budget_status(s, COUNTY, 2022))
    assert "2022 年" in text
    for fund in status.funds:
        for figure in (fund.opening, fund.received, fund.spent, fund.committed, fund.available):
            assert money(figure) in text
    central = status.funds[0]
    assert central.committed > 0  # the reserves and the receivables
    row = re.search(r"中央困难群众救助补助资金((?: [\d,]+\.\d\d){5})", text)
    assert row and row.group(1).split() == [money(x) for x in (central.opening, central.received, central.spent,
                                                               central.committed, central.available)]
    assert money(status.cap.cap) in text and "当年困难群众救助补助资金" in text
    assert "本年度没有资金拨付记录" in text  # the allocation was made in 2021
    earlier = c.get(f"/budget?jurisdiction={COUNTY}&year=2021")
    allocations = read(rich, lambda s: journal_page(s, COUNTY, kinds=("allocation",)))
    assert allocations.total == 1
    shown = main_of(earlier.text)
    assert "收到拨款" in shown and "100,000.00" in shown and "收到上级中央补助资金" in shown


def test_township_clerks_may_not_see_the_budget_or_the_ledger(signed_in):
    clerk = signed_in(TOWN_CLERK)
    assert clerk.get("/budget").status_code == 403
    assert clerk.get("/ledger").status_code == 403
    refused = clerk.get(f"/budget?jurisdiction={COUNTY}")
    assert refused.status_code == 403 and "乡镇" in main_of(refused.text)


def test_the_reserves_page_shows_reserve_status_as_of_a_day(signed_in, rich):
    page = signed_in(AUDITOR).get(f"/reserves?jurisdiction={COUNTY}&as_of=2022-03-15")
    assert page.status_code == 200
    text = main_of(page.text)
    rows = read(rich, lambda s: reserves.status(s, COUNTY, date(2022, 3, 15)))
    for r in rows:
        assert f"{r.township} {r.name} {money(r.carried)} {money(r.advanced)} {money(r.paid)} " \
               f"{money(r.replenished)} {money(r.balance)} {r.undocumented} {r.overdue}" in text
    assert "合计" in text
    clerk = main_of(signed_in(TOWN_CLERK).get("/reserves").text)
    assert "宝清镇" in clerk and "七星泡镇" not in clerk and "3,000.00" in clerk and "6,700.00" not in clerk
    # The cases one by one: 张三's, paid 2022-02-25, its id number masked for the auditor; not the clerk's.
    cases = read(rich, lambda s: reserves.open_cases(s, COUNTY, date(2022, 3, 15), reader=AUDITOR))
    assert [(c.name, c.id_number, c.amount, c.paid_on) for c in cases] == [
        ("张三", "230523********123X", Decimal("300.00"), date(2022, 2, 25))]
    assert f"{cases[0].case_id} 七星泡镇 张三 230523********123X 300.00 2022-02-25 {cases[0].deadline}" in text
    assert "23052319800101123X" not in page.text
    assert "张三" not in clerk and "截至该日没有未补充说明的个案。" in clerk
    early = main_of(signed_in(AUDITOR).get(f"/reserves?jurisdiction={COUNTY}&as_of=2022-02-24").text)
    assert "张三" not in early


def test_the_recoveries_page_shows_the_receivables(signed_in, rich):
    page = signed_in(AUDITOR).get("/recoveries")
    assert page.status_code == 200
    text = main_of(page.text)
    listed = read(rich, lambda s: receivable_list(s, COUNTY))
    assert len(listed) == 4
    for r in listed:
        assert f"{r.household_id} {r.month}" in text
    total = sum((r.amount for r in listed), Decimal("0"))
    assert f"合计 {money(total)} 0.00 {money(total)}" in text
    assert "终止" in text and "收入变化" in text and "低保" in text
    clerk = main_of(signed_in(TOWN_CLERK).get("/recoveries").text)
    assert "H001" in clerk and "H004" not in clerk and "合计 2,200.00" in clerk


def test_bad_parameters_are_refused_in_chinese(signed_in):
    c = signed_in(AUDITOR)
    for path, words in (("/?month=2022-13", "月份"), ("/ledger?as_of=2022-02-30", "日期"),
                        ("/budget?year=abc", "年度"), ("/reserves?jurisdiction=23052", "辖区代码"),
                        ("/ledger?page=0", "页码"), ("/recoveries?state=x", "筛选")):
        page = c.get(path)
        assert page.status_code == 422, path
        assert words in main_of(page.text), path
    missing = c.get("/ledger?jurisdiction=230524")
    assert missing.status_code == 422 and "尚未建立账簿" in main_of(missing.text)


# ---- the ledger ----------------------------------------------------------------------------


def test_the_ledger_page_shows_the_trial_balance_and_the_journal(signed_in, web_url):
    page = signed_in(AUDITOR).get(f"/ledger?jurisdiction={COUNTY}&as_of=2022-03-31")
    assert page.status_code == 200
    tb = read(web_url, lambda s: trial_balance(s, COUNTY, date(2022, 3, 31)))
    assert f'data-total="debit">{money(tb.total_debit)}<' in page.text
    assert f'data-total="credit">{money(tb.total_credit)}<' in page.text
    text = main_of(page.text)
    for row in tb.rows:
        assert row.title in text
    assert "国库存款" in text and "中央困难群众救助补助资金" in text and "借贷平衡" in text
    journal = read(web_url, lambda s: journal_page(s, COUNTY))
    assert journal.total == 4 and [e.seq for e in journal.entries] == [4, 3, 2, 1]
    for entry in journal.entries:
        for line in entry.lines:
            assert line.title in text
    assert "2022-03 救助金发放" in text and "收到上级中央补助资金" in text


def test_the_journal_is_listed_a_page_at_a_time(signed_in, web_url):
    first = read(web_url, lambda s: journal_page(s, COUNTY, per_page=3))
    second = read(web_url, lambda s: journal_page(s, COUNTY, page=2, per_page=3))
    assert first.pages == 2 and [e.seq for e in first.entries] == [4, 3, 2] and [e.seq for e in second.entries] == [1]
    assert all(e.lines for e in first.entries)
    beyond = signed_in(AUDITOR).get("/ledger?page=2")
    assert beyond.status_code == 200 and "没有分录" in main_of(beyond.text)


def test_verify_from_the_ledger_page_records_a_run(signed_in, web_url):
    c = signed_in(AUDITOR)
    page = c.get("/ledger")
    assert "尚未从网页运行过账簿校验" in main_of(page.text) and 'action="/ledger/verify"' in page.text
    report = read(web_url, verify_books)  # what the run will find: nothing has been written since
    done = c.post("/ledger/verify", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/ledger"
    assert runs(web_url) == 1
    shown = c.get("/ledger")
    text = main_of(shown.text)
    assert 'data-verify="ok"' in shown.text and "通过" in text and "未通过" not in text
    assert f"分录数 {report.entries}" in text and report.head_hash in text
    run = read(web_url, last_run)
    assert run.ok and run.ran_by == AUDITOR and run.entries == report.entries and run.problems == ()
    assert run.head == report.head_hash and run.seals == report.evidence_seq
    assert f"证据链封存数 {run.seals}" in text
    assert "最近一次账簿校验" in main_of(c.get("/").text)


def test_verify_without_or_with_a_wrong_csrf_token_or_by_a_preparer_is_refused(signed_in, web_url):
    auditor = signed_in(AUDITOR)
    assert auditor.post("/ledger/verify").status_code == 403
    assert auditor.post("/ledger/verify", data={"csrf": "not-the-token"}).status_code == 403
    preparer = signed_in(PREPARER)
    page = preparer.get("/ledger")
    assert page.status_code == 200 and 'action="/ledger/verify"' not in page.text
    assert preparer.post("/ledger/verify", data={"csrf": csrf_of(page.text)}).status_code == 403
    clerk = signed_in(TOWN_CLERK)
    assert clerk.post("/ledger/verify", data={"csrf": csrf_of(clerk.get("/").text)}).status_code == 403
    assert runs(web_url) == 0


def test_an_approver_and_an_admin_may_verify(signed_in, web_url):
    for user in (APPROVER, ADMIN):
        c = signed_in(user)
        assert c.post("/ledger/verify", data={"csrf": csrf_of(c.get("/ledger").text)}).status_code == 303
    assert runs(web_url) == 2


# ---- users ---------------------------------------------------------------------------------


def test_the_users_page_is_the_admins(signed_in):
    page = signed_in(ADMIN).get("/users")
    assert page.status_code == 200
    text = main_of(page.text)
    for name, display, role in ((ADMIN, "张伟", "系统管理员"), (PREPARER, "李明", "经办人"),
                                (APPROVER, "王芳", "审核审批人"), (AUDITOR, "赵审计", "审计人员"),
                                (TOWN_CLERK, "孙乡镇", "经办人")):
        assert re.search(rf"{re.escape(name)} {display} {role} ", text), name
    assert "230523100（乡镇（街道））" in text and "全部辖区" in text and "启用" in text
    for user in (PREPARER, APPROVER, AUDITOR, CITY_AUDITOR):
        assert signed_in(user).get("/users").status_code == 403


# ---- words, not codes ----------------------------------------------------------------------


@pytest.mark.parametrize("user", [ADMIN, AUDITOR])
def test_no_internal_code_in_the_pages_text(signed_in, rich, user):
    c = signed_in(user)
    paths = ["/", "/budget", "/budget?year=2021", "/reserves", "/recoveries", "/ledger", "/?lang=en",
             "/ledger?lang=en"] + (["/users"] if user == ADMIN else [])
    for path in paths:
        page = c.get(path)
        assert page.status_code == 200, path
        text = main_of(page.text)
        found = [code for code in RAW_CODES if code in text]
        assert not found, (path, found)


def test_every_message_of_these_pages_has_its_english_in_the_overview_catalog():
    folder = resources.files("aidledger.web")
    with (folder / "locale" / "en" / "overview.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    english = {m.id: m.string for m in catalog if m.id}
    pattern = re.compile(r"""_\(\s*"([^"]+)"\s*[,)]""")
    for name in TEMPLATES:
        for message in pattern.findall((folder / "templates" / name).read_text(encoding="utf-8")):
            assert english.get(message), (name, message)
