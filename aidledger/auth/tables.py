"""The records of authentication.

Sealed under the evidence chain (append-only): `book_settings` (whether the book authenticates), `credentials`
(password hashes, API tokens and their revocations), `writes` (each write transaction's user and channel),
`verify_runs` (each verify run from the web, with what it found).
Operational, not history, so neither sealed nor append-only: `web_sessions` (a browser's session, its CSRF token and
when it was last seen) and `sign_ins` (each sign-in attempt, for the growing delay after failures).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.orm import Base


class BookSetting(Base):
    __tablename__ = "book_settings"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Credential(Base):
    """`password` (secret_hash: argon2id), `token` (token_id, secret_hash: SHA-256 of the secret) or `revoke`
    (token_id of the token it ends). The latest password counts; a token counts until revoked."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[str | None] = mapped_column(String(16), index=True)
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    made_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WriteRecord(Base):
    """One committed write transaction: the authenticated user and the channel (cli, web, api, local)."""

    __tablename__ = "writes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyRun(Base):
    """A `ledger verify` run from the web application or the API: who ran it, when, and what it found (the problems
    one a line)."""

    __tablename__ = "verify_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ran_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    ok: Mapped[bool] = mapped_column(Boolean)
    entries: Mapped[int] = mapped_column(Integer)
    seals: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    problems: Mapped[str] = mapped_column(Text)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignIn(Base):
    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
