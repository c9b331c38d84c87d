"""Bad input to the commands of issue 7 is a usage error (2) or a refusal (3), never a crash, and changes nothing."""

from __future__ import annotations

import pytest
from cycle_helpers import allocate, approve, load_example_registry, run_cycle
from support import APPROVER, AUDITOR, PREPARER, snapshot

BAD = [
    (("temporary", "grant", "--household", "H001", "--total", "abc", "--instalments", "3", "--first-month", "2022-05",
      "--reason", "x"), PREPARER),
    (("temporary", "grant", "--household", "H001", "--total", "100.001", "--instalments", "3", "--first-month",
      "2022-05", "--reason", "x"), PREPARER),
    (("temporary", "grant", "--household", "H001", "--total", "100", "--instalments", "-1", "--first-month",
      "2022-05", "--reason", "x"), PREPARER),
    (("temporary", "grant", "--household", "H001", "--total", "100", "--instalments", "3", "--first-month",
      "2022-13", "--reason", "x"), PREPARER),
    (("temporary", "grant", "--household", "H001", "--total", "-5", "--instalments", "3", "--first-month",
      "2022-05", "--reason", "x"), PREPARER),
    (("temporary", "grant", "--household", "H001", "--total", "100", "--instalments", "3", "--first-month",
      "2022-05", "--reason", "   "), PREPARER),
    (("temporary", "grant", "--household", "H001", "--total", "100", "--instalments", "3", "--first-month",
      "1999-01", "--reason", "x"), PREPARER),  # before any policy value is defined
    (("temporary", "grant", "--household", "H001", "--total", "100", "--instalments", "3", "--first-month",
      "2022-05", "--reason", "x"), AUDITOR),
    (("temporary", "grant", "--household", "H001", "--total", "100", "--instalments", "3", "--first-month",
      "2022-05", "--reason", "x"), None),
    (("temporary", "approve", "abc"), APPROVER),
    (("temporary", "approve", "-3"), APPROVER),
    (("temporary", "list", "--jurisdiction", "999999"), PREPARER),
    (("recovery", "list", "--jurisdiction", "999999", "--json"), PREPARER),
    (("recovery", "record", "1", "--amount", "10", "--date", "2022-13-01"), PREPARER),
    (("recovery", "record", "1", "--amount", "NaN", "--date", "2022-06-01"), PREPARER),
    (("recovery", "record", "0", "--amount", "10", "--date", "2022-06-01"), PREPARER),
    (("subsidy", "declare", "--jurisdiction", "230523", "--month", "2022-05", "--cpi", "NaN", "--food", "1"),
     PREPARER),
    (("subsidy", "declare", "--jurisdiction", "230523", "--month", "2022-05", "--cpi", "1e400", "--food", "1"),
     PREPARER),
    (("subsidy", "declare", "--jurisdiction", "230523", "--month", "2022-05", "--cpi", "3.12345", "--food", "1"),
     PREPARER),
    (("subsidy", "declare", "--jurisdiction", "", "--month", "2022-05", "--cpi", "9", "--food", "9"), PREPARER),
]


@pytest.fixture
def paid(county):
    load_example_registry(county)
    allocate(county, "200000.00")
    approve(county, run_cycle(county, "2022-01"), "2022-01-05")
    return county


@pytest.mark.parametrize("args, user", BAD, ids=[" ".join(a[:2]) + f" #{n}" for n, (a, _) in enumerate(BAD)])
def test_bad_input_is_refused_and_changes_nothing(paid, db_url, args, user):
    before = snapshot(db_url)
    result = paid(*args, user=user)
    assert result.exit_code in (2, 3), (result.exit_code, result.output)
    if result.exit_code == 3:
        assert any(line.startswith("error: ") for line in result.stderr.splitlines()), result.stderr
    assert snapshot(db_url) == before
