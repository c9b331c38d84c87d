"""`aidledger demo`: a sample county's year, end to end, on a fresh SQLite database.

The demo goes through the same services the commands use, as the people of a county would:
an admin sets up users and loads the province, city and county policies; a preparer imports
the registry, records the county's first month (启用月 2021-12) with the fund balances and an
open receivable its old books hand over, books the year's allocations down the levels, buys services within the cap
(one purchase over it is refused) and runs the township reserves; every month a cycle is
run, approved by another person, sent to the bank and settled (one payment comes back in
March and is paid again in April to the corrected account, another in July goes back to the
fund). Beyond the monthly base: a grant of temporary assistance approved in April is paid in
three instalments from May; a death in March recorded only in June makes receivables for
the months overpaid (April and May), part of which is returned in July; a document published in September
raises the urban standard from 1 June and September's cycle pays three months of arrears;
October pays heating; a price subsidy declared by the city is paid in November. A
mistaken entry is reversed and an approver closes January. It then writes what an auditor takes away: the
beancount export, the trial balance, the fund and reserve status, every household's
explained amounts, the verification result, each month's payment register (发放花名册) and
the year's audit pack as PDF.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path

from . import db as dbmod
from .auth.service import set_password
from .budget.service import reserves
from .budget.service.allocations import allocate
from .budget.service.policies import load_policies
from .budget.service.purchases import purchase_services
from .budget.service.status import budget_status
from .disbursement.banks.layout import Router
from .disbursement.banks.xlsx import write_rows
from .disbursement.checks import verify_books
from .disbursement.cycles.service.actions import approve, book_returns, cancel_return, export_bank, settle
from .disbursement.cycles.service.bank_export import cycle_banks
from .disbursement.cycles.service.run import run_cycle
from .disbursement.cycles.service.show import cycle_view
from .disbursement.cycles.service.signing import sign
from .disbursement.entitlement.service import explain
from .disbursement.matching.service import findings_of, load_list, resolve
from .disbursement.opening.service import load_opening
from .disbursement.recovery.service import receivable_list, record_recovery
from .disbursement.registry.service import correct_bank_account, household_history, import_events, import_registry
from .disbursement.subsidy.service import declare
from .disbursement.temporary.service import approve_grant, grant
from .errors import Refusal
from .files import staged
from .keys import forget_sealed, key_folder, signing_key
from .ledger.entries import EntryDraft, Line
from .ledger.service import views as service
from .ledger.service.balances import trial_balance
from .ledger.service.checkpoints import take as take_checkpoint
from .ledger.service.export import write_beancount
from .masking import mask
from .users import add_user

PROVINCE, CITY, COUNTY = "230000", "230500", "230523"
YEAR = 2022
TOWNSHIPS = ("230523100", "230523101", "230523102")
ADMIN, PREPARER, APPROVER, AUDITOR = "admin", "li.ming", "wang.fang", "zhao.audit"
TOWN_CLERK = "sun.town"  # a preparer of 宝清镇 only: 审核确认 has moved down to the townships
SECOND_APPROVER = "chen.jing"  # from 2023 the county asks for two sign-offs: 王芳 审核, then 陈静 审批
# The demo book authenticates as a county's would. Its users' passwords are published with it: it is a demo.
DEMO_USERS = (  # name, role, display name, scope, password
    (ADMIN, "admin", "张伟", None, "demo-admin-2022"),
    (PREPARER, "preparer", "李明", None, "demo-preparer-2022"),
    (APPROVER, "approver", "王芳", None, "demo-approver-2022"),
    (AUDITOR, "auditor", "赵审计", None, "demo-auditor-2022"),
    (TOWN_CLERK, "preparer", "孙晓燕", TOWNSHIPS[0], "demo-township-2022"),
    (SECOND_APPROVER, "approver", "陈静", None, "demo-approver2-2022"),
)
DATA = resources.files("aidledger") / "demo_data"

# (date, receiver, fund, amount, giver or None for money from outside, document)
ALLOCATIONS = (
    (date(2022, 1, 5), PROVINCE, "central_subsidy", "9000000.00", None, "财社〔2022〕1号 中央困难群众救助补助资金"),
    (date(2022, 1, 5), PROVINCE, "provincial_subsidy", "3000000.00", None, "黑财社〔2022〕1号 省级补助资金"),
    (date(2022, 1, 8), CITY, "central_subsidy", "7000000.00", PROVINCE, "黑财社〔2022〕2号"),
    (date(2022, 1, 8), CITY, "provincial_subsidy", "2000000.00", PROVINCE, "黑财社〔2022〕3号"),
    (date(2022, 1, 10), COUNTY, "central_subsidy", "6000000.00", CITY, "双财社〔2022〕1号"),
    (date(2022, 1, 10), COUNTY, "provincial_subsidy", "1500000.00", CITY, "双财社〔2022〕2号"),
    (date(2022, 2, 15), CITY, "city_subsidy", "500000.00", None, "双财社〔2022〕5号 市级配套"),
    (date(2022, 2, 15), COUNTY, "city_subsidy", "400000.00", CITY, "双财社〔2022〕6号"),
    (date(2022, 3, 1), COUNTY, "county_subsidy", "350000.00", None, "宝财社〔2022〕3号 县级配套"),
    (date(2022, 3, 1), COUNTY, "working_funds", "80000.00", None, "宝财社〔2022〕4号 工作经费"),
)


@dataclass
class DemoResult:
    out_dir: Path
    database: Path
    files: list[Path] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    users: tuple = DEMO_USERS


class Demo:
    """One run of the demo: a database, a clock and a log."""

    def __init__(self, out_dir: Path, now: datetime):
        self.now = now
        self.result = DemoResult(out_dir, out_dir / "aidledger.db")
        self.database = dbmod.Database(f"sqlite:///{self.result.database}")

    def log(self, line: str) -> None:
        self.result.log.append(line)

    def write(self):
        return self.database.write()

    def refused(self, what: str, action) -> None:
        """Run an action that the rules must refuse, and log the refusal."""
        try:
            with self.write() as s:
                action(s)
        except Refusal as refusal:
            self.log(f"refused as it should be — {what}: {refusal.problems[0]}")
            return
        raise RuntimeError(f"the demo expected a refusal: {what}")


def run_demo(out_dir: Path, now: datetime | None = None) -> DemoResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("aidledger.db*"):  # a new book, and so new keys (aidledger.db.keys/)
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    demo = Demo(out_dir, now or datetime.now(timezone.utc))
    forget_sealed(demo.database.url)  # a new book where the last run's was: not a chain reset behind its back
    try:
        dbmod.upgrade(demo.database, authentication=True)
        for step in (set_up, load_registry, open_books, allocate_funds, buy_services, run_reserves, run_cycles,
                     correct_an_entry, two_signoffs_from_2023):
            step(demo)
        write_outputs(demo)
        write_reports(demo)
    finally:
        demo.database.dispose()
    (out_dir / "demo.log").write_text("\n".join(demo.result.log) + "\n", encoding="utf-8")
    demo.result.files.append(out_dir / "demo.log")
    return demo.result


REGISTRY_WORKBOOK = "宝清县救助对象名册.xlsx"
MARCH_EVENTS = "三月变动.csv"


def set_up(demo: Demo) -> None:
    with demo.write() as s:
        for name, role, display_name, scope, password in DEMO_USERS:
            add_user(s, name, role, acting=None if name == ADMIN else ADMIN, now=demo.now,
                     display_name=display_name, scope=scope)
            set_password(s, name, password, acting=ADMIN if name != ADMIN else name, now=demo.now)
        files = [((DATA / name).read_text(encoding="utf-8"), name) for name in
                 ("230000-heilongjiang.toml", "230500-shuangyashan.toml", "230523-baoqing.toml")]
        loaded = load_policies(s, files, user=ADMIN, now=demo.now)
    demo.log("users admin, li.ming (preparer), wang.fang and chen.jing (approvers), zhao.audit (auditor), sun.town "
             f"(preparer of {TOWNSHIPS[0]}), each with a password (authentication on)")
    demo.log("policies loaded: " + ", ".join(f"{o.code} {o.name} v{o.version}" for o in loaded))


def load_registry(demo: Demo) -> None:
    """The registry as the county keeps it: one workbook (sheets 家庭 and 成员, Chinese headers and values) and the
    month's changes as a CSV saved by Excel on a Chinese Windows (GBK). They hold the spec's example registry
    (tests/county_files.py wrote them from its CSV files; tests/test_demo.py checks they still do)."""
    today = demo.now.date()
    with demo.write() as s, resources.as_file(DATA) as folder:
        workbook = str(folder / REGISTRY_WORKBOOK)
        outcome = import_registry(s, workbook, workbook, user=PREPARER, now=demo.now, today=today, dry_run=False)
        events = import_events(s, str(folder / MARCH_EVENTS), user=PREPARER, now=demo.now, today=today,
                               dry_run=False)
    demo.log(f"registry imported from {REGISTRY_WORKBOOK} ({'; '.join(outcome.read)}): {outcome.households} "
             f"households, {outcome.members} members; {events.events} event(s) from {MARCH_EVENTS} "
             f"({'; '.join(events.read)})")


def open_books(demo: Demo) -> None:
    """启用月: the county starts with aidledger in December 2021; its old books hand over two fund
    balances and a receivable still open (opening load)."""
    with demo.write() as s, resources.as_file(DATA) as folder:
        outcome = load_opening(s, COUNTY, "2021-12", {"funds": str(folder / "opening-funds.csv"),
                                                      "receivables": str(folder / "opening-receivables.csv")},
                               user=PREPARER, now=demo.now)
    demo.log(f"opening {outcome.opening_id}: first month {outcome.month}, fund balances {outcome.funds:.2f}, "
             f"open receivables {outcome.receivables:.2f} handed over")


def allocate_funds(demo: Demo) -> None:
    with demo.write() as s:
        for day, receiver, fund, amount, giver, document in ALLOCATIONS:
            posted = allocate(s, receiver, fund, Decimal(amount), day, from_code=giver,
                              reference=document.split(" ")[0], user=PREPARER, now=demo.now)
            source = f"from {giver}" if giver else "from outside"
            demo.log(f"entry {posted[-1].seq}: {day} {receiver} received {amount} {fund} {source}")


def buy_services(demo: Demo) -> None:
    with demo.write() as s:
        posted = purchase_services(s, COUNTY, Decimal("100000.00"), date(2022, 4, 1),
                                   vendor="宝清县社会工作服务中心", reference="宝民购〔2022〕1号",
                                   user=PREPARER, now=demo.now)
    demo.log(f"entry {posted.seq}: purchased services 100000.00 from 宝清县社会工作服务中心")
    demo.refused("a second purchase that would pass the 2% cap", lambda s: purchase_services(
        s, COUNTY, Decimal("90000.00"), date(2022, 6, 1), vendor="某养老服务公司", reference="宝民购〔2022〕2号",
        user=PREPARER, now=demo.now))


def run_reserves(demo: Demo) -> None:
    with demo.write() as s:
        for township in TOWNSHIPS:
            reserves.advance(s, township, Decimal("30000.00"), date(2022, 3, 2), user=PREPARER, now=demo.now)
        cases = [
            reserves.pay(s, TOWNSHIPS[0], "230523198405060011", "韩立军", Decimal("680.00"), date(2022, 3, 10),
                         "住房失火, 先行救助", user=PREPARER, now=demo.now),
            reserves.pay(s, TOWNSHIPS[0], "230523199001010039", "孟凡英", Decimal("500.00"), date(2022, 4, 2),
                         "突发重病", user=PREPARER, now=demo.now),
            reserves.pay(s, TOWNSHIPS[1], "230523197312120017", "曲国栋", Decimal("450.00"), date(2022, 5, 6),
                         "交通事故", user=PREPARER, now=demo.now),
        ]
        reserves.document(s, cases[0], date(2022, 3, 25), user=PREPARER, now=demo.now)
        reserves.document(s, cases[1], date(2022, 5, 20), user=PREPARER, now=demo.now)  # late
        seq, amount, count = reserves.replenish(s, TOWNSHIPS[0], date(2022, 6, 1), user=PREPARER, now=demo.now)
    demo.log(f"reserves: 30000.00 advanced to each of {len(TOWNSHIPS)} townships; emergency cases {cases}; "
             f"case {cases[1]} documented late; case {cases[2]} left undocumented (overdue)")
    demo.log(f"entry {seq}: {TOWNSHIPS[0]} replenished {amount:.2f} for {count} documented case(s)")
    demo.refused("an emergency payment above 1.0 × the urban standard", lambda s: reserves.pay(
        s, TOWNSHIPS[2], "230523198405060011", "韩立军", Decimal("681.00"), date(2022, 6, 2), "超过上限",
        user=PREPARER, now=demo.now))


# The bank's returns (退票) in the demo year: month → (household, account, reason). 李秀英's account is corrected
# and April pays her again; 郑丽华's July payment is sent back to the fund by an approver instead.
RETURNS = {"2022-03": ("H002", "6217000010000000029", "账户已销户"),
           "2022-07": ("H011", "6217000010000000110", "账户冻结")}
CORRECTED_ACCOUNT = "6217000010000009991"


def run_cycles(demo: Demo) -> None:
    """A year of monthly cycles: run, approve (another person), export to the two paying banks, book the bank's
    answer (in the bank's own returns layout) or settle a month nothing came back of."""
    from .reports.pdf.payment_order import files_with_order  # ReportLab, as the reports below

    bank_dir = demo.result.out_dir / "bank"
    bank_dir.mkdir(exist_ok=True)
    with demo.write() as s:  # the county names its paying banks (a new version of its file) before the year's runs
        loaded = load_policies(s, [(county_with_banks(), "230523-baoqing.toml")], user=ADMIN, now=demo.now)
    demo.log(f"policy {COUNTY} v{loaded[0].version}: two paying banks (宝清县农村商业银行 csv, "
             "中国邮政储蓄银行 fixed-width text), each sent its own file")
    for n in range(1, 13):
        month = f"{YEAR}-{n:02d}"
        if month in BEFORE_CYCLE:
            BEFORE_CYCLE[month](demo)
        with demo.write() as s:
            run = run_cycle(s, COUNTY, month, user=PREPARER, now=demo.now, on=date(YEAR, n, 10))
        if month in AFTER_RUN:
            AFTER_RUN[month](demo, run.cycle_id)
        with demo.write() as s:
            approve(s, run.cycle_id, date(YEAR, n, 15), user=APPROVER, now=demo.now)
            bank_file = export_bank(s, run.cycle_id, date(YEAR, n, 16), user=PREPARER, now=demo.now)
        count, total = bank_file.count, bank_file.total
        assert bank_file.order is not None  # the demo's county names its banks
        for name, data in files_with_order(bank_file.files, bank_file.order):  # each bank's file, the order
            (bank_dir / name).write_bytes(data)
        with demo.write() as s:
            if month in RETURNS:
                household, account, reason = RETURNS[month]
                line = next(ln for ln in cycle_view(s, run.cycle_id, reader=PREPARER).lines
                            if ln.household_id == household)
                name, data = _bank_returns(s, run.cycle_id, month, account, line.payee_name, line.amount, reason)
                (bank_dir / name).write_bytes(data)
                returned, amount = book_returns(s, run.cycle_id, data, name, date(YEAR, n, 20), user=PREPARER,
                                                now=demo.now)
            else:
                returned, amount = settle(s, run.cycle_id, date(YEAR, n, 20), user=PREPARER, now=demo.now)
        demo.log(f"cycle {run.cycle_id} {month}: {count} households, {total:.2f}; approved by {APPROVER}, "
                 f"sent to the banks ({', '.join(f.name for f in bank_file.files)}), settled"
                 + (f" with {returned} return ({amount:.2f})" if returned else "")
                 + _beyond_the_base(demo, run.cycle_id))
        if month == "2022-03":
            with demo.write() as s:
                correct_bank_account(s, "H002", CORRECTED_ACCOUNT, date(YEAR, n, 25), user=PREPARER, now=demo.now)
            demo.log("H002's account corrected; the next cycle pays the returned amount again")
        if month == "2022-07":
            with demo.write() as s:
                bank_return = cycle_view(s, run.cycle_id, reader=APPROVER).returns[0].id
                seq = cancel_return(s, bank_return, "户主已迁出本县, 退回资金", date(YEAR, n, 28), user=APPROVER,
                                    now=demo.now)
            demo.log(f"entry {seq}: {APPROVER} sent H011's returned July payment back to the fund")
    demo.result.files.append(bank_dir)


def county_with_banks() -> str:
    """The county's file with its two paying banks ([[bank]], demo_data/banks/): the spec's example file itself
    stays as the spec has it, and the tests' county pays through the one CSV."""
    return ((DATA / "230523-baoqing.toml").read_text(encoding="utf-8") + "\n"
            + (DATA / "banks" / "230523-banks.toml").read_text(encoding="utf-8"))


def _bank_returns(s, cycle_id: int, month: str, account: str, payee: str, amount: Decimal,
                  reason: str) -> tuple[str, bytes]:
    """The returns file the paying bank of `account` sends back, in that bank's own returns layout."""
    from .disbursement.payments.tables import Cycle

    banks, _ = cycle_banks(s, s.get(Cycle, cycle_id))
    bank = Router(banks).bank_of(account)
    layout = bank.returns
    values = {"account": account, "amount": f"{amount:.2f}", "name": payee, "reason": reason, "seq": "1",
              "household_id": ""}
    rows = [[title for title in layout.columns], [values[field] for field in layout.columns.values()]]
    rows = [[]] * (layout.header_row - 1) + rows  # a bank's banner rows above the titles
    name = f"{bank.code}-{month}-returns.{layout.format}"
    if layout.format == "xlsx":
        return name, write_rows(rows, datetime(2022, 1, 1))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return name, out.getvalue().encode(layout.encoding)


def _beyond_the_base(demo: Demo, cycle_id: int) -> str:
    """What the cycle paid or found besides the month's base, for the log."""
    with demo.database.read() as s:
        view = cycle_view(s, cycle_id, reader=None)  # amounts only: no number needs to be seen
    kinds: dict[str, Decimal] = {}
    for line in view.lines:
        for c in line.components:
            if c.kind in ("temporary", "arrears", "price_subsidy", "heating"):
                kinds[c.kind] = kinds.get(c.kind, Decimal("0.00")) + c.amount
    said = [f"{kind} {amount:.2f}" for kind, amount in sorted(kinds.items())]
    receivables = [a for a in view.adjustments if a.kind == "recovery"]
    if receivables:
        said.append(f"{len(receivables)} receivable(s) {sum((a.amount for a in receivables), Decimal(0)):.2f}")
    return ("; including " + ", ".join(said)) if said else ""


def grant_in_instalments(demo: Demo) -> None:
    """April: 张德明 (H003) is granted 6000.00 of expenditure-type assistance in 3 instalments from May."""
    with demo.write() as s:
        grant_id = grant(s, "H003", Decimal("6000.00"), 3, "2022-05", "重病住院, 自付医疗费用高 (支出型临时救助)",
                         None, user=PREPARER, now=demo.now)
    with demo.write() as s:
        approve_grant(s, grant_id, date(YEAR, 4, 28), user=APPROVER, now=demo.now)
    demo.log(f"temporary grant {grant_id}: H003 6000.00 in 3 instalments from 2022-05, approved by {APPROVER}")
    demo.refused("a 12000.00 grant without the committee's decision (一事一议)", lambda s: grant(
        s, "H004", Decimal("12000.00"), 4, "2022-05", "重大疾病", None, user=PREPARER, now=demo.now))


def record_late_death(demo: Demo) -> None:
    """June: the death of 钱振华 (H002) on 2022-03-10 is recorded only now; April and May paid him."""
    with demo.write() as s, resources.as_file(DATA / "late-events.csv") as path:
        import_events(s, str(path), user=PREPARER, now=demo.now, today=demo.now.date(), dry_run=False)
    demo.log("late-events.csv: H002's spouse died 2022-03-10, recorded in June; the June cycle finds the overpayments")


def recover_part(demo: Demo) -> None:
    """July: the family returns part of what was overpaid."""
    with demo.write() as s:
        first = next(r for r in receivable_list(s, COUNTY) if r.household_id == "H002")
        seq = record_recovery(s, first.id, Decimal("200.00"), date(YEAR, 7, 10), user=PREPARER, now=demo.now)
    demo.log(f"entry {seq}: 200.00 returned against receivable {first.id} (H002 {first.month})")


def raise_standard(demo: Demo) -> None:
    """September: the city publishes a raise of the urban standard to 700 from 1 June (a new file version)."""
    text = (DATA / "230500-shuangyashan.toml").read_text(encoding="utf-8")
    raised = text.replace("2022-01-01 = 680\n",
                          "2022-01-01 = 680\n2022-06-01 = 700   # 双民发〔2022〕9号, 9月印发\n", 1)
    if raised == text:
        raise RuntimeError("the demo's city file no longer has the urban standard it raises")
    path = demo.result.out_dir / "230500-shuangyashan-2022-09.toml"
    path.write_text(raised, encoding="utf-8")
    with demo.write() as s:
        loaded = load_policies(s, [(raised, path.name)], user=ADMIN, now=demo.now)
    demo.result.files.append(path)
    demo.log(f"policy {loaded[0].code} v{loaded[0].version}: urban standard 700 from 2022-06-01, published in "
             "September; the September cycle pays June to August's differences as arrears")


def declare_price_subsidy(demo: Demo) -> None:
    """November: the city declares October's price growth; CPI below its threshold, food above."""
    demo.refused("a price subsidy with both indices below their thresholds", lambda s: declare(
        s, CITY, "2022-11", Decimal("2.1"), Decimal("4.0"), user=PREPARER, now=demo.now))
    with demo.write() as s:
        declared = declare(s, CITY, "2022-11", Decimal("3.2"), Decimal("6.8"), user=PREPARER, now=demo.now)
    demo.log(f"price subsidy declaration {declared}: {CITY} 2022-11, CPI 3.2%, food 6.8%")


def _life_events(demo: Demo, name: str) -> int:
    with demo.write() as s, resources.as_file(DATA / name) as path:
        return import_events(s, str(path), user=PREPARER, now=demo.now, today=demo.now.date(), dry_run=False).events


def august_changes(demo: Demo) -> None:
    """August: a birth, a move, the death of a head who is also the payee, and a death recorded by mistake."""
    count = _life_events(demo, "life-events-2022-08.csv")
    demo.log(f"life-events-2022-08.csv: {count} events: H001 a daughter born 2022-07-12; 郑小兰 moves from H011 to "
             "H003; H010's head and payee 吴国庆 died 2022-07-25 (August's line is held); H004's 刘长福 "
             "recorded as died 2022-07-28 (a mistake: August pays H004 for three)")


def september_changes(demo: Demo) -> None:
    """September: the standard is raised; H010's new head and payee; H008 suspended; H004's mistake voided."""
    raise_standard(demo)
    count = _life_events(demo, "life-events-2022-09.csv")
    with demo.write() as s:
        mistaken = next(e for e in household_history(s, "H004", reader=PREPARER).events
                        if e.kind == "death" and e.date == "2022-07-28")
    path = demo.result.out_dir / "void-2022-09.csv"
    path.write_text(f"household_id,kind,date,value,reason\nH004,void,2022-09-05,{mistaken.id},"
                    "误录：死亡登记属同名他人，刘长福健在\n", encoding="utf-8")
    with demo.write() as s:
        import_events(s, str(path), user=PREPARER, now=demo.now, today=demo.now.date(), dry_run=False)
    demo.result.files.append(path)
    demo.log(f"life-events-2022-09.csv: {count} events: 何静 heads H010 and is paid on her own account (August's "
             f"held amount is paid in September); H008 suspended from September; event {mistaken.id} (刘长福's "
             "death) voided: he is a member again, and September pays H004 August's difference as arrears")


def november_changes(demo: Demo) -> None:
    declare_price_subsidy(demo)
    _life_events(demo, "life-events-2022-11.csv")
    demo.log("life-events-2022-11.csv: H008 resumed from November (nothing owed for the suspended months)")


DEATH_LIST = "县殡仪馆火化名单-2022-04.csv"


def load_death_list(demo: Demo) -> None:
    """数据比对: the county's crematorium sends April's cremations (GBK CSV, Chinese headers); May's run is matched
    against it."""
    with demo.write() as s, resources.as_file(DATA / DEATH_LIST) as path:
        loaded = load_list(s, path, kind="death", source="宝清县殡仪馆火化名单", listed_on=date(YEAR, 5, 5),
                           user=PREPARER, now=demo.now, today=date(YEAR, 5, 5))
    demo.log(f"{DEATH_LIST}: the crematorium's list of April loaded for the cross-checks ({loaded.rows} rows)")


def resolve_findings(demo: Demo, cycle_id: int) -> None:
    """May's run found 高小燕 (H004) on the crematorium's list: the list gives her id number for 高德贵, whom she
    registered as his relative. The approver checks, finds her alive, and dismisses the finding with the reason;
    the cycle can then be signed."""
    with demo.write() as s:
        for finding in findings_of(s, cycle_id, reader=APPROVER):
            resolve(s, finding.id, "dismissed", "经核实本人健在：火化名单登记的是为逝者高德贵办理火化的家属的身份证号",
                    user=APPROVER, now=demo.now, on=date(YEAR, 5, 12))
            demo.log(f"finding {finding.id} ({finding.household_id}, death list): dismissed by {APPROVER} after "
                     "checking; the cycle may be signed")


AFTER_RUN = {"2022-05": resolve_findings}


def may_changes(demo: Demo) -> None:
    load_death_list(demo)


BEFORE_CYCLE = {"2022-04": grant_in_instalments, "2022-05": may_changes, "2022-06": record_late_death,
                "2022-07": recover_part,
                "2022-08": august_changes, "2022-09": september_changes, "2022-11": november_changes}


def correct_an_entry(demo: Demo) -> None:
    with demo.write() as s:
        wrong = service.post_manual(s, EntryDraft(
            date=date(2022, 1, 20), jurisdiction=COUNTY, description="支付工作经费(误记入中央资金)",
            reference="宝民〔2022〕7号", lines=(
                Line("Expenses:Administration", "central_subsidy", debit=Decimal("12000.00")),
                Line("Assets:Treasury", "central_subsidy", credit=Decimal("12000.00")))), user=PREPARER, now=demo.now)
        reversal = service.reverse(s, wrong.seq, on=date(2022, 1, 25), reason="资金来源记错，应列工作经费",
                                   user=PREPARER, now=demo.now)
    with demo.write() as s:
        service.close_month(s, COUNTY, "2022-01", user=APPROVER, now=demo.now)
        fixed = service.post_manual(s, EntryDraft(
            date=date(2022, 3, 5), jurisdiction=COUNTY, description="支付工作经费(更正)",
            reference="宝民〔2022〕7号", lines=(
                Line("Expenses:Administration", "working_funds", debit=Decimal("12000.00")),
                Line("Assets:Treasury", "working_funds", credit=Decimal("12000.00")))), user=PREPARER, now=demo.now)
    demo.log(f"entry {wrong.seq}: an expense charged to the wrong fund; reversed by entry {reversal.seq}; "
             f"January closed by {APPROVER}; entry {fixed.seq} books it against working funds")


# From 2023 the county asks for two sign-offs (审核 by one approver, 审批 by another): a new version of its policy.
TWO_SIGNOFFS = "\n[approval]\ncycle_signoffs = 2\n"


def two_signoffs_from_2023(demo: Demo) -> None:
    """January 2023 is run and signed once (王芳's 审核): it waits for its 审批, which a newcomer gives in the browser
    as 陈静 (chen.jing). The year 2022's books, reports and audit pack are untouched by it (nothing is posted)."""
    with demo.write() as s:
        text = county_with_banks() + TWO_SIGNOFFS
        loaded = load_policies(s, [(text, "230523-baoqing-2023.toml")], user=ADMIN, now=demo.now)
    with demo.write() as s:
        run = run_cycle(s, COUNTY, f"{YEAR + 1}-01", user=PREPARER, now=demo.now, on=date(YEAR + 1, 1, 10))
    with demo.write() as s:
        signed = sign(s, run.cycle_id, date(YEAR + 1, 1, 12), user=APPROVER, now=demo.now)
    demo.log(f"policy {COUNTY} v{loaded[0].version}: two sign-offs per cycle; cycle {run.cycle_id} {YEAR + 1}-01: "
             f"{run.count} households, {run.total:.2f}; 审核 by {APPROVER} ({signed.step} of {signed.of_steps}), "
             f"waiting for its 审批: sign in as {SECOND_APPROVER} and sign it on its page")


def _dump(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_plain) + "\n", encoding="utf-8")
    return path


