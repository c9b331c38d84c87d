"""追回: a death recorded after the months were paid makes a receivable per overpaid month and household.

The receivable is posted when the cycle that found it is approved (Dr Assets:Receivable:Recovery,
Cr the program's expense), listed by `recovery list` until recovered, and recovered with
`recovery record` (Dr Assets:Treasury). `ledger verify` reconciles the account with the list.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import pytest
from beyond_helpers import explained, paid_in, pay_month, record_events
from cycle_helpers import (
    D,
    allocate,
    approve,
    balances,
    entry,
    entry_net,
    load_example_registry,
    ok,
    run_cycle,
    show,
    verify,
)
from sqlalchemy import text
from support import APPROVER, PREPARER, assert_refused, snapshot

PAID = ("2022-01", "2022-02", "2022-03", "2022-04")
SPOUSE = "230523195903050525"  # H002's second member


@pytest.fixture
def late_death(county, tmp_path):
    """January to April paid; then the death of H002's spouse on 2022-02-10 is recorded (in May)."""
    load_example_registry(county)
    allocate(county, "200000.00")
    paid = {month: pay_month(county, month, tmp_path) for month in PAID}
    record_events(county, tmp_path, [f"H002,death,2022-02-10,,{SPOUSE}"])
    return paid


def receivables(run) -> list[dict]:
    return json.loads(ok(run("recovery", "list", "--jurisdiction", "230523", "--json", user=PREPARER)))["receivables"]


def test_a_late_death_makes_a_receivable_for_each_overpaid_month(late_death, county):
    may_id = run_cycle(county, "2022-05")
    may = show(county, may_id)
    found = [a for a in may["adjustments"] if a["kind"] == "recovery"]
    # Alive on 1 February, so February was right; March and April paid two people instead of one.
    assert [(a["household_id"], a["month"]) for a in found] == [("H002", "2022-03"), ("H002", "2022-04")]
    for a in found:
        overpaid = paid_in(late_death[a["month"]], "H002") - explained(county, "H002", a["month"])
        assert overpaid > 0 and D(a["amount"]) == overpaid
    assert receivables(county) == []  # a draft creates nothing yet
    approval = approve(county, may_id, "2022-05-05")
    listed = receivables(county)
    assert [(r["household_id"], r["month"], r["reason"], r["recovered"]) for r in listed] == [
        ("H002", "2022-03", "death", "0.00"), ("H002", "2022-04", "death", "0.00")]
    total = sum((D(r["amount"]) for r in listed), D("0.00"))
    assert all(r["outstanding"] == r["amount"] for r in listed)
    net = entry_net(entry(county, approval))
    assert net["Assets:Receivable:Recovery"] == total
    assert balances(county, "2022-05-31")["Assets:Receivable:Recovery"] == total
    verify(county)
    # Found once: June finds nothing more for H002.
    june = show(county, run_cycle(county, "2022-06"))
    assert [a for a in june["adjustments"] if a["household_id"] == "H002"] == []


def test_money_returned_is_recorded_against_the_receivable(late_death, county, db_url):
    approve(county, run_cycle(county, "2022-05"), "2022-05-05")
    first = receivables(county)[0]
    part = (D(first["amount"]) / 2).quantize(D("0.01"))
    seq = int(ok(county("recovery", "record", first["id"], "--amount", str(part), "--date", "2022-06-20",
                        user=PREPARER)))
    assert entry_net(entry(county, seq)) == {"Assets:Treasury": part, "Assets:Receivable:Recovery": -part}
    after = receivables(county)[0]
    assert (D(after["recovered"]), D(after["outstanding"])) == (part, D(first["amount"]) - part)
    verify(county)
    before = snapshot(db_url)
    for args, fragment in (
        (("--amount", str(D(first["amount"])), "--date", "2022-06-21"), "outstanding"),
        (("--amount", "10.00", "--date", "2022-05-01"), "was created on 2022-05-05"),
        (("--amount", "0.00", "--date", "2022-06-21"), "more than 0.00"),
    ):
        assert_refused(county("recovery", "record", first["id"], *args, user=PREPARER), fragment)
    assert_refused(county("recovery", "record", "999", "--amount", "1.00", "--date", "2022-06-21", user=PREPARER),
                   "receivable 999 does not exist")
    assert_refused(county("recovery", "record", first["id"], "--amount", "1.00", "--date", "2022-06-21",
                          user=APPROVER), "preparer")
    assert snapshot(db_url) == before


