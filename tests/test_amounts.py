"""Amounts are plain decimal numerals with at most two places, on the command line and in files.

`1200`, `1200.5` and `1200.50` are amounts; `1,0,0`, full-width `１０００`, `1_000`, `1e3`, `1200.500` and `.5`
are not, and each is refused with the reason, the database unchanged.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from support import PREPARER, snapshot

from aidledger.ledger.money import MoneyError, parse_amount

NOT_AMOUNTS = ["1,0,0", "1,000.00", "１０００", "1_000", "1e3", "1E3", "+5", ".5", "5.", "12 00", "0x10", "NaN",
               "Infinity", ""]


@pytest.mark.parametrize("text, amount", [("1200", "1200"), ("1200.5", "1200.5"), ("1200.50", "1200.50"),
                                          (" 7 ", "7"), ("0", "0"), ("-3.10", "-3.10")])
def test_plain_numerals_are_amounts(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_anything_else_is_refused_with_the_reason(text):
    with pytest.raises(MoneyError, match="not a plain decimal number such as 1200 or 1200.50"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1200.500", "1.234", "0.001"])
def test_more_than_two_places_is_refused_even_when_zero(text):
    with pytest.raises(MoneyError, match="more than two decimal places"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1,0,0", "１０００", "1_000", "1e3", "100.000"])
def test_the_command_line_refuses_them_and_changes_nothing(books, db_url, text):
    before = snapshot(db_url)
    result = books("budget", "allocate", "--jurisdiction", "230523", "--fund", "central_subsidy", "--amount", text,
                   "--date", "2022-01-01", user=PREPARER)
    assert result.exit_code == 2, result.output
    assert "--amount" in result.stderr and ("not a plain decimal number" in result.stderr
                                           or "more than two decimal places" in result.stderr)
    assert snapshot(db_url) == before


@pytest.mark.parametrize("text", ["1,000.00", "1e3"])
def test_an_entry_file_refuses_them_and_changes_nothing(books, db_url, tmp_path, text):
    path = tmp_path / "entry.json"
    path.write_text(json.dumps({
        "date": "2022-01-03", "jurisdiction": "230523", "description": "收到资金",
        "lines": [{"account": "Assets:Treasury", "fund": "central_subsidy", "debit": text},
                  {"account": "Income:Allocations", "fund": "central_subsidy", "credit": text}]}), encoding="utf-8")
    before = snapshot(db_url)
    result = books("ledger", "post", "--file", str(path), user=PREPARER)
    assert result.exit_code == 3, result.output
    assert "not a plain decimal number" in result.stderr
    assert snapshot(db_url) == before
