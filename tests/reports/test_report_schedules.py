"""The audit pack's schedules (附表): each checked against the books and the scenario's facts, whole-year and at a
mid-year as-of day, and drawn into a PDF whose text holds the figures.

One year of the example county, built through the CLI once per backend, with two sign-offs a cycle (王芳 审核,
陈静 审批), users known by their display names:
  - allocations: central 2021-12 (the year before), central 2022-01, the city's passed down 2022-02 (from 双鸭山市),
    provincial 2022-03, working funds 2022-04, a county allocation 2022-05 reversed the next day, county 2022-08;
  - a manual entry (working funds spent) 2022-04-10, reversed 2022-04-20;
  - January paid and settled with two returns: H002's re-issued in February (account corrected), H004's given
    back to the fund; February sent back once, then approved, settled with H008's return (left open); July paid;
  - purchased services 2022-03 and 2022-09; January and February closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import BACKENDS, Cli
from report_helpers import COUNTY, amounts_in, export, load_example, ok, pdf_pages, run_cycle, settle
from reportlab.platypus import SimpleDocTemplate
from sqlalchemy import select
from support import ADMIN, APPROVER, EXAMPLE_POLICIES, PREPARER, read_book

from aidledger.budget.service.figures import fund_figures
from aidledger.budget.service.purchases import cap_check
from aidledger.disbursement.payments.tables import BankReturn, CycleLine
from aidledger.disbursement.signoffs.tables import Signoff
from aidledger.errors import Refusal
from aidledger.labels import FUND_SHORT_NAMES
from aidledger.masking import mask
from aidledger.policy.store import effective_policy
from aidledger.reports.pdf.base import FONT, ensure_font
from aidledger.reports.pdf.schedules import schedules_story
from aidledger.reports.pdf.story import MARGIN, PAGE
from aidledger.reports.schedules_data import Schedules
from aidledger.reports.service.schedules import schedules

D = Decimal
SECOND = "chen.jing"
NAMES = {PREPARER: "李明", APPROVER: "王芳", SECOND: "陈静"}
COUNTY_POLICY = next(p for p in EXAMPLE_POLICIES if p.name.startswith(COUNTY))
H002_ACCOUNT, H004_ACCOUNT, H008_ACCOUNT = "6217000010000000029", "6217000010000000045", "6217000010000000086"
# (fund, amount, day, reference, from): the county's receipts; the city's own receipt is booked first.
ALLOCATIONS = (
    ("central_subsidy", "100000.00", "2021-12-01", "黑财社〔2021〕88号", None),
    ("central_subsidy", "50000.00", "2022-01-02", "黑财社〔2022〕1号", None),
    ("city_subsidy", "8000.00", "2022-02-10", "双财社〔2022〕3号", "230500"),
    ("provincial_subsidy", "30000.00", "2022-03-15", "黑财社〔2022〕9号", None),
    ("working_funds", "5000.00", "2022-04-01", "宝财社〔2022〕4号", None),
    ("county_subsidy", "3000.00", "2022-05-06", "宝财社〔2022〕5号", None),
    ("county_subsidy", "20000.00", "2022-08-01", "宝财社〔2022〕12号", None),
)


@dataclass
class Books:
    run: Cli
    url: str
    tmp: Path
    jan: int
    feb: int
    jul: int
    seqs: dict[str, int]  # the allocations' entries by reference, and the scenario's other entries
    amounts: dict[str, Decimal]  # January's amounts of the households whose payments come back


def _allocate(run: Cli, fund: str, amount: str, on: str, reference: str, giver: str | None,
              to: str = COUNTY) -> int:
    args = ["budget", "allocate", "--jurisdiction", to, "--fund", fund, "--amount", amount, "--date", on,
            "--reference", reference] + (["--from", giver] if giver else [])
    return int(ok(run(*args, user=PREPARER)).splitlines()[-1])


def _two_signoffs(run: Cli, tmp: Path) -> None:
    changed = tmp / COUNTY_POLICY.name
    changed.write_text(COUNTY_POLICY.read_text(encoding="utf-8") + "\n[approval]\ncycle_signoffs = 2\n",
                       encoding="utf-8")
    ok(run("policy", "load", str(changed), user=ADMIN))


def _sign(run: Cli, cycle_id: int, first: str, second: str) -> None:
    ok(run("cycle", "approve", cycle_id, "--date", first, user=APPROVER))
    ok(run("cycle", "approve", cycle_id, "--date", second, user=SECOND))


def _amounts(url: str, cycle_id: int) -> dict[str, Decimal]:
    """What the cycle paid each household."""
    return dict(read_book(url, lambda session: session.execute(
        select(CycleLine.household_id, CycleLine.amount).where(CycleLine.cycle_id == cycle_id)).all()))


def _build(run: Cli, url: str, tmp: Path) -> Books:
    ok(run("user", "add", ADMIN, "--role", "admin"))
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (SECOND, "approver")):
        ok(run("user", "add", name, "--role", role, "--display-name", NAMES[name], user=ADMIN))
    ok(run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN))
    _two_signoffs(run, tmp)
    load_example(run)
    seqs: dict[str, int] = {}
    _allocate(run, "city_subsidy", "10000.00", "2022-02-01", "黑财社〔2022〕2号", None, to="230500")
    for fund, amount, on, reference, giver in ALLOCATIONS:
        seqs[reference] = _allocate(run, fund, amount, on, reference, giver)
    seqs["alloc reversal"] = int(ok(run("ledger", "reverse", seqs["宝财社〔2022〕5号"], "--reason", "重复录入",
                                        "--date", "2022-05-07", user=PREPARER)))
    entry = tmp / "manual.json"
    entry.write_text(json.dumps({
        "date": "2022-04-10", "jurisdiction": COUNTY, "description": "支付低保复核工作经费",
        "reference": "宝民发〔2022〕7号", "lines": [
            {"account": "Expenses:Administration", "fund": "working_funds", "debit": "1200.00"},
            {"account": "Assets:Treasury", "fund": "working_funds", "credit": "1200.00"}]}, ensure_ascii=False),
        encoding="utf-8")
    seqs["manual"] = int(ok(run("ledger", "post", "--file", str(entry), user=PREPARER)))
    seqs["manual reversal"] = int(ok(run("ledger", "reverse", seqs["manual"], "--reason", "科目记错",
                                         "--date", "2022-04-20", user=PREPARER)))
    jan = run_cycle(run, "2022-01")
    _sign(run, jan, "2022-01-05", "2022-01-06")
    export(run, jan, tmp / "jan-bank.csv", "2022-01-07")
    paid = _amounts(url, jan)
    amounts = {h: paid[h] for h in ("H002", "H004")}
    settle(run, jan, tmp / "jan-returns.csv", [(H002_ACCOUNT, f"{amounts['H002']}", "账户已销户"),
                                               (H004_ACCOUNT, f"{amounts['H004']}", "户名不符")], "2022-01-10")
    ok(run("registry", "account", "H002", "--account", "6217000010000009999", "--date", "2022-01-15",
           user=PREPARER))
    feb = run_cycle(run, "2022-02")
    ok(run("cycle", "approve", feb, "--date", "2022-02-04", user=APPROVER))
    ok(run("cycle", "send-back", feb, "--reason", "H008 收入证明待补", "--date", "2022-02-04", user=SECOND))
    _sign(run, feb, "2022-02-05", "2022-02-06")
    export(run, feb, tmp / "feb-bank.csv", "2022-02-07")
    amounts["H008"] = _amounts(url, feb)["H008"]
    settle(run, feb, tmp / "feb-returns.csv", [(H008_ACCOUNT, f"{amounts['H008']}", "账户冻结")], "2022-02-12")
    returns = _returns(url)
    ok(run("cycle", "cancel-return", returns["H004"], "--reason", "户主已迁出本县", "--date", "2022-02-20",
           user=APPROVER))
    for month in ("2022-01", "2022-02"):
        ok(run("ledger", "close", "--jurisdiction", COUNTY, "--month", month, user=APPROVER))
    ok(run("budget", "purchase-services", "--jurisdiction", COUNTY, "--amount", "800.00", "--date", "2022-03-01",
           "--vendor", "宝清县社工服务中心", "--reference", "宝民购〔2022〕1号", user=PREPARER))
    ok(run("budget", "purchase-services", "--jurisdiction", COUNTY, "--amount", "500.00", "--date", "2022-09-01",
           "--vendor", "宝清县康乐养老服务中心", "--reference", "宝民购〔2022〕2号", user=PREPARER))
    jul = run_cycle(run, "2022-07")
    _sign(run, jul, "2022-07-05", "2022-07-06")
    return Books(run, url, tmp, jan, feb, jul, seqs, amounts)


def _returns(url: str) -> dict[str, int]:
    """The bank returns' ids by household."""
    return dict(read_book(url, lambda session: session.execute(
        select(BankReturn.household_id, BankReturn.id)).all()))