def test_a_receivable_keeps_the_money_out_of_the_funds_until_recovered(late_death, county):
    def available() -> D:
        status = json.loads(ok(county("budget", "status", "--jurisdiction", "230523", "--year", "2022", "--json",
                                      user=PREPARER)))
        return sum((D(f["available"]) for f in status["funds"]), D("0.00"))

    may_id = run_cycle(county, "2022-05")
    before = available()
    approve(county, may_id, "2022-05-05")
    may_total = D(show(county, may_id)["total"])
    assert available() == before - may_total  # the receivable credits the expense but is committed
    first = receivables(county)[0]
    ok(county("recovery", "record", first["id"], "--amount", first["amount"], "--date", "2022-06-20", user=PREPARER))
    assert available() == before - may_total + D(first["amount"])


def test_a_cancelled_cycle_voids_its_receivables(late_death, county):
    may_id = run_cycle(county, "2022-05")
    approve(county, may_id, "2022-05-05")
    assert len(receivables(county)) == 2
    ok(county("cycle", "cancel", str(may_id), "--reason", "重新核算", "--date", "2022-05-06", user=APPROVER))
    assert receivables(county) == []
    assert balances(county, "2022-05-31")["Assets:Receivable:Recovery"] == D("0.00")
    verify(county)
    again = show(county, run_cycle(county, "2022-05"))  # found again by the new run
    assert [a["month"] for a in again["adjustments"] if a["kind"] == "recovery"] == ["2022-03", "2022-04"]


def test_the_audit_pack_lists_open_receivables_and_the_payments_after_death(late_death, county, db_url, tmp_path):
    from aidledger import db as dbmod
    from aidledger.reports.service.audit import audit_pack

    approve(county, run_cycle(county, "2022-05"), "2022-05-05")
    first = receivables(county)[0]
    ok(county("recovery", "record", first["id"], "--amount", "100.00", "--date", "2022-06-20", user=PREPARER))
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            pack = audit_pack(session, "230523", 2022)
    finally:
        database.dispose()
    items = {s.kind: [(e.household, e.month, e.amount) for e in s.items] for s in pack.exceptions}
    owed = {r["month"]: D(r["outstanding"]) for r in receivables(county)}
    assert items["receivable"] == [("H002", "2022-03", owed["2022-03"]), ("H002", "2022-04", owed["2022-04"])]
    assert owed["2022-03"] == D(first["amount"]) - D("100.00")
    # The overpaid months are payments counting a member who had died; once the receivables are
    # counted, their amounts agree with the rules.
    assert [(h, m) for h, m, _ in items["after_end"]] == [("H002", "2022-03"), ("H002", "2022-04")]
    assert items["amount_differs"] == []
    assert pack.verify.ok
    assert [(r.household_id, r.month, r.reason, r.amount, r.recovered) for r in pack.beyond.receivables] == [
        ("H002", m, "death", owed[m] + (D("100.00") if m == "2022-03" else D("0.00")),
         D("100.00") if m == "2022-03" else D("0.00")) for m in ("2022-03", "2022-04")]
    out = tmp_path / "audit.pdf"
    ok(county("report", "audit", "--jurisdiction", "230523", "--year", "2022", "--out", str(out), user=PREPARER))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    # The section by its title, whatever number the pack's contents give it (the heading, not its contents entry).
    section = text[re.search(r"[一二三四五六七八九十]+、补发、追回与临时救助(?![ .]*\d)", text).start():]
    due = f"{owed['2022-03'] + 100:,.2f}"
    assert re.search(r"H002\s+2022-03\s+死亡\s+" + re.escape(due) + r"\s+100\.00", section), section


def allow_set_off(run, tmp_path, ratio: str = "0.5") -> None:
    from support import ADMIN, EXAMPLE_POLICIES

    county_file = next(p for p in EXAMPLE_POLICIES if p.name.startswith("230523"))
    path = tmp_path / county_file.name
    path.write_text(county_file.read_text(encoding="utf-8") + f"\n[recovery]\nset_off_ratio = {ratio}\n",
                    encoding="utf-8")
    return run("policy", "load", str(path), user=ADMIN)


