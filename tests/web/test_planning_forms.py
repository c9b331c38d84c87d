"""The budget planner's forms (issue 17, part): an allocation, purchased services, a reserve advanced, an emergency
payment, its documentation and the reserve replenished; a temporary grant and its approval; a price-subsidy
declaration. Each stores what its command's service stores, with the service's refusals (a 422 page, the books as
they were), a township clerk's scope and the roles judged on the server, and a double post stored once."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select
from support import ADMIN, APPROVER, AUDITOR, PREPARER
from support import snapshot as every_row
from webbook import (  # noqa: F401
    COUNTY,
    OTHER_TOWNSHIP,
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

from aidledger import db as dbmod
from aidledger.auth.tables import WriteRecord
from aidledger.budget.service import reserves
from aidledger.budget.service.status import budget_status
from aidledger.disbursement.subsidy.service import declaration_for
from aidledger.disbursement.temporary.service import grant_views
from aidledger.ledger.tables import JournalEntry
from aidledger.users import change_user

TODAY = date(2022, 4, 1)  # the web book's clock
PERSON = "23052319800101123X"  # a valid id number (GB 11643)
D = Decimal


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the books; not the sessions and sign-ins of the users the test signs in meanwhile."""
    return {name: rows for name, rows in every_row(url).items() if name not in ("web_sessions", "sign_ins")}


def form_of(html: str, name: str) -> dict[str, str]:
    """The hidden fields (csrf, mark…) of the page's form `data-form=name`."""
    found = re.search(rf'<form[^>]*data-form="{name}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no form {name} on the page"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', found.group(1)))


