"""`ledger verify` against books altered behind its back, field by field: the plain path (canonical text built
straight from integer fen, test_verify_plain.py) must find exactly what the long way finds, and each alteration must
be found at all.

The long way is forced by letting `_plain_texts` sum an entry's lines as always but vouch for none, so that every
entry goes through `_entry_problems` (the per-entry checks verify made before the plain path existed); the two
reports must then agree problem for problem. Alterations are made as an SQL client would: on SQLite by dropping the
append-only triggers in the way, on PostgreSQL with `session_replication_role = replica` (no trigger, foreign keys
included, fires).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from support import APPROVER, PREPARER

from aidledger.disbursement.checks import verify_books
from aidledger.ledger.entries import EntryDraft, Line, reversal_of
from aidledger.ledger.money import MAX_LINE_FEN, from_fen
from aidledger.ledger.service import verify as verify_module
from aidledger.ledger.service.posting import post_entries

NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
ODD = '收到"省级"资金 \\ 路径\t✓ é 🙂 \u2028 </script>'
BIG = from_fen(MAX_LINE_FEN)


def _receipt(on: date, description: str, fund: str, amount: Decimal, **more) -> EntryDraft:
    return EntryDraft(on, "230523", description, (Line("Assets:Treasury", fund, debit=amount),
                                                  Line("Income:Allocations", fund, credit=amount)), **more)


def post_odd_books(database) -> None:
    """Six entries: plain receipts, one with quotes, a backslash, a tab and characters beyond the BMP in its
    description and reference, one at the largest line amount, one of three lines in two funds, a transfer between
    funds, and a reversal."""
    drafts = [
        _receipt(date(2022, 1, 1), "收到资金1", "central_subsidy", Decimal("100.00")),
        _receipt(date(2022, 1, 2), ODD, "provincial_subsidy", Decimal("0.01"), reference='文号"2022"\\1',
                 idempotency_key="键-✓"),
        _receipt(date(2022, 1, 2), "最大金额", "county_subsidy", BIG),
        EntryDraft(date(2022, 1, 3), "230523", "两个资金", (
            Line("Assets:Treasury", "central_subsidy", debit=Decimal("300.00")),
            Line("Assets:Treasury", "city_subsidy", debit=Decimal("5.05")),
            Line("Income:Allocations", "central_subsidy", credit=Decimal("300.00")),
            Line("Income:Allocations", "city_subsidy", credit=Decimal("5.05")))),
        EntryDraft(date(2022, 1, 4), "230523", "调整资金来源", (
            Line("Assets:Treasury", "county_subsidy", debit=Decimal("20.00")),
            Line("Assets:Treasury", "central_subsidy", credit=Decimal("20.00"))), fund_transfer=True),
    ]
    with database.write() as session:
        post_entries(session, drafts, user=PREPARER, now=NOW)
    with database.write() as session:
        post_entries(session, [reversal_of(drafts[0], 1, date(2022, 1, 5), "录错")], user=PREPARER, now=NOW)


def alter(database, *statements: str) -> None:
    """Run `statements` with an SQL client's powers (above)."""
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for (name,) in connection.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('journal_entries', 'journal_lines', 'accounts')")).all():
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            connection.execute(text(statement))


def _seen(report) -> tuple:
    return (report.ok, report.first_failing_entry, report.entries, report.lines, report.head_hash,
            [(p.rule, p.entity, str(p)) for p in report.problems])


def both_ways(database, monkeypatch) -> tuple[tuple, tuple]:
    """verify_books's report the plain way, and the long way (above)."""
    with database.read() as session:
        plain = _seen(verify_books(session))
    vouch = verify_module._plain_texts

    def vouching_for_none(*args):
        vouch(*args)  # the lines are summed into their day's balances as always
        return None

    went_long: list[int] = []
    problems_of = verify_module._entry_problems

    def counted(entry, *args):
        went_long.append(entry[0])
        return problems_of(entry, *args)

    with monkeypatch.context() as patch:
        patch.setattr(verify_module, "_plain_texts", vouching_for_none)
        patch.setattr(verify_module, "_entry_problems", counted)
        with database.read() as session:
            long_way = _seen(verify_books(session))
    assert len(went_long) == long_way[2]  # every entry went the long way
    return plain, long_way


