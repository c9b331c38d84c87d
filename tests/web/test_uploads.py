"""Registry files uploaded from the browser (issue 17, part): stored by the import's service all or nothing, its
refusals shown with their lines and columns; a file that is not CSV text refused by its content, whatever its name;
a preparer's, with the form's CSRF token."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from support import AUDITOR, EXAMPLES, PREPARER, snapshot
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
             ["<td>e.csv</td><td>3</td><td>household_id</td><td>NOPE</td>", "NOPE"]),
            ("e.csv", "household_id,kind,date,value\nH001,suspend,2022-03-15,核查\n".encode("gbk")
             + "H002,suspend,2022-03-15,核查\n".encode("utf-8"), ["<td>e.csv</td><td>3</td>", "mixes encodings"]),
            ("e.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", ["已损坏"]),  # a broken .xlsx, renamed
            ("e.csv", b"household_id,kind\nH001,\x00\x01\n", ["不是 CSV 文本文件"]),
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


# ---- Excel workbooks, refusals by content, every problem as a CSV ----------------------------------------------

DATES = {"approved_on", "birth_date", "death_date", "date"}
NUMBERS = {"monthly_income", "county", "township", "disability_grade"}


def workbook(rows: list[list[object]]) -> bytes:
    """An .xlsx as a clerk's Excel writes it: dates as dates, figures as numbers, the rest as text."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def typed(rows: list[list[str]]) -> list[list[object]]:
    header = rows[0]

    def cell(column: str, text: str) -> object:
        if text == "":
            return None
        if column in DATES:
            return date.fromisoformat(text)
        return int(text) if column in NUMBERS and text.isdigit() else text
    return [header] + [[cell(c, v) for c, v in zip(header, row)] for row in rows[1:]]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def csv_text(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def new_county_rows() -> tuple[list[list[str]], list[list[str]]]:
    """The worked example's households and members as new ones: other household ids (H1…), other people (their id
    numbers under another region code, the check character computed again), other accounts."""
    from aidledger.idcard import check_character

    households = csv_rows((REGISTRY / "households.csv").read_text(encoding="utf-8-sig"))
    members = csv_rows((REGISTRY / "members.csv").read_text(encoding="utf-8-sig"))
    for row in households[1:]:
        row[0] = "H1" + row[0][2:]
        row[-1] = row[-1].replace("62170000100", "62170000200")
    for row in members[1:]:
        row[0] = "H1" + row[0][2:]
        digits = "230599" + row[1][6:17]
        row[1] = digits + check_character(digits)
    return households, members


def stored_rows(url: str, prefix: str) -> tuple[list[tuple], list[tuple]]:
    """The households (and their members) whose id starts with `prefix`, without the import they came with."""
    from aidledger.disbursement.registry.tables import MemberRow

    database = dbmod.Database(url)
    try:
        with database.read() as session:
            def rows(table, order):
                columns = [c for c in table.__table__.columns if c.name not in ("import_id", "id")]
                return [tuple(r) for r in session.execute(
                    select(*columns).where(table.household_id.startswith(prefix)).order_by(*order))]
            return (rows(HouseholdRow, [HouseholdRow.household_id]),
                    rows(MemberRow, [MemberRow.household_id, MemberRow.id_number]))
    finally:
        database.dispose()


@contextmanager
def preparer_on(url: str, clock):
    """A preparer signed in to an application on another copy of the book."""
    from fastapi.testclient import TestClient
    from webbook import sign_in

    from aidledger.web.app import create_app

    application = create_app(url, clock=clock)
    try:
        with TestClient(application, base_url="http://testserver", follow_redirects=False) as c:
            assert sign_in(c, PREPARER).status_code == 303
            yield c
    finally:
        application.state.database.dispose()


def test_workbooks_import_to_the_registry_their_csv_files_make(signed_in, web_url, web_templates, backend, clock):
    households, members = new_county_rows()
    before = count(web_url, HouseholdRow)
    sent = upload(signed_in(PREPARER), "/registry/upload", households=("新增户.xlsx", workbook(typed(households))),
                  members=("新增成员.xlsx", workbook(typed(members))))
    assert sent.status_code == 200, unescape(sent.text)[-2000:]
    assert "已导入 11 户、23 名成员。" in sent.text
    assert count(web_url, HouseholdRow) == before + 11
    other = web_templates[backend]()
    with preparer_on(other, clock) as c:
        assert upload(c, "/registry/upload", households=("h.csv", csv_text(households)),
                      members=("m.csv", csv_text(members))).status_code == 200
    from_workbooks = stored_rows(web_url, "H1")
    assert from_workbooks == stored_rows(other, "H1")
    assert len(from_workbooks[0]) == 11 and len(from_workbooks[1]) == 23
    with signed_in(PREPARER) as c:
        assert "新增户.xlsx" in c.get("/registry/H101").text  # the history names the workbook as it was sent


def test_an_id_number_stored_as_a_number_is_refused_naming_the_cell_and_nothing_is_stored(signed_in, web_url):
    households, members = new_county_rows()
    rows = typed(members)
    line = next(n for n, row in enumerate(rows[1:], start=2) if str(row[1]).isdigit())
    typed_in = float(rows[line - 1][1])  # the id number typed into a number cell: Excel keeps 15 digits
    rows[line - 1][1] = typed_in
    kept = str(int(float(f"{typed_in:.14e}")))
    assert kept.endswith("000") and kept[:15] == members[line - 1][1][:15]
    c = signed_in(PREPARER)
    before = snapshot(web_url)
    refused = upload(c, "/registry/upload", households=("h.csv", csv_text(households)),
                     members=("成员.xlsx", workbook(rows)))
    assert refused.status_code == 422
    text = unescape(refused.text)
    assert f"单元格 B{line}：身份证号被 Excel 存为数字（{kept}），末位已丢失：请把该列设为文本后重新填写" in text
    assert f"<td>成员.xlsx</td><td>{line}</td><td>id_number（B 列）</td><td>{kept}</td>" in text
    assert 'data-form="problems"' in text
    assert snapshot(web_url) == before


def test_old_excel_files_pictures_and_archives_are_refused_by_their_content(signed_in, web_url):
    c = signed_in(PREPARER)
    before = snapshot(web_url)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("households.csv", "household_id\n")
    for name, content, words in (
            ("households.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000,
             "是旧版 Excel（.xls）文件：请另存为 .xlsx 或 CSV（UTF-8）后上传"),
            ("households.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "是PNG 图片"),
            ("households.xlsx", archive.getvalue(), "是 ZIP 压缩包")):
        refused = upload(c, "/registry/upload", households=(name, content),
                         members=("m.csv", (REGISTRY / "members.csv").read_bytes()))
        assert refused.status_code == 422, name
        assert f"家庭（households）文件 {name} {words}" in unescape(refused.text), unescape(refused.text)[-1500:]
    assert snapshot(web_url) == before


FIELD = re.compile(r'<input type="hidden" name="(name|parts|signature|csrf)" value="([^"]*)"')


def download_fields(html: str) -> dict[str, list[str]]:
    """The problems form's fields, as the browser would post them (`parts` repeats)."""
    form = html.split('data-form="problems"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str]] = {}
    for name, value in FIELD.findall(form):
        fields.setdefault(name, []).append(unescape(value))
    return fields


def test_every_problem_of_a_file_is_listed_and_downloaded_by_its_uploader_only(signed_in, web_url):
    """250 bad rows: more than the 200 the command line prints; every one on the page and in the CSV."""
    from webbook import TOWN_CLERK

    rows = [["household_id", "kind", "date", "value"]]
    rows += [["H001", "income", (date(2022, 3, 1) + timedelta(days=i)).isoformat(), "1,200"] for i in range(250)]
    c = signed_in(PREPARER)
    other = signed_in(TOWN_CLERK)  # another preparer
    auditor = signed_in(AUDITOR)
    before = snapshot(web_url)
    refused = upload(c, "/registry/upload-events", events=("三月变动.csv", csv_text(rows)))
    assert refused.status_code == 422
    assert refused.text.count("<tr data-problem>") == 250 and "共 250 个问题" in refused.text
    assert "not shown" not in refused.text
    fields = download_fields(refused.text)
    assert set(fields) == {"csrf", "name", "parts", "signature"}

    got = c.post("/registry/upload/problems", data=fields)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    assert quote("问题清单-三月变动.csv") in got.headers["content-disposition"]
    assert got.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel on a Chinese Windows reads UTF-8
    listed = csv_rows(got.content.decode("utf-8-sig"))
    assert listed[0] == ["文件", "行", "列", "值", "原因"]
    assert [row[:4] for row in listed[1:]] == [["三月变动.csv", str(line), "value", "1,200"] for line in range(2, 252)]
    assert all(row[4] for row in listed[1:])

    # another signed-in user, with the page's fields and their own token: not theirs
    theirs = {**fields, "csrf": [csrf_of(other.get("/registry/upload").text)]}
    denied = other.post("/registry/upload/problems", data=theirs)
    assert denied.status_code == 403 and "问题清单-三月变动" not in denied.text and "1,200" not in denied.text
    # the uploader, with the file changed on the way: refused too
    changed = {**fields, "parts": [part[:-4] + "AAAA" for part in fields["parts"]]}
    assert c.post("/registry/upload/problems", data=changed).status_code == 403
    assert auditor.post("/registry/upload/problems", data=fields).status_code == 403
    assert c.post("/registry/upload/problems", data={"csrf": fields["csrf"]}).status_code == 422  # no file at all
    assert snapshot(web_url) == before


def test_a_households_file_with_250_bad_rows_lists_them_all_as_the_import_judges_them(signed_in, web_url):
    """The import's refusal keeps 200 problems; the page's list is the same checks' with every problem, and its
    first 200 are the refusal's."""
    from aidledger.disbursement.registry import service as registry
    from aidledger.errors import Refusal
    from aidledger.web.routes.upload_problems import registry_problems
    from aidledger.web.uploaded import Received

    header = ["household_id", "county", "township", "area", "program", "monthly_income", "approved_on",
              "income_type", "payee_name", "bank_account"]
    rows = [header] + [[f"H{500 + i}", "230523", "230523100", "town", "dibao", "100", "2022-01-01", "stable",
                        f"户主{i}", f"62170000300000{i:05d}"] for i in range(250)]
    members = [["household_id", "id_number", "name", "relation"]]
    c = signed_in(PREPARER)
    before = snapshot(web_url)
    refused = upload(c, "/registry/upload", households=("h.csv", csv_text(rows)), members=("m.csv", csv_text(members)))
    assert refused.status_code == 422
    page = unescape(refused.text)
    shown = page.count("<tr data-problem>")
    assert shown >= 250 and f"共 {shown} 个问题" in page
    assert all(f"<td>h.csv</td><td>{line}</td><td>area</td><td>town</td>" in page for line in range(2, 252))
    assert snapshot(web_url) == before

    folder = Path(tempfile.mkdtemp())
    (folder / "h.csv").write_bytes(csv_text(rows))
    (folder / "m.csv").write_bytes(csv_text(members))
    database = dbmod.Database(web_url)
    try:
        with pytest.raises(Refusal) as by_import:
            with database.write() as session:
                registry.import_registry(session, str(folder / "h.csv"), str(folder / "m.csv"), user=PREPARER,
                                         now=datetime(2022, 4, 1, tzinfo=timezone.utc), today=date(2022, 4, 1),
                                         dry_run=False)
        every = registry_problems(database, [Received(folder / "h.csv"), Received(folder / "m.csv")], date(2022, 4, 1))
    finally:
        database.dispose()
        shutil.rmtree(folder)
    assert len(by_import.value.problems) == 201 and "not shown" in by_import.value.messages[-1]
    assert len(every) == shown
    assert [str(p) for p in every[:200]] == by_import.value.messages[:200]


def test_the_problems_of_a_refusal_that_is_no_files_are_shown_as_messages(signed_in):
    c = signed_in(PREPARER)
    page = c.get("/registry/upload")
    refused = c.post("/registry/upload", data={"csrf": csrf_of(page.text)},
                     files={"households": ("h.csv", (REGISTRY / "households.csv").read_bytes(), "text/csv")})
    assert refused.status_code == 422
    assert "请选择成员（members）文件" in unescape(refused.text) and "<tr data-problem>" not in refused.text
