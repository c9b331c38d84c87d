"""Users who authenticate on the command line (cli.md, "Authentication"): a new book authenticates; passwords are
argon2id hashes; `--user` proves itself with AIDLEDGER_PASSWORD, or AIDLEDGER_TOKEN names the user; a local
single-user book (`db upgrade --no-auth`) takes `--user` alone. Every write records its user and channel."""

from __future__ import annotations

import uuid

import pytest
from conftest import PG_URL, RUN_ID, Cli, PgServer
from sqlalchemy import create_engine, text
from support import assert_refused, snapshot

PASSWORD, OTHER_PASSWORD = "admin-pass-1", "preparer-pass-2"


@pytest.fixture
def empty_url(backend, tmp_path):
    """A database with no schema at all (as a county starts)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    server = PgServer(PG_URL)
    try:
        yield server.create(f"{RUN_ID}_auth_{uuid.uuid4().hex[:6]}")
    finally:
        server.drop_all()


@pytest.fixture
def new_book(empty_url, monkeypatch) -> Cli:
    """A new book that authenticates, with its admin (password PASSWORD) and a preparer li.ming."""
    for name in ("AIDLEDGER_PASSWORD", "AIDLEDGER_TOKEN", "AIDLEDGER_USER"):
        monkeypatch.delenv(name, raising=False)
    run = Cli(empty_url)
    result = run("db", "upgrade")
    assert result.exit_code == 0 and "authentication: on" in result.output, result.output
    assert run("user", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    monkeypatch.setenv("AIDLEDGER_PASSWORD", PASSWORD)
    result = run("user", "add", "li.ming", "--role", "preparer", "--display-name", "李明", "--password-stdin",
                 user="admin", input=OTHER_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    monkeypatch.delenv("AIDLEDGER_PASSWORD")
    return run


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _jurisdiction(run: Cli, user: str | None = "admin"):
    return run("jurisdiction", "add", "230000", "--name", "黑龙江省", "--level", "province", user=user)


def test_a_write_without_credentials_is_refused_and_changes_nothing(new_book):
    before = snapshot(new_book.url)
    assert_refused(_jurisdiction(new_book), "must authenticate", "AIDLEDGER_PASSWORD")
    assert_refused(_jurisdiction(new_book, user=None), "name the acting user")
    after = snapshot(new_book.url)
    assert {k: v for k, v in after.items() if k != "sign_ins"} == {k: v for k, v in before.items() if k != "sign_ins"}


def test_a_wrong_password_is_refused_and_recorded_and_the_right_one_acts(new_book, monkeypatch):
    monkeypatch.setenv("AIDLEDGER_PASSWORD", "not-the-password")
    assert_refused(_jurisdiction(new_book), "authentication failed for user admin")
    assert _rows(new_book.url, "SELECT count(*) FROM jurisdictions") == [(0,)]
    monkeypatch.setenv("AIDLEDGER_PASSWORD", PASSWORD)
    result = _jurisdiction(new_book)
    assert result.exit_code == 0, result.output
    attempts = _rows(new_book.url, "SELECT user_name, ok, channel FROM sign_ins WHERE user_name = 'admin' ORDER BY id")
    assert [(bool(ok), channel) for _, ok, channel in attempts][-2:] == [(False, "cli"), (True, "cli")]
    # The write recorded who made it and through which channel.
    assert _rows(new_book.url, "SELECT user_name, channel FROM writes ORDER BY id DESC LIMIT 1") == [("admin", "cli")]


def test_passwords_are_stored_as_argon2id_hashes(new_book):
    hashes = [h for (h,) in _rows(new_book.url, "SELECT secret_hash FROM credentials WHERE kind = 'password'")]
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h or OTHER_PASSWORD in h for h in hashes)


def test_a_new_user_of_an_authenticated_book_needs_a_good_password(new_book, monkeypatch):
    monkeypatch.setenv("AIDLEDGER_PASSWORD", PASSWORD)
    assert_refused(new_book("user", "add", "wang", "--role", "approver", user="admin"), "needs a password")
    assert_refused(new_book("user", "add", "wang", "--role", "approver", "--password-stdin", user="admin",
                            input="short\n"), "at least 8 characters")
    assert_refused(new_book("user", "add", "wang", "--role", "approver", "--scope", "2305", "--password-stdin",
                            user="admin", input="long-enough-1\n"), "not a township")
    assert _rows(new_book.url, "SELECT count(*) FROM users") == [(2,)]


def test_a_token_authenticates_once_shown_and_dies_with_its_user(new_book, monkeypatch):
    monkeypatch.setenv("AIDLEDGER_PASSWORD", OTHER_PASSWORD)
    issued = new_book("user", "token", "li.ming", user="li.ming")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("ald_") and "shown once" in issued.stderr
    stored = _rows(new_book.url, "SELECT secret_hash FROM credentials WHERE kind = 'token'")
    assert len(stored) == 1 and token.split("_", 2)[2] not in stored[0][0]
    monkeypatch.delenv("AIDLEDGER_PASSWORD")
    monkeypatch.setenv("AIDLEDGER_TOKEN", token)
    listed = new_book("user", "list", "--json")
    assert listed.exit_code == 0
    # li.ming is a preparer: adding a jurisdiction is an admin's, refused by role, not by authentication.
    assert_refused(_jurisdiction(new_book, user=None), "has role preparer")
    assert_refused(_jurisdiction(new_book, user="admin"), "belongs to li.ming")
    monkeypatch.setenv("AIDLEDGER_TOKEN", token + "x")
    assert_refused(new_book("user", "list"), "not a live token")
    monkeypatch.delenv("AIDLEDGER_TOKEN")
    monkeypatch.setenv("AIDLEDGER_PASSWORD", PASSWORD)
    assert new_book("user", "disable", "li.ming", user="admin").exit_code == 0
    monkeypatch.delenv("AIDLEDGER_PASSWORD")
    monkeypatch.setenv("AIDLEDGER_TOKEN", token)
    assert_refused(new_book("user", "list"), "not a live token of an enabled user")


def test_a_password_is_changed_by_its_user_or_an_admin_only(new_book, monkeypatch):
    monkeypatch.setenv("AIDLEDGER_PASSWORD", OTHER_PASSWORD)
    assert_refused(new_book("user", "password", "admin", "--password-stdin", user="li.ming", input="taken-over-1\n"),
                   "has role preparer")
    result = new_book("user", "password", "li.ming", "--password-stdin", user="li.ming", input="new-password-3\n")
    assert result.exit_code == 0, result.output
    assert_refused(new_book("user", "list", user="li.ming"), "authentication failed")  # the old one is gone
    monkeypatch.setenv("AIDLEDGER_PASSWORD", "new-password-3")
    assert new_book("user", "list", user="li.ming").exit_code == 0


def test_a_book_that_authenticates_cannot_be_turned_into_a_local_one(new_book):
    assert_refused(new_book("db", "upgrade", "--no-auth"), "cannot be turned into a local single-user book")


def test_a_local_single_user_book_takes_the_user_name_alone(empty_url, monkeypatch):
    monkeypatch.delenv("AIDLEDGER_PASSWORD", raising=False)
    run = Cli(empty_url)
    result = run("db", "upgrade", "--no-auth")
    assert result.exit_code == 0 and "authentication: off" in result.output
    assert run("user", "add", "admin", "--role", "admin").exit_code == 0
    result = _jurisdiction(run)
    assert result.exit_code == 0, result.output
    assert _rows(empty_url, "SELECT user_name, channel FROM writes ORDER BY id DESC LIMIT 1") == [("admin", "cli")]
