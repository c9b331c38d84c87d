"""`report audit`: a line held because its payee died is listed with what is still unpaid at the cut-off."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from report_helpers import COUNTY, allocate, approve, events, load_example, ok, pdf_pages, run_cycle, show

from aidledger import db as dbmod
from aidledger.reports.service.audit import audit_pack

D = Decimal
HEAD_H001 = "230523197705100113"


def _held(url: str, as_of: date) -> list[tuple[str, str, Decimal | None, str]]:
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            pack = audit_pack(session, COUNTY, 2022, as_of=as_of)
    finally:
        database.dispose()
    return [(e.household, e.month, e.amount, e.rule) for s in pack.exceptions if s.kind == "held" for e in s.items]


def test_a_held_line_is_listed_unpaid_from_the_day_its_cycle_is_approved(county, db_url, tmp_path):
    load_example(county)
    allocate(county, "200000.00", "2021-12-01")
    events(county, tmp_path / "death.csv", [("H001", "death", "2022-02-10", "", HEAD_H001)])
    approve(county, run_cycle(county, "2022-02"), "2022-02-05")
    march = run_cycle(county, "2022-03")
    approve(county, march, "2022-03-05")
    [held] = show(county, march)["held"]
    assert held["household_id"] == "H001"
    assert _held(db_url, date(2022, 3, 4)) == []  # March's cycle not approved yet: nothing held in the books
    [(household, month, unpaid, rule)] = _held(db_url, date(2022, 3, 31))
    assert (household, month, unpaid) == ("H001", "2022-03", D(held["amount"]))
    assert f"第 {march} 号发放批次暂缓发放 {D(held['amount']):,.2f} 元" in rule and "截至 2022-03-31 尚未补发" in rule
    out = tmp_path / "audit.pdf"
    ok(county("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--as-of", "2022-03-31",
              "--out", str(out)))
    text = "\n".join(pdf_pages(out))
    assert re.search(r"暂缓发放（1）", text) and re.search(rf"H001\s+2022-03\s+{D(held['amount']):,.2f}", text)
    assert "payee" not in text