# Each alteration, and what verify must say of it: the first failing entry and rules among its problems.
ALTERATIONS = {
    "amount": (["UPDATE journal_lines SET debit_fen = debit_fen + 1 WHERE entry_seq = 4 AND line_no = 2"],
               4, {"verify.digest", "entry.balanced", "verify.balance"}),
    "amount_beyond_range": ([f"UPDATE journal_lines SET debit_fen = {MAX_LINE_FEN + 1} "
                             "WHERE entry_seq = 3 AND line_no = 1"], 3, {"verify.digest", "entry.range"}),
    "account": (["UPDATE journal_lines SET account_id = (SELECT id FROM accounts WHERE name = 'Equity:NetPosition' "
                 "AND jurisdiction_code = '230523') WHERE entry_seq = 2 AND line_no = 2"],
                2, {"verify.digest", "verify.balance"}),
    "account_renamed": (["UPDATE accounts SET name = 'Income:Allocations\"x' WHERE name = 'Income:Allocations' "
                         "AND jurisdiction_code = '230523'"], 1, {"verify.digest"}),
    "fund": (["UPDATE journal_lines SET fund_code = 'lottery_welfare' WHERE entry_seq = 1 AND line_no = 2"],
             1, {"verify.digest", "entry.balanced_in_fund", "verify.balance"}),
    "date": (["UPDATE journal_entries SET date = '2022-01-09' WHERE seq = 2"], 2, {"verify.digest", "verify.balance"}),
    "description": ([f"UPDATE journal_entries SET description = '{ODD}x' WHERE seq = 2"], 2, {"verify.digest"}),
    "description_emptied": (["UPDATE journal_entries SET description = ' ' WHERE seq = 5"],
                            5, {"verify.digest", "entry.description"}),
    "reference": (["UPDATE journal_entries SET reference = '' WHERE seq = 2"], 2, {"verify.digest"}),
    "transfer_undeclared": (["UPDATE journal_entries SET fund_transfer = false WHERE seq = 5"],
                            5, {"verify.digest", "entry.balanced_in_fund"}),
    "reversal_retargeted": (["UPDATE journal_entries SET reverses_seq = NULL WHERE seq = 6"], 6, {"verify.digest"}),
    "key": (["UPDATE journal_entries SET idempotency_key = 'another' WHERE seq = 2"], 2, {"verify.hash"}),
    "user": ([f"UPDATE journal_entries SET user_name = '{APPROVER}' WHERE seq = 3"], 3, {"verify.hash"}),
    "line_deleted": (["DELETE FROM journal_lines WHERE entry_seq = 4 AND line_no = 4"],
                     4, {"verify.digest", "entry.balanced", "verify.balance"}),
    "lines_deleted": (["DELETE FROM journal_lines WHERE entry_seq = 3"], 3, {"verify.digest", "entry.lines"}),
    "line_inserted": (["INSERT INTO journal_lines (entry_seq, line_no, account_id, fund_code, debit_fen, credit_fen) "
                       "SELECT entry_seq, 9, account_id, fund_code, debit_fen, credit_fen FROM journal_lines "
                       "WHERE entry_seq = 2 AND line_no = 1"], 2, {"verify.digest", "verify.balance"}),
    "lines_swapped": (["UPDATE journal_lines SET line_no = line_no + 10 WHERE entry_seq = 1",
                       "UPDATE journal_lines SET line_no = 3 - (line_no - 10) WHERE entry_seq = 1"],
                      1, {"verify.digest"}),
    "entry_deleted": (["DELETE FROM journal_lines WHERE entry_seq = 4", "DELETE FROM journal_entries WHERE seq = 4"],
                      5, {"verify.sequence", "verify.chain", "verify.balance"}),
    # The hash is recomputed over the hash before it, not the link stored: a rewritten link breaks the chain alone.
    "chain": (["UPDATE journal_entries SET prev_hash = digest WHERE seq = 3"], 3, {"verify.chain"}),
    "hash": (["UPDATE journal_entries SET hash = digest WHERE seq = 6"], 6, {"verify.hash", "verify.head"}),
    "digest": (["UPDATE journal_entries SET digest = hash WHERE seq = 2"], 2, {"verify.digest"}),
    "balance": (["UPDATE account_balances SET credit_fen = credit_fen + 1 WHERE day = '2022-01-03'"],
                None, {"verify.balance"}),
}


