"""`report audit`: the yearly audit pack, its figures read back from the PDF and compared with the ledger's.

One year of the example county is built through the CLI once per backend, with a scenario for
each exception kind an auditor looks for:
  - January paid, exported and settled with H002's payment returned by the bank (never cleared);
  - February paid; afterwards the registry learns of a death (H001's child, 2022-01-15), a
    termination (H003, 2022-01-20) and a higher income (H011 from 2022-02-01), all dated before
    February: a payment after a member's death, one after the household's end, and stored
    amounts that differ from what the rules now give;
  - two emergency payments to the same person in February from a township reserve, the first
    never documented, the second documented late, then replenished;
  - purchased services within the cap, and a purchase refused by it (which writes nothing).
"""

from __future__ import annotations

import json
import re
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
    as_json,
    events,
    export,
    load_example,
    money,
    ok,
    pdf_pages,
    render_pages,
    run_cycle,
    settle,
    show,
)
from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, PREPARER, assert_refused

from aidledger import db as dbmod
from aidledger.idcard import check_character
from aidledger.labels import FUND_SHORT_NAMES
from aidledger.reports.exceptions_data import NO_CAP_OVERRIDES
from aidledger.reports.service.audit import audit_pack

D = Decimal
T1 = "230523100"
PERSON = "23052319800101123" + check_character("23052319800101123")
H002_ACCOUNT = "6217000010000000029"
DEAD_CHILD = "230523201206150318"


@dataclass
class Year:
    run: Cli
    url: str
    pdf: Path
    pages: list[str]
    said: str
    jan: int
    feb: int
    cases: tuple[int, int]

    def page_with(self, heading: str) -> list[str]:
        """The pages of the section that starts with `heading`, up to the next section."""
        first = next(i for i, p in enumerate(self.pages) if heading in p)
        later = range(first + 1, len(self.pages))
        last = next((i for i in later if re.search(r"^[一二三四五六]、", self.pages[i], re.M)), len(self.pages))
        return self.pages[first:last]


def _build(run: Cli, tmp: Path) -> tuple[int, int, tuple[int, int]]:
    ok(run("user", "add", ADMIN, "--role", "admin"))
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        ok(run("user", "add", name, "--role", role, user=ADMIN))
    ok(run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN))
    load_example(run)
    allocate(run, "100000.00", "2021-12-01")
    allocate(run, "50000.00", "2022-01-02")
    ok(run("reserve", "advance", "--township", T1, "--amount", "30000.00", "--date", "2022-01-05", user=PREPARER))
    jan = run_cycle(run, "2022-01")
    approve(run, jan, "2022-01-05")
    export(run, jan, tmp / "jan-bank.csv", "2022-01-06")
    settle(run, jan, tmp / "jan-returns.csv", [(H002_ACCOUNT, "1032.00", "账户已销户")], "2022-01-10")
    feb = run_cycle(run, "2022-02")
    approve(run, feb, "2022-02-05")
    events(run, tmp / "late-events.csv", [("H001", "death", "2022-01-15", "", DEAD_CHILD),
                                          ("H003", "terminate", "2022-01-20", "", ""),
                                          ("H011", "income", "2022-02-01", "2000", "")])
    cases = []
    for amount, on in (("600.00", "2022-02-03"), ("500.00", "2022-02-10")):
        cases.append(int(ok(run("reserve", "pay", "--township", T1, "--id-number", PERSON, "--name", "张三",
                                "--amount", amount, "--date", on, "--reason", "火灾", user=PREPARER))))
    ok(run("reserve", "document", cases[1], "--date", "2022-04-01", user=PREPARER))
    ok(run("reserve", "replenish", "--township", T1, "--date", "2022-04-02", user=PREPARER))
    ok(run("budget", "purchase-services", "--jurisdiction", COUNTY, "--amount", "800.00", "--date", "2022-03-01",
           "--vendor", "宝清县社工服务中心", user=PREPARER))
    assert_refused(run("budget", "purchase-services", "--jurisdiction", COUNTY, "--amount", "500.00",
                       "--date", "2022-03-02", "--vendor", "宝清县社工服务中心", user=PREPARER),
                   "purchased-services cap")
    return jan, feb, (cases[0], cases[1])


