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
from aidledger.reports.pdf.audit import audit_story, drawing_steps, write_audit
from aidledger.reports.service.audit import audit_pack, audit_size
from aidledger.reports.shares import WORKERS

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
        """The pages of the section that starts with `heading`, up to the next section (the contents left out)."""
        return section_pages(self.pages, heading)


SECTION = re.compile(r"^[一二三四五六七八九十]+、", re.M)  # a section's heading: the contents' entries are indented


def section_pages(pages: list[str], heading: str) -> list[str]:
    """By the section's title, whatever its number (a pack with the reconciliation bridge numbers later ones on)."""
    title = SECTION.sub("", heading)
    first = next(i for i, p in enumerate(pages) if re.search(rf"^[一二三四五六七八九十]+、{re.escape(title)}", p, re.M))
    later = range(first + 1, len(pages))
    last = next((i for i in later if SECTION.search(pages[i])), len(pages))
    return pages[first:last]


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
    found = [" ".join(ln.split()) for page in pages for ln in page.splitlines()
             if " ".join(ln.split()).startswith(start) and amounts_in(ln)]
    assert len(found) == 1, (start, found)
    return found[0]


def _lines(pages: list[str], start: str) -> list[str]:
    """The lines of the tables (they hold an amount) that begin with `start`, in order."""
    return [ln.strip() for page in pages for ln in page.splitlines() if ln.strip().startswith(start + " ")
            and amounts_in(ln)]


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
    assert year.said.endswith(f"ledger verified, head {head}, 7 exception(s), {len(year.pages)} pages")
    assert re.search(r"合计\s+7\b", cover) and re.search(r"异常事项\s+7\s*项", cover)
    assert re.search(r"截止日\s+2022-12-31 日终", cover) and re.search(r"审计年度\s+2022 年", cover)
    # The contents: every section numbered, with the page it starts on.
    contents = year.pages[1]
    entries = re.findall(r"^\s+([一二三四五六七八九十]+)、(.+?)\s*(?:\.\s*)+(\d+)\s*$", contents, re.M)
    assert [number for number, _, _ in entries] == list("一二三四五六七八")
    for _, title, page in entries:
        assert re.search(rf"^[一二三四五六七八]、{re.escape(title)}", year.pages[int(page) - 1], re.M), title
    # In Chinese only, every page: no English words, no internal codes (Assets:…, central_subsidy).
    for page in year.pages:
        assert not re.search(r"\b(?:Assets|Expenses|Income|Liabilities|Equity):|_subsidy|_funds|aidledger |docs/",
                             page), page[:300]
        # Hex digests are a-f only; the schedules name a user with no display name by their login (li.ming), as
        # the register does.
        logins = set(re.split(r"[._]", PREPARER)) | set(re.split(r"[._]", APPROVER))
        english = [w for w in re.findall(r"\b(?=[A-Za-z]*[g-zG-Z])[A-Za-z]{4,}\b", page) if w not in logins]
        assert not english, english