@pytest.fixture(scope="module", params=BACKENDS)
def books(request, templates, tmp_path_factory) -> Books:
    tmp = tmp_path_factory.mktemp(f"schedules-{request.param}")
    url = templates[request.param]()
    return _build(Cli(url), url, tmp)


def _schedules(books: Books, as_of: date | None = None) -> Schedules:
    return read_book(books.url, lambda session: schedules(session, COUNTY, 2022, as_of))


def _by_fund(session, as_of: date) -> dict[str, Decimal]:
    """The fund statement's 本年收入 (budget status's figures), by fund's short name, the funds that received any."""
    return {FUND_SHORT_NAMES[f.fund]: f.received for f in fund_figures(session, COUNTY, date(2022, 1, 1), as_of)
            if f.received}


@pytest.mark.parametrize("as_of", [date(2022, 12, 31), date(2022, 6, 30)])
def test_allocations_add_up_to_the_fund_statements_received(books, as_of):
    s = _schedules(books, as_of)
    by_fund = {fund: amount for fund, amount in s.received_by_fund().items() if amount}  # 县级 nets to 0 in June
    assert by_fund == read_book(books.url, lambda session: _by_fund(session, as_of))
    assert s.received == sum(by_fund.values(), D("0.00"))
    expected = [(reference, D(amount)) for _, amount, on, reference, _ in ALLOCATIONS
                if "2022-01-01" <= on <= as_of.isoformat()]
    received = [(r.reference, r.amount) for r in s.allocations if r.kind == "下拨"]
    assert received == expected  # the year before and the days after the as-of day left out
    passed_down = next(r for r in s.allocations if r.reference == "双财社〔2022〕3号")
    assert (passed_down.level, passed_down.source, passed_down.fund) == ("市级", "双鸭山市", "市级补助")
    central = next(r for r in s.allocations if r.reference == "黑财社〔2022〕1号")
    assert (central.level, central.seq, central.on) == ("中央", books.seqs["黑财社〔2022〕1号"], date(2022, 1, 2))
    reversal = [r for r in s.allocations if r.kind == "冲销"]
    assert [(r.seq, r.amount) for r in reversal] == [(books.seqs["alloc reversal"], D("-3000.00"))]