def _plain(value):
    return f"{value:.2f}" if isinstance(value, Decimal) else value.isoformat()


def write_outputs(demo: Demo) -> None:
    out, files = demo.result.out_dir, demo.result.files
    year_end = date(YEAR, 12, 31)
    with demo.database.read() as s:
        report = verify_books(s)
        tb = trial_balance(s, COUNTY, year_end)
        with staged(out / "ledger.beancount") as file:
            handle = io.TextIOWrapper(file.stream, encoding="utf-8", newline="\n", write_through=True)
            write_beancount(s, handle)
            handle.flush()
            handle.detach()
            file.publish()
        status = budget_status(s, COUNTY, YEAR)
        townships = reserves.status(s, COUNTY, year_end)
        receivables = [r.as_dict() for r in receivable_list(s, COUNTY)]
        explained = {month: {h: explain(s, h, month).benefit for h in (f"H{n:03d}" for n in range(1, 12))}
                     for month in ("2021-12", "2022-01", "2022-02", "2022-03")}
    if not report.ok:
        raise RuntimeError("demo books failed verification: " + "; ".join(report.messages))
    demo.log(f"ledger verify: ok, {report.entries} entries, head {report.head_hash}")
    # The auditor's copy of the head, signed with the books' key (kept beside the database in the output
    # folder, aidledger.db.keys/, as for any SQLite book); the audit pack's cover names the same head.
    with demo.write() as s, staged(out / "ledger.checkpoint") as file:
        checkpoint = take_checkpoint(s, demo.now, signing_key(key_folder(demo.database.url)))
        file.write(checkpoint.as_text().encode("utf-8"))
        file.publish()
    demo.log(f"ledger.checkpoint: entry {checkpoint.seq}, hash {checkpoint.hash[:16]}…, signed (aidledger.db.keys/); "
             "`ledger verify --checkpoint ledger.checkpoint` proves later books extend it")
    files += [demo.result.database, out / "ledger.beancount", out / "ledger.checkpoint"]
    files.append(_dump(out / "trial-balance.json", {
        "jurisdiction": tb.jurisdiction, "as_of": tb.as_of,
        "rows": [{"account": r.account, "fund": r.fund, "debit": r.debit, "credit": r.credit} for r in tb.rows],
        "total_debit": tb.total_debit, "total_credit": tb.total_credit}))
    cap = status.cap
    files.append(_dump(out / "budget-status.json", {
        "jurisdiction": COUNTY, "year": YEAR,
        "funds": [{"fund": f.fund, "opening": f.opening, "received": f.received, "spent": f.spent,
                   "committed": f.committed, "available": f.available} for f in status.funds],
        "purchased_services": {"base_kind": cap.base_kind, "base": cap.base, "rate": str(cap.rate), "cap": cap.cap,
                               "used": cap.used, "headroom": cap.headroom}}))
    files.append(_dump(out / "reserve-status.json", {
        "jurisdiction": COUNTY, "as_of": year_end,
        "townships": [{"township": t.township, "opening": t.carried,
                       "advanced": t.advanced, "paid": t.paid, "replenished": t.replenished,
                       "balance": t.balance, "undocumented": t.undocumented, "overdue": t.overdue}
                      for t in townships]}))
    files.append(_dump(out / "receivables.json", {"jurisdiction": COUNTY, "receivables": receivables}))
    # A file anyone may be handed: the members' id numbers masked, as for a reader who may not see them.
    files.append(_dump(out / "explained-amounts.json", {
        month: {h: {"amount": b.amount, "components": [_masked(c.as_dict()) for c in b.components]}
                for h, b in households.items() if b.paid}
        for month, households in explained.items()}))


