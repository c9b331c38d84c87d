"""What every command is given: the database, the acting user and the clock (click's context object).

Here, not in cli.py, so that the commands depend on it and cli.py depends on the commands, one way.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from aidledger import db as dbmod
from aidledger.errors import Refusal


class AppContext:
    """What every command needs: the database, the acting user and the clock."""

    def __init__(self, url: str, user: str | None, debug: bool):
        self.url = url
        self.user = user or None
        self.debug = debug
        self._db: dbmod.Database | None = None

    def database(self, *, check_schema: bool = True) -> dbmod.Database:
        """The database the command works on. Every command but `db upgrade` needs one that exists at the current
        schema: a mistyped SQLite path is refused before it is opened, so that no empty file is left behind."""
        if self._db is None:
            url = _supported(self.url)
            if check_schema:
                _require_existing_file(url)
            self._db = dbmod.Database(url.render_as_string(hide_password=False))
            if check_schema:
                _require_current_schema(self._db)
        return self._db

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return date.today()

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


SUPPORTED = "sqlite:///FILE (the embedded default) or postgresql+psycopg://USER@HOST:PORT/NAME"


def _supported(text: str) -> URL:
    """The URL, if it names a database aidledger runs on; `postgresql://` means the psycopg driver."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise Refusal(f"{text!r} is not a database URL; aidledger runs on {SUPPORTED}") from None
    backend, driver = url.get_backend_name(), url.drivername
    if backend == "postgresql" and driver in ("postgresql", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver == "sqlite":
        return url
    raise Refusal(f"the database URL names {driver}, which aidledger does not run on; it runs on {SUPPORTED}")


def _require_existing_file(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not url.database.startswith("file:") and not Path(url.database).exists():
        raise Refusal(f"cannot open the database {url.render_as_string()}: there is no database at {url.database}; "
                      "create one with 'aidledger db upgrade', or name an existing one with --db")


def _require_current_schema(db: dbmod.Database) -> None:
    try:
        current = dbmod.current_revision(db)
    except OperationalError as exc:
        raise Refusal(f"cannot open the database {db.shown_url}: {exc.orig}") from None
    head = dbmod.head_revision()
    if current != head:
        raise Refusal(
            f"the database {db.shown_url} is at schema revision {current or 'none'}, not {head}: "
            "run 'aidledger db upgrade' first"
        )
