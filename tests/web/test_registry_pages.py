"""The registry's pages: the county's households (search, filters, scopes, masking) and a household's page (its
members, history and the amount of each month with the rules of every part), read from the services the CLI reads.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import webbook
from click.testing import CliRunner
from markupsafe import escape
from support import ADMIN, AUDITOR, PREPARER
from webbook import CITY_AUDITOR, COUNTY, ELSEWHERE, OTHER_TOWNSHIP, TOWN_CLERK, TOWNSHIP, password_env
from webbook import read_book as read

from aidledger.cli import cli
from aidledger.disbursement.entitlement.service import explain_view
from aidledger.disbursement.registry.service import household_list, household_view
from aidledger.idcard import check_character
from aidledger.masking import mask
from aidledger.web.pages import money

# The web book's fixtures (tests/web/webbook.py), bound here so that pytest finds them.
app, client, clock, signed_in, web_templates, web_url = (
    webbook.app, webbook.client, webbook.clock, webbook.signed_in, webbook.web_templates, webbook.web_url)

H001_HEAD = "230523197705100113"
TODAY = date(2022, 4, 1)  # the tests' clock
ROW = re.compile(r'<tr data-household="([^"]+)" data-township="([^"]+)">')
SCRIPT = "<script>alert(1)</script>"



def rows(html: str) -> list[str]:
    return [household for household, _ in ROW.findall(html)]


def townships(html: str) -> set[str]:
    return {township for _, township in ROW.findall(html)}


def section(html: str, start: str, end: str = "</section>") -> str:
    at = html.index(start)
    return html[at:html.index(end, at)]


def ok(response) -> str:
    assert response.status_code == 200, response.text
    return response.text


def test_the_list_is_the_services_list_of_the_county(signed_in, web_url):
    html = ok(signed_in(PREPARER).get("/registry"))
    expected = read(web_url, lambda s: household_list(s, COUNTY, TODAY, reader=PREPARER, as_json=True))
    assert rows(html) == [h.household_id for h in expected.households] and len(expected.households) == 11
    assert "宝清县（230523）" in html and "共 11 户（截至 2022-04-01）" in html
    assert '<a href="/registry/H001">H001</a>' in html
    h006 = section(html, '<tr data-household="H006"', "</tr>")
    assert all(word in h006 for word in ("杨树林", "宝清县社会福利院", "宝清镇", "城镇", "特困", "在保"))
    assert "tekun" not in h006 and "urban" not in h006  # codes stay internal


def test_search_by_id_number_finds_h001_in_full_for_a_preparer(signed_in):
    html = ok(signed_in(PREPARER).get("/registry", params={"q": H001_HEAD}))
    assert rows(html) == ["H001"]
    assert H001_HEAD in html and "共 1 户" in html
    page = ok(signed_in(PREPARER).get("/registry/H001"))
    assert H001_HEAD in page and "1977-05-10" in page and "6217000010000000011" in page


def test_an_auditor_sees_masked_numbers_and_no_birth_date(signed_in, web_url):
    auditor = signed_in(AUDITOR)
    listed = ok(auditor.get("/registry", params={"q": H001_HEAD}))
    assert rows(listed) == ["H001"] and "230523********0113" in listed and H001_HEAD not in listed
    full = read(web_url, lambda s: household_view(s, "H001", TODAY, reader=PREPARER, as_json=True))
    pages = [ok(auditor.get("/registry/H001")), ok(auditor.get("/registry/H001", params={"month": "2022-01"})),
             ok(auditor.get("/registry"))]
    masked = read(web_url, lambda s: household_view(s, "H001", TODAY, reader=AUDITOR, as_json=True))
    assert [m.id_number for m in masked.members] == ["230523********0113", "230523********0222",
                                                      "230523********0318"]
    for m in masked.members:
        assert m.id_number in pages[0]
    assert masked.bank_account == mask("6217000010000000011") and masked.bank_account in pages[0]
    for html in pages:
        for member in full.members:
            assert member.id_number not in html
            assert member.birth_date not in html  # 1977-05-10: with the masked number it rebuilds the whole
            assert member.birth_date.replace("-", "") not in html
        assert "6217000010000000011" not in html
    assert "<td data-field=\"birth_date\">1977</td>" in pages[0]


@pytest.mark.parametrize("text, expected", [
    ("王建国", ["H001"]),  # the head and payee
    ("马玉梅", ["H001"]),  # a member
    ("福利院", ["H006"]),  # the payee of a centralized 特困 household
    ("H004", ["H004"]),
    ("H01", ["H010", "H011"]),
])
def test_search_by_name_and_household_id(signed_in, text, expected):
    assert rows(ok(signed_in(PREPARER).get("/registry", params={"q": text}))) == expected


@pytest.mark.parametrize("text", ["' OR 1=1 --", "%", "_", "H00_", "%' OR '1'='1", "\" OR \"\"=\"", "王%", "\\"])
def test_search_text_that_looks_like_sql_finds_nothing(signed_in, text):
    html = ok(signed_in(PREPARER).get("/registry", params={"q": text}))
    assert rows(html) == [] and "共 0 户" in html and "没有符合条件的户。" in html
    assert f'name="q" value="{escape(text)}"' in html  # the text stays in the search box, escaped


def test_filters_by_township_programme_status_and_day(signed_in):
    preparer = signed_in(PREPARER)
    html = ok(preparer.get("/registry", params={"township": OTHER_TOWNSHIP}))
    assert rows(html) == ["H003", "H004", "H011"] and townships(html) == {OTHER_TOWNSHIP}
    assert rows(ok(preparer.get("/registry", params={"program": "tekun"}))) == ["H005", "H006"]
    before = ok(preparer.get("/registry", params={"on": "2022-01-01", "status": "not_yet"}))
    assert rows(before) == ["H009"] and "截至 2022-01-01" in before  # approved 2022-01-20
    assert "H009" in rows(ok(preparer.get("/registry", params={"status": "active"})))


def household_through_the_cli(url: str, tmp_path) -> str:
    """A household of 宝清镇 whose payee's name is a script, imported as a preparer does."""
    head = "23052319800101" + "001"
    head += check_character(head)
    households = tmp_path / "households.csv"
    households.write_text(
        "household_id,county,township,area,program,monthly_income,approved_on,tier,income_type,tekun_setting,"
        "payee_name,bank_account\n"
        f"H900,{COUNTY},{TOWNSHIP},urban,dibao,100,2022-01-10,,stable,,\"{SCRIPT}\",6217000010000009001\n",
        encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text(
        "household_id,id_number,name,relation,birth_date,disability_grade,disability_kind,flags,care_level,"
        "single_person,death_date\n"
        f"H900,{head},\"<b>韩{SCRIPT}</b>\",head,1980-01-01,,,,,,\n", encoding="utf-8")
    with password_env():
        result = CliRunner().invoke(cli, ["--db", url, "--user", PREPARER, "registry", "import", "--households",
                                          str(households), "--members", str(members)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return head


def test_a_payee_name_holding_a_script_is_shown_as_text(signed_in, web_url, tmp_path):
    household_through_the_cli(web_url, tmp_path)
    preparer = signed_in(PREPARER)
    listed = ok(preparer.get("/registry", params={"q": "H900"}))
    page = ok(preparer.get("/registry/H900"))
    for html in (listed, page):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert SCRIPT not in html and "<b>韩" not in html
    assert rows(listed) == ["H900"]
    assert "&lt;b&gt;韩&lt;script&gt;" in page  # the member's name, in the members table and the list's head
    assert rows(ok(preparer.get("/registry", params={"q": "<script>"}))) == ["H900"]


def test_the_january_explanation_of_h001(signed_in, web_url):
    html = ok(signed_in(PREPARER).get("/registry/H001", params={"month": "2022-01"}))
    view = read(web_url, lambda s: explain_view(s, "H001", "2022-01", reader=PREPARER, as_json=True))
    assert money(view.amount) == "1,242.00"
    part = section(html, '<section class="explain" data-month="2022-01">')
    assert "2022-01 金额构成与计算依据" in html
    assert f'data-figure="amount">{money(view.amount)}<' in part
    assert [c.kind for c in view.components] == ["base", "addon"]
    for c, name in zip(view.components, ("基本保障金", "分类施保加发"), strict=True):
        row = section(part, f'<tr data-kind="{c.kind}">', "</tr>")
        assert name in row and money(c.amount) in row and str(escape(c.rule)) in row
        assert (c.id_number or "") in row
    assert "1,140.00" in part and "102.00" in part and view.track_origin in part
    months = section(html, '<table class="months">', "</table>")
    assert re.findall(r'data-month="(\d{4}-\d{2})"', months) == ["2022-04", "2022-03", "2022-02", "2022-01"]
    assert months.count("1,242.00") == 4


def test_the_latest_month_is_expanded_and_a_month_is_chosen(signed_in, web_url):
    preparer = signed_in(PREPARER)
    html = ok(preparer.get("/registry/H010"))
    assert '<section class="explain" data-month="2022-04">' in html
    april = read(web_url, lambda s: explain_view(s, "H010", "2022-04", reader=PREPARER, as_json=True))
    assert april.components[0].kind == "exit" and "渐退保障金" in html and str(escape(april.components[0].rule)) in html
    history = section(html, '<table class="events">', "</table>")
    assert "收入变化" in history and "1500.00" in history and "李明" in history and "events.csv" in history
    earlier = ok(preparer.get("/registry/H010", params={"on": "2022-02-15"}))
    assert re.findall(r'<tr data-month="(\d{4}-\d{2})"', earlier) == ["2022-02", "2022-01"]
    assert "家庭月收入（元）</th><td class=\"amount\">400.00" in earlier  # the income before the March event


@pytest.mark.parametrize("path, status, message", [
    ("/registry/NOPE", 404, "救助对象名册中没有户编号为“NOPE”的户。"),
    ("/registry/H001?month=2022-13", 422, "月份“2022-13”无效"),
    ("/registry/H001?month=2020-01", 422, "月份 2020-01 不在本户可说明的月份（2022-01 至 2022-04）之内"),
    ("/registry/H001?on=2022-02-30", 422, "日期“2022-02-30”无效"),
    ("/registry?on=yesterday", 422, "日期“yesterday”无效"),
    ("/registry?program=pension", 422, "救助类别“pension”无效"),
    ("/registry?status=alive", 422, "状态“alive”无效"),
    ("/registry?page=0", 422, "页码“0”无效"),
    ("/registry?page=2", 422, "第 2 页不存在：共 1 页"),
    ("/registry?jurisdiction=23", 422, "县级区划代码“23”无效"),
    ("/registry?township=999", 422, "乡镇代码“999”无效"),
    ("/registry?q=" + "x" * 101, 422, ""),
])
def test_bad_input_is_a_page_in_chinese(signed_in, path, status, message):
    response = signed_in(PREPARER).get(path)
    assert response.status_code == status, response.text
    assert message in response.text and "系统内部错误" not in response.text


def test_a_township_clerk_sees_only_the_township(signed_in, web_url):
    clerk = signed_in(TOWN_CLERK)
    html = ok(clerk.get("/registry"))
    theirs = read(web_url, lambda s: household_list(s, COUNTY, TODAY, reader=None, township=TOWNSHIP))
    assert rows(html) == [h.household_id for h in theirs.households] == ["H001", "H002", "H005", "H006", "H008",
                                                                          "H010"]
    assert townships(html) == {TOWNSHIP} and f"共 {len(theirs.households)} 户" in html
    assert "名册只显示本乡镇的户" in html
    assert rows(ok(clerk.get("/registry", params={"q": "张德明"}))) == []  # H003's head, of 230523101
    assert rows(ok(clerk.get("/registry", params={"township": TOWNSHIP}))) == rows(html)
    assert "王建国" in ok(clerk.get("/registry/H001"))
    for path in ("/registry/H003", "/registry/H003?month=2022-01", "/registry/H004",
                 f"/registry?township={OTHER_TOWNSHIP}"):
        refused = clerk.get(path)
        assert refused.status_code == 403, path
        assert "张德明" not in refused.text and "不在您的工作范围（230523100）之内" in refused.text


def test_a_user_of_another_county_sees_nothing_of_it(signed_in):
    elsewhere = signed_in(ELSEWHERE)
    for path in ("/registry/H001", "/registry/H003?month=2022-01", f"/registry?jurisdiction={COUNTY}"):
        refused = elsewhere.get(path)
        assert refused.status_code == 403, path
        assert "王建国" not in refused.text
    html = ok(elsewhere.get("/registry"))
    assert rows(html) == [] and "您的工作范围内没有救助对象。" in html and "宝清县" not in html


def test_the_city_auditor_sees_the_county_masked(signed_in):
    html = ok(signed_in(CITY_AUDITOR).get("/registry"))
    assert len(rows(html)) == 11 and "230523********0113" in html and H001_HEAD not in html


def test_the_pages_in_english(signed_in):
    admin = signed_in(ADMIN)
    listed = ok(admin.get("/registry?lang=en"))
    assert "Beneficiary registry" in listed and "Name, household id or id number" in listed
    page = ok(admin.get("/registry/H001"))
    assert "Amount by month" in page and "the parts of the amount and their rules" in page
    assert "1,242.00" in page and "基本保障金" in page  # data and the labels of codes stay as they are


def test_a_month_the_rules_refuse_is_said_on_its_row(signed_in, monkeypatch):
    """A month `explain` refuses (a policy that does not cover it) is shown with the refusal; the others stand."""
    from aidledger.errors import Refusal
    from aidledger.web.routes import registry as registry_routes

    def explain_but_february(session, household_id, month, **options):
        if month == "2022-02":
            raise Refusal("no parameter for 2022-02")
        return explain_view(session, household_id, month, **options)

    monkeypatch.setattr(registry_routes, "explain_view", explain_but_february)
    preparer = signed_in(PREPARER)
    html = ok(preparer.get("/registry/H001"))
    february = section(html, '<tr data-month="2022-02">', "</tr>")
    assert "no parameter for 2022-02" in february and "1,242.00" not in february
    assert section(html, '<tr data-month="2022-03">', "</tr>").count("1,242.00") == 1
    chosen = ok(preparer.get("/registry/H001", params={"month": "2022-02"}))
    assert '<p class="refusal">no parameter for 2022-02</p>' in chosen and 'class="explain"' not in chosen