def test_the_fund_statement_and_the_cap_equal_budget_status(year):
    status = as_json(year.run, "budget", "status", "--jurisdiction", COUNTY, "--year", "2022")
    tb = as_json(year.run, "ledger", "trial-balance", "--jurisdiction", COUNTY, "--as-of", "2022-12-31")
    page = year.page_with("一、资金收支情况")
    central = next(f for f in status["funds"] if f["fund"] == "central_subsidy")
    statement, by_head = _lines(page, "中央补助")
    opening, received, spent, committed, closing, available = amounts_in(statement)
    assert (opening, received, spent, committed, available) == tuple(
        D(central[k]) for k in ("opening", "received", "spent", "committed", "available"))
    assert (opening, received, spent, committed) == (D("100000.00"), D("50000.00"), spent, D("29400.00"))
    assert closing == opening + received - spent and available == closing - committed
    # The closing balance is what the ledger holds for the fund: its asset and receivable accounts, less what it
    # owes (payments in transit, returns awaiting a decision), at the cut-off.
    held = sum((D(r["debit"]) - D(r["credit"]) for r in tb["rows"]
                if r["fund"] == "central_subsidy" and r["account"].split(":")[0] in ("Assets", "Liabilities")),
               D("0.00"))
    assert closing == held
    expenses = {r["account"]: D(r["debit"]) - D(r["credit"]) for r in tb["rows"] if r["fund"] == "central_subsidy"}
    dibao = expenses.get("Expenses:Dibao:Urban", 0) + expenses.get("Expenses:Dibao:Rural", 0)
    *heads, spent_again = amounts_in(by_head)
    # 低保, 特困, 低收入, 临时救助 (the reserve case), 价格补贴 and 取暖 (none this year), 购买服务
    assert heads[:7] == [dibao, expenses["Expenses:Tekun:Urban"], expenses["Expenses:LowIncome:Rural"],
                         D("1100.00"), D("0.00"), D("0.00"), D("800.00")]
    assert sum(heads) == spent == spent_again
    # The funds' rows sum to the 合计 row, column by column.
    rows = [amounts_in(_lines(page, FUND_SHORT_NAMES[f["fund"]])[0]) for f in status["funds"]]
    total = amounts_in(_lines(page, "合计")[0])
    assert total == [sum(column, D("0.00")) for column in zip(*rows)]

    cap = status["purchased_services"]
    line = _line(year.page_with("二、预算执行"), "当年困难群众救助补助资金")
    assert amounts_in(line) == [D(cap["base"]), D(cap["rate"]), D(cap["cap"]), D(cap["used"]), D(cap["headroom"])]
    assert (D(cap["cap"]), D(cap["used"])) == (D("1000.00"), D("800.00"))


