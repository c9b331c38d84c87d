"""Downloads: the payment register (发放花名册) of a cycle, the county's or a township's, the county's monthly
statistics (民政统计月报, PDF and CSV), and the audit pack.

A download is a real PDF (its magic, its type, an attachment with a file name) whose text, read back with
poppler's pdftotext, holds the cycle's households as `cycle_view` lists them; a township's clerk gets their
township's register only, a user of another county nothing; no path a user writes reaches the file system.
"""

from __future__ import annotations

import csv
import re
import subprocess
from urllib.parse import unquote

import pytest
import webbook
from support import ADMIN, APPROVER, AUDITOR, EXAMPLES, PREPARER
from webbook import (
    CITY_AUDITOR,
    ELSEWHERE,
    OTHER_TOWNSHIP,
    TOWN_CLERK,
    TOWNSHIP,
    run_cli,
)

from aidledger import db as dbmod
from aidledger.disbursement.cycles.service.show import cycle_view
from aidledger.masking import mask

# The web book's fixtures (tests/web/webbook.py), bound here so that pytest finds them.
app, client, clock, signed_in, web_templates, web_url = (
    webbook.app, webbook.client, webbook.clock, webbook.signed_in, webbook.web_templates, webbook.web_url)

ALL_HOUSEHOLDS = ["H001", "H002", "H003", "H004", "H005", "H006", "H007", "H008", "H010", "H011"]


def pdf_text(tmp_path, content: bytes) -> str:
    path = tmp_path / "download.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _heads() -> dict[str, str]:
    """The example registry's heads: masked id number → household (a register prints no 户编号, only the 序号 of the
    bank file, the head's name and the masked id number)."""
    with open(EXAMPLES / "registry" / "members.csv", encoding="utf-8", newline="") as handle:
        return {mask(row["id_number"]): row["household_id"] for row in csv.DictReader(handle)
                if row["relation"] == "head"}


HEADS = _heads()


def households_in(text: str) -> list[str]:
    """The households whose rows a register's text holds, by their heads' masked id numbers."""
    return sorted({HEADS[found] for found in re.findall(r"\b\d{6}\*{8}\d{3}[\dX]\b", text) if found in HEADS})


def assert_pdf(response, filename: str) -> None:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="{filename}"'), disposition
    assert "filename*=UTF-8''" in disposition


def read_lines(url: str, cycle_id: int, reader: str = ADMIN) -> list:
    """The cycle's lines as `reader` sees them (cycle_view)."""
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return list(cycle_view(session, cycle_id, reader=reader).lines)
    finally:
        database.dispose()


def view_households(url: str, cycle_id: int, reader: str) -> list[str]:
    return sorted(line.household_id for line in read_lines(url, cycle_id, reader))


def test_the_register_is_a_pdf_of_the_cycles_households(signed_in, web_url, tmp_path):
    response = signed_in(PREPARER).get("/downloads/register/1.pdf")
    assert_pdf(response, "register-1-2022-01.pdf")
    assert "宝清县2022年1月社会救助资金发放花名册.pdf" in unquote(response.headers["content-disposition"])
    text = pdf_text(tmp_path, response.content)
    assert households_in(text) == view_households(web_url, 1, PREPARER) == ALL_HOUSEHOLDS
    assert "宝清县2022年1月社会救助资金发放花名册" in text
    assert "9,639.00" in text and "状态：已审批" in text
    assert "6217000010000000011" not in text and "621700*********0011" in text  # paper is always masked


def test_a_townships_register(signed_in, web_url, tmp_path):
    response = signed_in(AUDITOR).get(f"/downloads/register/1.pdf?township={TOWNSHIP}")
    assert_pdf(response, f"register-1-2022-01-{TOWNSHIP}.pdf")
    text = pdf_text(tmp_path, response.content)
    assert households_in(text) == ["H001", "H002", "H005", "H006", "H008", "H010"]
    assert "宝清县宝清镇2022年1月社会救助资金发放花名册" in text
    assert "总计（6户）" in text and "6,740.00" in text and "9,639.00" not in text
    assert "陆仟柒佰肆拾元整" in text  # the township's total in capitals


def test_a_township_clerk_downloads_their_townships_register_only(signed_in, web_url, tmp_path):
    c = signed_in(TOWN_CLERK)
    for path in ("/downloads/register/1.pdf", f"/downloads/register/1.pdf?township={TOWNSHIP}"):
        response = c.get(path)
        assert_pdf(response, f"register-1-2022-01-{TOWNSHIP}.pdf")
        text = pdf_text(tmp_path, response.content)
        assert households_in(text) == view_households(web_url, 1, TOWN_CLERK) == [
            "H001", "H002", "H005", "H006", "H008", "H010"]
        assert "9,639.00" not in text
    refused = c.get(f"/downloads/register/1.pdf?township={OTHER_TOWNSHIP}")
    assert refused.status_code == 403 and refused.content[:4] != b"%PDF"
    page = c.get("/downloads")
    assert page.status_code == 200
    assert f'href="/downloads/register/1.pdf?township={TOWNSHIP}"' in page.text
    assert 'href="/downloads/register/1.pdf"' not in page.text and OTHER_TOWNSHIP not in page.text
    assert 'action="/downloads/audit"' not in page.text  # a preparer has no audit pack
    assert c.get("/downloads/audit.pdf?jurisdiction=230523").status_code == 403


