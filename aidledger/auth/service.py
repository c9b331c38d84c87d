"""Authentication: the book's setting, passwords, tokens, web sessions and sign-ins (docs/web.md).

The services of the rest of the book take the acting user's name and check its role (users.require_role) and its
scope; this module is how a client turns credentials into that name. Every check of a secret costs the same time
whether or not the user exists (hashing.DUMMY_HASH), and every failure says only that the credentials were wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.users import Standing, require_role, standing

from . import hashing
from .tables import BookSetting, Credential, SignIn, WebSession
from .throttle import delay_after

AUTHENTICATION = "authentication"
IDLE = timedelta(minutes=30)  # a web session unused this long is over
LONGEST = timedelta(hours=12)  # and every session ends after a working day
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often, so pages stay reads


def authenticates(session: Session) -> bool:
    """Whether the book authenticates its users. A book that never recorded the setting does (fail closed)."""
    setting = session.get(BookSetting, AUTHENTICATION)
    return setting is None or setting.value != "off"


def record_authentication(session: Session, on: bool, now: datetime) -> bool:
    """Record the setting on a book that has none; a book keeps the setting it was made with. Returns whether the
    book authenticates."""
    setting = session.get(BookSetting, AUTHENTICATION)
    wanted = "on" if on else "off"
    if setting is None:
        session.add(BookSetting(name=AUTHENTICATION, value=wanted, set_at=now))
        session.flush()
        return on
    if setting.value != wanted and not on:
        raise Refusal("this book authenticates its users; a book made with authentication cannot be turned into a "
                      "local single-user book (--no-auth is for a new database)")
    return setting.value != "off"


# --- passwords -------------------------------------------------------------------------------------------------

def password_hash(session: Session, name: str) -> str | None:
    stmt = (select(Credential.secret_hash).where(Credential.user_name == name, Credential.kind == "password")
            .order_by(Credential.id.desc()).limit(1))
    return session.scalar(stmt)


def set_password(session: Session, name: str, password: str, *, acting: str | None, now: datetime) -> None:
    """A new password for `name`, set by the user themself or by an admin; the old one stops working."""
    problem = hashing.password_problem(password)
    if problem:
        raise Refusal(problem)
    if standing(session, name) is None:
        raise Refusal(f"unknown user {name!r}")
    if acting != name:
        require_role(session, acting, "admin", action="set another user's password")
    session.add(Credential(user_name=name, kind="password", secret_hash=hashing.hash_password(password),
                           made_by=acting or name, made_at=now))
    session.flush()


@dataclass(frozen=True)
class Attempt:
    """What a sign-in found: the user (None when the credentials were wrong) and, if refused unchecked, the wait."""

    user: Standing | None
    wait_seconds: int = 0


def failures_in_a_row(session: Session, name: str, now: datetime) -> tuple[int, datetime | None]:
    """Consecutive failed sign-ins for `name` in the last day, and when the last was."""
    stmt = (select(SignIn.ok, SignIn.at).where(SignIn.user_name == name, SignIn.at >= now - timedelta(days=1))
            .order_by(SignIn.id.desc()).limit(64))
    count, last = 0, None
    for ok, at in session.execute(stmt):
        if ok:
            break
        count += 1
        last = last or at
    return count, last


def check_password(session: Session, name: str, password: str, *, channel: str, now: datetime) -> Attempt:
    """Check a sign-in and record it (the caller commits the record even when it refuses). A user name under the
    growing delay is refused unchecked, and that attempt is not counted."""
    name = name.strip()[:64]
    failures, last = failures_in_a_row(session, name, now)
    wait = delay_after(failures)
    if wait and last is not None:
        remaining = int((_aware(last) + timedelta(seconds=wait) - now).total_seconds()) + 1
        if remaining > 0:
            return Attempt(None, remaining)
    user = standing(session, name)
    stored = password_hash(session, name) if user is not None else None
    ok = hashing.password_matches(stored or hashing.DUMMY_HASH, password) and stored is not None
    ok = ok and user is not None and not user.disabled
    session.add(SignIn(user_name=name, ok=ok, channel=channel, at=now))
    session.flush()
    return Attempt(user if ok else None)


def _aware(at: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


# --- API tokens --------------------------------------------------------------------------------------------------

def issue_token(session: Session, name: str, *, acting: str | None, now: datetime) -> str:
    """A new API token for `name` (by the user themself or an admin), shown once; it replaces the user's earlier
    tokens, which stop working."""
    user = standing(session, name)
    if user is None:
        raise Refusal(f"unknown user {name!r}")
    if acting != name:
        require_role(session, acting, "admin", action="issue another user's token")
    if user.disabled:
        raise Refusal(f"user {name!r} is disabled; a disabled user gets no token")
    for token_id in live_tokens(session, name):
        session.add(Credential(user_name=name, kind="revoke", token_id=token_id, made_by=acting or name, made_at=now))
    token_id, token, hashed = hashing.new_token()
    session.add(Credential(user_name=name, kind="token", token_id=token_id, secret_hash=hashed,
                           made_by=acting or name, made_at=now))
    session.flush()
    return token


def live_tokens(session: Session, name: str) -> list[str]:
    rows = session.execute(select(Credential.kind, Credential.token_id)
                           .where(Credential.user_name == name, Credential.kind.in_(("token", "revoke"))))
    issued, revoked = [], set()
    for kind, token_id in rows:
        (issued.append(token_id) if kind == "token" else revoked.add(token_id))
    return [t for t in issued if t not in revoked]


def user_of_token(session: Session, token: str) -> Standing | None:
    """The enabled user a live token belongs to, or None."""
    parts = hashing.split_token(token)
    if parts is None:
        return None
    token_id, secret = parts
    rows = list(session.execute(select(Credential.kind, Credential.user_name, Credential.secret_hash)
                                .where(Credential.token_id == token_id)))
    if any(kind == "revoke" for kind, _, _ in rows):
        return None
    for kind, name, hashed in rows:
        if kind == "token" and hashing.digest_matches(hashed, secret):
            user = standing(session, name)
            return user if user is not None and not user.disabled else None
    return None


# --- web sessions --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Opened:
    session_id: str  # the cookie's value (only its hash is stored)
    csrf: str


def open_session(session: Session, name: str, now: datetime) -> Opened:
    sid, csrf = hashing.new_secret(), hashing.new_secret()
    session.add(WebSession(id_hash=hashing.digest(sid), user_name=name, csrf=csrf, created_at=now,
                           last_seen_at=now))
    session.flush()
    return Opened(sid, csrf)


@dataclass(frozen=True)
class Live:
    user: Standing
    csrf: str
    id_hash: str
    needs_touch: bool


def live_session(session: Session, session_id: str | None, now: datetime) -> Live | None:
    """The signed-in user of a session cookie, if the session is open, not idle too long, and its user enabled."""
    if not session_id or len(session_id) > 128:
        return None
    row = session.get(WebSession, hashing.digest(session_id))
    if row is None or row.ended_at is not None:
        return None
    seen, created = _aware(row.last_seen_at), _aware(row.created_at)
    if now - seen > IDLE or now - created > LONGEST:
        return None
    user = standing(session, row.user_name)
    if user is None or user.disabled:
        return None
    return Live(user, row.csrf, row.id_hash, now - seen > TOUCH_EVERY)


def touch_quietly(engine: Engine, id_hash: str, now: datetime) -> bool:
    """A session's last use, written on its own short connection and given up when the books are busy: a month's
    run holds the one writer for a minute (SQLite), and a page polling its progress must not wait behind it. The
    touch only moves the idle timeout on (web_sessions is operational state, not sealed); the next request tries
    again. Whether it was written."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        # The pragma on the driver's connection itself: through SQLAlchemy it would begin a transaction first.
        driver = connection.connection.driver_connection if sqlite else None
        try:
            if driver is not None:
                driver.execute("PRAGMA busy_timeout = 100")
            with connection.begin():
                if not sqlite:
                    connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                connection.execute(update(WebSession).where(WebSession.id_hash == id_hash,
                                                            WebSession.ended_at.is_(None)).values(last_seen_at=now))
            return True
        except OperationalError:
            return False
        finally:
            if driver is not None:
                driver.execute("PRAGMA busy_timeout = 60000")


def end_session(session: Session, session_id: str | None, now: datetime) -> None:
    if not session_id:
        return
    row = session.get(WebSession, hashing.digest(session_id))
    if row is not None and row.ended_at is None:
        row.ended_at = now
