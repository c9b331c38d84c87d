"""`ledger export --format beancount`: the exported books pass `bean-check` and say what our trial balance says.

Books are built through the CLI as a user would (posts, a reversal, several funds and
accounts, a fund transfer, a repeated idempotency key, a second jurisdiction), exported,
checked with the `bean-check` of this virtualenv, then loaded with beancount and summed
per account: every sum must equal the trial balance of `ledger trial-balance --json`
(debit rows positive, credit rows negative), and accounts with no balance must sum to zero.
The same holds, loaded in-process, for random books built from test_properties' strategies.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data as bc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import PREPARER
from test_properties import FAR, JURISDICTIONS, days, drafts, reverse, set_up_books
from test_properties import post as post_draft

from aidledger import db as dbmod
from aidledger.errors import Refusal
from aidledger.ledger.service.balances import trial_balance
from aidledger.ledger.service.export import CURRENCY, beancount_account, write_beancount

BEAN_CHECK = Path(sys.executable).parent / "bean-check"
EXAMPLES = {"sqlite": 15, "postgresql": 5}


def line(account, fund, debit=None, credit=None):
    return {"account": account, "fund": fund} | ({"debit": debit} if debit else {"credit": credit})


def entry(date, lines, jurisdiction="230523", description="收到中央资金", **over):
    return {"date": date, "jurisdiction": jurisdiction, "description": description, "lines": lines} | over


ENTRIES = [
    entry("2022-01-10", [line("Assets:Treasury", "central_subsidy", debit="1000.00"),
                         line("Income:Allocations", "central_subsidy", credit="1000.00")],
          reference="黑财社〔2022〕1号", idempotency_key="alloc-2022-001"),
    entry("2022-01-15", [line("Assets:Treasury", "county_subsidy", debit="250.50"),
                         line("Income:Allocations", "county_subsidy", credit="250.50")],
          description="县级配套资金"),
    entry("2022-01-15", [line("Assets:Treasury", "provincial_subsidy", debit="600.00"),
                         line("Income:Allocations", "provincial_subsidy", credit="600.00")],
          description="省级资金"),
    # Quotes, a backslash and a newline in the description; several debit lines.
    entry("2022-02-01", [line("Expenses:Dibao:Urban", "central_subsidy", debit="300.00"),
                         line("Expenses:Dibao:Rural", "central_subsidy", debit="120.00"),
                         line("Assets:Treasury", "central_subsidy", credit="420.00")],
          description='发放 "一月" 低保金 \\ 城乡\n第二行', reference="低保-2022-01"),
    # A declared transfer between funds: balanced over the entry, not per fund.
    entry("2022-02-15", [line("Assets:Treasury", "county_subsidy", debit="40.00"),
                         line("Assets:Treasury", "central_subsidy", credit="40.00")],
          description="调剂资金", fund_transfer=True),
    # Posted by mistake, reversed below: its accounts end at zero.
    entry("2022-02-20", [line("Expenses:Temporary", "working_funds", debit="12.34"),
                         line("Assets:Treasury", "working_funds", credit="12.34")],
          description="误记临时救助"),
    entry("2022-03-05", [line("Expenses:PurchasedServices", "lottery_welfare", debit="88.88"),
                         line("Expenses:Tekun:Rural", "provincial_subsidy", debit="99.99"),
                         line("Assets:Treasury", "lottery_welfare", credit="88.88"),
                         line("Assets:Treasury", "provincial_subsidy", credit="99.99")],
          description="购买服务与特困供养", idempotency_key="pay-2022-03"),
    # The parent city keeps books too: its accounts are exported under C230500.
    entry("2022-01-20", [line("Expenses:Allocations:Transferred", "city_subsidy", debit="5000.00"),
                         line("Assets:Treasury", "city_subsidy", credit="5000.00")],
          jurisdiction="230500", description="对下级转移支付"),
]
REVERSAL_DATE = "2022-03-01"
LAST_DATE = max([e["date"] for e in ENTRIES] + [REVERSAL_DATE])


@pytest.fixture
def post(books, tmp_path):
    counter = iter(range(10**6))

    def post(data):
        path = tmp_path / f"entry{next(counter)}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        result = books("ledger", "post", "--file", str(path), user=PREPARER)
        assert result.exit_code == 0, result.output
        return int(result.stdout.strip())

    return post


def export(run, path: Path) -> None:
    result = run("ledger", "export", "--format", "beancount", "--out", str(path))
    assert result.exit_code == 0, result.output


def bean_check(path: Path) -> None:
    assert BEAN_CHECK.exists(), BEAN_CHECK
    done = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", ""), path.read_text(encoding="utf-8")


def trial_rows(run, jurisdiction: str, as_of: str) -> list[dict]:
    result = run("ledger", "trial-balance", "--jurisdiction", jurisdiction, "--as-of", as_of, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total_debit"] == data["total_credit"]
    return data["rows"]


def beancount_sums(entries) -> dict[str, Decimal]:
    """Account → the sum of its postings, all in CNY."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for txn in entries:
        if isinstance(txn, bc.Transaction):
            for posting in txn.postings:
                assert posting.units.currency == CURRENCY
                sums[posting.account] += posting.units.number
    return sums