def test_monthly_payments_reserves_and_the_trial_balance_equal_the_books(year):
    monthly = year.page_with("三、月度发放情况")
    programs = {"dibao": "低保", "tekun": "特困", "low_income": "低收入"}
    for cycle_id, month in ((year.jan, "2022-01"), (year.feb, "2022-02")):
        view = show(year.run, cycle_id)
        subtotal = _line(monthly, f"{month} 小计")
        counts = [int(c) for c in subtotal.split()[2:6]]
        assert amounts_in(subtotal)[-1] == D(view["total"]) and sum(counts[:2]) == view["count"]
        lines = view["lines"]
        assert counts[2] + counts[3] == sum(ln["members"] for ln in lines)
        for program, name in programs.items():
            mine = [ln for ln in lines if ln["program"] == program]
            if not mine:
                continue
            row = _line(monthly, f"{month} {name}")
            figures = amounts_in(row)
            assert figures[-1] == sum((D(ln["amount"]) for ln in mine), D("0.00"))
            assert sum(int(c) for c in row.split()[2:4]) == len(mine)
            # 基本 + 加发 + 临时救助 + 取暖 + 价格补贴 + 补发 − 扣减 = 实发
            assert sum(figures[:6], D("0.00")) - figures[6] == figures[7]
    assert amounts_in(_line(monthly, "2022-03 小计")) == [D("0.00")] * 8
    total = amounts_in(_line(monthly, "累计 小计"))
    assert total[-1] == D(show(year.run, year.jan)["total"]) + D(show(year.run, year.feb)["total"])

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
    def rules_give(household: str) -> D:
        return D(json.loads(ok(year.run("explain", household, "--month", "2022-02", "--json")))["amount"])
    # The overpaid part, not the whole line: H001 paid for three, two alive; H003 paid after its end (all of it).
    assert items["after_end"] == [("H001", "2022-02", feb["H001"] - rules_give("H001")),
                                  ("H003", "2022-02", feb["H003"])]
    assert 0 < items["after_end"][0][2] < feb["H001"]
    # Not listed twice: H001 and H003 are under after_end; H011's difference is signed (paid less than its income
    # now allows is negative, more is positive).
    assert items["amount_differs"] == [("H011", "2022-02", feb["H011"] - rules_give("H011"))]
    person = "张三 " + PERSON[:6] + "*" * 8 + PERSON[-4:]
    assert items["duplicate_id"] == [(person, "2022-02", D("500.00"))]  # the second payment of the month
    assert items["reserve_overdue"] == [(person, "2022-02", D("600.00")), (person, "2022-02", D("500.00"))]
    assert items["return_open"] == [("H002", "2022-01", D("1032.00"))]
    assert items["cap_override"] == items["receivable"] == items["verify"] == items["held"] == []

    rules = {s.kind: [e.rule for e in s.items] for s in pack.exceptions}
    assert f"按登记信息和政策标准应发 {rules_give('H011'):,.2f} 元" in rules["amount_differs"][0]
    assert f"应发 {rules_give('H001'):,.2f} 元，多发 {items['after_end'][0][2]:,.2f} 元" in rules["after_end"][0]
    assert "于 2022-01-15 死亡" in rules["after_end"][0]
    assert "按 3 人计发，2022-02-01 在世 2 人" in rules["after_end"][0]
    assert "已于 2022-01-20 终止救助" in rules["after_end"][1]
    assert "应于 2022-03-05 前补充说明" in rules["reserve_overdue"][0] and "逾期" in rules["reserve_overdue"][0]
    assert "2022-04-01 才补充，迟 20 天" in rules["reserve_overdue"][1]
    assert "于 2022-01-10 退回" in rules["return_open"][0] and "已 355 天" in rules["return_open"][0]

    text = "\n".join(year.page_with("六、异常事项"))
    for household, month, amount in items["after_end"] + items["amount_differs"] + items["return_open"]:
        assert re.search(rf"{household}\s+{month}\s+{re.escape(money(str(amount)))}", text), (household, month)
    assert re.search(rf"{re.escape(person)}\s+2022-02\s+500.00", text)
    assert "多发金额" in text and "差额" in text and "退回金额" in text
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


def test_the_pack_is_the_same_recomputed_by_forked_workers(year, monkeypatch, tmp_path):
    """The rules recomputed by two forked workers give the same exceptions, in the same order, and the same bytes,
    as in this process alone."""
    monkeypatch.setenv(WORKERS, "0")
    alone = _pack(year.url)
    monkeypatch.setenv(WORKERS, "2")
    shared = _pack(year.url)
    assert shared.exceptions == alone.exceptions
    assert {s.kind for s in shared.exceptions if s.items} >= {"after_end", "amount_differs"}
    assert shared == alone
    write_audit(alone, tmp_path / "alone.pdf")
    write_audit(shared, tmp_path / "shared.pdf")
    assert (tmp_path / "alone.pdf").read_bytes() == (tmp_path / "shared.pdf").read_bytes()


@pytest.mark.parametrize("workers", ["0", "1"])
def test_progress_moves_through_reading_recomputing_and_drawing(year, tmp_path, monkeypatch, workers):
    """The bar is as long as `audit_size` says and reaches its end exactly, with no step holding half of it (verify
    is told in its share of the cycle lines it hashes, not in the journal's few lines), the recomputation told
    from this process or from a forked worker; the drawing's bar likewise."""
    monkeypatch.setenv(WORKERS, workers)
    told: list[int] = []
    database = dbmod.Database(year.url)
    try:
        with database.read() as session:
            size = audit_size(session, COUNTY, 2022)
            pack = audit_pack(session, COUNTY, 2022, progress=told.append)
    finally:
        database.dispose()
    assert sum(told) == size and len(told) >= 5 and max(told) < size / 2
    story = audit_story(pack)
    drawn: list[int] = []
    write_audit(pack, tmp_path / "drawn.pdf", progress=drawn.append, story=story)
    assert sum(drawn) == drawing_steps(story) and len(drawn) > 10 and all(n >= 0 for n in drawn)
    assert (tmp_path / "drawn.pdf").read_bytes() == year.pdf.read_bytes()


