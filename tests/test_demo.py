"""`aidledger demo` builds a sample county's books end to end, and what it writes holds up."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from support import EXAMPLES

from aidledger.cli import cli
from aidledger.demo import DEMO_USERS


def test_demo_runs_and_its_outputs_check(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"demo output in {out.resolve()}" in result.stdout
    # Its books authenticate, and it says how to open them in a browser, with a user of each role.
    assert f"aidledger --db sqlite:///{(out / 'aidledger.db').resolve()} serve --port 8000" in result.stdout
    assert all(f"{name} / {password}" in result.stdout for name, _, _, _, password in DEMO_USERS)
    assert "refused as it should be — a second purchase that would pass the 2% cap" in result.stdout
    # The books verify, and bean-check accepts the export.
    assert CliRunner().invoke(cli, ["--db", f"sqlite:///{out / 'aidledger.db'}", "ledger", "verify"]).exit_code == 0
    check = subprocess.run([str(Path(sys.executable).parent / "bean-check"), str(out / "ledger.beancount")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tb = json.loads((out / "trial-balance.json").read_text(encoding="utf-8"))
    assert tb["total_debit"] == tb["total_credit"]
    # 启用月 2021-12: the old books' balances are the 2022 opening (期初) of the budget status.
    status = json.loads((out / "budget-status.json").read_text(encoding="utf-8"))
    opening = {f["fund"]: f["opening"] for f in status["funds"]}
    assert (opening["county_subsidy"], opening["working_funds"]) == ("120000.00", "5000.00")
    # The sample county is the spec's worked example: its explained amounts are expected.json's.
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    explained = json.loads((out / "explained-amounts.json").read_text(encoding="utf-8"))
    for month, households in explained.items():
        assert {h: v["amount"] for h, v in households.items()} == expected[month]
    # A file anyone may be handed: no full id number in it (issue 15)
    assert not re.search(r"\b[0-9]{17}[0-9X]\b", (out / "explained-amounts.json").read_text(encoding="utf-8"))
    assert '"id_number": "230523********' in (out / "explained-amounts.json").read_text(encoding="utf-8")
    reserve = json.loads((out / "reserve-status.json").read_text(encoding="utf-8"))
    overdue = {t["township"]: t["overdue"] for t in reserve["townships"]}
    assert overdue == {"230523100": 0, "230523101": 1, "230523102": 0}
    beyond_the_base(out)
    # The signed checkpoint names the head the audit pack was made from, and the books extend it.
    checkpoint = json.loads((out / "ledger.checkpoint").read_text(encoding="utf-8"))
    cover = subprocess.run(["pdftotext", str(out / "230523-2022-audit.pdf"), "-"], capture_output=True,
                           text=True).stdout
    assert f"第 {checkpoint['seq']} 号分录：{checkpoint['hash']}" in cover
    assert f"第 {checkpoint['evidence_seq']} 号印记：{checkpoint['evidence_mac']}" in cover
    assert re.search(r"检查点 ledger\.checkpoint\s+第 \d+ 号分录、第 \d+ 号印记.*账簿延续该检查点", cover)
    extends = CliRunner().invoke(cli, ["--db", f"sqlite:///{out / 'aidledger.db'}", "ledger", "verify",
                                       "--checkpoint", str(out / "ledger.checkpoint")])
    assert extends.exit_code == 0 and "the books extend it" in extends.output
    waiting_for_its_second_signoff(out)
    banks_returns_and_a_finding(out)


def banks_returns_and_a_finding(out: Path) -> None:
    """Issue 19's demo: two paying banks in their own layouts every month, with the payment order; returns booked
    from the banks' own files; May's death-list finding dismissed by an approver before the month was signed."""
    import csv as csv_module
    import io

    from aidledger import db as dbmod
    from aidledger.disbursement.matching.tables import MatchFinding, MatchResolutionRow

    bank = out / "bank"
    for n in range(1, 13):
        month = f"2022-{n:02d}"
        rcb, psbc = bank / f"rcb-{month}.csv", bank / f"psbc-{month}.txt"
        assert rcb.exists() and psbc.exists() and list(bank.glob(f"payment-order-{month}-*.pdf")), month
    rows = list(csv_module.reader(io.StringIO((bank / "rcb-2022-01.csv").read_bytes().decode("gb18030"))))
    assert rows[0][:3] == ["序号", "账号", "户名"] and rows[-1][0] == "合计"
    fixed = (bank / "psbc-2022-01.txt").read_bytes().split(b"\r\n")
    assert len({len(line) for line in fixed[1:] if line}) == 1  # fixed width, in bytes of GB18030
    assert (bank / "psbc-2022-03-returns.xlsx").exists() and (bank / "rcb-2022-07-returns.csv").exists()
    order = subprocess.run(["pdftotext", str(next(bank.glob("payment-order-2022-01-*.pdf"))), "-"],
                           capture_output=True, text=True).stdout
    assert "支付令" in order and "玖仟陆佰叁拾玖元整" in order  # January's 9,639.00 in capitals
    database = dbmod.Database(f"sqlite:///{out / 'aidledger.db'}")
    try:
        with database.read() as session:
            found = session.query(MatchFinding.household_id, MatchFinding.kind, MatchResolutionRow.action,
                                  MatchResolutionRow.user_name, MatchResolutionRow.reason).join(
                MatchResolutionRow, MatchResolutionRow.finding_id == MatchFinding.id).order_by(MatchFinding.id).first()
    finally:
        database.dispose()
    household, kind, action, user, reason = found
    assert (household, kind, action, user) == ("H004", "death", "dismissed", "wang.fang") and "健在" in reason


def waiting_for_its_second_signoff(out: Path) -> None:
    """The demo's last cycle (2023-01, under two sign-offs) has 王芳's 审核 and waits for its 审批, which 陈静 gives."""
    db = f"sqlite:///{out / 'aidledger.db'}"
    password = dict((u[0], u[4]) for u in DEMO_USERS)

    def as_user(name: str, *args: str):
        return CliRunner(env={"AIDLEDGER_PASSWORD": password[name]}).invoke(cli, ["--db", db, "--user", name, *args])

    view = json.loads(as_user("zhao.audit", "cycle", "show", "13", "--json").stdout)
    assert (view["month"], view["status"], view["waiting"]) == ("2023-01", "draft", "待审批")
    assert [(s["name"], s["user"], s["display_name"]) for s in view["signoffs"]] == [("审核", "wang.fang", "王芳")]
    signed = as_user("chen.jing", "cycle", "approve", "13", "--date", "2023-01-15")
    assert signed.exit_code == 0 and signed.stdout.strip().isdigit(), signed.output
    assert json.loads(as_user("zhao.audit", "cycle", "show", "13", "--json").stdout)["status"] == "approved"


def life_events(cycle, september: dict[str, list[str]]) -> None:
    """A birth (H001), a move (H011 → H003), a head and payee who died (H010: August held, paid to 何静 in
    September), a death recorded by mistake and voided (H004: August paid back), a suspension (H008)."""
    august = cycle("2022-08")
    members = {line["household_id"]: line["members"] for line in august["lines"]}
    assert (members["H001"], members["H003"], members["H011"], members["H004"]) == (4, 2, 2, 3)
    assert [(h["household_id"], h["payee_name"]) for h in august["held"]] == [("H010", "吴国庆")]
    assert "H010" not in members and august["held_total"] == august["held"][0]["amount"]
    assert september["H010"] == ["2022-08"] and september["H004"] == ["2022-08"]
    h010 = next(line for line in cycle("2022-09")["lines"] if line["household_id"] == "H010")
    assert h010["payee_name"] == "何静" and h010["amount"] == august["held"][0]["amount"]
    paid_in = {m: {line["household_id"] for line in cycle(m)["lines"]} for m in ("2022-10", "2022-11")}
    assert "H008" not in paid_in["2022-10"] and "H008" in paid_in["2022-11"]


def beyond_the_base(out: Path) -> None:
    """The demo's year includes a retroactive raise, a late death, a grant in instalments, a price subsidy and
    heating."""
    db = f"sqlite:///{out / 'aidledger.db'}"

    def cycle(month: str) -> dict:
        # The demo's books authenticate: the auditor signs in with the demo's published password.
        password = next(u[4] for u in DEMO_USERS if u[0] == "zhao.audit")
        listed = CliRunner(env={"AIDLEDGER_PASSWORD": password}).invoke(
            cli, ["--db", db, "--user", "zhao.audit", "cycle", "show", str(int(month[5:])), "--json"])
        view = json.loads(listed.stdout)
        assert view["month"] == month
        return view

    def paid(view: dict, kind: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for line in view["lines"]:
            for c in line["components"]:
                if c["kind"] == kind and "return_id" not in c:
                    found.setdefault(line["household_id"], []).append(c.get("month", view["month"]))
        return found

    assert all(paid(cycle(m), "temporary") == {"H003": [m]} for m in ("2022-05", "2022-06", "2022-07"))
    assert paid(cycle("2022-08"), "temporary") == {}
    september = paid(cycle("2022-09"), "arrears")
    # H011's July payment came back and went to the fund; H010's and H004's arrears are the registry's (below)
    raise_months = {h: months for h, months in september.items() if h not in ("H011", "H010", "H004")}
    assert raise_months and all(months == ["2022-06", "2022-07", "2022-08"] for months in raise_months.values())
    life_events(cycle, september)
    assert paid(cycle("2022-10"), "heating") and not paid(cycle("2022-09"), "heating")
    assert paid(cycle("2022-11"), "price_subsidy") and not paid(cycle("2022-12"), "price_subsidy")
    receivables = json.loads((out / "receivables.json").read_text(encoding="utf-8"))["receivables"]
    assert [(r["household_id"], r["month"], r["reason"]) for r in receivables] == [
        ("H004", "2021-10", "收入未如实申报"), ("H002", "2022-04", "death"), ("H002", "2022-05", "death")]
    assert receivables[0]["opening"] == 1 and receivables[0]["outstanding"] == "150.00"  # from the old books
    assert receivables[1]["recovered"] == "200.00"


def test_the_demo_county_files_hold_the_example_registry():
    """The demo imports its registry as the county keeps it (one workbook, GBK events): the same rows as the spec's
    example CSV files, so the worked example's amounts hold for it (tests/county_files.py wrote them)."""
    from datetime import date

    from aidledger.demo import MARCH_EVENTS, REGISTRY_WORKBOOK
    from aidledger.demo_data import __file__ as data_init
    from aidledger.disbursement.registry.inputs import Wanted, inputs
    from aidledger.disbursement.registry.readers import read_events, read_households, read_members

    data = Path(data_init).parent
    today = date(2022, 6, 30)

    def read(wanted, readers):
        with inputs(wanted) as ready:
            out = []
            for file, reader in zip(ready, readers, strict=True):
                with file.lines() as lines:
                    out.append([(type(r).__name__, getattr(r, "__dict__", None) or str(r))
                                for r in reader(lines, "f", today=today)])
            return out, [file.described() for file in ready]

    workbook = str(data / REGISTRY_WORKBOOK)
    county, how = read([Wanted(workbook, "households"), Wanted(workbook, "members")], (read_households, read_members))
    example, _ = read([Wanted(str(EXAMPLES / "registry" / "households.csv"), "households"),
                       Wanted(str(EXAMPLES / "registry" / "members.csv"), "members")], (read_households, read_members))
    assert county == example and how[0].endswith("sheet 家庭") and how[1].endswith("sheet 成员")
    events, how = read([Wanted(str(data / MARCH_EVENTS), "events")], (read_events,))
    assert "GB18030" in how[0] and all(kind != "Problem" for kind, _ in events[0])
    expected, _ = read([Wanted(str(EXAMPLES / "registry" / "events.csv"), "events")], (read_events,))
    assert [(r["household_id"], r["kind"], r["date"], r["value"]) for _, r in events[0]] == [
        (r["household_id"], r["kind"], r["date"], r["value"]) for _, r in expected[0]]