def test_the_county_summary_by_township_and_programme(signed_in, tmp_path):
    response = signed_in(AUDITOR).get("/downloads/summary/1.pdf")
    assert_pdf(response, "summary-1-2022-01.pdf")
    assert "宝清县2022年1月社会救助资金发放汇总表.pdf" in unquote(response.headers["content-disposition"])
    text = pdf_text(tmp_path, response.content)
    township = next(ln for ln in text.splitlines() if re.match(r"\s*宝清镇\s+合计\s", ln))
    assert township.split()[2] == "6" and township.split()[-1] == "6,740.00"  # the township's register's 总计
    total = next(ln for ln in text.splitlines() if ln.strip().startswith("总计（10户）"))
    assert total.split()[-1] == "9,639.00" and "单位盖章" in text
    assert 'href="/downloads/summary/1.pdf"' in signed_in(PREPARER).get("/downloads").text
    # The county signs it: a township's clerk has their township's register, not the county's summary.
    clerk = signed_in(TOWN_CLERK)
    refused = clerk.get("/downloads/summary/1.pdf")
    assert refused.status_code == 422 and refused.content[:4] != b"%PDF" and "summary of cycle 1" in refused.text
    assert "/downloads/summary/" not in clerk.get("/downloads").text
    assert signed_in(ELSEWHERE).get("/downloads/summary/1.pdf").status_code in (403, 404)


def test_another_countys_user_downloads_nothing(signed_in):
    c = signed_in(ELSEWHERE)
    for path in ("/downloads/register/1.pdf", f"/downloads/register/1.pdf?township={TOWNSHIP}",
                 "/downloads/audit.pdf?jurisdiction=230523",
                 "/downloads/audit.pdf?jurisdiction=230500&as_of=2022-03-31"):
        response = c.get(path)
        assert response.status_code == 403, (path, response.status_code)
        assert response.content[:4] != b"%PDF"
    page = c.get("/downloads")
    assert page.status_code == 200
    assert "/downloads/register/" not in page.text and "宝清" not in page.text


@pytest.mark.parametrize("path, statuses", [
    ("/downloads/register/..%2F..%2Fetc%2Fpasswd", (404,)),
    ("/downloads/register/..%2F..%2Fetc%2Fpasswd.pdf", (404,)),
    ("/downloads/register/%2Fetc%2Fpasswd.pdf", (404,)),
    ("/downloads/register/1.pdf?township=../../x", (422,)),
    ("/downloads/register/1.pdf?township=..%2F..%2Fetc%2Fpasswd", (422,)),
    ("/downloads/register/1.pdf?township=/etc/passwd", (422,)),
    ("/downloads/register/1.pdf?township=230523100%00", (422,)),
    ("/downloads/register/1.pdf?township=230523999", (422,)),  # nine digits, but no township of the county
    ("/downloads/register/abc.pdf", (422,)),
    ("/downloads/register/1.pdf.pdf", (422,)),
    ("/downloads/register/999.pdf", (404,)),
    ("/downloads/register/1", (405,)),  # only a form posts there (a background job), never a GET
    ("/downloads/audit.pdf?jurisdiction=../../etc", (422,)),
    ("/downloads/audit.pdf?jurisdiction=230523&as_of=2022-13-01", (422,)),
    ("/downloads/audit.pdf?jurisdiction=230523&as_of=../x", (422,)),
    ("/downloads/audit.pdf", (422,)),
    ("/downloads/monthly/230523/..%2F..%2Fetc%2Fpasswd.pdf", (404, 422)),
    ("/downloads/monthly/..%2F..%2Fetc/2022-01.pdf", (404, 422)),
    ("/downloads/monthly/230523/2022-13.pdf", (422,)),
    ("/downloads/monthly/230523/2022-1.csv", (422,)),
    ("/downloads/monthly/230500/2022-01.pdf", (422,)),  # a city: the statistics are a county's
    ("/downloads/monthly/230523/2022-04.pdf", (422,)),  # no posted cycle in April
])
def test_no_path_reaches_the_file_system(signed_in, path, statuses):
    response = signed_in(ADMIN).get(path)
    assert response.status_code in statuses, (path, response.status_code, response.text[:300])
    assert response.content[:4] != b"%PDF"
    assert "root:" not in response.text and "<script>" not in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_the_downloads_page_lists_every_register_and_the_audit_pack(signed_in):
    html = signed_in(AUDITOR).get("/downloads").text
    for cycle in (1, 2, 3):
        assert f'href="/downloads/register/{cycle}.pdf"' in html
        for township in (TOWNSHIP, OTHER_TOWNSHIP, "230523102"):
            assert f'href="/downloads/register/{cycle}.pdf?township={township}"' in html
    assert "宝清镇" in html and "七星泡镇" in html
    assert 'action="/downloads/audit"' in html and '<option value="230523">' in html  # a background job
    assert 'name="as_of" value="2022-04-01"' in html  # the application's today
    city = signed_in(CITY_AUDITOR).get("/downloads").text
    assert '<option value="230500">' in city and '<option value="230523">' in city


