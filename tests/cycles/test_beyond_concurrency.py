"""Issue 7's writes from several processes at once: one declaration per month, one approval per grant,
recoveries never beyond what is owed. Each child is its own `aidledger` process (support.run_together)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from beyond_helpers import pay_month, record_events
from cycle_helpers import allocate, approve, load_example_registry, ok, run_cycle, verify
from support import APPROVER, PREPARER, run_together

pytestmark = pytest.mark.slow


def test_one_price_subsidy_declaration_per_month(county, db_url):
    results = run_together(db_url, [["subsidy", "declare", "--jurisdiction", "230523", "--month", "2022-05",
                                     "--cpi", f"3.{n}", "--food", "1"] for n in range(5, 9)])
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3, 3, 3], results
    assert all("already declared" in err for code, _, err in results if code == 3)


def test_one_approval_per_grant(county, db_url):
    load_example_registry(county)
    grant_id = ok(county("temporary", "grant", "--household", "H003", "--total", "600", "--instalments", "3",
                         "--first-month", "2022-05", "--reason", "住院", user=PREPARER))
    results = run_together(db_url, [["temporary", "approve", grant_id]] * 4, user=APPROVER)
    assert sorted(code for code, _, _ in results) == [0, 3, 3, 3], results


def test_concurrent_recoveries_never_exceed_what_is_owed(county, db_url, tmp_path):
    load_example_registry(county)
    allocate(county, "200000.00")
    for month in ("2022-01", "2022-02", "2022-03"):
        pay_month(county, month, tmp_path)
    record_events(county, tmp_path, ["H002,death,2022-02-10,,230523195903050525"])
    approve(county, run_cycle(county, "2022-04"), "2022-04-05")
    receivable = json.loads(ok(county("recovery", "list", "--jurisdiction", "230523", "--json",
                                      user=PREPARER)))["receivables"][0]
    owed = Decimal(receivable["amount"])
    part = (owed / 3).quantize(Decimal("0.01")) + Decimal("0.01")  # two fit, a third would pass what is owed
    results = run_together(db_url, [["recovery", "record", receivable["id"], "--amount", str(part),
                                     "--date", "2022-04-20"]] * 4)
    assert sorted(code for code, _, _ in results) == [0, 0, 3, 3], results
    assert all("outstanding" in err for code, _, err in results if code == 3)
    after = json.loads(ok(county("recovery", "list", "--jurisdiction", "230523", "--json", user=PREPARER)))
    recovered = Decimal(after["receivables"][0]["recovered"])
    assert recovered == part * sum(1 for code, _, _ in results if code == 0) <= owed
    verify(county)