def test_honest_odd_books_verify_and_the_two_ways_agree(books, database, monkeypatch):
    post_odd_books(database)
    plain, long_way = both_ways(database, monkeypatch)
    assert plain == long_way
    assert plain[0], plain[-1]
    assert plain[2:4] == (6, 14)


@pytest.mark.parametrize("name", sorted(ALTERATIONS))
def test_each_alteration_is_found_and_the_plain_path_finds_what_the_long_way_finds(name, books, database,
                                                                                     monkeypatch):
    statements, first, rules = ALTERATIONS[name]
    post_odd_books(database)
    alter(database, *statements)
    plain, long_way = both_ways(database, monkeypatch)
    assert plain == long_way
    ok, first_failing, _, _, _, problems = plain
    assert not ok
    assert first_failing == first
    found = {rule for rule, _, _ in problems}
    assert rules <= found, (found, problems)
    if first is not None:  # no entry before the first altered one is named
        assert all(int(entity.split()[1]) >= first for rule, entity, _ in problems
                   if entity and entity.startswith("entry "))


def test_what_only_sqlite_can_be_made_to_store_is_verified_the_same_both_ways(books, database, monkeypatch):
    """SQLite keeps a fraction where an integer column's value could not be converted, and can be told to ignore
    the tables' CHECK constraints (a line with both a debit and a credit, a negative amount); verify must name each,
    both ways alike. PostgreSQL refuses all three, so there the same lines take whole, one-sided amounts."""
    post_odd_books(database)
    sqlite = database.dialect == "sqlite"
    alter(database, *(["PRAGMA ignore_check_constraints = ON"] if sqlite else []),
          f"UPDATE journal_lines SET debit_fen = {'100.5' if sqlite else '101'} WHERE entry_seq = 4 AND line_no = 1",
          f"UPDATE journal_lines SET credit_fen = 5 {'' if sqlite else ', debit_fen = 0'} "
          "WHERE entry_seq = 5 AND line_no = 1",
          f"UPDATE journal_lines SET credit_fen = {'-2000' if sqlite else '2001'} WHERE entry_seq = 6 AND line_no = 1")
    plain, long_way = both_ways(database, monkeypatch)
    assert plain == long_way
    problems = plain[-1]
    assert plain[1] == 4 and {"verify.digest", "verify.balance"} <= {rule for rule, _, _ in problems}
    rules = {entity: {rule for rule, e, _ in problems if e == entity} for entity in ("entry 5", "entry 6")}
    assert {"verify.digest", "entry.one_side" if sqlite else "entry.balanced"} <= rules["entry 5"]
    assert {"verify.digest", "entry.one_side" if sqlite else "entry.balanced"} <= rules["entry 6"]


@pytest.mark.parametrize("value", ["'abc'", "'12x'", "X'00ff'", "1e30"])
def test_an_amount_sqlite_kept_as_text_or_bytes_is_reported_not_a_crash(value, books, database, monkeypatch):
    """SQLite keeps what it cannot convert to an integer as it came (text, a blob, a huge real): verify names the
    entry (its digest and its amount) both ways alike instead of failing on the arithmetic. PostgreSQL refuses such
    a value, so there the line takes an amount beyond the range instead."""
    post_odd_books(database)
    sqlite = database.dialect == "sqlite"
    alter(database, f"UPDATE journal_lines SET debit_fen = {value if sqlite else MAX_LINE_FEN + 7} "
                    "WHERE entry_seq = 4 AND line_no = 1")
    plain, long_way = both_ways(database, monkeypatch)
    assert plain == long_way
    ok, first_failing, _, _, _, problems = plain
    assert not ok and first_failing == 4
    assert {"verify.digest"} <= {rule for rule, entity, _ in problems if entity == "entry 4"}
