"""What every command is given: the database, the acting user and the clock (click's context object).

Here, not in cli.py, so that the commands depend on it and cli.py depends on the commands, one way.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy.exc import OperationalError

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
        if self._db is None:
            self._db = dbmod.Database(self.url)
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


def _require_current_schema(db: dbmod.Database) -> None:
    try:
        current = dbmod.current_revision(db)
    except OperationalError as exc:
        raise Refusal(f"cannot open the database {db.url}: {exc.orig}") from None
    head = dbmod.head_revision()
    if current != head:
        raise Refusal(
            f"the database {db.url} is at schema revision {current or 'none'}, not {head}: "
            "run 'aidledger db upgrade' first"
        )
