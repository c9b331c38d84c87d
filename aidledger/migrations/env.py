"""Alembic environment: `target_metadata` is every aidledger table; batch mode on SQLite."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from aidledger.models import metadata

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("aidledger migrations run online only: aidledger db upgrade")
run_migrations_online()
