"""Connecting to the database, one transaction per business action, and migrations.

SQLite is the embedded default; PostgreSQL (`postgresql+psycopg://…`) the production
database. On SQLite a write transaction begins IMMEDIATE, taking the write lock at the
start so that two writers never both read a balance and then both spend it; reads
begin DEFERRED. On PostgreSQL, writers that check balances lock the ledger head row
(see ledger/posting.py), which serializes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

DEFAULT_URL = "sqlite:///aidledger.db"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below decide how transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 60000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache (the default is 2 MiB): imports insert id numbers in random
        # order, and index pages that fall out of the cache are read back again and again.
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = "IMMEDIATE" if connection.get_execution_options().get("aidledger_write", True) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine and the two ways to use it: a write transaction and a read transaction."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def shown_url(self) -> str:
        """The URL as messages print it: the password hidden (***), never the secret itself."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One business action: commit on success, roll everything back on any exception."""
        with self.engine.connect() as connection:
            connection.execution_options(aidledger_write=True)
            with Session(bind=connection, expire_on_commit=False) as session:
                with session.begin():
                    yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.engine.connect() as connection:
            connection.execution_options(aidledger_write=False)
            if self.dialect == "postgresql":
                # One snapshot for the whole read, so a report or `verify` running beside
                # postings sees a consistent journal.
                connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with Session(bind=connection) as session:
                with session.begin():
                    yield session

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("aidledger") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Create or migrate the schema: the only way it changes."""
    _migrate(db, command.upgrade, revision)


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to `revision` through the revisions' downgrades (the migration tests use it)."""
    _migrate(db, command.downgrade, revision)


def _migrate(db: Database, step, revision: str) -> None:
    config = alembic_config(db.url)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A revision that changes a column on SQLite copies the table (alembic's batch mode);
            # dropping the old copy would trip the foreign keys pointing at it. SQLite's own
            # advice: foreign keys off (outside the transaction), then check them before commit.
            _raw_pragma(connection, "foreign_keys = OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _raw_pragma(connection, "foreign_keys = ON")


def _raw_pragma(connection, pragma: str) -> None:
    """A PRAGMA on the driver's connection, outside any transaction (where foreign_keys takes effect)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
