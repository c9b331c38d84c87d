"""What every command is given: the database, the acting user and the clock (click's context object).

Here, not in cli.py, so that the commands depend on it and cli.py depends on the commands, one way.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from aidledger import db as dbmod
from aidledger.acting import ACTING, Acting
from aidledger.auth import service as auth
from aidledger.errors import Refusal


class AppContext:
    """What every command needs: the database, the acting user and the clock.

    `user` is the authenticated user. On a book that authenticates, a command that names a user (`--user`) proves
    it with the password (AIDLEDGER_PASSWORD, or prompted on a terminal), or the user comes from AIDLEDGER_TOKEN;
    a command that names none acts anonymously (a read, masked; a write is refused for want of a user). On a
    local single-user book (`db upgrade --no-auth`) the name given is taken as it is."""

    def __init__(self, url: str, user: str | None, debug: bool):
        self.url = url
        self.claimed = user or None
        self.debug = debug
        self._db: dbmod.Database | None = None
        self._user: str | None = None
        self._resolved = False

    @property
    def user(self) -> str | None:
        if not self._resolved:
            self._user = self._authenticate()
            self._resolved = True
            ACTING.set(Acting(self._user, "cli"))
        return self._user

    def _authenticate(self) -> str | None:
        database = self.database()
        token = os.environ.get("AIDLEDGER_TOKEN")
        with database.read() as session:
            if not auth.authenticates(session):
                return self.claimed
            if token:
                found = auth.user_of_token(session, token)
                if found is None:
                    raise Refusal("authentication failed: AIDLEDGER_TOKEN is not a live token of an enabled user")
                if self.claimed and self.claimed != found.name:
                    raise Refusal(f"AIDLEDGER_TOKEN belongs to {found.name}, not to --user {self.claimed}")
                return found.name
        if not self.claimed:
            return None
        password = os.environ.get("AIDLEDGER_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise Refusal(f"user {self.claimed} must authenticate on this book: give the password in "
                              "AIDLEDGER_PASSWORD, type it at a terminal, or use an API token (AIDLEDGER_TOKEN)")
            password = click.prompt(f"password for {self.claimed}", hide_input=True, err=True)
        with database.write() as session:  # the attempt is recorded, and committed, whatever its outcome
            attempt = auth.check_password(session, self.claimed, password, channel="cli", now=self.now())
        if attempt.wait_seconds:
            raise Refusal(f"too many failed sign-ins for {self.claimed}: try again in {attempt.wait_seconds} s")
        if attempt.user is None:
            raise Refusal(f"authentication failed for user {self.claimed}: wrong password, or no such enabled user")
        return attempt.user.name

    def authenticates(self) -> bool:
        with self.database().read() as session:
            return auth.authenticates(session)

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
                if self.claimed or os.environ.get("AIDLEDGER_TOKEN"):
                    _ = self.user  # credentials given are checked, by every command, before it does anything
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
