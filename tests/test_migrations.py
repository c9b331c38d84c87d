"""The schema changes only through alembic: migrations and models must agree."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from support import check_constraints, schema_objects, snapshot

from aidledger import db as dbmod
from aidledger.models import metadata


def test_models_and_migrations_agree(database):
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_migrated_database_is_at_head(database):
    assert dbmod.current_revision(database) == dbmod.head_revision()


def test_upgrade_is_idempotent(database):
    dbmod.upgrade(database)
    assert dbmod.current_revision(database) == dbmod.head_revision()


def test_every_table_of_the_models_exists(database):
    tables = set(inspect(database.engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_0008_refuses_a_database_holding_a_code_outside_its_set(people, db_url):
    """Rows written by aidledger always fit; should one not, the upgrade says which and changes nothing."""
    database = dbmod.Database(db_url)
    try:
        dbmod.downgrade(database, "0007")
        with database.write() as session:  # 0007 has no CHECK to stop it
            session.execute(text("INSERT INTO users (name, role, created_at, created_by) "
                                 "VALUES ('eve', 'superuser', :at, 'admin')"),
                            {"at": datetime(2022, 6, 30, tzinfo=timezone.utc)})
        rows, objects = snapshot(db_url), schema_objects(db_url)
        with pytest.raises(RuntimeError, match=r"(?s)migration 0008 refused.*users\.role: 'superuser' "
                                               r"\(allowed: admin, preparer, approver, auditor\)"):
            dbmod.upgrade(database)
        assert dbmod.current_revision(database) == "0007"
        assert snapshot(db_url) == rows and schema_objects(db_url) == objects
        assert set(check_constraints(db_url)) == {"ck_journal_lines_one_side"}
        with database.write() as session:
            session.execute(text("UPDATE users SET role = 'auditor' WHERE name = 'eve'"))
        dbmod.upgrade(database)
        assert dbmod.current_revision(database) == dbmod.head_revision()
    finally:
        database.dispose()


@pytest.mark.parametrize("table", ["cycles", "cycle_lines", "cycle_tracks", "cycle_held", "cycle_exports",
                                   "journal_entries", "registry_events"])
def test_history_cannot_be_truncated(database, table):
    """Row triggers do not see TRUNCATE; on PostgreSQL statement triggers refuse it (issue 15). SQLite has no
    TRUNCATE statement at all (its DELETE goes row by row, past the row triggers)."""
    from sqlalchemy.exc import DBAPIError

    refusal = "append-only" if database.dialect == "postgresql" else "syntax error"
    with pytest.raises(DBAPIError, match=refusal):
        with database.write() as session:
            session.execute(text(f"TRUNCATE {table} CASCADE" if database.dialect == "postgresql" else
                                 f"TRUNCATE {table}"))
