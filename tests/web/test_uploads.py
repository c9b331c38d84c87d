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
