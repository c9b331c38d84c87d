"""The schema changes only through alembic: migrations and models must agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
