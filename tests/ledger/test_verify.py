"""`ledger verify`: passes on honest books, fails naming the first entry altered behind its back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from support import PREPARER

from aidledger import db as dbmod


def post_receipts(books, tmp_path, count=3):
    for n in range(1, count + 1):
        path = tmp_path / f"e{n}.json"
        path.write_text(json.dumps({
            "date": f"2022-01-{n:02d}", "jurisdiction": "230523", "description": f"收到资金{n}",
            "lines": [{"account": "Assets:Treasury", "fund": "central_subsidy", "debit": f"{n}00.00"},
                      {"account": "Income:Allocations", "fund": "central_subsidy", "credit": f"{n}00.00"}]}),
            encoding="utf-8")
        assert books("ledger", "post", "--file", str(path), user=PREPARER).exit_code == 0


def behind_the_back(url: str, *statements: str) -> None:
    """Run SQL outside the application, as a stray script or an intruder would."""
    database = dbmod.Database(url)
    try:
        with database.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        database.dispose()


def drop_line_triggers(url: str) -> list[str]:
    if url.startswith("postgresql"):
        return ["DROP TRIGGER journal_lines_append_only ON journal_lines"]
    return ["DROP TRIGGER journal_lines_no_update"]


def test_verify_passes_on_honest_books(books, tmp_path):
    post_receipts(books, tmp_path)
    result = books("ledger", "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ledger verified: 3 entries, 6 lines, head ")


def test_verify_passes_on_an_empty_journal(books):
    assert books("ledger", "verify").exit_code == 0


def test_the_database_refuses_to_update_or_delete_posted_lines(books, tmp_path):
    post_receipts(books, tmp_path, count=1)
    for statement in ("UPDATE journal_lines SET debit_fen = 1 WHERE entry_seq = 1 AND line_no = 1",
                      "DELETE FROM journal_lines WHERE entry_seq = 1",
                      "UPDATE journal_entries SET description = 'x' WHERE seq = 1",
                      "DELETE FROM journal_entries WHERE seq = 1"):
        with pytest.raises(Exception, match="append-only"):
            behind_the_back(books.url, statement)
    assert books("ledger", "verify").exit_code == 0


def test_verify_fails_naming_the_first_altered_entry(books, tmp_path):
    post_receipts(books, tmp_path)
    behind_the_back(books.url, *drop_line_triggers(books.url),
                    "UPDATE journal_lines SET debit_fen = 20001 WHERE entry_seq = 2 AND line_no = 1")
    result = books("ledger", "verify")
    assert result.exit_code == 3
    assert "error: ledger verify failed (first failing entry: 2)" in result.stderr
    assert "error: entry 2: its content no longer matches the digest" in result.stderr
    assert "unbalanced" in result.stderr


def test_verify_fails_when_a_stored_balance_is_altered(books, tmp_path):
    post_receipts(books, tmp_path)
    behind_the_back(books.url, "UPDATE account_balances SET debit_fen = debit_fen + 1")
    result = books("ledger", "verify")
    assert result.exit_code == 3
    assert "stored balance of Assets:Treasury / central_subsidy on 2022-01-01" in result.stderr


def test_verify_fails_when_an_entry_hash_is_replaced(books, tmp_path):
    post_receipts(books, tmp_path)
    drop = (["DROP TRIGGER journal_entries_append_only ON journal_entries"] if books.url.startswith("postgresql")
            else ["DROP TRIGGER journal_entries_no_update"])
    behind_the_back(books.url, *drop, "UPDATE journal_entries SET hash = digest WHERE seq = 3")
    result = books("ledger", "verify")
    assert result.exit_code == 3
    assert "entry 3: stored hash" in result.stderr
    assert "the ledger head names entry 3" in result.stderr
