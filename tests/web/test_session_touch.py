"""A signed-in page's touch of its session never waits behind a long write (a month's run holds the one writer for a
minute on SQLite): it is given up at once and tried again by the next request."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from sqlalchemy import text

from aidledger import db as dbmod
from aidledger.auth.service import touch_quietly

NOW = datetime(2022, 4, 1, tzinfo=timezone.utc)


def test_a_touch_gives_up_while_the_books_are_written(db_url, backend):
    database = dbmod.Database(db_url)
    held, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with database.write() as session:
            session.execute(text("SELECT 1"))
            held.set()
            release.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        written = touch_quietly(database.engine, "no-such-session", NOW)
        assert time.monotonic() - started < 5
        # SQLite has one writer: the touch is given up; PostgreSQL's row lock is the session's own: written
        assert written is (backend == "postgresql")
    finally:
        release.set()
        writer.join(30)
    assert touch_quietly(database.engine, "no-such-session", NOW) is True
    # the connection went back to the pool with its usual patience
    with database.engine.connect() as connection:
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
    database.dispose()