def test_when_the_policy_allows_it_later_payments_are_set_off(late_death, county, tmp_path, db_url):
    approve(county, run_cycle(county, "2022-05"), "2022-05-05")
    owed = sum((D(r["outstanding"]) for r in receivables(county)), D("0.00"))
    ok(allow_set_off(county, tmp_path))
    june_id = run_cycle(county, "2022-06")
    june = show(county, june_id)
    line = next(ln for ln in june["lines"] if ln["household_id"] == "H002")
    withheld = [c for c in line["components"] if c["kind"] == "recovery"]
    rules = explained(county, "H002", "2022-06")
    # Half of the month's own payment, rounded down to the fen, at most what is owed.
    assert [D(c["amount"]) for c in withheld] == [-min(owed, (rules / 2).quantize(D("0.01"), rounding="ROUND_DOWN"))]
    assert D(line["amount"]) == rules + D(withheld[0]["amount"])
    assert sum((D(c["amount"]) for c in line["components"]), D("0.00")) == D(line["amount"])
    taken = -D(withheld[0]["amount"])
    net = entry_net(entry(county, approve(county, june_id, "2022-06-05")))
    assert net["Liabilities:Payable:Beneficiaries"] == -D(june["total"])  # the bank pays the net amounts
    assert net["Assets:Receivable:Recovery"] == -taken
    assert sum((D(r["recovered"]) for r in receivables(county)), D("0.00")) == taken
    assert receivables(county)[0]["recovered"] == f"{taken:.2f}"  # the oldest receivable first
    verify(county)
    # Cancelling the cycle voids its set-off: the money is owed again.
    ok(county("cycle", "cancel", str(june_id), "--reason", "重新核算", "--date", "2022-06-06", user=APPROVER))
    assert all(r["recovered"] == "0.00" for r in receivables(county))
    assert balances(county, "2022-06-30")["Assets:Receivable:Recovery"] == owed
    verify(county)


def test_a_set_off_ratio_of_1_is_refused(county, tmp_path):
    assert_refused(allow_set_off(county, tmp_path, "1.0"), "recovery.set_off_ratio")


def test_without_the_policy_nothing_is_withheld(late_death, county):
    approve(county, run_cycle(county, "2022-05"), "2022-05-05")
    june = show(county, run_cycle(county, "2022-06"))
    assert all(c["kind"] != "recovery" for ln in june["lines"] for c in ln["components"])


@pytest.mark.parametrize("event, household, reason", [
    ("H001,terminate,2022-02-20,,", "H001", "terminate"),  # not paid from March on
    ("H004,income,2022-02-15,1500,", "H004", "income"),  # still below the line, a smaller gap
])
def test_a_late_termination_or_income_rise_makes_receivables_too(county, tmp_path, event, household, reason):
    load_example_registry(county)
    allocate(county, "200000.00")
    paid = {month: pay_month(county, month, tmp_path) for month in PAID}
    record_events(county, tmp_path, [event])
    may_id = run_cycle(county, "2022-05")
    found = [a for a in show(county, may_id)["adjustments"] if a["household_id"] == household]
    assert [(a["month"], a["kind"], a["reason"]) for a in found] == [
        ("2022-03", "recovery", reason), ("2022-04", "recovery", reason)]
    for a in found:
        assert D(a["amount"]) == paid_in(paid[a["month"]], household) - explained(county, household, a["month"])
    approve(county, may_id, "2022-05-05")
    assert [(r["household_id"], r["month"]) for r in receivables(county)] == [
        (household, "2022-03"), (household, "2022-04")]
    verify(county)


def test_the_audit_pack_counts_recoveries_up_to_its_day(late_death, county, db_url):
    from aidledger import db as dbmod
    from aidledger.reports.service.audit import audit_pack

    approve(county, run_cycle(county, "2022-05"), "2022-05-05")
    first = receivables(county)[0]
    ok(county("recovery", "record", first["id"], "--amount", "100.00", "--date", "2022-06-20", user=PREPARER))
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            before, after, early = (audit_pack(session, "230523", 2022, as_of=day)
                                    for day in (date(2022, 6, 1), date(2022, 6, 30), date(2022, 5, 1)))
    finally:
        database.dispose()

    def owed(pack) -> list:
        return [(e.month, e.amount) for s in pack.exceptions if s.kind == "receivable" for e in s.items]

    amount = D(first["amount"])
    assert owed(before)[0] == ("2022-03", amount) and owed(after)[0] == ("2022-03", amount - D("100.00"))
    assert owed(early) == [] and early.beyond.receivables == ()  # created on 2022-05-05