@pytest.mark.parametrize("as_of", [date(2022, 12, 31), date(2022, 6, 30), date(2022, 2, 28)])
def test_the_cap_lists_its_base_and_the_purchases(books, as_of):
    s = _schedules(books, as_of)
    cap = s.purchases.cap
    check = read_book(books.url, lambda session: cap_check(session, COUNTY, as_of, D("0.00")))
    assert (cap.base, cap.rate, cap.cap) == (check.base, check.rate, check.cap)
    assert "工作经费" not in {r.fund for r in cap.rows}  # the base counts the four subsidy funds only
    bought = [(D("800.00"), date(2022, 3, 1), "宝清县社工服务中心"),
              (D("500.00"), date(2022, 9, 1), "宝清县康乐养老服务中心")]
    assert [(r.amount, r.on, r.supplier) for r in s.purchases.rows] == [b for b in bought if b[1] <= as_of]
    assert cap.used == s.purchases.total == sum((b[0] for b in bought if b[1] <= as_of), D("0.00"))
    assert cap.headroom == cap.cap - cap.used


def _signers(url: str, cycle_id: int) -> list[tuple[str, str, date]]:
    """The signed sign-offs of the cycle's last round, read from the table: the users' display names and days."""
    return read_book(url, lambda session: [
        (NAMES[user], "审批" if step == steps else "审核", on) for user, step, steps, on in session.execute(
            select(Signoff.user_name, Signoff.step, Signoff.of_steps, Signoff.on).where(
                Signoff.subject == "cycle", Signoff.subject_id == cycle_id, Signoff.action == "signed")
            .order_by(Signoff.id)).all()][-2:])