def post_form(client, page: str, form: str, action: str, /, **fields: str):
    """Open `page`, fill its form `form` and send it, as a browser does."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.text[-500:]
    return client.post(action, data={**form_of(shown.text, form), **fields})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text.split("<main>", 1)[-1])))


def refused(response, status: int, *words: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[-800:])
    shown = text_of(response)
    for word in words:
        assert word in shown, (word, shown[-800:])
    assert "Traceback" not in response.text


def entries(url: str, kind: str) -> list[tuple]:
    return read(url, lambda s: list(s.execute(select(JournalEntry.seq, JournalEntry.jurisdiction_code,
                                                     JournalEntry.date, JournalEntry.reference,
                                                     JournalEntry.description, JournalEntry.user_name)
                                              .where(JournalEntry.kind == kind).order_by(JournalEntry.seq))))


def status_of(url: str, code: str = COUNTY, year: int = 2022):
    return read(url, lambda s: budget_status(s, code, year))


def fund(status, code: str):
    return next(f for f in status.funds if f.fund == code)


BUDGET = f"/budget/entries?jurisdiction={COUNTY}"
RESERVES = f"/reserves/entries?jurisdiction={COUNTY}"
GRANTS = f"/temporary?jurisdiction={COUNTY}"


def allocation(client, amount: str = "500000.00", **fields: str):
    return post_form(client, BUDGET, "allocation", "/budget/allocations",
                     **{"fund": "central_subsidy", "amount": amount, "date": "2022-03-01",
                        "reference": "双财社〔2022〕9号", **fields})


# ---- the budget ------------------------------------------------------------------------------------------------


def test_an_allocation_is_stored_as_the_command_stores_it_and_once_however_often_it_is_sent(signed_in, web_url):
    c = signed_in(PREPARER)
    before = status_of(web_url)
    page = c.get(BUDGET)
    assert page.status_code == 200 and "登记收到拨款" in page.text and "宝清县" in page.text
    fields = {**form_of(page.text, "allocation"), "fund": "central_subsidy", "amount": "500000.00",
              "date": "2022-03-01", "reference": "双财社〔2022〕9号"}
    done = c.post("/budget/allocations", data=fields)
    assert done.status_code == 303, done.text[-500:]
    stored = entries(web_url, "allocation")[-1]
    assert done.headers["location"] == f"/budget/entries?jurisdiction={COUNTY}&recorded=stored&entry={stored[0]}#done"
    assert stored[1:] == (COUNTY, date(2022, 3, 1), "双财社〔2022〕9号", "收到上级中央补助资金", PREPARER)
    after = status_of(web_url)
    assert fund(after, "central_subsidy").received == fund(before, "central_subsidy").received + D("500000.00")
    assert after.cap.base == before.cap.base + D("500000.00")  # a current-year subsidy fund: the cap's base
    last = read(web_url, lambda s: tuple(s.execute(select(WriteRecord.user_name, WriteRecord.channel)
                                                   .order_by(WriteRecord.id.desc()).limit(1)).one()))
    assert last == (PREPARER, "web")
    shown = c.get(done.headers["location"].split("#")[0])
    assert f"已登记：分录号 {stored[0]}" in text_of(shown)
    # a double click: the same form again is stored once, and says so
    writes = read(web_url, lambda s: s.scalar(select(func.count()).select_from(WriteRecord)))
    again = c.post("/budget/allocations", data=fields)
    assert again.status_code == 303 and "recorded=unchanged" in again.headers["location"]
    assert f"entry={stored[0]}" in again.headers["location"]
    assert entries(web_url, "allocation")[-2:] == [entries(web_url, "allocation")[0], stored]
    assert status_of(web_url) == after
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(WriteRecord))) == writes
    assert "没有重复保存" in text_of(c.get(again.headers["location"].split("#")[0]))
    # the same allocation entered again from a new page is another allocation
    assert allocation(c).headers["location"].count("recorded=stored") == 1
    assert len(entries(web_url, "allocation")) == 3  # the book's 2021 one, and these two


def test_an_allocation_from_above_books_both_sides_or_is_refused(signed_in, web_url):
    c = signed_in(PREPARER)
    before = snapshot(web_url)
    refused(allocation(c, "100.00", giver="230500"), 422, "未能完成", "fund availability", "230500", "100.00")
    assert snapshot(web_url) == before
    assert allocation(c, "100000.00", jurisdiction="230500", reference="黑财社〔2022〕1号").status_code == 303
    done = allocation(c, "40000.00", giver="230500")
    assert done.status_code == 303
    assert entries(web_url, "allocation_out")[-1][1] == "230500"
    assert fund(status_of(web_url, "230500"), "central_subsidy").available == D("60000.00")


@pytest.mark.parametrize("amount,words", [("1,000", "拨款金额“1,000”无效"), ("12.345", "最多两位小数"),
                                          ("abc", "拨款金额“abc”无效"), ("", "请填写拨款金额"),
                                          ("1e3", "无效"), ("１０００", "无效"), ("0", "positive")])
def test_a_malformed_amount_is_refused_in_chinese(signed_in, web_url, amount, words):
    c = signed_in(PREPARER)
    page = c.get(BUDGET).text
    before = snapshot(web_url)
    response = c.post("/budget/allocations", data={**form_of(page, "allocation"), "fund": "central_subsidy",
                                                   "amount": amount, "date": "2022-03-01"})
    refused(response, 422, words)
    assert snapshot(web_url) == before


def test_other_malformed_fields(signed_in, web_url):
    c = signed_in(PREPARER)
    page = c.get(BUDGET).text
    hidden = form_of(page, "allocation")
    before = snapshot(web_url)
    for fields, words in (({"fund": "gold"}, "资金“gold”不对"), ({"date": "2022-02-30"}, "日期“2022-02-30”无效"),
                          ({"giver": "23"}, "辖区代码“23”不对"), ({"mark": ""}, "请刷新页面"),
                          ({"jurisdiction": "230523100"}, "辖区代码“230523100”不对")):
        response = c.post("/budget/allocations", data={**hidden, "fund": "central_subsidy", "amount": "10.00",
                                                       **fields})
        refused(response, 422, words)
    assert snapshot(web_url) == before


def test_purchased_services_up_to_the_cap(signed_in, web_url):
    c = signed_in(PREPARER)
    assert allocation(c).status_code == 303  # the cap: 2% of 2022's subsidy funds received, 10000.00
    cap = status_of(web_url).cap
    assert cap.cap == D("10000.00") and cap.used == 0
    page = c.get(BUDGET)
    assert "本年度上限 10,000.00 元，已用 0.00 元，余额 10,000.00 元" in text_of(page)
    fields = {**form_of(page.text, "purchase"), "amount": "6000.00", "date": "2022-03-20",
              "vendor": "宝清县社工服务中心", "reference": "宝民购〔2022〕1号"}
    done = c.post("/budget/purchases", data=fields)
    assert done.status_code == 303 and "recorded=stored" in done.headers["location"]
    assert c.post("/budget/purchases", data=fields).headers["location"].count("recorded=unchanged") == 1
    assert status_of(web_url).cap.used == D("6000.00")
    stored = entries(web_url, "purchased_services")
    assert [(e[3], e[4]) for e in stored] == [("宝民购〔2022〕1号", "政府购买社会救助服务: 宝清县社工服务中心")]
    before = snapshot(web_url)
    over = post_form(c, BUDGET, "purchase", "/budget/purchases", amount="4000.01", date="2022-03-21",
                     vendor="宝清县社工服务中心")
    refused(over, 422, "purchased-services cap", "cap 10000.00", "already used 6000.00", "requested 4000.01",
            "0.01 over the cap")
    refused(post_form(c, BUDGET, "purchase", "/budget/purchases", amount="10.00", vendor=" "), 422, "请填写服务机构")
    assert snapshot(web_url) == before


def test_who_may_record_budget_entries(signed_in, web_url):
    before = snapshot(web_url)
    preparer = signed_in(PREPARER)
    hidden = form_of(preparer.get(BUDGET).text, "allocation")
    assert 'data-link="budget-entries"' in preparer.get("/budget").text
    auditor = signed_in(AUDITOR)
    assert 'data-link="budget-entries"' not in auditor.get("/budget").text
    assert auditor.get(BUDGET).status_code == 403
    data = {"fund": "central_subsidy", "amount": "10.00", "mark": hidden["mark"], "jurisdiction": COUNTY}
    for user in (AUDITOR, APPROVER, ADMIN):
        c = signed_in(user)
        refused(c.post("/budget/allocations", data={**data, "csrf": csrf_of(c.get("/").text)}), 403,
                "不能使用此功能")
    clerk = signed_in(TOWN_CLERK)
    assert clerk.get(BUDGET).status_code == 403
    refused(clerk.post("/budget/allocations", data={**data, "csrf": csrf_of(clerk.get("/").text)}), 403,
            "不在您的工作范围（230523100）之内")
    refused(clerk.post("/budget/purchases", data={**data, "vendor": "x", "csrf": csrf_of(clerk.get("/").text)}),
            403, "不在您的工作范围")
    # without the form's token, or with another's
    assert preparer.post("/budget/allocations", data=data).status_code == 403
    assert preparer.post("/budget/allocations", data={**data, "csrf": "forged"}).status_code == 403
    assert snapshot(web_url) == before


# ---- township reserves -----------------------------------------------------------------------------------------


def reserve_of(url: str, township: str):
    return next(r for r in read(url, lambda s: reserves.status(s, COUNTY, TODAY)) if r.township == township)


def advance(client, township: str, amount: str):
    return post_form(client, RESERVES, "advance", "/reserves/advance", township=township, amount=amount,
                     date="2022-03-01")


def pay(client, township: str, amount: str, **fields: str):
    return post_form(client, RESERVES, "pay", "/reserves/pay",
                     **{"township": township, "amount": amount, "date": "2022-03-05", "name": "张三",
                        "id_number": PERSON, "reason": "火灾", **fields})


def test_reserves_advanced_paid_documented_and_replenished(signed_in, web_url):
    c = signed_in(PREPARER)
    assert 'data-link="reserve-entries"' in c.get("/reserves").text
    page = c.get(RESERVES)
    fields = {**form_of(page.text, "advance"), "township": TOWNSHIP, "amount": "20000.00", "date": "2022-03-01"}
    done = c.post("/reserves/advance", data=fields)
    assert done.status_code == 303 and "recorded=stored" in done.headers["location"]
    assert "recorded=unchanged" in c.post("/reserves/advance", data=fields).headers["location"]  # a double click
    assert reserve_of(web_url, TOWNSHIP).advanced == D("20000.00")
    assert [e[1:4] for e in entries(web_url, "reserve_advance")] == [(COUNTY, date(2022, 3, 1), TOWNSHIP)]

    before = snapshot(web_url)
    refused(advance(c, TOWNSHIP, "10000.01"), 422, "reserve.amount", "30000.00", "30000.01")
    assert snapshot(web_url) == before

    page = c.get(RESERVES)
    fields = {**form_of(page.text, "pay"), "township": TOWNSHIP, "amount": "600.00", "date": "2022-03-05",
              "name": "张三", "id_number": PERSON.lower(), "reason": "火灾"}
    done = c.post("/reserves/pay", data=fields)
    assert done.status_code == 303
    case = int(re.search(r"case=(\d+)", done.headers["location"]).group(1))
    assert f"先行救助个案编号 {case}" in text_of(c.get(done.headers["location"].split("#")[0]))
    again = c.post("/reserves/pay", data=fields)
    assert "recorded=unchanged" in again.headers["location"] and f"case={case}" in again.headers["location"]
    assert reserve_of(web_url, TOWNSHIP).paid == D("600.00")
    assert reserve_of(web_url, TOWNSHIP).undocumented == 1
    cases = read(web_url, lambda s: reserves.open_cases(s, COUNTY, TODAY, reader=PREPARER))
    assert [(x.case_id, x.name, x.amount, x.reason) for x in cases] == [(case, "张三", D("600.00"), "火灾")]

    # documented from the reserves page's list, by the case's own button
    listing = c.get("/reserves")
    assert 'data-form="document"' in listing.text
    hidden = form_of(listing.text, "document")
    assert hidden["case"] == str(case)
    done = c.post("/reserves/document", data={**hidden, "date": "2022-03-20"})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/reserves?jurisdiction={COUNTY}")
    assert "已登记补充说明" in text_of(c.get(done.headers["location"].split("#")[0]))
    assert "recorded=unchanged" in c.post("/reserves/document", data={**hidden, "date": "2022-03-20"}
                                          ).headers["location"]
    assert reserve_of(web_url, TOWNSHIP).undocumented == 0
    before = snapshot(web_url)
    refused(c.post("/reserves/document", data={**hidden, "date": "2022-03-25"}), 422, "already documented")
    refused(c.post("/reserves/document", data={**hidden, "case": "999"}), 422, "没有编号为 999 的先行救助个案")
    refused(c.post("/reserves/document", data={**hidden, "case": "x1"}), 422, "个案编号“x1”无效")
    assert snapshot(web_url) == before

    page = c.get(RESERVES)
    fields = {**form_of(page.text, "replenish"), "township": TOWNSHIP, "date": "2022-03-25"}
    done = c.post("/reserves/replenish", data=fields)
    assert done.status_code == 303 and "recorded=stored" in done.headers["location"]
    assert "recorded=unchanged" in c.post("/reserves/replenish", data=fields).headers["location"]
    row = reserve_of(web_url, TOWNSHIP)
    assert (row.advanced, row.paid, row.replenished, row.balance) == (D("20000.00"), D("600.00"), D("600.00"),
                                                                      D("20000.00"))
    assert len(entries(web_url, "reserve_replenish")) == 1
    before = snapshot(web_url)
    refused(post_form(c, RESERVES, "replenish", "/reserves/replenish", township=TOWNSHIP, date="2022-03-26"), 422,
            "no documented payment to replenish")
    assert snapshot(web_url) == before


def test_a_reserve_is_never_overdrawn(signed_in, web_url):
    c = signed_in(PREPARER)
    assert advance(c, OTHER_TOWNSHIP, "500.00").status_code == 303
    before = snapshot(web_url)
    refused(pay(c, OTHER_TOWNSHIP, "600.00"), 422, "the township reserve holds 500.00, less than the 600.00 asked")
    refused(pay(c, OTHER_TOWNSHIP, "700.00"), 422, "emergency case limit", "680.00")
    refused(pay(c, OTHER_TOWNSHIP, "100.00", id_number=PERSON[:17] + "0"), 422, "id number")
    refused(pay(c, OTHER_TOWNSHIP, "10.005"), 422, "救助金额“10.005”无效")
    refused(pay(c, "2305231", "10.00"), 422, "乡镇代码“2305231”不对")
    assert snapshot(web_url) == before
    assert reserve_of(web_url, OTHER_TOWNSHIP).balance == D("500.00")


def test_a_township_clerk_pays_and_documents_their_townships_cases_only(signed_in, web_url):
    county = signed_in(PREPARER)
    assert advance(county, TOWNSHIP, "3000.00").status_code == 303
    assert advance(county, OTHER_TOWNSHIP, "3000.00").status_code == 303
    other = pay(county, OTHER_TOWNSHIP, "300.00")
    other_case = re.search(r"case=(\d+)", other.headers["location"]).group(1)
    clerk = signed_in(TOWN_CLERK)
    page = clerk.get(RESERVES)
    assert page.status_code == 200
    assert 'data-form="advance"' not in page.text and 'data-form="replenish"' not in page.text
    assert "七星泡镇" not in text_of(page)
    done = pay(clerk, TOWNSHIP, "200.00")
    assert done.status_code == 303 and "recorded=stored" in done.headers["location"]
    assert reserve_of(web_url, TOWNSHIP).paid == D("200.00")
    hidden = form_of(page.text, "pay")
    before = snapshot(web_url)
    refused(pay(clerk, OTHER_TOWNSHIP, "100.00"), 403, "不在您的工作范围")
    refused(clerk.post("/reserves/advance", data={**hidden, "township": TOWNSHIP, "amount": "10.00"}), 403,
            "向乡镇拨付备用金是县 230523 的工作")
    refused(clerk.post("/reserves/replenish", data={**hidden, "township": TOWNSHIP}), 403, "不在您的工作范围")
    refused(clerk.post("/reserves/document", data={"csrf": hidden["csrf"], "case": other_case}), 403,
            "不在您的工作范围")
    for user in (AUDITOR, APPROVER):
        c = signed_in(user)
        assert 'data-form="document"' not in c.get("/reserves").text
        assert c.get(RESERVES).status_code == 403
        refused(c.post("/reserves/pay", data={"csrf": csrf_of(c.get("/").text), "township": TOWNSHIP,
                                              "amount": "1.00"}), 403, "不能使用此功能")
    assert snapshot(web_url) == before


# ---- temporary grants ------------------------------------------------------------------------------------------


def grant(client, household: str = "H001", total: str = "6000.00", **fields: str):
    return post_form(client, GRANTS, "grant", "/temporary",
                     **{"household": household, "total": total, "instalments": "3", "first_month": "2022-05",
                        "reason": "重病住院", **fields})


def grants_of(url: str):
    return read(url, lambda s: grant_views(s, COUNTY))


def test_a_grant_is_recorded_once_and_approved_by_another(signed_in, web_url):
    c = signed_in(PREPARER)
    page = c.get(GRANTS)
    assert page.status_code == 200 and "没有待审批的临时救助" in text_of(page)
    fields = {**form_of(page.text, "grant"), "household": "H001", "total": "6000.00", "instalments": "3",
              "first_month": "2022-05", "reason": "重病住院"}
    done = c.post("/temporary", data=fields)
    assert done.status_code == 303, done.text[-500:]
    [g] = grants_of(web_url)
    assert (g.household_id, g.total, g.instalments, g.first_month, g.reason, g.committee_ref, g.granted_by,
            g.approved_by) == ("H001", D("6000.00"), 3, "2022-05", "重病住院", None, PREPARER, None)
    assert done.headers["location"] == f"/temporary?jurisdiction={COUNTY}&recorded=stored&grant={g.id}#done"
    again = c.post("/temporary", data=fields)
    assert again.headers["location"] == f"/temporary?jurisdiction={COUNTY}&recorded=unchanged&grant={g.id}#done"
    assert len(grants_of(web_url)) == 1
    assert 'data-form="approve-grant"' not in c.get(GRANTS).text  # a preparer sees no approval button

    approver = signed_in(APPROVER)
    listing = approver.get(GRANTS)
    assert f'data-grant="{g.id}"' in listing.text and "待审批的临时救助" in text_of(listing)
    assert 'data-form="grant"' not in listing.text
    hidden = form_of(listing.text, "approve-grant")
    done = approver.post(f"/temporary/{g.id}/approve", data={**hidden, "date": "2022-04-02"})
    assert done.status_code == 303 and "recorded=approved" in done.headers["location"]
    [g] = grants_of(web_url)
    assert (g.approved_by, g.approved_on) == (APPROVER, date(2022, 4, 2))
    before = snapshot(web_url)
    again = approver.post(f"/temporary/{g.id}/approve", data={**hidden, "date": "2022-04-02"})  # a double click
    assert again.status_code == 303 and "recorded=unchanged" in again.headers["location"]
    assert snapshot(web_url) == before
    shown = text_of(approver.get(GRANTS))
    assert "没有待审批的临时救助" in shown and "6,000.00" in shown


def test_maker_checker_the_one_who_recorded_a_grant_does_not_approve_it(signed_in, web_url, clock):
    c = signed_in(PREPARER)
    assert grant(c).status_code == 303
    [g] = grants_of(web_url)
    database = dbmod.Database(web_url)
    try:
        with database.write() as session:  # li.ming becomes an approver
            change_user(session, PREPARER, "role", "approver", acting=ADMIN, now=clock.now)
    finally:
        database.dispose()
    maker = signed_in(PREPARER)
    page = maker.get(GRANTS)
    assert "本人经办，须由他人审批" in text_of(page)
    before = snapshot(web_url)
    response = maker.post(f"/temporary/{g.id}/approve", data={"csrf": csrf_of(page.text)})
    refused(response, 422, "maker-checker", PREPARER)
    assert snapshot(web_url) == before
    assert grants_of(web_url)[0].approved_by is None
    # a preparer may not approve at all, nor an auditor
    for user in (AUDITOR, TOWN_CLERK):
        other = signed_in(user)
        refused(other.post(f"/temporary/{g.id}/approve", data={"csrf": csrf_of(other.get("/").text)}), 403,
                "不能使用此功能")


def test_grant_refusals_are_the_services(signed_in, web_url):
    c = signed_in(PREPARER)
    before = snapshot(web_url)
    for fields, status, words in (
            ({"total": "12000.00"}, 422, "case_by_case_threshold"),
            ({"instalments": "13"}, 422, "instalments must be 1 to 12"),
            ({"instalments": "x"}, 422, "分期数“x”无效"),
            ({"total": "6,000"}, 422, "救助总额“6,000”无效"),
            ({"first_month": "2022-5"}, 422, "月份“2022-5”无效"),
            ({"reason": " "}, 422, "reason"),
            ({"household": "H999"}, 422, "H999"),
            ({"mark": "x"}, 422, "请刷新页面")):
        refused(grant(c, **fields), status, *([words] if isinstance(words, str) else words))
    assert snapshot(web_url) == before
    assert grant(c, total="12000.00", committee_ref="宝民议〔2022〕3号").status_code == 303
    assert grants_of(web_url)[0].committee_ref == "宝民议〔2022〕3号"


def test_a_township_clerk_grants_to_their_townships_households_only(signed_in, web_url):
    county = signed_in(PREPARER)
    assert grant(county, "H003").status_code == 303  # 七星泡镇's
    clerk = signed_in(TOWN_CLERK)
    page = clerk.get(GRANTS)
    assert 'data-form="declare"' not in page.text and 'data-grant="' not in page.text  # H003's is not theirs
    before = snapshot(web_url)
    refused(grant(clerk, "H003"), 403, "户 H003 不在您的工作范围")
    assert snapshot(web_url) == before
    assert grant(clerk, "H001").status_code == 303
    assert sorted(g.household_id for g in grants_of(web_url)) == ["H001", "H003"]
    assert "H001" in text_of(clerk.get(GRANTS)) and "H003" not in text_of(clerk.get(GRANTS))


# ---- price subsidies -------------------------------------------------------------------------------------------


def _declared(session, county: str, month: str) -> tuple:
    row = declaration_for(session, county, month)
    return (row.jurisdiction_code, row.cpi, row.food, row.declared_by)


def declare(client, **fields: str):
    return post_form(client, GRANTS, "declare", "/subsidies",
                     **{"jurisdiction": COUNTY, "month": "2022-05", "cpi": "3.6", "food": "1.2", **fields})


def test_a_price_subsidy_is_declared_once(signed_in, web_url):
    c = signed_in(PREPARER)
    done = declare(c)
    assert done.status_code == 303
    assert done.headers["location"] == f"/temporary?jurisdiction={COUNTY}&year=2022&recorded=declared#subsidies"
    row = read(web_url, lambda s: _declared(s, COUNTY, "2022-05"))
    assert row == (COUNTY, D("3.6"), D("1.2"), PREPARER)
    again = declare(c)  # the same declaration again: a double click
    assert again.status_code == 303 and "recorded=unchanged" in again.headers["location"]
    shown = c.get(GRANTS)
    assert 'data-month="2022-05"' in shown.text
    before = snapshot(web_url)
    for fields, words in (({"cpi": "3.7"}, "already declared"),
                          ({"month": "2022-06", "cpi": "1", "food": "1"}, "no price subsidy is triggered"),
                          ({"month": "2022-03"}, "already approved"),
                          ({"month": "2022-06", "cpi": "abc"}, "居民消费价格指数（CPI）涨幅“abc”无效"),
                          ({"month": "2022-06", "food": "1.2345"}, "最多三位小数"),
                          ({"month": "2022-06", "cpi": "NaN"}, "无效"),
                          ({"month": "202206"}, "月份“202206”无效")):
        refused(declare(c, **fields), 422, words)
    assert snapshot(web_url) == before
    # a city's declaration, from the county's page, applies to the county's months without its own
    assert declare(c, jurisdiction="230500", month="2022-07").status_code == 303
    assert read(web_url, lambda s: _declared(s, COUNTY, "2022-07"))[0] == "230500"
    assert f"2022-07 230500 3.6 1.2 {PREPARER}" in text_of(c.get(GRANTS))


def test_who_may_declare(signed_in, web_url):
    before = snapshot(web_url)
    clerk = signed_in(TOWN_CLERK)
    refused(clerk.post("/subsidies", data={"csrf": csrf_of(clerk.get("/").text), "jurisdiction": COUNTY,
                                           "month": "2022-05", "cpi": "4", "food": "1"}), 403,
            "申报价格临时补贴是县 230523 的工作")
    for user in (AUDITOR, APPROVER):
        c = signed_in(user)
        assert 'data-form="declare"' not in c.get(GRANTS).text
        refused(c.post("/subsidies", data={"csrf": csrf_of(c.get("/").text), "jurisdiction": COUNTY,
                                           "month": "2022-05", "cpi": "4", "food": "1"}), 403, "不能使用此功能")
    assert snapshot(web_url) == before


def test_the_pages_in_english(signed_in):
    c = signed_in(PREPARER)
    for path, words in ((BUDGET, "Record an allocation received"), (RESERVES, "Emergency payment"),
                        (GRANTS, "Record expenditure-type temporary assistance")):
        page = c.get(f"{path}&lang=en")
        assert page.status_code == 200 and words in page.text, path
