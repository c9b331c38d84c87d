"""The cycle's page when the county's policy names its paying banks: the export downloads one zip of every bank's
file and the payment order (the same bytes again), the returns upload takes a bank's own workbook, and 办结（无退票）
settles a cycle nothing came back of."""

from __future__ import annotations

import io
import zipfile
from html import unescape
from pathlib import Path

import openpyxl
from support import ADMIN, APPROVER, EXAMPLE_POLICIES, PREPARER
from webbook import app, clock, csrf_of, read_book, run_cli, signed_in, web_templates, web_url  # noqa: F401

from aidledger.disbursement.payments.tables import BankReturn, Cycle

BANKS = Path(__file__).resolve().parents[2] / "aidledger" / "demo_data" / "banks" / "230523-banks.toml"


def banked_march(web_url: str, tmp_path: Path) -> int:
    """March run again under a policy that names the two demo banks, and approved: its cycle id."""
    county = next(p for p in EXAMPLE_POLICIES if p.name.startswith("230523"))
    path = tmp_path / county.name
    path.write_text(county.read_text(encoding="utf-8") + "\n" + BANKS.read_text(encoding="utf-8"), encoding="utf-8")
    run_cli(web_url, "policy", "load", str(path), user=ADMIN)
    run_cli(web_url, "cycle", "cancel", "3", "--reason", "改由两家代发银行发放", "--date", "2022-03-05", user=APPROVER)
    cycle = run_cli(web_url, "cycle", "run", "--jurisdiction", "230523", "--month", "2022-03", "--date",
                    "2022-03-05", user=PREPARER)
    run_cli(web_url, "cycle", "approve", cycle, "--date", "2022-03-05", user="chen.jing")
    return int(cycle)


def status(web_url: str, cycle_id: int) -> str:
    return read_book(web_url, lambda s: s.get(Cycle, cycle_id).status)


def test_the_banks_files_in_one_zip_and_a_banks_own_returns_workbook(signed_in, web_url, tmp_path):
    cycle_id = banked_march(web_url, tmp_path)
    c = signed_in(PREPARER)
    page = c.get(f"/cycles/{cycle_id}").text
    first = c.post(f"/cycles/{cycle_id}/export", data={"csrf": csrf_of(page), "date": "2022-03-06"})
    assert first.status_code == 200 and first.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(first.content)).namelist()
    assert names == ["rcb-2022-03.csv", "psbc-2022-03.txt", f"payment-order-2022-03-{cycle_id}.pdf"]
    page = c.get(f"/cycles/{cycle_id}").text
    assert 'data-form="settle"' in page and "办结（无退票）" in page
    again = c.post(f"/cycles/{cycle_id}/export", data={"csrf": csrf_of(page)})
    assert again.content == first.content

    book = openpyxl.Workbook()
    book.active.append(["邮储代发失败明细"])
    book.active.append(["序号", "账号", "户名", "金额(元)", "失败原因"])
    book.active.append([1, "6217000010000000029", "李秀英", "1032.00", "账户已销户"])
    data = io.BytesIO()
    book.save(data)
    done = c.post(f"/cycles/{cycle_id}/returns", data={"csrf": csrf_of(page), "date": "2022-03-10"},
                  files={"returns": ("邮储退票.xlsx", data.getvalue(), "application/octet-stream")})
    assert done.status_code == 303, unescape(done.text)[-800:]
    assert status(web_url, cycle_id) == "settled"
    reasons = read_book(web_url, lambda s: [r.reason for r in s.query(BankReturn).filter_by(cycle_id=cycle_id)])
    assert reasons == ["closed: 账户已销户"]


def test_settle_without_returns_from_the_page(signed_in, web_url, tmp_path):
    cycle_id = banked_march(web_url, tmp_path)
    c = signed_in(PREPARER)
    page = c.get(f"/cycles/{cycle_id}").text
    assert 'data-form="settle"' not in page  # not exported yet
    c.post(f"/cycles/{cycle_id}/export", data={"csrf": csrf_of(page), "date": "2022-03-06"})
    page = c.get(f"/cycles/{cycle_id}").text
    done = c.post(f"/cycles/{cycle_id}/settle", data={"csrf": csrf_of(page), "date": "2022-03-10"})
    assert done.status_code == 303 and done.headers["location"] == f"/cycles/{cycle_id}#returns"
    assert status(web_url, cycle_id) == "settled"