def test_cycles_name_who_prepared_and_who_signed(books):
    s = _schedules(books)
    rows = {c.cycle_id: c for c in s.cycles}
    assert list(rows) == [books.jan, books.feb, books.jul]
    for cycle_id in rows:
        c = rows[cycle_id]
        assert [(x.by, x.step, x.on) for x in c.signed] == _signers(books.url, cycle_id)
        assert c.prepared_by == "李明" and c.posted
    jan, feb = rows[books.jan], rows[books.feb]
    assert (jan.status, jan.exported_on, jan.settled_on) == ("已结算", date(2022, 1, 7), date(2022, 1, 10))
    assert (jan.returns, jan.returned) == (2, books.amounts["H002"] + books.amounts["H004"])
    assert (feb.sent_back, feb.returns, feb.returned, feb.prepared_on) == (1, 1, books.amounts["H008"],
                                                                          date(2022, 2, 1))
    assert [x.on for x in feb.signed] == [date(2022, 2, 5), date(2022, 2, 6)]  # the round after the sending back
    assert jan.total == D("9639.00")  # expected.json's January


def test_cycles_as_the_books_stood_on_a_day(books):
    middle = _schedules(books, date(2022, 6, 30))
    assert [c.cycle_id for c in middle.cycles] == [books.jan, books.feb]  # July is after the day
    sent_back = {c.cycle_id: c for c in _schedules(books, date(2022, 2, 4)).cycles}
    feb = sent_back[books.feb]
    assert (feb.status, feb.posted, feb.signed, feb.sent_back) == ("草稿（未审批）", False, (), 1)
    assert sent_back[books.jan].returns == 2 and sent_back[books.jan].settled_on == date(2022, 1, 10)


def _heads(url: str, cycle_id: int) -> dict[str, tuple[str, str, str]]:
    """Each household's head, id number and account as the cycle paid them."""
    rows = read_book(url, lambda session: session.execute(
        select(CycleLine.household_id, CycleLine.head_name, CycleLine.head_id_number, CycleLine.bank_account)
        .where(CycleLine.cycle_id == cycle_id)).all())
    return {h: (name, id_number, account) for h, name, id_number, account in rows}


def test_bank_returns_and_what_became_of_each(books):
    s = _schedules(books)
    heads = _heads(books.url, books.jan) | {"H008": _heads(books.url, books.feb)["H008"]}
    rows = {r.bank_account: r for r in s.returns}
    assert set(rows) == {mask(a) for a in (H002_ACCOUNT, H004_ACCOUNT, H008_ACCOUNT)}
    for household, account in (("H002", H002_ACCOUNT), ("H004", H004_ACCOUNT), ("H008", H008_ACCOUNT)):
        row = rows[mask(account)]
        name, id_number, _ = heads[household]
        assert (row.head_name, row.id_number, row.amount) == (name, mask(id_number), books.amounts[household])
        assert id_number not in row.id_number and "*" in row.id_number
    assert rows[mask(H002_ACCOUNT)].outcome == f"已由第 {books.feb} 号批次（2022-02）重新发放"
    assert rows[mask(H002_ACCOUNT)].outcome_on == date(2022, 2, 6)
    given_back = rows[mask(H004_ACCOUNT)]
    assert given_back.outcome.startswith("已退回资金") and "户主已迁出本县" in given_back.outcome
    assert rows[mask(H008_ACCOUNT)].open and rows[mask(H008_ACCOUNT)].outcome.startswith("未处理")
    assert s.returned == sum(books.amounts.values(), D("0.00"))
    early = {r.bank_account: r for r in _schedules(books, date(2022, 2, 10)).returns}
    assert set(early) == {mask(H002_ACCOUNT), mask(H004_ACCOUNT)}  # H008's came back on the 12th
    assert not early[mask(H002_ACCOUNT)].open and early[mask(H004_ACCOUNT)].open  # given back on the 20th