def test_migration_0007_keeps_receivables_and_their_triggers(late_death, county, db_url):
    """Making receivables.cycle_id nullable copies the table on SQLite: rows, links and triggers must survive."""
    from sqlalchemy.exc import DBAPIError

    from aidledger import db as dbmod

    approve(county, run_cycle(county, "2022-05"), "2022-05-05")
    ok(county("recovery", "record", receivables(county)[0]["id"], "--amount", "10", "--date", "2022-05-20",
              user=PREPARER))
    before = receivables(county)
    database = dbmod.Database(db_url)
    try:
        dbmod.downgrade(database, "0006")  # (an upgrade to an older revision would do nothing)
        assert dbmod.current_revision(database) == "0006"
        dbmod.upgrade(database)
        assert dbmod.current_revision(database) == dbmod.head_revision()
        with pytest.raises(DBAPIError, match="append-only"):
            with database.write() as session:
                session.execute(text("UPDATE receivables SET amount_fen = 1"))
    finally:
        database.dispose()
    assert receivables(county) == before and before[0]["recovered"] == "10.00"
    verify(county)


def test_migration_0008_round_trip_keeps_rows_and_triggers(late_death, county, db_url):
    """0008 adds its CHECKs by copying most tables on SQLite (batch mode), and 0009 copies the registry's and
    the cycles' tables again: down to 0007 and up again, twice, every row, trigger and index survives (0007's as
    they were the first time down, the head's as they were), the constraints come and go, and the triggers still
    refuse."""
    from sqlalchemy.exc import DBAPIError
    from support import check_constraints, schema_objects

    from aidledger import db as dbmod

    approve(county, run_cycle(county, "2022-05"), "2022-05-05")  # receivables, and a recovery of one
    ok(county("recovery", "record", receivables(county)[0]["id"], "--amount", "10", "--date", "2022-05-20",
              user=PREPARER))
    rows, objects, listed = snapshot(db_url), schema_objects(db_url), receivables(county)
    assert rows["receivables"] and rows["recoveries"] and rows["cycle_adjustments"] and rows["cycle_lines"]
    assert "ck_cycles_status" in check_constraints(db_url)
    database = dbmod.Database(db_url)
    try:
        at_0007 = None
        for _ in range(2):
            dbmod.downgrade(database, "0007")
            assert dbmod.current_revision(database) == "0007"
            down = snapshot(db_url), schema_objects(db_url)
            at_0007 = at_0007 or down
            assert down == at_0007
            assert {t: len(r) for t, r in down[0].items()} == {t: len(r) for t, r in rows.items() if t in down[0]}
            assert set(check_constraints(db_url)) == {"ck_journal_lines_one_side"}
            dbmod.upgrade(database)
            assert dbmod.current_revision(database) == dbmod.head_revision()
            up = snapshot(db_url)
            # What 0009 and 0010 added and their downgrades drop (cycles.run_on, the bank files' records) comes back
            # empty, and the evidence chain (0011) is sealed afresh by the upgrade, the record of writes (0013) holds
            # only the upgrade's and the book records again that it does not authenticate; the sign-offs (0015) and
            # the background jobs (0016) are dropped with their tables; every other cell as it was.
            fresh = ("cycle_exports", "evidence", "evidence_head", "writes", "book_settings", "signoffs", "jobs")
            assert {t: [r[:-1] if t == "cycles" else r for r in found] for t, found in up.items()
                    if t not in fresh} == \
                {t: [r[:-1] if t == "cycles" else r for r in found] for t, found in rows.items()
                 if t not in fresh}
            assert schema_objects(db_url) == objects
            assert "ck_cycles_status" in check_constraints(db_url)
        for statement, refusal in (("UPDATE receivables SET amount_fen = 1", "append-only"),
                                   ("DELETE FROM cycle_lines", "no longer a draft cannot change"),
                                   ("UPDATE cycles SET total_fen = 1", "cycles are never deleted")):
            with pytest.raises(DBAPIError, match=refusal):
                with database.write() as session:
                    session.execute(text(statement))
    finally:
        database.dispose()
    assert receivables(county) == listed
    verify(county)