def _masked(component: dict) -> dict:
    if component.get("id_number"):
        component = {**component, "id_number": mask(component["id_number"])}
    return component


def write_reports(demo: Demo) -> None:
    """Each month's payment registers (the county's, each township's), its county summary (汇总表) and its statistics
    report (民政统计月报, PDF and CSV), and the year's audit pack, as the commands `report register [--township |
    --summary]` / `report monthly` / `report audit` write them."""
    from sqlalchemy import select

    from .disbursement.payments.tables import Cycle
    from .ledger.checkpoints import read as read_checkpoint
    from .policy.store import townships_of
    from .reports.pdf.audit import write_audit
    from .reports.pdf.monthly import write_monthly_files
    from .reports.pdf.register import write_register
    from .reports.pdf.summary import write_summary
    from .reports.service.audit import audit_pack
    from .reports.service.monthly import POSTED, monthly_report
    from .reports.service.register import register_data

    out = demo.result.out_dir / "registers"
    out.mkdir(exist_ok=True)
    with demo.database.read() as s:
        cycles = s.execute(select(Cycle.id, Cycle.month).where(Cycle.jurisdiction_code == COUNTY)
                           .order_by(Cycle.month)).all()
        registers = [register_data(s, cycle_id) for cycle_id, _ in cycles]
        townships = sorted(townships_of(s, COUNTY))
        by_township = [[register_data(s, cycle_id, township=t) for t in townships
                        if any(sub.township == t for sub in data.by_township)]
                       for (cycle_id, _), data in zip(cycles, registers)]
        # The months a posted cycle paid (a draft or cancelled month has no statistics: report monthly refuses it).
        paid_months = s.scalars(select(Cycle.month).where(Cycle.jurisdiction_code == COUNTY, Cycle.status.in_(POSTED))
                                .distinct().order_by(Cycle.month)).all()
        monthly = [monthly_report(s, COUNTY, month) for month in paid_months]
        # The pack is proved against the checkpoint write_outputs took, and its cover names it.
        checkpoint = read_checkpoint((demo.result.out_dir / "ledger.checkpoint").read_text(encoding="utf-8"),
                                     "ledger.checkpoint")
        pack = audit_pack(s, COUNTY, YEAR, checkpoints=[("ledger.checkpoint", checkpoint)])
    for (_, month), data, parts in zip(cycles, registers, by_township):
        write_register(data, out / f"{month}-register.pdf")
        write_summary(data, out / f"{month}-summary.pdf")
        for part in parts:
            write_register(part, out / f"{month}-{part.header.jurisdiction}-register.pdf")
    demo.result.files.append(out)
    demo.log(f"payment registers (发放花名册): {len(registers)} months in {out.name}/, each the county's, "
             f"{sum(map(len, by_township))} townships' in all, and the county summary (汇总表)")
    statistics = demo.result.out_dir / "monthly"
    statistics.mkdir(exist_ok=True)
    for report in monthly:
        write_monthly_files(report, statistics / f"{report.month}-monthly.pdf")
    demo.result.files.append(statistics)
    demo.log(f"monthly statistics (民政统计月报): {len(monthly)} months in {statistics.name}/, each as PDF and CSV"
             + (f"; {monthly[-1].month}: {monthly[-1].total.counts.households} households paid, "
                f"{monthly[-1].total.year.paid:,.2f} paid since January" if monthly else ""))
    path = demo.result.out_dir / f"{COUNTY}-{YEAR}-audit.pdf"
    pages = write_audit(pack, path)
    demo.result.files.append(path)
    demo.log(f"audit pack: {pages} pages, {pack.exception_count} exception(s) "
             + ", ".join(f"{s.kind} {len(s.items)}" for s in pack.exceptions if s.items))
