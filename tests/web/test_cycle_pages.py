"""The cycle pages: the list of cycles and one cycle's page, read as their users read them.

The figures are the ones `cycle_view` gives (the service the CLI's `cycle show` reads), the statuses in Chinese,
the accounts as the reader may see them; a township's clerk sees only their township, a user of another county
nothing; filters, pagination and bad input (a 422 or 404 page in Chinese, never a 500, never unescaped).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
import webbook
from click.testing import CliRunner
from support import ADMIN, APPROVER, AUDITOR, PREPARER
from webbook import (
    CITY_AUDITOR,
    ELSEWHERE,
    OTHER_TOWNSHIP,
    TOWN_CLERK,
    TOWNSHIP,
    password_env,
)

from aidledger import db as dbmod
from aidledger.cli import cli
from aidledger.disbursement.cycles.service.show import cycle_view
from aidledger.web.pages import money
from aidledger.web.routes import cycles as cycle_routes

# The web book's fixtures (tests/web/webbook.py), bound here so that pytest finds them.
app, client, clock, signed_in, web_templates, web_url = (
    webbook.app, webbook.client, webbook.clock, webbook.signed_in, webbook.web_templates, webbook.web_url)

JANUARY = 1  # cycle 1: 2022-01, approved
H001_ACCOUNT, H001_HEAD = "6217000010000000011", "230523197705100113"


def view_of(url: str, cycle_id: int, reader: str):
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return cycle_view(session, cycle_id, reader=reader, as_json=True)
    finally:
        database.dispose()


def text_of(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table(html: str, name: str) -> str:
    found = re.search(rf'<table class="{name}">(.*?)</table>', html, re.S)
    assert found, f"no table {name} on the page"
    return found.group(1)


def keyed_rows(html: str, name: str, key: str) -> dict[str, list[str]]:
    """The rows of table `name` that carry data-`key`, as key → the cells' texts."""
    rows = re.findall(rf'<tr data-{key}="([^"]*)"[^>]*>(.*?)</tr>', table(html, name), re.S)
    return {k: [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)] for k, body in rows}


def households(html: str) -> list[str]:
    """The households of the lines table, in page order (none when the page has no lines)."""
    if '<table class="lines">' not in html:
        return []
    return re.findall(r'<tr data-household="([^"]+)"', table(html, "lines"))


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


