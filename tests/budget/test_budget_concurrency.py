"""Concurrent reserve payments and purchases, each a separate OS process running the `aidledger` CLI.

Every child is its own Python interpreter that imports the CLI, reports "ready", waits for "go" on stdin and
then runs `aidledger --db URL --user li.ming …` through `aidledger.cli.main` (the console script's entry
point), so all of them hit the database at once and the serialization under test is the database's
(BEGIN IMMEDIATE on SQLite, the ledger head's row lock on PostgreSQL), not anything inside one process.

The processes are started by support.run_together.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from budget_helpers import (
    COUNTY,
    T1,
    allocate,
    budget_status,
    cap_of,
    funds_of,
    id_number,
    ok,
    reserve_status,
    trial_balance,
    verify_ok,
)
from support import PREPARER, run_together

pytestmark = pytest.mark.slow

D = Decimal
def entries_in_journal(run) -> int:
    out = ok(run("ledger", "verify"))
    match = re.search(r"(\d+) entries", out)
    assert match, out
    return int(match.group(1))


def test_concurrent_reserve_payments_never_overdraw_the_reserve(county, db_url):
    allocate(county, COUNTY, "central_subsidy", "100000.00", "2022-01-02")
    ok(county("reserve", "advance", "--township", T1, "--amount", "5000.00", "--date", "2022-01-05",
              user=PREPARER))
    people = [id_number(f"23052319800101{n:03d}") for n in range(1, 21)]
    commands = [["reserve", "pay", "--township", T1, "--id-number", person, "--name", f"受助人{n}",
                 "--amount", "600.00", "--date", "2022-02-01", "--reason", "火灾"]
                for n, person in enumerate(people, start=1)]

    results = run_together(db_url, commands)

    paid = [r for r in results if r[0] == 0]
    refused = [r for r in results if r[0] != 0]
    assert len(paid) == 8 and len(refused) == 12, ([r[0] for r in results], [r[2] for r in refused][:3])
    case_ids = sorted(int(out.strip()) for _, out, _ in paid)
    assert case_ids == list(range(1, 9))
    for code, out, err in refused:
        assert code == 3, (code, err)
        assert out == ""
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert errors, err
        # Every refusal comes after the eighth payment, so each one names the 200.00 left.
        assert any("holds 200.00" in line and "600.00" in line for line in errors), err
        assert "Traceback" not in err and "internal error" not in err

    row = reserve_status(county, "2022-12-31")[T1]
    assert (row["advanced"], row["paid"], row["balance"], row["undocumented"]) == (
        D("5000.00"), D("4800.00"), D("200.00"), 8)
    for day in ("2022-01-31", "2022-02-01", "2022-02-02"):
        assert reserve_status(county, day)[T1]["balance"] >= 0
    books = trial_balance(county, COUNTY, "2022-12-31")  # asserts total debit == total credit
    assert books[(f"Assets:Reserve:T{T1}", "central_subsidy")] == D("200.00")
    assert books[("Expenses:Temporary", "central_subsidy")] == D("4800.00")
    assert entries_in_journal(county) == 1 + 1 + 8
    verify_ok(county)


def test_concurrent_purchases_stay_within_the_cap(county, db_url):
    allocate(county, COUNTY, "central_subsidy", "50000.00", "2022-01-10")  # cap 2 % = 1000.00
    commands = [["budget", "purchase-services", "--jurisdiction", COUNTY, "--amount", "200.00",
                 "--date", "2022-03-01", "--vendor", f"社工机构{n}"] for n in range(1, 13)]

    results = run_together(db_url, commands)

    bought = [r for r in results if r[0] == 0]
    refused = [r for r in results if r[0] != 0]
    assert len(bought) == 5 and len(refused) == 7, ([r[0] for r in results], [r[2] for r in refused][:3])
    assert len({int(out.strip()) for _, out, _ in bought}) == 5
    for code, out, err in refused:
        assert code == 3, (code, err)
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert any("cap 1000.00" in line and "used 1000.00" in line and "requested 200.00" in line
                   for line in errors), err
        assert "Traceback" not in err and "internal error" not in err

    status = budget_status(county, COUNTY, 2022)
    assert cap_of(status) == {"base_kind": "current_year_special_funds", "base": D("50000.00"), "rate": "0.02",
                              "cap": D("1000.00"), "used": D("1000.00"), "headroom": D("0.00")}
    central = funds_of(status)["central_subsidy"]
    assert (central["spent"], central["available"]) == (D("1000.00"), D("49000.00"))
    books = trial_balance(county, COUNTY, "2022-12-31")
    assert books[("Expenses:PurchasedServices", "central_subsidy")] == D("1000.00")
    assert entries_in_journal(county) == 1 + 5
    verify_ok(county)