@pytest.fixture(scope="module", params=BACKENDS)
def year(request, templates, tmp_path_factory) -> Year:
    tmp = tmp_path_factory.mktemp(f"audit-{request.param}")
    url = templates[request.param]()
    run = Cli(url)
    jan, feb, cases = _build(run, tmp)
    pdf = tmp / "audit.pdf"
    said = ok(run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(pdf)))
    return Year(run, url, pdf, pdf_pages(pdf), said, jan, feb, cases)


def _pack(url: str, **kwargs):
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return audit_pack(session, COUNTY, 2022, **kwargs)
    finally:
        database.dispose()


def _line(pages: list[str], start: str) -> str:
    """The one line of a table (it holds an amount) that begins with `start`; a chart's labels hold none."""
    found = [ln.strip() for page in pages for ln in page.splitlines()
             if ln.strip().startswith(start) and amounts_in(ln)]
    assert len(found) == 1, (start, found)
    return found[0]


def test_the_cover_carries_verify_and_the_head_hash(year):
    verified, evidence = ok(year.run("ledger", "verify")).splitlines()
    head = verified.rsplit("head ", 1)[1]
    seals, mac = re.fullmatch(r"evidence verified: (\d+) seals, head ([0-9a-f]{64})", evidence).groups()
    cover = year.pages[0]
    assert "宝清县（230523）2022年度社会救助资金审计资料" in cover
    assert re.search(r"账簿校验\s+通过", cover)
    entries = re.search(r"ledger verified: (\d+) entries, (\d+) lines", verified).groups()
    assert re.search(rf"哈希链链头\s+第 {entries[0]} 号分录：{head}", cover)
    assert re.search(rf"证据链链头\s+第 {seals} 号印记：{mac}", cover)
    assert re.search(rf"分录数\s+{entries[0]}\b", cover)
    assert re.search(rf"分录行数\s+{entries[1]}\b", cover)
    assert year.said.endswith(f"ledger verified, head {head}, 9 exception(s), {len(year.pages)} pages")
    assert re.search(r"合计\s+9\b", cover)
    # In Chinese only, every page: no English words, no internal codes (Assets:…, central_subsidy).
    for page in year.pages:
        assert not re.search(r"\b(?:Assets|Expenses|Income|Liabilities|Equity):|_subsidy|_funds", page), page[:300]
        english = re.findall(r"\b(?=[A-Za-z]*[g-zG-Z])[A-Za-z]{4,}\b", page)  # hex digests are a-f only
        assert not english, english


def test_the_fund_statement_and_the_cap_equal_budget_status(year):
    status = as_json(year.run, "budget", "status", "--jurisdiction", COUNTY, "--year", "2022")
    tb = as_json(year.run, "ledger", "trial-balance", "--jurisdiction", COUNTY, "--as-of", "2022-12-31")
    page = year.page_with("一、资金收支情况")
    central = next(f for f in status["funds"] if f["fund"] == "central_subsidy")
    figures = amounts_in(_line(page, "中央补助"))
    opening, received, *heads, spent, committed, closing, available = figures
    assert (opening, received, spent, committed, available) == tuple(
        D(central[k]) for k in ("opening", "received", "spent", "committed", "available"))
    assert (opening, received, spent, committed) == (D("100000.00"), D("50000.00"), spent, D("29400.00"))
    assert closing == opening + received - spent and available == closing - committed
    expenses = {r["account"]: D(r["debit"]) - D(r["credit"]) for r in tb["rows"] if r["fund"] == "central_subsidy"}
    dibao = expenses.get("Expenses:Dibao:Urban", 0) + expenses.get("Expenses:Dibao:Rural", 0)
    # 低保, 特困, 低收入, 临时救助 (the reserve case), 价格补贴 and 取暖 (none this year), 购买服务
    assert heads[:7] == [dibao, expenses["Expenses:Tekun:Urban"], expenses["Expenses:LowIncome:Rural"],
                         D("1100.00"), D("0.00"), D("0.00"), D("800.00")]
    assert sum(heads) == spent
    assert amounts_in(_line(page, "合计"))[:2] == [opening, received]  # other funds hold nothing

    cap = status["purchased_services"]
    line = _line(year.page_with("二、预算执行"), "当年困难群众救助补助资金")
    assert amounts_in(line) == [D(cap["base"]), D(cap["rate"]), D(cap["cap"]), D(cap["used"]), D(cap["headroom"])]
    assert (D(cap["cap"]), D(cap["used"])) == (D("1000.00"), D("800.00"))


