"""Connecting to the database, one transaction per business action, and migrations.

SQLite is the embedded default; PostgreSQL (`postgresql+psycopg://…`) the production
database. On SQLite a write transaction begins IMMEDIATE, taking the write lock at the
start so that two writers never both read a balance and then both spend it; reads
begin DEFERRED. On PostgreSQL, every write transaction begins by locking the evidence head row, which
serializes writers as SQLite's write lock does; writers that check balances also lock the
ledger head row (see ledger/posting.py).

Every write transaction seals what it added under the evidence chain just before it
commits (evidence/service.py); the chain key is read from outside the database (keys.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from . import keys
from .acting import ACTING
from .auth.tables import WriteRecord
from .errors import Refusal
from .evidence.service import SEALER, Sealer, lock_head, seal
from .orm import READ_ONLY
from .users import ACTING_USER

DEFAULT_URL = "sqlite:///aidledger.db"


CHAIN_KEY = "aidledger_chain_key"  # Session.info: a function giving the chain key (verify reads it)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "before_cursor_execute")
    def _show_the_sealer(connection, cursor, statement, parameters, context, executemany):
        sealer = connection.info.get(SEALER)
        if sealer is not None:
            sealer.saw(cursor, statement)

    return engine


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
        self._chain_key: bytes | None = None
        self._sealing: bool | None = None  # whether the schema has the evidence chain yet (revision 0011 on)
        self._writes: bool | None = None  # whether it records each write's user and channel (0013 on)
        self._noted = False  # whether the key folder's sealed-books list is known to name this database

    def chain_key(self, create: bool = False) -> bytes:
        """The evidence chain's key (keys.chain_key), read once; made only for a book's first seal."""
        if create and keys.was_sealed(self.url):
            raise Refusal(f"the evidence chain of {self.shown_url} is empty, yet its key folder records sealing it "
                          "before: the chain was reset behind the application's back, and sealing it afresh would "
                          "cover what was changed. Verify it against a checkpoint; a new database made where an old "
                          "one was needs the old one's key folder moved away first (docs/ledger.md, 'Keys')")
        if self._chain_key is None:
            self._chain_key = keys.chain_key(self.url, create=create)
        return self._chain_key

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
                session.info[CHAIN_KEY] = self.chain_key
                with session.begin():
                    if not self._has_evidence(session):  # a schema before 0011, being upgraded: nothing to seal
                        yield session
                        return
                    if self.dialect == "postgresql":
                        lock_head(session)
                    sealer = Sealer()
                    connection.info[SEALER] = sealer
                    try:
                        yield session
                        # A dry run rolls its transaction back itself: nothing was written, nothing to seal.
                        if session.in_transaction() and self._records_writes(session):
                            _record_write(session, sealer)
                        sealed = seal(session, sealer, self.chain_key) if session.in_transaction() else None
                    finally:
                        connection.info.pop(SEALER, None)
                if sealed is not None and sealed.count and not self._noted:
                    # Noted on the first seal this process makes, not only on the book's very first: a copy or a
                    # restored backup is a database of its own, and a reset of it must be caught as well.
                    if sealed.first or not keys.was_sealed(self.url):
                        keys.note_sealed(self.url)
                    self._noted = True

    def _records_writes(self, session: Session) -> bool:
        if self._writes is None:
            self._writes = inspect(session.connection()).has_table("writes")
        return self._writes

    def _has_evidence(self, session: Session) -> bool:
        if self._sealing is None:
            self._sealing = inspect(session.connection()).has_table("evidence_head")
        return self._sealing

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.engine.connect() as connection:
            connection.execution_options(aidledger_write=False)
            if self.dialect == "postgresql":
                # One snapshot for the whole read, so a report or `verify` running beside
                # postings sees a consistent journal.
                connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with Session(bind=connection) as session:
                session.info[CHAIN_KEY] = self.chain_key
                session.info[READ_ONLY] = True
                with session.begin():
                    yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _record_write(session: Session, sealer: Sealer) -> None:
    """Record who wrote, through which channel (acting.py), when the transaction wrote any sealed record. The user
    is the one whose role the service checked (users.require_role), else the one the client authenticated."""
    session.flush()
    if not sealer.marks:
        return
    acting = ACTING.get()
    user = session.info.get(ACTING_USER) or acting.user
    session.add(WriteRecord(user_name=user, channel=acting.channel, at=datetime.now(timezone.utc)))
    session.flush()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("aidledger") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head", *, authentication: bool | None = None) -> bool | None:
    """Create or migrate the schema: the only way it changes. A book with history that reaches the evidence chain
    (revision 0011) is sealed whole at once, so that `ledger verify` finds it under the chain from the start.

    `authentication` records, on a book that has not recorded it, whether the book authenticates its users (the
    `db upgrade` command says: on for a new book unless --no-auth, off for a book upgraded from before 0013, whose
    users have no passwords yet; so does this function when not told). Returns whether the book authenticates, once
    the schema holds the setting."""
    before = current_revision(db)
    if authentication is None and before is not None and before < "0013":
        authentication = False  # a book with users but no passwords keeps working as it did
    _migrate(db, command.upgrade, revision)
    with db.engine.connect() as connection:
        tables = inspect(connection)
        if not tables.has_table("evidence_head"):
            return None
        unsealed = connection.exec_driver_sql("SELECT seq FROM evidence_head").scalar() == 0 and \
            connection.exec_driver_sql("SELECT count(*) FROM users").scalar() > 0
        settings = tables.has_table("book_settings")
    if unsealed:
        with db.write():
            pass  # the write's seal is the book's first: everything it holds
    if not settings:
        return None
    from .auth.service import authenticates, record_authentication

    with db.write() as session:
        if authentication is None:
            return authenticates(session)
        return record_authentication(session, authentication, datetime.now(timezone.utc))


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to `revision` through the revisions' downgrades (the migration tests use it). Below
    0011 the evidence chain is gone, and the key folder forgets it sealed this book: an upgrade seals it afresh."""
    _migrate(db, command.downgrade, revision)
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("evidence_head"):
            keys.forget_sealed(db.url)


def _migrate(db: Database, step, revision: str) -> None:
    db._sealing = db._writes = None  # the evidence tables may come or go
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
