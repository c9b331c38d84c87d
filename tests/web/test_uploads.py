"""Registry files uploaded from the browser (issue 17, part): stored by the import's service all or nothing, its
refusals shown with their lines and columns; a file that is not CSV text refused by its content, whatever its name;
a preparer's, with the form's CSRF token."""

from __future__ import annotations

from html import unescape

from sqlalchemy import func, select
from support import AUDITOR, EXAMPLES, PREPARER
from webbook import app, clock, csrf_of, signed_in, web_templates, web_url  # noqa: F401

from aidledger import db as dbmod
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow

REGISTRY = EXAMPLES / "registry"


def count(url, table) -> int:
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return session.scalar(select(func.count()).select_from(table))
    finally:
        database.dispose()


def upload(client, action: str, **files):
    page = client.get("/registry/upload")
    assert page.status_code == 200
    return client.post(action, data={"csrf": csrf_of(page.text)},
                       files={field: (name, content, "text/csv") for field, (name, content) in files.items()})


def test_the_example_registry_again_changes_nothing_and_an_events_file_is_recorded(signed_in, web_url):
    c = signed_in(PREPARER)
    assert 'href="/registry/upload"' in c.get("/registry").text
    households = count(web_url, HouseholdRow)
    again = upload(c, "/registry/upload",
                   households=("households.csv", (REGISTRY / "households.csv").read_bytes()),
                   members=("members.csv", (REGISTRY / "members.csv").read_bytes()))
    assert again.status_code == 200 and 'data-outcome="unchanged"' in again.text
    assert count(web_url, HouseholdRow) == households
    events = count(web_url, EventRow)
    done = upload(c, "/registry/upload-events", events=(
        "三月变动.csv", "household_id,kind,date,value\nH001,income,2022-03-15,900.00\nH003,suspend,2022-03-15,核查\n"
                       .encode("utf-8")))
    assert done.status_code == 200 and "已登记 2 项变动。" in done.text
    assert count(web_url, EventRow) == events + 2
    assert "三月变动.csv" in c.get("/registry/H001").text  # the history names the upload as its source


def test_bad_files_are_refused_whole_with_their_lines_and_nothing_is_stored(signed_in, web_url):
    c = signed_in(PREPARER)
    events = count(web_url, EventRow)
    for name, content, words in (
            ("e.csv", b"household_id,kind,date,value\nH001,income,2022-03-15,900.00\nNOPE,income,2022-03-15,1\n",
             ["line 3", "NOPE"]),
            ("e.csv", "household_id,kind,date,value\nH001,suspend,2022-03-15,核查\n".encode("gbk"), ["UTF-8"]),
            ("e.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", ["不是 CSV 文本文件"]),  # an .xlsx, renamed
            ("e.xlsx", b"", ["是空的"])):
        refused = upload(c, "/registry/upload-events", events=(name, content))
        assert refused.status_code == 422, (name, content[:20], refused.status_code)
        text = unescape(refused.text)
        assert all(w in text for w in words), (words, text[-600:])
        assert "Traceback" not in text
    missing = c.post("/registry/upload-events", data={"csrf": csrf_of(c.get("/registry/upload").text)})
    assert missing.status_code == 422 and "请选择变动（events）文件" in unescape(missing.text)
    assert count(web_url, EventRow) == events


def test_only_a_preparer_with_the_forms_token_uploads(signed_in, web_url):
    events = count(web_url, EventRow)
    auditor = signed_in(AUDITOR)
    assert auditor.get("/registry/upload").status_code == 403
    assert 'href="/registry/upload"' not in auditor.get("/registry").text
    body = {"events": ("e.csv", b"household_id,kind,date,value\nH001,income,2022-03-15,1\n", "text/csv")}
    assert auditor.post("/registry/upload-events", files=body).status_code == 403
    preparer = signed_in(PREPARER)
    assert preparer.post("/registry/upload-events", files=body).status_code == 403  # no token
    assert preparer.post("/registry/upload-events", data={"csrf": "forged"}, files=body).status_code == 403
    assert count(web_url, EventRow) == events


def cycle_status(url, cycle_id: int) -> str:
    from aidledger.disbursement.payments.tables import Cycle

    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return session.get(Cycle, cycle_id).status
    finally:
        database.dispose()


def entries(url) -> int:
    from aidledger.ledger.tables import JournalEntry

    return count(url, JournalEntry)


def test_the_bank_file_downloaded_and_the_returns_uploaded(signed_in, web_url):
    """March (cycle 3, approved): the preparer downloads its bank file (posted once; again: the same bytes, nothing
    posted), then uploads the bank's returns: the cycle is settled and the return listed on its page."""
    from webbook import TOWN_CLERK

    c = signed_in(PREPARER)
    page = c.get("/cycles/3").text
    assert 'data-form="export"' in page and 'data-form="returns"' not in page
    posted = entries(web_url)
    first = c.post("/cycles/3/export", data={"csrf": csrf_of(page), "date": "2022-03-06"})
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/csv")
    assert 'filename="bank-3-2022-03.csv"' in first.headers["content-disposition"]
    assert "6217000010000000029" in first.content.decode("utf-8")  # accounts in full: the bank needs them
    assert cycle_status(web_url, 3) == "exported" and entries(web_url) == posted + 1
    page = c.get("/cycles/3").text
    assert 'data-form="returns"' in page
    again = c.post("/cycles/3/export", data={"csrf": csrf_of(page)})
    assert again.content == first.content and entries(web_url) == posted + 1

    # a township's clerk may neither download the county's bank file nor book its returns
    clerk = signed_in(TOWN_CLERK)
    clerk_page = clerk.get("/cycles/3").text
    assert 'data-form="export"' not in clerk_page
    refused = clerk.post("/cycles/3/export", data={"csrf": csrf_of(clerk_page)})
    assert refused.status_code == 422 and "scope" in unescape(refused.text)
    assert "6217000010000000029" not in refused.text

    unknown = "账号,金额,原因\n6217000099999999999,10.00,户名不符\n".encode()
    bad = c.post("/cycles/3/returns", data={"csrf": csrf_of(page), "date": "2022-03-10"},
                 files={"returns": ("r.csv", unknown, "text/csv")})
    assert bad.status_code == 422 and "6217" in unescape(bad.text)
    assert cycle_status(web_url, 3) == "exported"
    returned = "账号,金额,原因\n6217000010000000029,1032.00,账户已销户\n".encode()
    done = c.post("/cycles/3/returns", data={"csrf": csrf_of(page), "date": "2022-03-10"},
                  files={"returns": ("三月退票.csv", returned, "text/csv")})
    assert done.status_code == 303 and done.headers["location"] == "/cycles/3#returns"
    assert cycle_status(web_url, 3) == "settled"
    settled = c.get("/cycles/3").text
    assert "账户已销户" in settled and "1,032.00" in settled
    assert signed_in(AUDITOR).post("/cycles/3/export", data={"csrf": csrf_of(settled)}).status_code == 403