def test_a_manual_entry_and_its_reversal(books):
    s = _schedules(books)
    rows = {e.seq: e for e in s.entries}
    manual, undone, allocation = books.seqs["manual"], books.seqs["manual reversal"], books.seqs["alloc reversal"]
    assert list(rows) == [manual, undone, allocation]
    assert (rows[manual].kind, rows[manual].amount, rows[manual].by, rows[manual].reversed_by) == (
        "手工分录", D("1200.00"), "李明", undone)
    assert (rows[undone].kind, rows[undone].reverses, rows[undone].reverses_kind) == ("冲销", manual, "手工分录")
    assert (rows[allocation].reverses, rows[allocation].reverses_kind) == (books.seqs["宝财社〔2022〕5号"], "下拨")
    before = {e.seq: e for e in _schedules(books, date(2022, 4, 15)).entries}
    assert list(before) == [manual] and before[manual].reversed_by is None  # reversed on the 20th


def test_closed_periods_and_the_standards_applied(books):
    s = _schedules(books)
    assert [(c.month, c.closed_by) for c in s.closes] == [("2022-01", "王芳"), ("2022-02", "王芳")]
    assert [c.month for c in _schedules(books, date(2022, 1, 31)).closes] == ["2022-01"]
    assert [c.month for c in _schedules(books, date(2022, 2, 27)).closes] == ["2022-01"]  # February not yet over
    policy = read_book(books.url, lambda session: effective_policy(session, COUNTY))
    dibao = policy.on(date(2022, 1, 1)).dibao
    standard = next(r for r in s.standards if r.name == "最低生活保障标准")
    assert (standard.urban, standard.rural) == (dibao.standard_urban, dibao.standard_rural)
    # It took effect on the day its dated value starts; the file that sets it is the city's.
    starts = policy._raw("dibao.standard_urban").starts
    assert standard.start == max(d for d in starts if d <= date(2022, 1, 1)) and standard.end is None
    assert standard.document.startswith(policy.set_by("dibao.standard_urban").name)
    elderly = next(r for r in s.standards if "老年人" in r.name)
    assert elderly.urban == (D("0.20") * dibao.standard_urban).quantize(D("0.01"))
    assert "宝清县政策文件第2版" in elderly.document  # the county's second version (two sign-offs) is in force


def _pdf(schedules_: Schedules, path: Path) -> list[str]:
    ensure_font()
    doc = SimpleDocTemplate(str(path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, invariant=1, initialFontName=FONT)  # the pack's page
    doc.build(schedules_story(schedules_))
    return pdf_pages(path)


def test_the_schedules_print_their_figures(books, tmp_path):
    s = _schedules(books)
    text = "\n".join(_pdf(s, tmp_path / "schedules.pdf"))
    for number in "一二三四五六七":
        assert f"附表{number}" in text
    lines = text.splitlines()

    def total(label: str) -> list[Decimal]:
        return [a for ln in lines if ln.strip().startswith(label) for a in amounts_in(ln)]

    assert total("合计")[0] == s.received  # 附表一's total comes first
    assert s.purchases.total in total("合计") and s.returned in total("合计")
    assert sum((c.total for c in s.posted_cycles), D("0.00")) in total("合计")
    assert s.purchases.cap.base in total("基数合计")
    for reference, *_ in ((r.reference,) for r in s.allocations):
        assert reference in text
    for r in s.returns:
        assert r.id_number in text and r.bank_account in text
    for person in ("李明", "王芳", "陈静"):
        assert person in text
    for code in ("central_subsidy", "Assets:", "dibao", "approved", "reversal", PREPARER, APPROVER):
        assert code not in text
    assert f"冲销第 {books.seqs['manual']} 号" in text and f"已被第 {books.seqs['manual reversal']} 号冲销" in text
    again = tmp_path / "again.pdf"
    _pdf(s, again)
    assert again.read_bytes() == (tmp_path / "schedules.pdf").read_bytes()


def test_an_empty_schedule_says_so(books, tmp_path):
    s = _schedules(books, date(2022, 1, 1))  # before any allocation, entry, return or close of the year
    assert not (s.allocations or s.entries or s.returns or s.closes)
    text = "\n".join(_pdf(s, tmp_path / "early.pdf"))
    assert sum(1 for ln in text.splitlines() if ln.strip() == "无") >= 4


def test_a_day_outside_the_year_is_refused(books):
    with pytest.raises(Refusal, match="not in 2022"):
        _schedules(books, date(2023, 1, 1))