def ok_page(c, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.text


def run_cli(url: str, *args: str, user: str) -> str:
    with password_env():
        result = CliRunner().invoke(cli, ["--db", url, "--user", user, *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout.strip()


# --- one cycle's page -------------------------------------------------------------------------------------------

def test_the_cycle_page_shows_the_totals_cycle_view_gives(signed_in, web_url):
    view = view_of(web_url, JANUARY, PREPARER)
    html = ok_page(signed_in(PREPARER), f"/cycles/{JANUARY}")
    assert figure(html, "total") == "9,639.00" == money(view.total)
    assert figure(html, "count") == "10" == str(view.count)
    assert '<span class="status">已审批</span>' in html
    assert "宝清县（230523） · 2022-01" in html
    townships = keyed_rows(html, "by-township", "township")
    assert {k: cells[1:] for k, cells in townships.items()} == {
        t.key: [str(t.count), money(t.total)] for t in view.by_township}
    assert townships[TOWNSHIP] == ["宝清镇（230523100）", "6", "6,740.00"]
    programs = keyed_rows(html, "by-program", "program")
    assert {k: cells for k, cells in programs.items()} == {
        "dibao": ["低保", "7", "6,666.00"], "tekun": ["特困", "2", "2,444.00"], "low_income": ["低收入", "1", "529.00"]}
    assert {k: (int(c), v) for k, (_, c, v) in programs.items()} == {
        t.key: (t.count, money(t.total)) for t in view.by_program}
    assert "dibao" not in text_of(table(html, "by-program"))  # codes stay internal; labels are shown
    assert households(html) == [line.household_id for line in view.lines]
    h001 = keyed_rows(html, "lines", "household")["H001"]
    assert h001[1:4] == ["H001", "王建国", H001_HEAD]  # a preparer reads the numbers in full, as in --json
    assert h001[7] == "1,242.00" and h001[9] == H001_ACCOUNT
    assert "基本保障金 1,140.00" in h001[10]
    history = keyed_rows(html, "history", "status")
    assert history["draft"][:3] == ["草稿（未审批）", "李明 li.ming", "2022-01-01"]
    assert history["approved"][:4] == ["已审批", "王芳 wang.fang", "2022-01-05", "2"]
    assert "本批次没有暂缓发放的户。" in html and "本批次没有银行退票。" in html
    assert '<a href="/downloads/register/1.pdf">' in html


def test_filtering_by_township_programme_and_search(signed_in, web_url):
    view = view_of(web_url, JANUARY, PREPARER)
    c = signed_in(APPROVER)
    html = ok_page(c, f"/cycles/{JANUARY}?township={TOWNSHIP}")
    listed = households(html)
    assert listed == [line.household_id for line in view.lines if line.township == TOWNSHIP]
    assert listed == ["H001", "H002", "H005", "H006", "H008", "H010"]
    assert "符合条件 6 户" in html
    assert f'<option value="{TOWNSHIP}" selected>' in html
    assert figure(html, "total") == "9,639.00"  # the cycle's totals stand; the filter narrows the list
    assert households(ok_page(c, f"/cycles/{JANUARY}?program=tekun")) == ["H005", "H006"]
    assert households(ok_page(c, f"/cycles/{JANUARY}?township={OTHER_TOWNSHIP}&program=dibao")) == [
        "H003", "H004", "H011"]
    assert households(ok_page(c, f"/cycles/{JANUARY}?q=h00")) == [
        "H001", "H002", "H005", "H006", "H008", "H003", "H004", "H007"]
    assert households(ok_page(c, f"/cycles/{JANUARY}?q=h011")) == ["H011"]
    assert households(ok_page(c, f"/cycles/{JANUARY}?q=福利院")) == ["H006"]  # the payee's name
    html = ok_page(c, f"/cycles/{JANUARY}?q=nobody")
    assert households(html) == [] and "没有符合条件的发放明细。" in html


def test_lines_are_paginated(signed_in, monkeypatch):
    c = signed_in(PREPARER)
    first = ok_page(c, f"/cycles/{JANUARY}")
    assert 'class="pager"' not in first  # ten lines: one page of 50
    assert cycle_routes.PAGE_SIZE == 50
    monkeypatch.setattr(cycle_routes, "PAGE_SIZE", 4)
    pages = [ok_page(c, f"/cycles/{JANUARY}?page={n}") for n in (1, 2, 3)]
    assert [households(p) for p in pages] == [["H001", "H002", "H005", "H006"], ["H008", "H010", "H003", "H004"],
                                             ["H011", "H007"]]
    assert "第 2 页，共 3 页" in pages[1]
    assert 'href="/cycles/1?page=1" rel="prev"' in pages[1] and 'href="/cycles/1?page=3" rel="next"' in pages[1]
    assert 'rel="prev"' not in pages[0] and 'rel="next"' not in pages[2]
    assert '<td class="amount">9</td>' in pages[2]  # numbered across the pages
    assert ok_page(c, f"/cycles/{JANUARY}") == pages[0]
    # Filters carry over to the other pages.
    filtered = ok_page(c, f"/cycles/{JANUARY}?township={TOWNSHIP}&page=2")
    assert households(filtered) == ["H008", "H010"]
    assert f'href="/cycles/1?township={TOWNSHIP}&amp;page=1" rel="prev"' in filtered
    beyond = c.get(f"/cycles/{JANUARY}?page=4")
    assert beyond.status_code == 422 and "第 4 页不存在：共 3 页" in beyond.text


@pytest.mark.parametrize("query, message", [
    ("page=0", "页码“0”无效"), ("page=abc", "页码“abc”无效"), ("page=-1", "页码“-1”无效"), ("page=1.5", "页码"),
    ("township=<script>alert(1)</script>", "乡镇代码"), ("township=230524100", "乡镇代码“230524100”无效"),
    ("township=../../etc", "乡镇代码"), ("program=<b>x</b>", "救助项目"), ("program=dibao%27--", "救助项目"),
    ("q=" + "x" * 65, "q"),
])
def test_bad_input_is_a_422_page_and_escaped(signed_in, query, message):
    response = signed_in(PREPARER).get(f"/cycles/{JANUARY}?{query}")
    assert response.status_code == 422, (query, response.status_code)
    assert message in unescape(response.text)
    assert "<script>" not in response.text and "<b>x</b>" not in response.text
    assert "9,639.00" not in response.text


@pytest.mark.parametrize("path, status, message", [
    ("/cycles/999", 404, "没有编号为 999 的发放批次"), ("/cycles/abc", 422, "发放批次编号“abc”无效"),
    ("/cycles/0", 422, "发放批次编号“0”无效"), ("/cycles/99999999999999999999", 422, "发放批次编号"),
    ("/cycles/%3Cscript%3E", 422, "发放批次编号"),
])
def test_a_cycle_that_does_not_exist_is_a_page_in_chinese(signed_in, path, status, message):
    response = signed_in(AUDITOR).get(path)
    assert response.status_code == status, (path, response.status_code)
    assert message in unescape(response.text)
    assert "<script>" not in response.text


def test_a_township_clerk_sees_only_their_township(signed_in, web_url):
    view = view_of(web_url, JANUARY, TOWN_CLERK)
    assert view.township == TOWNSHIP and view.count == 6
    c = signed_in(TOWN_CLERK)
    html = ok_page(c, f"/cycles/{JANUARY}")
    assert figure(html, "total") == "6,740.00" == money(view.total)
    assert figure(html, "count") == "6"
    assert "本页只显示乡镇 宝清镇（230523100）的部分" in html
    assert set(keyed_rows(html, "by-township", "township")) == {TOWNSHIP}
    assert keyed_rows(html, "by-program", "program") == {"dibao": ["低保", "4", "4,296.00"],
                                                           "tekun": ["特困", "2", "2,444.00"]}
    assert households(html) == ["H001", "H002", "H005", "H006", "H008", "H010"]
    for other in ("H003", "H004", "H007", "H011", "张德明", "9,639.00", "2,370.00", "七星泡镇", OTHER_TOWNSHIP):
        assert other not in html, other
    assert 'name="township"' not in html  # no township to choose
    assert households(ok_page(c, f"/cycles/{JANUARY}?township={TOWNSHIP}")) == households(html)
    refused = c.get(f"/cycles/{JANUARY}?township={OTHER_TOWNSHIP}")
    assert refused.status_code == 403 and "H003" not in refused.text
    assert 'href="/downloads/register/1.pdf?township=230523100"' in html
    # The list: the township's part of each cycle.
    listing = keyed_rows(ok_page(c, "/cycles"), "cycles", "cycle")
    assert listing["1"][3:6] == ["已审批", "6", "6,740.00"]


def test_another_countys_user_sees_no_cycle(signed_in):
    c = signed_in(ELSEWHERE)
    html = ok_page(c, "/cycles")
    assert '<tr data-cycle="' not in html and "/cycles/1" not in html and "9,639.00" not in html
    assert "您的工作范围内没有发放批次。" in html
    for path in ("/cycles/1", "/cycles/2?township=230523100", "/cycles?jurisdiction=230523"):
        response = c.get(path)
        assert response.status_code == 403, (path, response.status_code)
        assert "不在您的工作范围（230524）之内" in response.text
        assert "H001" not in response.text and "9,639.00" not in response.text


def test_auditors_see_masked_numbers(signed_in):
    for user in (AUDITOR, CITY_AUDITOR):
        html = ok_page(signed_in(user), f"/cycles/{JANUARY}")
        assert figure(html, "total") == "9,639.00"
        assert H001_ACCOUNT not in html and H001_HEAD not in html
        assert not re.search(r"\d{15,}", html), re.search(r"\d{15,}", html)
        h001 = keyed_rows(html, "lines", "household")["H001"]
        assert h001[3] == "230523********0113" and h001[9] == "621700*********0011"


# --- the list ---------------------------------------------------------------------------------------------------

def test_the_list_of_cycles(signed_in):
    c = signed_in(ADMIN)
    html = ok_page(c, "/cycles")
    rows = keyed_rows(html, "cycles", "cycle")
    assert list(rows) == ["3", "2", "1"]  # newest month first
    assert rows["1"] == ["第 1 号", "宝清县（230523）", "2022-01", "已审批", "10", "9,639.00", "李明 2022-01-01",
                         "王芳 2022-01-05"]
    assert rows["2"][4:6] == ["11", "10,319.00"]
    assert '<a href="/cycles/1">' in html
    assert keyed_rows(ok_page(c, "/cycles?status=approved&jurisdiction=230523"), "cycles", "cycle").keys() == \
        rows.keys()
    assert '<tr data-cycle="' not in ok_page(c, "/cycles?status=draft")
    for bad in ("status=bogus", "jurisdiction=2305", "jurisdiction=<script>"):
        response = c.get(f"/cycles?{bad}")
        assert response.status_code == 422 and "<script>" not in response.text, bad
    assert keyed_rows(ok_page(signed_in(CITY_AUDITOR), "/cycles"), "cycles", "cycle") == rows


# --- held lines, returns, a draft -------------------------------------------------------------------------------

def test_held_lines_returns_and_a_draft(signed_in, web_url, tmp_path):
    """March exported and two payments returned (H002 of 宝清镇, H003 of 七星泡镇; H003's sent back to the fund);
    H001's and H004's payees die; April run: a draft holding H001 and H004."""
    run_cli(web_url, "cycle", "export-bank", "3", "--out", str(tmp_path / "bank.csv"), "--date", "2022-03-06",
            user=PREPARER)
    (tmp_path / "returns.csv").write_text("账号,金额,原因\n6217000010000000029,1032.00,账户已销户\n"
                                          "6217000010000000037,529.00,户名不符\n", encoding="utf-8")
    run_cli(web_url, "cycle", "returns", "3", "--file", str(tmp_path / "returns.csv"), "--date", "2022-03-10",
            user=PREPARER)
    returned = {r.household_id: r.id for r in view_of(web_url, 3, PREPARER).returns}
    run_cli(web_url, "cycle", "cancel-return", str(returned["H003"]), "--reason", "户主已迁出本县", "--date",
            "2022-03-15", user=APPROVER)
    (tmp_path / "events.csv").write_text("household_id,kind,date,value,id_number\n"
                                         f"H001,death,2022-03-20,,{H001_HEAD}\n"
                                         "H004,death,2022-03-20,,230523198304040716\n", encoding="utf-8")
    run_cli(web_url, "registry", "events", str(tmp_path / "events.csv"), user=PREPARER)
    april = run_cli(web_url, "cycle", "run", "--jurisdiction", "230523", "--month", "2022-04", "--date", "2022-04-01",
                    user=PREPARER)

    c = signed_in(AUDITOR)
    march = ok_page(c, "/cycles/3")
    assert '<span class="status">已结算</span>' in march
    returns = keyed_rows(march, "returns", "return")
    assert returns[str(returned["H002"])][:5] == [str(returned["H002"]), "H002", "1,032.00", "账户已销户", "2022-03-10"]
    assert "待处理" in returns[str(returned["H002"])][5]
    assert returns[str(returned["H003"])][5] == "已退回资金 2022-03-15"
    history = keyed_rows(march, "history", "status")
    assert [cells[0] for cells in history.values()] == ["草稿（未审批）", "已审批", "已交银行代发", "已结算"]
    assert history["exported"][1:3] == ["李明 li.ming", "2022-03-06"]

    html = ok_page(c, f"/cycles/{april}")
    assert '<span class="status">草稿 · 待审批</span>' in html  # one sign-off asked: the draft waits for its 审批
    held = keyed_rows(html, "held", "household")
    assert {k: v[:3] for k, v in held.items()} == {"H001": ["H001", "王建国", "562.00"],
                                                   "H004": ["H004", "刘志强", "341.00"]}
    assert "已于 2022-03-20 去世" in held["H001"][3]
    assert figure(html, "held") == "2 · 903.00"
    assert "H001" not in households(html)
    assert keyed_rows(ok_page(c, "/cycles"), "cycles", "cycle")[april][3:] == [
        "草稿 · 待审批", "9", "8,276.00", "李明 2022-04-01", "未审批"]

    # The township's clerk: their township's return and held household only.
    clerk = signed_in(TOWN_CLERK)
    march = ok_page(clerk, "/cycles/3")
    assert list(keyed_rows(march, "returns", "return")) == [str(returned["H002"])]
    assert "H003" not in march and "户名不符" not in march
    html = ok_page(clerk, f"/cycles/{april}")
    assert list(keyed_rows(html, "held", "household")) == ["H001"]
    assert figure(html, "held") == "1 · 562.00"
    assert "刘志强" not in html and "H004" not in html

    # The dashboards say what waits: April's held households and March's return not yet re-issued or cancelled.
    def matters(client) -> dict[str, str]:
        html = ok_page(client, "/")
        return {m: re.sub(r"<[^>]+>", "", text).strip() for m, text in
                re.findall(r'<li class="warn" data-matter="(\w+)">(.*?)</li>', html, re.S)}

    county = matters(c)
    assert "有 2 户暂缓发放（合计 903.00 元）" in county["held"]
    assert "有 1 笔银行退票待处理（合计 1,032.00 元）" in county["returns"]
    mine = matters(clerk)
    assert "有 1 户暂缓发放（合计 562.00 元）" in mine["held"]
    assert "有 1 笔银行退票待处理（合计 1,032.00 元）" in mine["returns"]


def diff_of(url: str, cycle_id: int, reader: str):
    from aidledger.disbursement.cycles.service.diff import cycle_diff

    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return cycle_diff(session, cycle_id, reader=reader)
    finally:
        database.dispose()


def test_what_changed_since_last_month_reconciled(signed_in, web_url):
    """February against January: the page's reconciliation, lists and links are the service's (`cycle diff`), the
    API gives its JSON, a township's clerk compares the township's households only, another county's reader none."""
    found = diff_of(web_url, 2, AUDITOR)
    r = found.differences.reconciliation
    assert found.previous_id == 1 and r.holds
    c = signed_in(AUDITOR)
    html = ok_page(c, "/cycles/2/diff")
    for name in ("previous_total", "new", "left", "changed", "total"):
        amount = re.escape(money(getattr(r, name)))
        assert re.search(rf'<tr data-figure="{name}"[^>]*>.*?<td class="amount">{amount}</td>', html, re.S), name
    assert "核对相符。" in html and 'href="/cycles/1"' in html
    assert set(keyed_rows(html, "changed", "household")) == {x.household_id for x in found.differences.changed} \
        if found.differences.changed else "没有金额或人数变化的户。" in html
    assert 'href="/cycles/2/diff"' in ok_page(c, "/cycles/2")
    first = ok_page(c, "/cycles/1/diff")
    assert "这是本县的第一个发放批次" in first
    assert set(keyed_rows(first, "arrived", "household")) == {
        ln.household_id for ln in view_of(web_url, 1, AUDITOR).lines}

    api = c.get("/api/v1/cycles/2/diff")
    assert api.status_code == 200 and api.json() == webbook_json(found)

    clerk = diff_of(web_url, 2, TOWN_CLERK)
    assert clerk.township == TOWNSHIP
    mine = ok_page(signed_in(TOWN_CLERK), "/cycles/1/diff")
    assert set(keyed_rows(mine, "arrived", "household")) == {
        ln.household_id for ln in view_of(web_url, 1, AUDITOR).lines if ln.township == TOWNSHIP}
    assert signed_in(ELSEWHERE).get("/cycles/2/diff").status_code == 403
    assert signed_in(ELSEWHERE).get("/api/v1/cycles/2/diff").status_code == 403
    assert c.get("/cycles/999/diff").status_code == 404


def webbook_json(found) -> dict:
    import json

    from aidledger.render import json_text

    return json.loads(json_text(found.as_dict()))