def test_the_audit_pack(signed_in, tmp_path):
    for user in (AUDITOR, APPROVER):
        assert signed_in(user).get("/downloads/audit.pdf?jurisdiction=230523&as_of=2022-03-31").status_code == 200
    response = signed_in(CITY_AUDITOR).get("/downloads/audit.pdf?jurisdiction=230523&as_of=2022-03-31")
    assert_pdf(response, "audit-230523-2022-03-31.pdf")
    text = pdf_text(tmp_path, response.content)
    assert "宝清县（230523）2022年度社会救助资金审计资料" in text
    assert "截至 2022-03-31" in text
    assert signed_in(PREPARER).get("/downloads/audit.pdf?jurisdiction=230523").status_code == 403
    assert signed_in(TOWN_CLERK).get("/downloads/audit.pdf?jurisdiction=230523").status_code == 403
    # The scope must hold all of the jurisdiction: a county's auditor has no pack of the city around it.
    refused = signed_in(ELSEWHERE).get("/downloads/audit.pdf?jurisdiction=230500")
    assert refused.status_code == 403 and "不全在您的工作范围（230524）之内" in refused.text


MONTHLY = "/downloads/monthly/230523/2022-01"


def test_the_monthly_statistics_as_pdf_and_csv(signed_in, web_url, tmp_path):
    """The county's statistics of January, as `report monthly` writes them: the cycle's households and persons, its
    total; the CSV holds the same figures."""
    c = signed_in(AUDITOR)
    response = c.get(f"{MONTHLY}.pdf")
    assert_pdf(response, "monthly-230523-2022-01.pdf")
    assert "宝清县2022年1月社会救助统计月报.pdf" in unquote(response.headers["content-disposition"])
    lines = read_lines(web_url, 1)
    total = next(ln for ln in pdf_text(tmp_path, response.content).splitlines() if re.match(r"\s*合计\s+总计", ln))
    assert total.split()[2:4] == [str(len(lines)), str(sum(line.members for line in lines))]
    sheet = c.get(f"{MONTHLY}.csv")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert sheet.headers["content-disposition"].startswith('attachment; filename="monthly-230523-2022-01.csv"')
    assert sheet.content.startswith(b"\xef\xbb\xbf")
    figures = {(r["部分"], r["救助类别"], r["城乡"], r["指标"]): r["数值"]
               for r in csv.DictReader(sheet.content.decode("utf-8-sig").splitlines())}
    assert figures[("救助对象", "合计", "总计", "户数")] == str(len(lines))
    assert figures[("本月资金", "合计", "总计", "实发金额")] == "9639.00" == str(sum(line.amount for line in lines))
    # The command writes the same bytes (the same books, the same date carried).
    out = tmp_path / "cli.pdf"
    run_cli(web_url, "report", "monthly", "--jurisdiction", "230523", "--month", "2022-01", "--out", str(out),
            user=AUDITOR)
    assert out.read_bytes() == response.content and out.with_suffix(".csv").read_bytes() == sheet.content
    html = c.get("/downloads").text
    for month in ("2022-01", "2022-02", "2022-03"):
        for kind in ("pdf", "csv"):
            assert f'href="/downloads/monthly/230523/{month}.{kind}"' in html
    assert signed_in(CITY_AUDITOR).get(f"{MONTHLY}.csv").status_code == 200
    assert signed_in(PREPARER).get(f"{MONTHLY}.pdf").status_code == 200


def test_the_monthly_statistics_are_the_whole_countys(signed_in):
    """A township's clerk has their township's register, not the county's statistics; another county's user has
    nothing of it."""
    for user, scope in ((TOWN_CLERK, TOWNSHIP), (ELSEWHERE, "230524")):
        c = signed_in(user)
        for kind in ("pdf", "csv"):
            refused = c.get(f"{MONTHLY}.{kind}")
            assert refused.status_code == 403, (user, kind, refused.status_code)
            assert refused.content[:4] != b"%PDF" and "9639.00" not in refused.text
            assert f"不全在您的工作范围（{scope}）之内" in refused.text
        assert "/downloads/monthly/" not in c.get("/downloads").text
