"""`aidledger demo`: a sample county's year, end to end, on a fresh SQLite database.

The demo goes through the same services the commands use, as the users of a county
would: an admin sets up users and places; a preparer books the year's allocations and
an adjusting entry (and reverses a mistaken one); an approver closes January. It then
writes what an auditor would take away: the beancount export, the trial balance and
the verification result. Later capabilities (registry, cycles, reports) extend it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from . import db as dbmod
from .ledger import service
from .ledger.balances import trial_balance
from .ledger.beancount_export import write_beancount
from .ledger.entries import EntryDraft, Line
from .ledger.verify import verify
from .users import add_user

COUNTY = "230523"
YEAR = 2022
ADMIN, PREPARER, APPROVER, AUDITOR = "admin", "li.ming", "wang.fang", "zhao.audit"

# 2022 allocations received by 宝清县 into each subsidy fund (yuan), by date.
ALLOCATIONS = (
    (date(2022, 1, 10), "central_subsidy", Decimal("6000000.00"), "黑财社〔2022〕1号 中央困难群众救助补助资金"),
    (date(2022, 1, 10), "provincial_subsidy", Decimal("1500000.00"), "黑财社〔2022〕2号 省级困难群众救助补助资金"),
    (date(2022, 2, 15), "city_subsidy", Decimal("400000.00"), "双财社〔2022〕5号 市级配套"),
    (date(2022, 3, 1), "county_subsidy", Decimal("350000.00"), "宝财社〔2022〕3号 县级配套"),
    (date(2022, 3, 1), "working_funds", Decimal("80000.00"), "宝财社〔2022〕4号 工作经费"),
)


@dataclass
class DemoResult:
    out_dir: Path
    database: Path
    files: list[Path] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def run_demo(out_dir: Path, now: datetime | None = None) -> DemoResult:
    now = now or datetime.now(timezone.utc)
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "aidledger.db"
    for stale in out_dir.glob("aidledger.db*"):
        stale.unlink()
    result = DemoResult(out_dir, db_path)
    database = dbmod.Database(f"sqlite:///{db_path}")
    try:
        dbmod.upgrade(database)
        _set_up(database, now, result)
        _book_the_year(database, now, result)
        _write_outputs(database, result)
    finally:
        database.dispose()
    (out_dir / "demo.log").write_text("\n".join(result.log) + "\n", encoding="utf-8")
    result.files.append(out_dir / "demo.log")
    return result


def _set_up(database: dbmod.Database, now: datetime, result: DemoResult) -> None:
    with database.write() as s:
        add_user(s, ADMIN, "admin", acting=None, now=now)
        for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
            add_user(s, name, role, acting=ADMIN, now=now)
        service.add_jurisdiction(s, "230000", "黑龙江省", "province", None, user=ADMIN, now=now)
        service.add_jurisdiction(s, "230500", "双鸭山市", "city", "230000", user=ADMIN, now=now)
        service.add_jurisdiction(s, COUNTY, "宝清县", "county", "230500", user=ADMIN, now=now)
    result.log.append("users admin, li.ming (preparer), wang.fang (approver), zhao.audit (auditor)")
    result.log.append("jurisdictions 230000 黑龙江省 > 230500 双鸭山市 > 230523 宝清县, each with its chart")


def _book_the_year(database: dbmod.Database, now: datetime, result: DemoResult) -> None:
    with database.write() as s:
        for day, fund, amount, reference in ALLOCATIONS:
            draft = EntryDraft(
                date=day, jurisdiction=COUNTY, description=f"收到{reference.split(' ', 1)[1]}",
                reference=reference.split(" ", 1)[0], idempotency_key=f"demo-alloc-{fund}-{YEAR}",
                kind="allocation",
                lines=(Line("Assets:Treasury", fund, debit=amount), Line("Income:Allocations", fund, credit=amount)),
            )
            posted = service.post_manual(s, draft, user=PREPARER, now=now)
            result.log.append(f"entry {posted.seq}: {day} received {amount} into {fund}")
        wrong = service.post_manual(s, EntryDraft(
            date=date(2022, 1, 20), jurisdiction=COUNTY, description="支付工作经费(误记入中央资金)",
            reference="宝民〔2022〕7号", lines=(
                Line("Expenses:Administration", "central_subsidy", debit=Decimal("12000.00")),
                Line("Assets:Treasury", "central_subsidy", credit=Decimal("12000.00")))), user=PREPARER, now=now)
        reversal = service.reverse(s, wrong.seq, on=date(2022, 1, 25), reason="资金来源记错，应列工作经费",
                                   user=PREPARER, now=now)
        result.log.append(f"entry {wrong.seq}: an expense charged to the wrong fund; reversed by entry {reversal.seq}")
    with database.write() as s:
        service.close_month(s, COUNTY, "2022-01", user=APPROVER, now=now)
        result.log.append("January 2022 closed by wang.fang")
        fixed = service.post_manual(s, EntryDraft(
            date=date(2022, 3, 5), jurisdiction=COUNTY, description="支付工作经费(更正)",
            reference="宝民〔2022〕7号", lines=(
                Line("Expenses:Administration", "working_funds", debit=Decimal("12000.00")),
                Line("Assets:Treasury", "working_funds", credit=Decimal("12000.00")))), user=PREPARER, now=now)
        result.log.append(f"entry {fixed.seq}: the expense booked again against working funds")


def _write_outputs(database: dbmod.Database, result: DemoResult) -> None:
    out = result.out_dir
    with database.read() as s:
        report = verify(s)
        tb = trial_balance(s, COUNTY, date(YEAR, 12, 31))
        with open(out / "ledger.beancount", "w", encoding="utf-8") as handle:
            write_beancount(s, handle)
    if not report.ok:
        raise RuntimeError("demo books failed verification: " + "; ".join(report.problems))
    result.log.append(f"ledger verify: ok, {report.entries} entries, head {report.head_hash}")
    (out / "trial-balance.json").write_text(json.dumps({
        "jurisdiction": tb.jurisdiction, "as_of": tb.as_of.isoformat(),
        "rows": [{"account": r.account, "fund": r.fund, "debit": f"{r.debit:.2f}", "credit": f"{r.credit:.2f}"}
                 for r in tb.rows],
        "total_debit": f"{tb.total_debit:.2f}", "total_credit": f"{tb.total_credit:.2f}",
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result.files += [result.database, out / "ledger.beancount", out / "trial-balance.json"]
