"""A household's changes recorded through the page's forms (issue 17, part): each stores the event `registry events`
stores from the same row, with its checks and its refusals, once however often it is sent; a preparer's forms
only, within the preparer's scope, with the form's CSRF token."""

from __future__ import annotations

from html import unescape

from sqlalchemy import func, select
from support import AUDITOR, PREPARER
from webbook import (  # noqa: F401
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

from aidledger.auth.tables import WriteRecord
from aidledger.disbursement.registry.service import household_history, household_view
from aidledger.disbursement.registry.tables import EventRow


def events_of(url, household):
    return read(url, lambda s: list(s.execute(select(EventRow.kind, EventRow.date, EventRow.value, EventRow.id_number)
                                              .where(EventRow.household_id == household).order_by(EventRow.id))))


def form_post(client, household, **fields):
    page = client.get(f"/registry/{household}")
    assert page.status_code == 200
    return client.post(f"/registry/{household}/events", data={"csrf": csrf_of(page.text), **fields})


def test_an_income_change_is_stored_once_as_the_events_file_would_store_it(signed_in, web_url):
    c = signed_in(PREPARER)
    before = events_of(web_url, "H001")
    done = form_post(c, "H001", kind="income", date="2022-03-15", value="850.00")
    assert done.status_code == 303 and done.headers["location"] == "/registry/H001?recorded=stored#history"
    after = events_of(web_url, "H001")
    assert after[len(before):] == [("income", after[-1][1], "850.00", None)]
    assert str(after[-1][1]) == "2022-03-15"
    page = c.get(done.headers["location"].split("#")[0]).text
    assert "变动已登记。" in page and "网页录入-H001-income-2022-03-15.csv" in page
    history = read(web_url, lambda s: household_history(s, "H001", reader=PREPARER))
    assert history.events[-1].source.endswith("网页录入-H001-income-2022-03-15.csv")
    # the write is the web's, by the signed-in preparer
    last = read(web_url, lambda s: s.execute(select(WriteRecord.user_name, WriteRecord.channel)
                                             .order_by(WriteRecord.id.desc()).limit(1)).one())
    assert tuple(last) == (PREPARER, "web")
    # a double click: the same row again is the same file, stored once
    again = form_post(c, "H001", kind="income", date="2022-03-15", value="850.00")
    assert again.headers["location"] == "/registry/H001?recorded=unchanged#history"
    assert events_of(web_url, "H001") == after


def test_a_death_a_payee_and_a_suspension(signed_in, web_url):
    c = signed_in(PREPARER)
    member = read(web_url, lambda s: household_view(s, "H002", webbook_day(), reader=PREPARER, as_json=True)).members
    assert form_post(c, "H002", kind="death", date="2022-03-20", id_number=member[-1].id_number).status_code == 303
    assert form_post(c, "H003", kind="payee", date="2022-03-20", payee_name="刘芳",
                     bank_account="6217000010000099999").status_code == 303
    assert form_post(c, "H004", kind="suspend", date="2022-03-20", value="外出务工核查").status_code == 303
    assert events_of(web_url, "H002")[-1][0] == "death" and events_of(web_url, "H002")[-1][3] == member[-1].id_number
    assert events_of(web_url, "H003")[-1][0] == "payee"
    assert events_of(web_url, "H004")[-1][:1] == ("suspend",) and events_of(web_url, "H004")[-1][2] == "外出务工核查"


def webbook_day():
    from datetime import date

    return date(2022, 3, 1)


def test_refusals_are_the_services_and_store_nothing(signed_in, web_url):
    c = signed_in(PREPARER)
    count = read(web_url, lambda s: s.scalar(select(func.count()).select_from(EventRow)))
    for fields, words in (
            ({"kind": "death", "date": "2022-03-20", "id_number": "230523190001010000"}, "check character"),
            ({"kind": "income", "date": "2022-03-20", "value": "-5"}, "income"),
            ({"kind": "income", "date": "2022-03-20", "value": ""}, "请填写家庭月收入"),
            ({"kind": "vote", "date": "2022-03-20", "value": "1"}, "变动类别“vote”无效"),
            ({"kind": "income", "date": "yesterday", "value": "10"}, "日期“yesterday”无效"),
            ({"kind": "income", "date": "1990-01-01", "value": "10"}, "H001")):
        refused = form_post(c, "H001", **fields)
        assert refused.status_code == 422, (fields, refused.status_code)
        assert words in unescape(refused.text), (fields, refused.text[-800:])
        assert "Traceback" not in refused.text
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(EventRow))) == count


def test_only_a_preparer_within_scope_with_the_forms_token(signed_in, web_url):
    count = read(web_url, lambda s: s.scalar(select(func.count()).select_from(EventRow)))
    auditor = signed_in(AUDITOR)
    page = auditor.get("/registry/H001").text
    assert 'data-form="income"' not in page
    assert auditor.post("/registry/H001/events", data={"csrf": csrf_of(page), "kind": "income",
                                                       "value": "1"}).status_code == 403
    preparer = signed_in(PREPARER)
    assert 'data-form="income"' in preparer.get("/registry/H001").text
    assert preparer.post("/registry/H001/events", data={"kind": "income", "value": "1"}).status_code == 403
    assert preparer.post("/registry/H001/events", data={"csrf": "forged", "kind": "income",
                                                        "value": "1"}).status_code == 403
    clerk = signed_in(TOWN_CLERK)
    own = clerk.get("/registry/H001").text  # 宝清镇's
    assert clerk.post("/registry/H003/events", data={"csrf": csrf_of(own), "kind": "income",
                                                     "value": "1"}).status_code == 403  # 七星泡镇's
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(EventRow))) == count