def test_as_of_moves_the_overdue_checks(year):
    early = _pack(year.url, as_of=date(2022, 2, 15))
    items = {s.kind: s.items for s in early.exceptions}
    assert items["reserve_overdue"] == () and [e.household for e in items["return_open"]] == ["H002"]
    assert early.trial_debit == early.trial_credit
    assert_refused(year.run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--as-of", "2023-01-01",
                            "--out", "x.pdf"), "is not in 2022")


def test_one_cut_off_for_every_section(year, tmp_path):
    """As of 2022-02-04 the February cycle (approved on the 5th) is not yet posted, one reserve case of two is paid,
    and H002's return is 25 days old: every section stands on that day, and the year's pack differs from it."""
    day = "2022-02-04"
    early, full = _pack(year.url, as_of=date(2022, 2, 4)), _pack(year.url)
    assert early.cycles == (year.jan,) and full.cycles == (year.jan, year.feb)
    assert [m for m in dict.fromkeys(r.month for r in early.months)] == ["2022-01", "2022-02"]
    assert all(r.figures.paid == 0 and r.households == (0, 0) for r in early.months if r.month == "2022-02")
    jan = D(show(year.run, year.jan)["total"])
    assert sum((r.figures.paid for r in early.months), D("0.00")) == jan
    assert early.exception_count == 0 and full.exception_count == 7
    tb = as_json(year.run, "ledger", "trial-balance", "--jurisdiction", COUNTY, "--as-of", day)
    assert [(r.account, r.fund, r.debit, r.credit) for r in early.trial] == [
        (r["account"], r["fund"], D(r["debit"]), D(r["credit"])) for r in tb["rows"]]
    central = next(f for f in early.funds if f.fund == "central_subsidy")
    spent = sum((D(r["debit"]) - D(r["credit"]) for r in tb["rows"]
                 if r["fund"] == "central_subsidy" and r["account"].startswith("Expenses:")), D("0.00"))
    held = sum((D(r["debit"]) - D(r["credit"]) for r in tb["rows"]
                if r["fund"] == "central_subsidy" and r["account"].split(":")[0] in ("Assets", "Liabilities")),
               D("0.00"))
    assert central.spent == spent == jan + D("600.00")  # January's cycle and the first reserve case
    assert central.opening + central.received - central.spent == central.closing == held
    assert [r.paid for r in early.reserves if r.township == T1] == [D("600.00")]
    assert central.spent < next(f for f in full.funds if f.fund == "central_subsidy").spent

    pdf = tmp_path / "early.pdf"
    ok(year.run("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--as-of", day, "--out", str(pdf)))
    pages = pdf_pages(pdf)
    assert re.search(rf"截止日\s+{day} 日终", pages[0]) and re.search(r"异常事项\s+0\s*项", pages[0])
    monthly = "\n".join(section_pages(pages, "三、月度发放情况"))
    assert "2022-01 " in monthly and "2022-03" not in monthly and "3月" not in monthly
    assert amounts_in(_line(section_pages(pages, "三、月度发放情况"), "累计 小计"))[-1] == jan


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
    # In Chinese, by the account's and the fund's titles: 0.01 more debit in the stored balances than the journal.
    assert items["verify"] and all(e.rule.startswith("科目余额表与分录不符：") for e in items["verify"])
    assert any("国库存款（中央困难群众救助补助资金）" in e.rule and "余额记借方 1,000.01 元" in e.rule
               and "分录合计借方 1,000.00 元" in e.rule for e in items["verify"])
    text = re.sub(r"\s+", "", "\n".join(pages))
    assert "科目余额表与分录不符：国库存款" in text and "Assets:" not in text and "stored" not in text


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
