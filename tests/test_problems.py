"""Problems as records: the entry checks and `ledger verify` say which rule, where and with which figures."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from support import PREPARER

from aidledger import db as dbmod
from aidledger.disbursement.checks import verify_books
from aidledger.errors import Refusal
from aidledger.ledger.entries import EntryDraft, Line, check_entry
from aidledger.problems import Problem, ProblemLog


def draft(*lines: Line) -> EntryDraft:
    return EntryDraft(date=date(2022, 1, 3), jurisdiction="230523", description="收到资金", lines=lines)


def test_an_unbalanced_entry_names_the_rule_and_the_figures():
    problems = check_entry(draft(Line("Assets:Treasury", "central_subsidy", Decimal("100.00")),
                                 Line("Income:Allocations", "central_subsidy", credit=Decimal("99.99"))))
    assert [(p.rule, p.entity, dict(p.figures)) for p in problems] == [
        ("entry.balanced", "entry", {"debits": "100.00", "credits": "99.99"})]
    assert str(problems[0]) == "entry: unbalanced: debits 100.00 ≠ credits 99.99"


def test_a_line_problem_names_the_line():
    problems = check_entry(draft(Line("Assets:Treasury", "no_such_fund", Decimal("1.00")),
                                 Line("Income:Allocations", "central_subsidy", credit=Decimal("1.00"))), "entry 2 of 3")
    assert problems[0].rule == "entry.fund"
    assert problems[0].entity == "entry 2 of 3 line 1 (Assets:Treasury, no_such_fund)"
    assert str(problems[0]).startswith("entry 2 of 3 line 1 (Assets:Treasury, no_such_fund): unknown fund")


def test_a_file_problem_reads_as_the_cell_it_names():
    cell = Problem.in_file("households.csv", 7, "monthly_income", "not an amount", "230523000001")
    row = Problem.in_file("members.csv", 3, None, "wrong number of fields")
    assert (cell.rule, cell.household_id, str(cell)) == (
        "file.cell", "230523000001", "households.csv line 7, column monthly_income: not an amount")
    assert (row.rule, str(row)) == ("file.row", "members.csv line 3: wrong number of fields")


def test_a_refusal_carries_records_and_prints_lines():
    refusal = Refusal(["a message", Problem("broken", "some.rule", entity="cycle 3")])
    assert [p.rule for p in refusal.problems] == ["", "some.rule"]
    assert refusal.messages == ["a message", "cycle 3: broken"]
    with pytest.raises(ValueError):
        Refusal([])


def test_a_problem_log_refuses_with_its_records_and_the_count_left_out():
    log = ProblemLog(shown=2)
    log.extend(Problem.in_file("f.csv", n, None, "bad") for n in range(2, 6))
    refusal = log.refusal()
    assert [p.line for p in refusal.problems[:2]] == [2, 3]
    assert refusal.messages[-1] == "… and 2 more problems not shown (4 in all)"


def test_verify_reports_records(books, tmp_path):
    """The same problems `ledger verify` prints, as records: the rule and the entry they are about."""
    path = tmp_path / "e.json"
    path.write_text(json.dumps({
        "date": "2022-01-01", "jurisdiction": "230523", "description": "收到资金",
        "lines": [{"account": "Assets:Treasury", "fund": "central_subsidy", "debit": "100.00"},
                  {"account": "Income:Allocations", "fund": "central_subsidy", "credit": "100.00"}]}), encoding="utf-8")
    assert books("ledger", "post", "--file", str(path), user=PREPARER).exit_code == 0
    database = dbmod.Database(books.url)
    try:
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE account_balances SET debit_fen = debit_fen + 1"))
        with database.read() as session:
            report = verify_books(session)
    finally:
        database.dispose()
    assert not report.ok
    assert {p.rule for p in report.problems} == {"verify.balance"}
    assert dict(report.problems[0].figures)["stored_fen"] == "10001/0"
