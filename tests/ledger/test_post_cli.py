"""Posting, reversing and refusing entries through `aidledger ledger`, on every backend."""

from __future__ import annotations

import json

import pytest
from support import ADMIN, APPROVER, AUDITOR, PREPARER, assert_refused, snapshot


def entry(lines, **over):
    data = {"date": "2022-01-10", "jurisdiction": "230523", "description": "收到中央资金",
            "reference": "黑财社〔2022〕1号", "lines": lines}
    data.update(over)
    return data


def receipt(amount="1000.00", fund="central_subsidy", **over):
    return entry([{"account": "Assets:Treasury", "fund": fund, "debit": amount},
                  {"account": "Income:Allocations", "fund": fund, "credit": amount}], **over)


@pytest.fixture
def post(books, tmp_path):
    counter = iter(range(10**6))

    def post(data, user=PREPARER):
        path = tmp_path / f"entry{next(counter)}.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return books("ledger", "post", "--file", str(path), user=user)

    return post


def trial(books, as_of="2022-12-31"):
    result = books("ledger", "trial-balance", "--jurisdiction", "230523", "--as-of", as_of, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_post_prints_the_entry_id_and_moves_the_balances(post, books):
    first = post(receipt("1000.00"))
    second = post(receipt("250.50", fund="county_subsidy", date="2022-02-01"))
    assert (first.exit_code, first.stdout.strip()) == (0, "1")
    assert (second.exit_code, second.stdout.strip()) == (0, "2")
    tb = trial(books)
    rows = {(r["account"], r["fund"]): (r["debit"], r["credit"]) for r in tb["rows"]}
    assert rows[("Assets:Treasury", "central_subsidy")] == ("1000.00", "0.00")
    assert rows[("Income:Allocations", "county_subsidy")] == ("0.00", "250.50")
    assert tb["total_debit"] == tb["total_credit"] == "1250.50"
    # As of a day before the second entry, only the first counts.
    assert trial(books, "2022-01-31")["total_debit"] == "1000.00"


def test_reversal_cancels_and_can_happen_once(post, books):
    post(receipt("1000.00"))
    result = books("ledger", "reverse", "1", "--reason", "重复入账", "--date", "2022-01-11", user=PREPARER)
    assert (result.exit_code, result.stdout.strip()) == (0, "2")
    assert trial(books)["rows"] == []
    before = snapshot(books.url)
    again = books("ledger", "reverse", "1", "--reason", "again", "--date", "2022-01-12", user=PREPARER)
    assert_refused(again, "entry 1 was already reversed by entry 2")
    assert snapshot(books.url) == before
    shown = json.loads(books("ledger", "show", "2", "--json").stdout)
    assert shown["reverses"] == 1 and shown["lines"][0]["credit"] == "1000.00"


@pytest.mark.parametrize(
    "data, fragments",
    [
        (receipt("1000.00") | {"lines": [
            {"account": "Assets:Treasury", "fund": "central_subsidy", "debit": "10.00"},
            {"account": "Income:Allocations", "fund": "central_subsidy", "credit": "9.99"}]},
         ["unbalanced: debits 10.00 ≠ credits 9.99"]),
        (entry([{"account": "Assets:Treasury", "fund": "central_subsidy", "debit": "10.00"},
                {"account": "Income:Allocations", "fund": "county_subsidy", "credit": "10.00"}]),
         ["unbalanced in fund central_subsidy: debits 10.00 ≠ credits 0.00", "must declare fund_transfer"]),
        (receipt("0.00"), ["exactly one positive amount, got debit 0.00 and credit 0.00"]),
        (receipt("-5.00"), ["exactly one positive amount, got debit -5.00"]),
        (receipt("1.005"), ["has more than two decimal places"]),
        (receipt("10000000000000.00"), ["beyond the column's range (at most 9999999999999.99 per line)"]),
        (entry([{"account": "Assets:Vault", "fund": "central_subsidy", "debit": "1.00"},
                {"account": "Income:Allocations", "fund": "central_subsidy", "credit": "1.00"}]),
         ["unknown account 'Assets:Vault' in the chart of 230523"]),
        (receipt(fund="gold"), ["unknown fund 'gold'"]),
        (receipt(jurisdiction="999999"), ["jurisdiction 999999 is not in the books"]),
        (receipt(date="2022-02-30"), ["date '2022-02-30' must be a date written YYYY-MM-DD"]),
        (receipt() | {"colour": "red"}, ["unknown key 'colour'"]),
        (entry([{"account": "Assets:Treasury", "fund": "central_subsidy", "debit": "1.00"}]),
         ["an entry needs two or more lines, it has 1"]),
        ("{not json", ["not valid JSON"]),
        ("[1, 2]", ["an entry file holds one JSON object"]),
    ],
    ids=["unbalanced", "unbalanced-per-fund", "zero", "negative", "sub-fen", "range", "unknown-account",
         "unknown-fund", "unknown-jurisdiction", "bad-date", "unknown-key", "one-line", "malformed", "not-object"],
)
def test_bad_entries_are_refused_and_nothing_is_written(post, books, data, fragments):
    post(receipt("1.00", idempotency_key="seed"))
    before = snapshot(books.url)
    assert_refused(post(data), *fragments)
    assert snapshot(books.url) == before


def test_a_declared_fund_transfer_may_move_money_between_funds(post, books):
    post(receipt("100.00"))
    moved = post(entry([{"account": "Assets:Treasury", "fund": "county_subsidy", "debit": "40.00"},
                        {"account": "Assets:Treasury", "fund": "central_subsidy", "credit": "40.00"}],
                       fund_transfer=True, description="调剂资金"))
    assert moved.exit_code == 0, moved.output
    rows = {(r["account"], r["fund"]): r["debit"] for r in trial(books)["rows"]}
    assert rows[("Assets:Treasury", "county_subsidy")] == "40.00"
    assert rows[("Assets:Treasury", "central_subsidy")] == "60.00"


def test_idempotency_same_key_same_content_returns_the_entry(post, books):
    assert post(receipt(idempotency_key="k-1")).stdout.strip() == "1"
    before = snapshot(books.url)
    again = post(receipt(idempotency_key="k-1"))
    assert (again.exit_code, again.stdout.strip()) == (0, "1")
    assert "already posted" in again.stderr
    assert snapshot(books.url) == before


def test_idempotency_same_key_other_content_is_refused_naming_the_key(post, books):
    post(receipt("1000.00", idempotency_key="k-1"))
    before = snapshot(books.url)
    assert_refused(post(receipt("1000.01", idempotency_key="k-1")),
                   "idempotency key 'k-1' was already used by entry 1 with other content")
    assert snapshot(books.url) == before


def test_closed_month_refuses_entries_dated_in_it_or_before(post, books):
    assert books("ledger", "close", "--jurisdiction", "230523", "--month", "2022-01", user=APPROVER).exit_code == 0
    before = snapshot(books.url)
    assert_refused(post(receipt(date="2022-01-31")),
                   "date 2022-01-31 falls in a closed period (230523 is closed through 2022-01)")
    assert_refused(post(receipt(date="2021-12-01")), "closed through 2022-01")
    assert snapshot(books.url) == before
    assert post(receipt(date="2022-02-01")).exit_code == 0
    assert_refused(books("ledger", "close", "--jurisdiction", "230523", "--month", "2021-12", user=APPROVER),
                   "already closed through 2022-01")


def test_closed_account_refuses_lines_from_its_closing_date(post, books):
    result = books("ledger", "close-account", "Income:Allocations", "--jurisdiction", "230523",
                   "--date", "2022-03-01", user=ADMIN)
    assert result.exit_code == 0, result.output
    assert post(receipt(date="2022-02-28")).exit_code == 0
    assert_refused(post(receipt(date="2022-03-01")), "account Income:Allocations of 230523 was closed on 2022-03-01")


@pytest.mark.parametrize("user, fragment", [
    (None, "name the acting user with --user"),
    ("nobody", "unknown user 'nobody'"),
    (AUDITOR, "user 'zhao.audit' has role auditor; to post entries the role must be preparer"),
    (APPROVER, "to post entries the role must be preparer"),
])
def test_posting_needs_the_preparer_role(post, books, user, fragment):
    before = snapshot(books.url)
    assert_refused(post(receipt(), user=user), fragment)
    assert snapshot(books.url) == before


def test_closing_a_month_needs_the_approver_role(books):
    assert_refused(books("ledger", "close", "--jurisdiction", "230523", "--month", "2022-01", user=PREPARER),
                   "to close a month the role must be approver")


def test_every_entry_records_its_user(post, books):
    post(receipt())
    assert json.loads(books("ledger", "show", "1", "--json").stdout)["user"] == PREPARER


def test_missing_entry_file_and_missing_entry_are_refusals(books):
    assert_refused(books("ledger", "post", "--file", "/nonexistent/x.json", user=PREPARER), "no such file")
    assert_refused(books("ledger", "reverse", "99", "--reason", "x", user=PREPARER), "entry 99 is not in the journal")


@pytest.mark.parametrize("over, fragment", [
    ({"description": "收到\u0000资金"}, "the description contains a NUL character"),
    ({"reference": "R" * 201}, "the reference has 201 characters, at most 200 are kept"),
    ({"idempotency_key": "k" * 201}, "the idempotency key has 201 characters"),
])
def test_text_that_a_database_cannot_keep_is_refused_on_every_backend(post, books, over, fragment):
    before = snapshot(books.url)
    assert_refused(post(receipt(**over)), fragment)
    assert snapshot(books.url) == before


def test_manual_entries_may_not_touch_control_accounts(post, books):
    before = snapshot(books.url)
    result = post(entry([{"account": "Liabilities:Payable:Beneficiaries", "fund": "central_subsidy", "debit": "5.00"},
                         {"account": "Income:Allocations", "fund": "central_subsidy", "credit": "5.00"}]))
    assert_refused(result,
                   "line 1 (Liabilities:Payable:Beneficiaries): a manual entry may not post to a control account")
    assert snapshot(books.url) == before