def test_monthly_payments_reserves_and_the_trial_balance_equal_the_books(year):
    monthly = year.page_with("三、月度发放情况")
    for cycle_id, month in ((year.jan, "2022-01"), (year.feb, "2022-02")):
        view = show(year.run, cycle_id)
        line = _line(monthly, month)
        assert amounts_in(line)[-1] == D(view["total"])
        counts = [int(c) for c in line.split()[1:4]]
        assert counts == [view["by_program"].get(p, {"count": 0})["count"] for p in ("dibao", "tekun", "low_income")]
    assert amounts_in(_line(monthly, "2022-03")) == [D("0.00")] * 4

    reserves = as_json(year.run, "reserve", "status", "--jurisdiction", COUNTY, "--as-of", "2022-12-31")
    page = year.page_with("四、乡镇临时救助备用金")
    for township in reserves["townships"]:
        line = _line(page, township["township"])
        assert amounts_in(line) == [D(township[k])
                                    for k in ("opening", "advanced", "paid", "replenished", "balance")]
        assert line.split()[-2:] == [str(township["undocumented"]), str(township["overdue"])]
    t1 = next(t for t in reserves["townships"] if t["township"] == T1)
    assert (D(t1["paid"]), D(t1["replenished"]), t1["undocumented"], t1["overdue"]) == (D("1100.00"), D("500.00"), 1, 1)

    tb = as_json(year.run, "ledger", "trial-balance", "--jurisdiction", COUNTY, "--as-of", "2022-12-31")
    page = year.page_with("五、试算平衡表")
    assert amounts_in(_line(page, "合计")) == [D(tb["total_debit"]), D(tb["total_credit"])]
    for row in tb["rows"]:  # by the account's title and the fund's name, as the reader reads them
        line = next(ln.strip() for p in page for ln in p.splitlines()
                    if re.match(rf"{re.escape(row['title'])}\s+{FUND_SHORT_NAMES[row['fund']]}\s", ln.strip()))
        assert amounts_in(line) == [D(v) for v in (row["debit"], row["credit"]) if D(v)]


def test_each_exception_kind_lists_household_month_amount_and_rule(year):
    pack = _pack(year.url)
    items = {s.kind: [(e.household, e.month, e.amount) for e in s.items] for s in pack.exceptions}
    feb = {h: D(a) for h, a in ((ln["household_id"], ln["amount"]) for ln in show(year.run, year.feb)["lines"])}
    assert items["after_end"] == [("H001", "2022-02", feb["H001"]), ("H003", "2022-02", feb["H003"])]
    assert items["amount_differs"] == [("H001", "2022-02", feb["H001"]), ("H003", "2022-02", feb["H003"]),
                                       ("H011", "2022-02", feb["H011"])]
    person = "张三 " + PERSON[:6] + "*" * 8 + PERSON[-4:]
    assert items["duplicate_id"] == [(person, "2022-02", D("1100.00"))]
    assert items["reserve_overdue"] == [(person, "2022-02", D("600.00")), (person, "2022-02", D("500.00"))]
    assert items["return_open"] == [("H002", "2022-01", D("1032.00"))]
    assert items["cap_override"] == items["receivable"] == items["verify"] == []

    rules = {s.kind: [e.rule for e in s.items] for s in pack.exceptions}
    explained = json.loads(ok(year.run("explain", "H011", "--month", "2022-02", "--json")))
    assert f"按登记信息和政策标准应发 {D(explained['amount']):,.2f} 元" in rules["amount_differs"][2]
    assert "于 2022-01-15 死亡" in rules["after_end"][0]
    assert "按 3 人计发，2022-02-01 在世 2 人" in rules["after_end"][0]
    assert "已于 2022-01-20 终止救助" in rules["after_end"][1]
    assert "应于 2022-03-05 前补充说明" in rules["reserve_overdue"][0] and "逾期" in rules["reserve_overdue"][0]
    assert "2022-04-01 才补充，迟 20 天" in rules["reserve_overdue"][1]
    assert "于 2022-01-10 退回" in rules["return_open"][0] and "已 355 天" in rules["return_open"][0]

    text = "\n".join(year.page_with("六、异常事项"))
    for household, month, amount in items["after_end"] + items["amount_differs"] + items["return_open"]:
        assert re.search(rf"{household}\s+{month}\s+{re.escape(money(str(amount)))}", text), (household, month)
    assert re.search(rf"{re.escape(person)}\s+2022-02\s+1,100.00", text)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", NO_CAP_OVERRIDES) in flat
    assert "不存在超限额放行" in flat


