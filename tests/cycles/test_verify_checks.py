"""`ledger verify` runs one explicit list of sub-ledger checks, the same for the command and the audit pack."""

from __future__ import annotations

from pathlib import Path

import pytest
from cycle_helpers import COUNTY, allocate, load_example_registry, ok, run_cycle
from sqlalchemy.exc import DBAPIError
from support import AUDITOR, PREPARER

from aidledger import db as dbmod
from aidledger.budget.service.reserves import check_cases
from aidledger.disbursement.checks import CHECKS
from aidledger.disbursement.cycles.checks import check_cycles
from aidledger.disbursement.opening.service import check_openings
from aidledger.disbursement.recovery.service import check_receivables
from aidledger.evidence.checks import check_evidence


def test_the_list_names_every_sub_ledger_check():
    assert CHECKS == (check_cases, check_cycles, check_receivables, check_openings, check_evidence)


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


OTHER_ACCOUNT = "'6222020000000000001'"


def _behind_the_back(db_url: str, *statements: str) -> None:
    database = dbmod.Database(db_url)
    try:
        with database.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        database.dispose()


def _drop_status_trigger(db_url: str) -> str:
    return ("DROP TRIGGER cycles_status_follows ON cycles" if db_url.startswith("postgresql")
            else "DROP TRIGGER cycles_status_follows")


def test_a_settled_cycle_s_account_rewritten_with_every_trigger_in_place_fails_verify(county, db_url):
    """Issue 15's first attack: status back to draft, the line deleted and inserted again with another account,
    the status set back. The database now refuses the first step (a status follows its transitions); with that
    one trigger dropped the rewrite takes, and verify names the lines, the cycle's seal and the missing trigger."""
    from cycle_helpers import approve

    load_example_registry(county)
    allocate(county, "200000.00")
    cycle_id = run_cycle(county, "2022-01")
    approve(county, cycle_id, "2022-01-05")
    ok(county("ledger", "verify"))
    columns = ("cycle_id, household_id, program, area, township, head_name, head_id_number, members, payee_name, "
               "bank_account, amount_fen, components, track_status, exit_month, exit_base_fen, dibao_amount_fen, "
               "price_subsidy_fen, heating_fen, temporary_fen, arrears_fen, set_off_fen")
    with pytest.raises(DBAPIError, match="status of a cycle changes only with a transition record"):
        _behind_the_back(db_url, f"UPDATE cycles SET status = 'draft' WHERE id = {cycle_id}")
    _behind_the_back(
        db_url,
        _drop_status_trigger(db_url),
        f"UPDATE cycles SET status = 'draft' WHERE id = {cycle_id}",
        f"CREATE TEMPORARY TABLE saved AS SELECT * FROM cycle_lines WHERE cycle_id = {cycle_id} "
        "AND household_id = 'H001'",
        f"DELETE FROM cycle_lines WHERE cycle_id = {cycle_id} AND household_id = 'H001'",
        f"INSERT INTO cycle_lines ({columns}) SELECT {columns.replace('bank_account', OTHER_ACCOUNT)} FROM saved",
        f"UPDATE cycles SET status = 'approved' WHERE id = {cycle_id}",
    )
    shown = county("cycle", "show", str(cycle_id), "--json", user=PREPARER)
    assert "6222020000000000001" in shown.output  # the rewrite took
    failed = county("ledger", "verify")
    assert failed.exit_code == 3, failed.output
    assert f"cycle {cycle_id}" in failed.output and "its lines are not those its approval entry" in failed.output
    assert f"cycle {cycle_id}: cycle_lines / H001" in failed.output  # its seal
    assert "trigger cycles_status_follows" in failed.output


def test_a_status_written_behind_the_back_fails_verify(county, db_url):
    load_example_registry(county)
    allocate(county, "200000.00")
    cycle_id = run_cycle(county, "2022-01")
    with pytest.raises(DBAPIError, match="status of a cycle changes only with a transition record"):
        _behind_the_back(db_url, f"UPDATE cycles SET status = 'settled' WHERE id = {cycle_id}")
    _behind_the_back(db_url, _drop_status_trigger(db_url),
                     f"UPDATE cycles SET status = 'settled' WHERE id = {cycle_id}")
    failed = county("ledger", "verify")
    assert failed.exit_code == 3
    assert f"cycle {cycle_id}" in failed.output and "its last transition is draft" in failed.output
    assert "trigger cycles_status_follows" in failed.output