def test_exported_books_pass_bean_check_and_match_the_trial_balance(books, post, tmp_path):
    seqs = [post(e) for e in ENTRIES]
    assert seqs == list(range(1, len(ENTRIES) + 1))
    assert post(ENTRIES[-2]) == seqs[-2]  # the same idempotency key again: no new entry
    mistaken = seqs[5]
    result = books("ledger", "reverse", str(mistaken), "--reason", "科目记错", "--date", REVERSAL_DATE, user=PREPARER)
    assert result.exit_code == 0, result.output
    count = len(ENTRIES) + 1
    assert books("ledger", "verify").exit_code == 0

    out = tmp_path / "books.beancount"
    export(books, out)
    bean_check(out)

    entries, errors, options = loader.load_file(str(out))
    assert errors == []
    assert options["operating_currency"] == [CURRENCY]
    transactions = [e for e in entries if isinstance(e, bc.Transaction)]
    # One transaction per journal entry (beancount orders them by date, not by number).
    assert sorted(int(t.meta["seq"]) for t in transactions) == list(range(1, count + 1))
    opened = {e.account for e in entries if isinstance(e, bc.Open)}
    sums = beancount_sums(entries)
    assert set(sums) == opened

    expected: dict[str, Decimal] = {}
    for jurisdiction in ("230523", "230500"):
        for row in trial_rows(books, jurisdiction, LAST_DATE):
            name = beancount_account(jurisdiction, row["account"], row["fund"])
            expected[name] = Decimal(row["debit"]) - Decimal(row["credit"])
    assert expected, "the trial balance should not be empty"
    assert set(expected) <= set(sums), set(expected) - set(sums)
    for name, total in sorted(sums.items()):
        assert total == expected.get(name, Decimal(0)), name
    # The reversed entry's accounts are in the export and net to zero, as the trial balance leaves them out.
    for account in ("Expenses:Temporary",):
        name = beancount_account("230523", account, "working_funds")
        assert name in sums and sums[name] == 0 and name not in expected
    # A spot check of the mapping against figures computed by hand.
    assert expected[beancount_account("230523", "Assets:Treasury", "central_subsidy")] == Decimal("540.00")
    assert expected[beancount_account("230523", "Assets:Treasury", "county_subsidy")] == Decimal("290.50")
    assert expected[beancount_account("230523", "Income:Allocations", "central_subsidy")] == Decimal("-1000.00")
    assert expected[beancount_account("230500", "Assets:Treasury", "city_subsidy")] == Decimal("-5000.00")

    # What the export says of each entry: its date, narration and hash.
    by_seq = {int(t.meta["seq"]): t for t in transactions}
    payment = by_seq[seqs[3]]
    assert payment.narration == ENTRIES[3]["description"].replace("\n", " ")
    assert payment.payee == ENTRIES[3]["reference"]
    shown = json.loads(books("ledger", "show", str(seqs[3]), "--json").stdout)
    assert payment.meta["hash"] == shown["hash"]
    assert str(by_seq[count].date) == REVERSAL_DATE


def test_random_books_export_to_what_the_trial_balance_says(templates, backend):
    """Random entries (any description text, fund transfers, reversals of reversals) load in beancount
    without errors, with the narration and payee as posted and the balances of the trial balance."""

    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seed=st.lists(drafts(), min_size=1, max_size=8),
           reversals=st.lists(st.tuples(st.integers(0, 50), days), max_size=4))
    def run(seed, reversals):
        database = dbmod.Database(templates[backend]())
        try:
            set_up_books(database)
            posted = {}
            for draft in seed:
                try:
                    result = post_draft(database, draft)
                except Refusal:  # a random key used before with other content
                    continue
                posted.setdefault(result.seq, draft)
            open_ = sorted(posted)
            for index, on in reversals:
                if open_:
                    seq = open_.pop(index % len(open_))
                    open_.append(reverse(database, seq, on).seq)
            out = io.StringIO()
            with database.read() as session:
                count = write_beancount(session, out)
                expected = {
                    beancount_account(j, r.account, r.fund): r.debit - r.credit
                    for j in JURISDICTIONS for r in trial_balance(session, j, FAR).rows
                }
            entries, errors, _ = loader.load_string(out.getvalue())
            assert errors == [], (errors, out.getvalue())
            transactions = {int(t.meta["seq"]): t for t in entries if isinstance(t, bc.Transaction)}
            assert sorted(transactions) == list(range(1, count + 1))
            for seq, draft in posted.items():
                assert transactions[seq].narration == draft.description.replace("\n", " ")
                assert (transactions[seq].payee or "") == draft.reference.replace("\n", " ")
            sums = beancount_sums(entries)
            assert set(expected) <= set(sums)
            assert {name: total for name, total in sums.items() if total} == expected
        finally:
            database.dispose()

    run()


def test_an_empty_journal_exports_a_file_that_passes_bean_check(run, tmp_path):
    out = tmp_path / "empty.beancount"
    result = run("ledger", "export", "--format", "beancount", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "0 transactions" in result.stdout
    bean_check(out)
    entries, errors, _ = loader.load_file(str(out))
    assert (entries, errors) == ([], [])


def test_books_without_entries_but_with_charts_export_cleanly(books, tmp_path):
    out = tmp_path / "charts-only.beancount"
    export(books, out)
    bean_check(out)