def test_the_pack_draws_every_page_and_is_reproducible(year, tmp_path):
    assert len(render_pages(year.pdf, tmp_path / "png")) == len(year.pages) >= 5
    assert all(re.search(rf"第\s*{n}\s*页\s*共\s*{len(year.pages)}\s*页", page)
               for n, page in enumerate(year.pages, start=1))
    again = tmp_path / "again.pdf"
    ok(year.run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(again)))
    assert again.read_bytes() == year.pdf.read_bytes()
    assert b"/CreationDate (D:20221231000000+00'00')" in again.read_bytes()


def test_as_of_moves_the_overdue_checks(year):
    early = _pack(year.url, as_of=date(2022, 2, 15))
    items = {s.kind: s.items for s in early.exceptions}
    assert items["reserve_overdue"] == () and [e.household for e in items["return_open"]] == ["H002"]
    assert early.trial_debit == early.trial_credit
    assert_refused(year.run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--as-of", "2023-01-01",
                            "--out", "x.pdf"), "is not in 2022")


def test_a_verify_failure_is_listed(county, db_url, tmp_path):
    allocate(county, "1000.00", "2022-01-02")
    database = dbmod.Database(db_url)
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE account_balances SET debit_fen = debit_fen + 1")
    finally:
        database.dispose()
    out = tmp_path / "audit.pdf"
    said = ok(county("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(out)))
    assert "LEDGER VERIFY FAILED" in said
    pages = pdf_pages(out)
    assert re.search(r"账簿校验\s+未通过", pages[0])
    pack = _pack(db_url)
    items = {s.kind: s.items for s in pack.exceptions}
    assert items["verify"] and all("stored balance of" in e.rule for e in items["verify"])
    text = re.sub(r"\s+", "", "\n".join(pages))
    assert "storedbalanceofAssets:Treasury" in text


def test_the_cover_proves_the_auditors_checkpoints(year, templates, tmp_path):
    """An auditor's checkpoint given to the pack is proved on its cover; one the books do not extend fails it."""
    kept = tmp_path / "kept.checkpoint"
    ok(year.run("ledger", "checkpoint", "--out", str(kept)))
    other = Cli(templates["sqlite"]())  # another book: its chain is not this one's
    ok(other("user", "add", ADMIN, "--role", "admin"))
    foreign = tmp_path / "foreign.checkpoint"
    ok(other("ledger", "checkpoint", "--out", str(foreign)))
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    said = ok(year.run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(good),
                       "--checkpoint", str(kept)))
    assert "ledger verified" in said
    cover = pdf_pages(good)[0]
    assert re.search(r"检查点 kept\.checkpoint\s+第 \d+ 号分录、第 \d+ 号印记.*账簿延续该检查点", cover)
    said = ok(year.run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--out", str(bad),
                       "--checkpoint", str(kept), "--checkpoint", str(foreign)))
    assert "LEDGER VERIFY FAILED" in said
    cover = pdf_pages(bad)[0]
    assert re.search(r"检查点 foreign\.checkpoint\s+.*不符：账簿未延续该检查点", cover)
    assert re.search(r"账簿校验\s+未通过", cover)
