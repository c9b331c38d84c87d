"""The audit pack's reconciliation bridge (资金核对表): from the cycles' gross to the ledger's spending, exactly.

The books are the audit pack's year (test_report_audit.py's `_build`: January settled with H002's payment
returned, February approved, emergency payments from a reserve, purchased services), carried on through the
flows the bridge walks:
  - H002's account corrected, so March re-issues January's return; March's approval raises receivables for the
    months paid after the late death and termination;
  - February exported and settled with one payment returned, which is then cancelled back to the fund;
  - a set-off ratio and a price subsidy declared for April: April withholds against the receivables and pays
    the subsidy (to urban and rural households, which the classification splits);
  - a manual entry to an expense account in May; June approved and cancelled; July approved.
Each step is tied to the table it comes from by a query of its own, in fen.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import BACKENDS, Cli
from report_helpers import (
    COUNTY,
    allocate,
    amounts_in,
    approve,
    export,
    line_starting,
    load_example,
    ok,
    pdf_pages,
    poppler,
    run_cycle,
    settle,
    show,
)
from reportlab.platypus import SimpleDocTemplate
from sqlalchemy import text
from support import ADMIN, APPROVER, EXAMPLE_POLICIES, PREPARER
from test_report_audit import _build

from aidledger import db as dbmod
from aidledger.ledger.chart import STANDARD_CHART
from aidledger.reports.bridge_data import AccountSpending, Bridge, code_lines
from aidledger.reports.classification import (
    ACCOUNT_CLASSIFICATION,
    BY_AREA,
    FUNCTION_NAMES,
    RESTATED_NAME,
    classification_table,
)
from aidledger.reports.pdf.base import FONT, ensure_font
from aidledger.reports.pdf.bridge import bridge_story
from aidledger.reports.pdf.story import MARGIN, PAGE
from aidledger.reports.service.bridge import bridge

D = Decimal
H002_NEW_ACCOUNT = "6217000010000009999"
MANUAL = D("150.00")


@dataclass
class Books:
    run: Cli
    url: str
    cycles: dict[str, int]
    cancelled_return: int


def _manual_entry(run: Cli, folder: Path) -> None:
    path = folder / "manual.json"
    path.write_text(json.dumps({
        "date": "2022-05-10", "jurisdiction": COUNTY, "description": "补记工作经费支出",
        "reference": "调整-2022-05",
        "lines": [{"account": "Expenses:Administration", "fund": "central_subsidy", "debit": str(MANUAL)},
                  {"account": "Assets:Treasury", "fund": "central_subsidy", "credit": str(MANUAL)}]},
        ensure_ascii=False), encoding="utf-8")
    ok(run("ledger", "post", "--file", str(path), user=PREPARER))


def _allow_set_off(run: Cli, folder: Path) -> None:
    county_file = next(p for p in EXAMPLE_POLICIES if p.name.startswith(COUNTY))
    path = folder / county_file.name
    path.write_text(county_file.read_text(encoding="utf-8") + "\n[recovery]\nset_off_ratio = 0.5\n",
                    encoding="utf-8")
    ok(run("policy", "load", str(path), user=ADMIN))


def _carry_on(run: Cli, tmp: Path, jan: int, feb: int) -> tuple[dict[str, int], int]:
    ok(run("registry", "account", "H002", "--account", H002_NEW_ACCOUNT, "--date", "2022-02-20", user=PREPARER))
    export(run, feb, tmp / "feb-bank.csv", "2022-02-25")
    returned = next(ln for ln in show(run, feb)["lines"] if ln["household_id"] == "H004")
    settle(run, feb, tmp / "feb-returns.csv", [(returned["bank_account"], returned["amount"], "户名不符")],
           "2022-02-28")
    mar = run_cycle(run, "2022-03")
    approve(run, mar, "2022-03-05")
    (cancelled_return,), = _sql(run.url, "SELECT MAX(id) FROM bank_returns")  # February's, H004
    ok(run("cycle", "cancel-return", cancelled_return, "--reason", "已迁出本县", "--date", "2022-04-02",
           user=APPROVER))
    _allow_set_off(run, tmp)
    ok(run("subsidy", "declare", "--jurisdiction", COUNTY, "--month", "2022-04", "--cpi", "3.6", "--food", "6.5",
           user=PREPARER))
    allocate(run, "100000.00", "2022-03-20")
    apr = run_cycle(run, "2022-04")
    approve(run, apr, "2022-04-05")
    _manual_entry(run, tmp)
    may = run_cycle(run, "2022-05")
    approve(run, may, "2022-05-05")
    jun = run_cycle(run, "2022-06")
    approve(run, jun, "2022-06-05")
    ok(run("cycle", "cancel", jun, "--reason", "收入核算有误", "--date", "2022-06-08", user=APPROVER))
    jul = run_cycle(run, "2022-07")
    approve(run, jul, "2022-07-05")
    return {"2022-01": jan, "2022-02": feb, "2022-03": mar, "2022-04": apr, "2022-05": may, "2022-06": jun,
            "2022-07": jul}, cancelled_return


def _sql(url: str, statement: str, **params) -> list[tuple]:
    database = dbmod.Database(url)
    try:
        with database.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement), params).all()]
    finally:
        database.dispose()


def _yuan(url: str, statement: str, **params) -> Decimal:
    """A sum in fen, read by SQL, in yuan."""
    (value,), = _sql(url, statement, **params)
    return (D(value or 0) / 100).quantize(D("0.01"))


@pytest.fixture(scope="module", params=BACKENDS)
def books(request, templates, tmp_path_factory) -> Books:
    tmp = tmp_path_factory.mktemp(f"bridge-{request.param}")
    url = templates[request.param]()
    run = Cli(url)
    jan, feb, _ = _build(run, tmp)
    cycles, cancelled_return = _carry_on(run, tmp, jan, feb)
    return Books(run, url, cycles, cancelled_return)


def _bridge(url: str, as_of: date | None = None) -> Bridge:
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return bridge(session, COUNTY, 2022, as_of)
    finally:
        database.dispose()


EXPENSE_LINES = ("FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq "
                 "JOIN accounts a ON a.id = l.account_id WHERE a.type = 'expense' "
                 "AND e.jurisdiction_code = '230523' AND e.date BETWEEN '2022-01-01' AND :until")


def _spent(url: str, until: str = "2022-12-31", where: str = "") -> Decimal:
    """The expense accounts' debits less credits from the journal's lines (not the stored balances)."""
    return _yuan(url, f"SELECT SUM(l.debit_fen - l.credit_fen) {EXPENSE_LINES} {where}", until=until)


def test_the_bridge_walks_from_the_cycles_to_the_ledger_exactly(books):
    b = _bridge(books.url)
    assert b.difference == D("0.00")
    assert b.explained == b.ledger_total == _spent(books.url) > 0
    assert sum((line.amount for line in b.by_line), D("0.00")) == b.ledger_total
    assert sum((line.amount for line in b.by_code), D("0.00")) == b.ledger_total
    # Every flow of the year is there, each moving the total (none of them a zero line).
    assert [s.key for s in b.steps] == ["gross", "reissued", "set_off", "receivables", "cancelled",
                                        "returns_cancelled", "reserve", "purchased_services", "manual"]
    assert all(s.amount for s in b.steps)


def test_each_step_ties_to_the_table_it_comes_from(books):
    b = _bridge(books.url)
    url = books.url
    step = {s.key: s for s in b.steps}
    gross = _sql(url, "SELECT SUM(total_fen), SUM(count) FROM cycles WHERE month BETWEEN '2022-01' AND '2022-07'")[0]
    assert (step["gross"].amount, step["gross"].count) == (D(gross[0]) / 100, gross[1])
    assert step["reissued"].amount == -_yuan(url, "SELECT SUM(b.amount_fen) FROM bank_returns b JOIN bank_return_"
                                                  "resolutions r ON r.return_id = b.id WHERE r.kind = 'reissued'")
    assert step["set_off"].amount == _yuan(url, "SELECT SUM(amount_fen) FROM recoveries WHERE how = 'set_off'") > 0
    raised = _yuan(url, "SELECT SUM(amount_fen) FROM receivables WHERE cycle_id IS NOT NULL")
    assert step["receivables"].amount == -raised < 0
    # The cancelled cycle's step is what its reversing entry took off the expense accounts.
    assert step["cancelled"].amount == _spent(url, "2022-12-31", "AND e.kind = 'reversal'") < 0
    assert step["cancelled"].count == 1
    assert step["returns_cancelled"].amount == -_yuan(url, "SELECT amount_fen FROM bank_returns WHERE id = :id",
                                                      id=books.cancelled_return)
    assert step["reserve"].amount == _yuan(url, "SELECT SUM(amount_fen) FROM reserve_cases") == D("1100.00")
    assert step["purchased_services"].amount == _spent(url, "2022-12-31", "AND e.kind = 'purchased_services'")
    assert (step["manual"].amount, step["manual"].count) == (MANUAL, 1)
    memo = b.returns
    assert memo.returned.amount == _yuan(url, "SELECT SUM(amount_fen) FROM bank_returns")
    assert (memo.returned.count, memo.reissued.count, memo.cancelled.count) == (2, 1, 1)
    assert memo.closing == memo.ledger == D("0.00") and memo.difference == D("0.00")


def test_the_split_by_code_equals_the_ledger_per_account(books):
    b = _bridge(books.url)
    by_account = dict(_sql(books.url, f"SELECT a.name, SUM(l.debit_fen - l.credit_fen) {EXPENSE_LINES} "
                                      "GROUP BY a.name", until="2022-12-31"))
    titles = {t.name: t.title for t in STANDARD_CHART}
    assert {line.title: line.amount for line in b.by_line} == {
        titles[name]: D(fen) / 100 for name, fen in by_account.items() if fen}
    codes = {line.code: line.amount for line in b.by_code}
    want: dict[str, Decimal] = {}
    for name, fen in by_account.items():
        entry = ACCOUNT_CLASSIFICATION[name]
        if entry.area_codes is None:
            want[entry.code] = want.get(entry.code, D("0.00")) + D(fen) / 100
    assert {code: amount for code, amount in codes.items() if code not in ("2082501", "2082502", "20825")} == {
        code: amount for code, amount in want.items() if amount}
    # 价格临时补贴 goes to town and country as the lines that paid it lie.
    urban, rural = (_yuan(books.url, "SELECT SUM(price_subsidy_fen) FROM cycle_lines WHERE area = :area", area=area)
                    for area in ("urban", "rural"))
    assert (codes["2082501"], codes["2082502"]) == (urban, rural) and urban > 0 and rural > 0
    assert urban + rural == D(by_account["Expenses:PriceSubsidy"]) / 100 and "20825" not in codes
    # Two accounts sharing a code (农村低保 and 农村低收入单人户) add up under it.
    assert codes["2081902"] == (D(by_account["Expenses:Dibao:Rural"]) + D(by_account["Expenses:LowIncome:Rural"])) / 100


def test_an_as_of_day_cuts_every_step(books):
    b = _bridge(books.url, date(2022, 3, 31))
    gross = _yuan(books.url, "SELECT SUM(total_fen) FROM cycles WHERE month BETWEEN '2022-01' AND '2022-03'")
    assert b.step("gross").amount == gross and b.step("gross").count < _bridge(books.url).step("gross").count
    assert b.ledger_total == _spent(books.url, "2022-03-31") and b.difference == D("0.00")
    assert {s.key for s in b.steps} == {"gross", "reissued", "receivables", "reserve", "purchased_services"}
    # On 31 March February's return waits for its decision: the account holds it.
    memo = b.returns
    assert (memo.returned.count, memo.reissued.count, memo.cancelled.count) == (2, 1, 0)
    pending = _yuan(books.url, "SELECT amount_fen FROM bank_returns WHERE id = :id", id=books.cancelled_return)
    assert memo.closing == memo.ledger == pending > 0
    before_feb_settled = _bridge(books.url, date(2022, 2, 27)).returns
    assert (before_feb_settled.returned.count, before_feb_settled.closing) == (1, before_feb_settled.ledger)


def test_books_changed_behind_the_application_show_a_difference(county, db_url, tmp_path):
    load_example(county)
    allocate(county, "100000.00", "2022-01-02")
    approve(county, run_cycle(county, "2022-01"), "2022-01-05")
    assert _bridge(db_url).difference == D("0.00")
    database = dbmod.Database(db_url)
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE account_balances SET debit_fen = debit_fen + 123 WHERE account_id = "
                "(SELECT id FROM accounts WHERE name = 'Expenses:Dibao:Urban' AND jurisdiction_code = '230523') "
                "AND fund_code = 'central_subsidy'")
    finally:
        database.dispose()
    tampered = _bridge(db_url)
    assert tampered.difference == D("1.23") and tampered.ledger_total == tampered.explained + D("1.23")
    assert sum((line.amount for line in tampered.by_code), D("0.00")) == tampered.ledger_total
    out = tmp_path / "tampered.pdf"
    _write(tampered, out)
    assert amounts_in(line_starting(pdf_pages(out), "差异（未能解释的金额）")) == [D("1.23")]


def test_the_classification_names_every_expense_account_of_the_chart():
    for template in STANDARD_CHART:
        if template.type != "expense":
            continue
        entry = ACCOUNT_CLASSIFICATION[template.name]
        codes = entry.area_codes or (entry.code,)
        assert all(code in FUNCTION_NAMES for code in codes), template.name
        if template.classification:  # the chart's own code stands
            assert entry.code == template.classification
    assert set(BY_AREA) == {"Expenses:PriceSubsidy", "Expenses:Heating"}


def test_a_policy_restating_a_code_replaces_the_default_and_the_split():
    table = classification_table({"price_subsidy": "2082599", "dibao": "2081999", "tekun_rural": "2082109"})
    assert table["Expenses:Dibao:Urban"].code == table["Expenses:Dibao:Rural"].code == "2081999"
    assert (table["Expenses:Tekun:Rural"].code, table["Expenses:Tekun:Urban"].code) == ("2082109", "2082101")
    assert table["Expenses:PriceSubsidy"].area_codes is None and table["Expenses:Heating"].area_codes is not None
    spending = [AccountSpending("Expenses:PriceSubsidy", "价格临时补贴支出", D("300.00")),
                AccountSpending("Expenses:Heating", "取暖救助支出", D("500.00")),
                AccountSpending("Expenses:Dibao:Urban", "城市最低生活保障金支出", D("1000.00"))]
    by_area = {"Expenses:PriceSubsidy": (D("100.00"), D("200.00")), "Expenses:Heating": (D("120.00"), D("300.00"))}
    lines = {c.code: (c.name, c.amount) for c in code_lines(spending, by_area, table)}
    assert lines == {"2081999": (RESTATED_NAME, D("1000.00")), "2082599": (RESTATED_NAME, D("300.00")),
                     "2082501": ("其他城市生活救助", D("120.00")), "2082502": ("其他农村生活救助", D("300.00")),
                     "20825": ("其他生活救助（未分城乡）", D("80.00"))}
    assert sum((amount for _, amount in lines.values()), D("0.00")) == D("1800.00")


def _write(b: Bridge, path: Path) -> None:
    ensure_font()
    doc = SimpleDocTemplate(str(path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, invariant=1, initialFontName=FONT)
    doc.build(bridge_story(b, "三、资金核对表"))


def test_the_story_prints_the_bridge_in_chinese(books, tmp_path):
    b = _bridge(books.url)
    out = tmp_path / "bridge.pdf"
    _write(b, out)
    pages = pdf_pages(out)
    text = "\n".join(pages)
    assert "三、资金核对表" in text
    for s in b.steps:
        assert amounts_in(line_starting(pages, s.title))[-1] == s.amount, s.title
    assert amounts_in(line_starting(pages, "本期支出账户净发生额"))[0] == b.ledger_total
    assert amounts_in(line_starting(pages, "差异（未能解释的金额）")) == [D("0.00")]
    for c in b.by_code:
        assert amounts_in(line_starting(pages, f"{c.code} "))[-1] == c.amount
    assert "银行退回待处理款账面余额" in text
    for internal in ("Expenses:", "Liabilities:", "central_subsidy", "gross", "set_off", "urban", "rural"):
        assert internal not in text, internal
    fonts = subprocess.run([poppler("pdffonts"), str(out)], check=True, capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts and " no " not in fonts.split("\n", 2)[2]
    again = tmp_path / "again.pdf"
    _write(b, again)
    assert again.read_bytes() == out.read_bytes()
