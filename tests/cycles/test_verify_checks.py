"""`ledger verify` runs one explicit list of sub-ledger checks, the same for the command and the audit pack."""

from __future__ import annotations

from pathlib import Path

from cycle_helpers import COUNTY, allocate, load_example_registry, ok, run_cycle
from support import AUDITOR, PREPARER

from aidledger import db as dbmod
from aidledger.budget.service.reserves import check_cases
from aidledger.disbursement.checks import CHECKS
from aidledger.disbursement.cycles.checks import check_cycles
from aidledger.disbursement.opening.service import check_openings
from aidledger.disbursement.recovery.service import check_receivables


def test_the_list_names_every_sub_ledger_check():
    assert CHECKS == (check_cases, check_cycles, check_receivables, check_openings)


def test_an_opening_row_altered_behind_the_back_fails_the_command_and_the_audit_pack(county, db_url, tmp_path):
    funds = tmp_path / "funds.csv"
    funds.write_text("fund,amount\ncentral_subsidy,1000.00\n", encoding="utf-8")
    ok(county("opening", "load", "--jurisdiction", COUNTY, "--month", "2022-01", "--funds", str(funds),
              user=PREPARER))
    ok(county("ledger", "verify"))
    database = dbmod.Database(db_url)
    try:
        with database.engine.begin() as connection:
            trigger = ("DROP TRIGGER opening_funds_append_only ON opening_funds" if db_url.startswith("postgresql")
                       else "DROP TRIGGER opening_funds_no_update")
            connection.exec_driver_sql(trigger)
            connection.exec_driver_sql("UPDATE opening_funds SET amount_fen = 900000")
    finally:
        database.dispose()
    failed = county("ledger", "verify")
    assert failed.exit_code == 3
    assert "opening 1: opening_funds records 9000.00 but entry 1 posted 1000.00" in failed.output
    out = Path(tmp_path / "audit.pdf")
    said = ok(county("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(out), user=AUDITOR))
    assert "LEDGER VERIFY FAILED" in said


def test_a_line_code_written_behind_the_back_fails_verify(county, db_url):
    """cycle_lines carries no CHECK on its codes (for speed): `ledger verify` finds a stray one instead."""
    load_example_registry(county)
    allocate(county, "200000.00")
    cycle_id = run_cycle(county, "2022-01")
    ok(county("ledger", "verify"))
    database = dbmod.Database(db_url)
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER cycle_lines_draft_only ON cycle_lines" if db_url.startswith(
                "postgresql") else "DROP TRIGGER cycle_lines_no_update")
            connection.exec_driver_sql(f"UPDATE cycle_lines SET area = 'suburb' WHERE cycle_id = {cycle_id} "
                                       "AND household_id = 'H001'")
    finally:
        database.dispose()
    failed = county("ledger", "verify")
    assert failed.exit_code == 3
    assert f"cycle {cycle_id}: a line's area is 'suburb', not one of urban, rural" in failed.output
