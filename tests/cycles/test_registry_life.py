"""A household's life after loading, through the CLI: dated events change the registry and the next cycles.

Each scenario records events (registry-format.md, "Changes after loading"), reads the household back with
`registry show --on DAY --json`, and runs (and approves) the months around the change, comparing every
line named with the amount the rules give. The guards refuse with exit 3 and change nothing.

Amounts: urban standard 680.00 in 2022, gap method, 15 % add-ons (the elderly 20 %), 特困 basic 1.3 ×
the standard with care from the minimum wage 1690.00 (self 0.10, semi 0.15, full 0.25).
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from cycle_helpers import (
    COUNTY,
    EXPECTED,
    D,
    allocate,
    amounts,
    approve,
    day,
    line_of,
    load_example_registry,
    ok,
    run_cycle,
    show,
)
from support import APPROVER, AUDITOR, PREPARER, refused_unchanged

HEAD_H001, SPOUSE_H001, CHILD_H001 = "230523197705100113", "230523197809020222", "230523201206150318"
SPOUSE_H002 = "230523195903050525"  # 钱振华, 62 in 2022
OTHER_H011 = "230523199203172319"  # 郑小兰
SPOUSE_H011 = "230523199102162226"  # 冯强
HEAD_H009 = "230523198102021816"
BABY = "230523202202100027"  # born 2022-02-10 (a valid GB 11643 number)
SPARE = ["110101199003070011", "110101199003070038", "110101199003070054", "110101199003070070"]
NEW_ACCOUNT = "6217000010000000128"
H002_ACCOUNT, H006_ACCOUNT = "6217000010000000029", "6217000010000000060"
EVENT_COLUMNS = ["household_id", "kind", "date", "value", "id_number", "reason", "name", "relation", "birth_date",
                 "disability_grade", "disability_kind", "flags", "care_level", "single_person", "payee_name",
                 "bank_account", "shared_account", "monthly_income", "income_type", "tekun_setting", "tier"]
HOUSEHOLD_COLUMNS = ["household_id", "county", "township", "area", "program", "monthly_income", "approved_on",
                     "tier", "income_type", "tekun_setting", "payee_name", "bank_account", "shared_account"]
MEMBER_COLUMNS = ["household_id", "id_number", "name", "relation", "birth_date", "disability_grade",
                  "disability_kind", "flags", "care_level", "single_person", "death_date"]


def ev(household_id: str, kind: str, on: str, **cells: str) -> dict[str, str]:
    return {"household_id": household_id, "kind": kind, "date": on, **cells}


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


class Files:
    """Numbered events / households / members files in a test's tmp_path."""

    def __init__(self, tmp_path: Path):
        self.tmp_path, self.n = tmp_path, 0

    def path(self, stem: str) -> Path:
        self.n += 1
        return self.tmp_path / f"{stem}-{self.n}.csv"

    def events(self, rows: list[dict[str, str]]) -> tuple[str, ...]:
        return ("registry", "events", str(write_csv(self.path("events"), EVENT_COLUMNS, rows)))

    def households(self, households: list[dict[str, str]], members: list[dict[str, str]]) -> tuple[str, ...]:
        return ("registry", "import", "--households", str(write_csv(self.path("households"), HOUSEHOLD_COLUMNS,
                                                                    households)),
                "--members", str(write_csv(self.path("members"), MEMBER_COLUMNS, members)))


def new_household(household_id: str, approved_on: str, account: str, shared: str = "", **cells) -> dict[str, str]:
    return {"household_id": household_id, "county": COUNTY, "township": "230523100", "area": "urban",
            "program": "dibao", "monthly_income": "0", "approved_on": approved_on, "income_type": "stable",
            "payee_name": cells.pop("payee_name", "钱振华"), "bank_account": account, "shared_account": shared, **cells}


def new_member(household_id: str, id_number: str, name: str, relation: str = "head") -> dict[str, str]:
    return {"household_id": household_id, "id_number": id_number, "name": name, "relation": relation}


@pytest.fixture
def files(tmp_path) -> Files:
    return Files(tmp_path)


@pytest.fixture
def example(county):
    """The example county, registry loaded and money allocated for a few months' approvals."""
    load_example_registry(county)
    allocate(county, "200000.00")
    return county


def record(run, files: Files, rows: list[dict[str, str]]) -> str:
    return ok(run(*files.events(rows), user=PREPARER))


def registry_on(run, household_id: str, on: str) -> dict:
    return json.loads(ok(run("registry", "show", household_id, "--on", on, "--json", user=PREPARER)))


def event_ids(run, household_id: str, kind: str) -> list[int]:
    history = json.loads(ok(run("registry", "history", household_id, "--json", user=PREPARER)))
    return [e["id"] for e in history["events"] if e["kind"] == kind]


def fact(view: dict, key):
    """`count`: how many members are shown; `kinds`: the kinds of the events up to the day; (id number, column):
    that member's column (KeyError if absent); anything else: the household's field."""
    if key == "count":
        return len(view["members"])
    if key == "kinds":
        return [e["kind"] for e in view["events"]]
    if isinstance(key, tuple):
        member = {m["id_number"]: m for m in view["members"]}[key[0]]
        return member[key[1]]
    return view[key]


def paid_line(view: dict, household_id: str) -> tuple[str, int, str] | None:
    line = next((ln for ln in view["lines"] if ln["household_id"] == household_id), None)
    return None if line is None else (line["program"], line["members"], line["amount"])




# --- the life of a household: events, the registry on a day, the months paid ------------------------------------

SCENARIOS = [
    pytest.param(
        [ev("H001", "add_member", "2022-02-10", id_number=BABY, name="王小宝", relation="child")],
        [("H001", "2022-02-09", "count", 3), ("H001", "2022-02-10", "count", 4),
         ("H001", "2022-02-10", (BABY, "birth_date"), "2022-02-10"), ("H001", "2022-02-10", (BABY, "name"), "王小宝")],
        # March: (680 − 900/4) × 4 = 1820.00 and two minors' add-ons 2 × 102.00.
        {"2022-02": {"H001": ("dibao", 3, "1242.00")}, "2022-03": {"H001": ("dibao", 4, "2024.00")}},
        id="birth"),
    pytest.param(
        [ev("H011", "move_member", "2022-01-15", id_number=OTHER_H011, value="H010")],
        [("H011", "2022-01-14", "count", 3), ("H011", "2022-01-15", "count", 2), ("H010", "2022-01-14", "count", 2),
         ("H010", "2022-01-15", "count", 3), ("H010", "2022-01-15", (OTHER_H011, "name"), "郑小兰")],
        # February: H011 680 × 2 − 1000 = 360.00; H010 680 × 3 − 400 = 1640.00.
        {"2022-01": {"H011": ("dibao", 3, "1040.00"), "H010": ("dibao", 2, "960.00")},
         "2022-02": {"H011": ("dibao", 2, "360.00"), "H010": ("dibao", 3, "1640.00")}},
        id="move"),
    pytest.param(
        [ev("H001", "disability", "2022-01-20", id_number=SPOUSE_H001, disability_grade="1",
            disability_kind="physical"),
         ev("H001", "disability", "2022-02-15", id_number=SPOUSE_H001)],
        [("H001", "2022-02-01", (SPOUSE_H001, "disability_grade"), 1),
         ("H001", "2022-02-01", (SPOUSE_H001, "disability_kind"), "physical"),
         ("H001", "2022-03-01", (SPOUSE_H001, "disability_grade"), None),
         ("H001", "2022-03-01", (SPOUSE_H001, "disability_kind"), None)],
        # February: the severe-disability add-on 0.15 × 680 = 102.00 on top of 1242.00.
        {"2022-01": {"H001": ("dibao", 3, "1242.00")}, "2022-02": {"H001": ("dibao", 3, "1344.00")},
         "2022-03": {"H001": ("dibao", 3, "1242.00")}},
        id="disability"),
    pytest.param(
        [ev("H009", "program", "2022-02-10", value="tekun", tekun_setting="dispersed"),
         ev("H009", "care_level", "2022-02-10", id_number=HEAD_H009, value="self")],
        [("H009", "2022-02-09", "program", "dibao"), ("H009", "2022-02-10", "program", "tekun"),
         ("H009", "2022-02-10", "tekun_setting", "dispersed"), ("H009", "2022-02-10", "monthly_income", None),
         ("H009", "2022-02-10", (HEAD_H009, "care_level"), "self")],
        # March: 1.3 × 680 = 884.00 basic and 0.10 × 1690 = 169.00 care.
        {"2022-02": {"H009": ("dibao", 1, "680.00")}, "2022-03": {"H009": ("tekun", 1, "1053.00")}},
        id="dibao-to-tekun"),
    pytest.param(
        [ev("H011", "program", "2022-02-10", value="low_income", monthly_income="1000"),
         ev("H011", "single_person", "2022-02-10", id_number=SPOUSE_H011, value="yes")],
        [("H011", "2022-02-10", "program", "low_income"), ("H011", "2022-02-10", "income_type", None),
         ("H011", "2022-02-10", (SPOUSE_H011, "single_person"), True),
         ("H011", "2022-02-09", (SPOUSE_H011, "single_person"), False)],
        # March: 333.33 a head is below 1.5 × 680; only the 单人户 member is paid, 1.0 × 680.
        {"2022-02": {"H011": ("dibao", 3, "1040.00")}, "2022-03": {"H011": ("low_income", 3, "680.00")}},
        id="dibao-to-low-income"),
    pytest.param(
        [ev("H002", "suspend", "2022-02-01", value="外出务工核查中"), ev("H002", "resume", "2022-03-15")],
        [("H002", "2022-01-31", "kinds", []), ("H002", "2022-02-01", "kinds", ["suspend"]),
         ("H002", "2022-03-15", "kinds", ["suspend", "resume"]), ("H002", "2022-03-15", "terminated_on", None)],
        # Not paid in February and March (March 1st is before the resume), paid from April, nothing owed.
        {"2022-01": {"H002": ("dibao", 2, "1032.00")}, "2022-02": {"H002": None}, "2022-03": {"H002": None},
         "2022-04": {"H002": ("dibao", 2, "1032.00")}},
        id="suspend-resume"),
    pytest.param(
        [ev("H002", "terminate", "2022-01-20", value="收入超标"), ev("H002", "reapprove", "2022-03-10")],
        [("H002", "2022-01-19", "terminated_on", None), ("H002", "2022-02-01", "terminated_on", "2022-01-20"),
         ("H002", "2022-03-10", "terminated_on", None)],
        # Reapproved on 2022-03-10 with dibao.start = next_month: first paid again in April.
        {"2022-01": {"H002": ("dibao", 2, "1032.00")}, "2022-02": {"H002": None}, "2022-03": {"H002": None},
         "2022-04": {"H002": ("dibao", 2, "1032.00")}, "2022-05": {"H002": ("dibao", 2, "1032.00")}},
        id="terminate-reapprove"),
]


@pytest.mark.parametrize(("rows", "shown", "paid"), SCENARIOS)
def test_events_change_the_registry_and_the_next_cycles(example, files, rows, shown, paid):
    record(example, files, rows)
    for household_id, on, key, expected in shown:
        assert fact(registry_on(example, household_id, on), key) == expected, (household_id, on, key)
    for month, expected in paid.items():  # every month approved, so that the next one sees it paid
        cycle_id = run_cycle(example, month)
        view = show(example, cycle_id)
        assert {h: paid_line(view, h) for h in expected} == expected, month
        assert view["adjustments"] == [] and view["held"] == [], month
        assert all(c["kind"] != "arrears" for ln in view["lines"] for c in ln["components"]), month
        assert D(view["total"]) == sum((D(ln["amount"]) for ln in view["lines"]), D("0.00"))
        approve(example, cycle_id, day(month, 5))
        assert show(example, cycle_id)["status"] == "approved"


# --- a death recorded by mistake, voided after two months were paid ----------------------------------------------


def test_voiding_a_death_restores_the_member_and_pays_the_months_underpaid(example, files):
    record(example, files, [ev("H001", "death", "2022-01-15", id_number=CHILD_H001)])
    assert fact(registry_on(example, "H001", "2022-02-01"), (CHILD_H001, "death_date")) == "2022-01-15"
    for month in ("2022-02", "2022-03"):
        cycle_id = run_cycle(example, month)
        # 680 × 2 − 900: the child is no longer counted, nor its minor's add-on.
        assert paid_line(show(example, cycle_id), "H001") == ("dibao", 2, "460.00")
        approve(example, cycle_id, day(month, 5))
    [death] = event_ids(example, "H001", "death")
    record(example, files, [ev("H001", "void", "2022-03-20", value=str(death), reason="误录: 户籍核实本人健在")])
    restored = registry_on(example, "H001", "2022-02-01")
    assert fact(restored, "count") == 3 and fact(restored, (CHILD_H001, "death_date")) is None
    april = show(example, run_cycle(example, "2022-04"))
    line = line_of(april, "H001")
    arrears = [c for c in line["components"] if c["kind"] == "arrears"]
    assert sorted((c["month"], c["amount"]) for c in arrears) == [("2022-02", "782.00"), ("2022-03", "782.00")]
    assert (line["members"], line["amount"]) == (3, "2806.00")  # 1242.00 for April and 2 × (1242.00 − 460.00)
    assert sorted((a["household_id"], a["month"], a["kind"]) for a in april["adjustments"]) == [
        ("H001", "2022-02", "arrears"), ("H001", "2022-03", "arrears")]
    approve(example, int(april["cycle"]), "2022-04-05")
    may = show(example, run_cycle(example, "2022-05"))  # paid once: nothing more in May
    assert paid_line(may, "H001") == ("dibao", 3, "1242.00") and may["adjustments"] == []


def test_voiding_the_death_of_a_household_s_only_member_pays_the_months_it_was_not_paid(example, files):
    """H003 (张德明 alone) recorded dead by mistake: February and March pay it nothing at all, no line; the void
    makes both months owed in full."""
    head_h003 = "230523197111110613"
    record(example, files, [ev("H003", "death", "2022-01-15", id_number=head_h003)])
    for month in ("2022-02", "2022-03"):
        cycle_id = run_cycle(example, month)
        assert paid_line(show(example, cycle_id), "H003") is None
        approve(example, cycle_id, day(month, 5))
    [death] = event_ids(example, "H003", "death")
    record(example, files, [ev("H003", "void", "2022-03-20", value=str(death), reason="误录")])
    april = show(example, run_cycle(example, "2022-04"))
    own = paid_line(april, "H003")
    arrears = [(c["month"], c["amount"]) for c in line_of(april, "H003")["components"] if c["kind"] == "arrears"]
    month_amount = D(own[2]) - sum((D(a) for _, a in arrears), D("0"))
    assert arrears == [("2022-02", f"{month_amount:.2f}"), ("2022-03", f"{month_amount:.2f}")] and month_amount > 0


def test_voiding_a_move_restores_both_households(example, files, db_url):
    record(example, files, [ev("H011", "move_member", "2022-01-15", id_number=OTHER_H011, value="H010")])
    february = run_cycle(example, "2022-02")
    assert [paid_line(show(example, february), h) for h in ("H011", "H010")] == [
        ("dibao", 2, "360.00"), ("dibao", 3, "1640.00")]
    [arrival] = event_ids(example, "H010", "member_joined")
    refused_unchanged(example, db_url, files.events([ev("H010", "void", "2022-02-20", value=str(arrival),
                                                        reason="误录")]), PREPARER,
                      f"event {arrival} is the arrival of a move", "household H011")
    [move] = event_ids(example, "H011", "move_member")
    record(example, files, [ev("H011", "void", "2022-02-20", value=str(move), reason="误录: 未迁出")])
    assert OTHER_H011 in {m["id_number"] for m in registry_on(example, "H011", "2022-02-01")["members"]}
    assert OTHER_H011 not in {m["id_number"] for m in registry_on(example, "H010", "2022-02-01")["members"]}
    voided = json.loads(ok(example("registry", "history", "H010", "--json", user=PREPARER)))["events"]
    assert [e["voided"] for e in voided if e["kind"] == "member_joined"] == [True]
    assert run_cycle(example, "2022-02") == february  # the draft run again sees the past as corrected
    assert [paid_line(show(example, february), h) for h in ("H011", "H010")] == [
        ("dibao", 3, "1040.00"), ("dibao", 2, "960.00")]
    # She may move again, now that the first move never happened.
    record(example, files, [ev("H011", "move_member", "2022-03-01", id_number=OTHER_H011, value="H002")])
    assert fact(registry_on(example, "H002", "2022-03-01"), "count") == 3


# --- the payee dies: the line is held until a payee event, then the held month is paid -----------------------------


@pytest.mark.parametrize("held_months", [("2022-03",), ("2022-03", "2022-04")], ids=["one-month", "two-months"])
def test_a_dead_payee_holds_the_line_until_a_new_payee_is_named(example, files, held_months):
    record(example, files, [ev("H001", "death", "2022-02-10", id_number=HEAD_H001)])
    february = run_cycle(example, "2022-02")
    assert paid_line(show(example, february), "H001") == ("dibao", 3, "1242.00")  # alive on 2022-02-01
    approve(example, february, "2022-02-05")

    for month in held_months:
        cycle_id = run_cycle(example, month)
        view = show(example, cycle_id)
        assert "H001" not in amounts(view)
        # 680 × 2 − 900 = 460.00 and the child's add-on 102.00, computed but held.
        assert [(h["household_id"], h["payee_name"], h["amount"]) for h in view["held"]] == [
            ("H001", "王建国", "562.00")]
        assert "王建国" in view["held"][0]["reason"]
        assert view["held_total"] == "562.00"
        others = {h: a for h, a in EXPECTED["2022-03"].items() if h != "H001"}  # April pays as March
        assert amounts(view) == others and view["count"] == len(others)
        assert D(view["total"]) == sum((D(a) for a in others.values()), D("0.00"))
        assert all(c["kind"] != "arrears" for ln in view["lines"] for c in ln["components"])
        approve(example, cycle_id, day(month, 5))

    named = day(held_months[-1], 20)
    record(example, files, [ev("H001", "payee", named, payee_name="马玉梅", bank_account=NEW_ACCOUNT)])
    now = registry_on(example, "H001", named)
    assert (now["payee_name"], now["bank_account"]) == ("马玉梅", NEW_ACCOUNT)
    month = f"2022-{int(held_months[-1][5:]) + 1:02d}"
    paying = show(example, run_cycle(example, month))
    line = line_of(paying, "H001")
    assert (line["payee_name"], line["bank_account"], line["members"]) == ("马玉梅", NEW_ACCOUNT, 2)
    arrears = sorted((c["month"], c["amount"]) for c in line["components"] if c["kind"] == "arrears")
    assert arrears == [(m, "562.00") for m in held_months]  # each held month, once
    assert D(line["amount"]) == D("562.00") * (1 + len(held_months))
    assert paying["held"] == [] and paying["held_total"] == "0.00"
    approve(example, int(paying["cycle"]), day(month, 5))
    after = show(example, run_cycle(example, f"2022-{int(month[5:]) + 1:02d}"))
    assert paid_line(after, "H001") == ("dibao", 2, "562.00") and after["adjustments"] == []


# --- a person who left may be imported again, not before they left ---------------------------------------------------


def test_a_person_of_a_terminated_household_is_imported_only_after_the_termination(example, files, db_url):
    record(example, files, [ev("H002", "terminate", "2022-03-31", value="迁出本县")])
    member = [new_member("H012", SPOUSE_H002, "钱振华")]
    early = files.households([new_household("H012", "2022-03-30", NEW_ACCOUNT)], member)
    refused_unchanged(example, db_url, early, PREPARER, "this person is an active member of stored household H002",
                      "H012")
    ok(example(*files.households([new_household("H012", "2022-04-10", NEW_ACCOUNT)], member), user=PREPARER))
    view = registry_on(example, "H012", "2022-04-10")
    assert [(m["id_number"], m["relation"]) for m in view["members"]] == [(SPOUSE_H002, "head")]
    assert fact(registry_on(example, "H002", "2022-04-01"), "terminated_on") == "2022-03-31"
    may = show(example, run_cycle(example, "2022-05"))
    assert paid_line(may, "H002") is None
    assert paid_line(may, "H012") == ("dibao", 1, "816.00")  # 680.00 and the elderly add-on 0.20 × 680


def test_a_person_of_a_terminated_household_is_added_elsewhere_only_after_the_termination(example, files, db_url):
    record(example, files, [ev("H002", "terminate", "2022-03-31", value="迁出本县")])

    def joining(on: str) -> tuple[str, ...]:
        return files.events([ev("H001", "add_member", on, id_number=SPOUSE_H002, name="钱振华", relation="parent")])

    refused_unchanged(example, db_url, joining("2022-03-30"), PREPARER, "would be an active member of households",
                      "H001", "H002")
    ok(example(*joining("2022-04-05"), user=PREPARER))
    assert fact(registry_on(example, "H001", "2022-04-05"), (SPOUSE_H002, "relation")) == "parent"
    assert fact(registry_on(example, "H001", "2022-04-04"), "count") == 3
    may = show(example, run_cycle(example, "2022-05"))
    # 680 × 4 − 900 = 1820.00, the minor's 102.00 and the elderly 0.20 × 680 = 136.00.
    assert paid_line(may, "H001") == ("dibao", 4, "2058.00") and paid_line(may, "H002") is None


# --- guards: refused with exit 3, the database unchanged ------------------------------------------------------------

HOUSEHOLD_H012 = new_household("H012", "2022-04-01", NEW_ACCOUNT, payee_name="甲")
HOUSEHOLD_H013 = new_household("H013", "2022-04-01", NEW_ACCOUNT, payee_name="乙")
TWO_MEMBERS = [new_member("H012", SPARE[0], "甲"), new_member("H013", SPARE[1], "乙")]

REGISTRY_GUARDS = [
    pytest.param([], ("households", [HOUSEHOLD_H012, HOUSEHOLD_H013], TWO_MEMBERS),
                 ["is also the account of the household at line 2", "shared_account = yes on both"],
                 id="one-account-two-new-households"),
    pytest.param([], ("households", [HOUSEHOLD_H012 | {"shared_account": "yes"}, HOUSEHOLD_H013], TWO_MEMBERS),
                 ["is also the account of the household at line 2"], id="shared-on-one-row-only"),
    pytest.param([], ("households", [new_household("H012", "2022-04-01", H002_ACCOUNT)], TWO_MEMBERS[:1]),
                 ["is the account of stored household H002"], id="account-of-a-stored-household"),
    pytest.param([], ("events", [ev("H001", "payee", "2022-03-01", payee_name="王建国", bank_account=H002_ACCOUNT)]),
                 ["would be paid for households", "H001", "H002"], id="payee-to-another-households-account"),
    pytest.param([], ("events", [ev("H001", "payee", "2022-03-01", payee_name="王建国", bank_account=H006_ACCOUNT,
                                    shared_account="yes")]),
                 ["would be paid for households", "H006"], id="payee-shared-where-the-other-is-not"),
    pytest.param([], ("events", [ev("H001", "death", "2022-03-01", id_number=SPARE[0])]),
                 ["this person is not a member of household H001 on 2022-03-01"], id="unknown-member"),
    pytest.param([ev("H002", "terminate", "2022-02-01")], ("events", [ev("H002", "income", "2022-03-01", value="800")]),
                 ["H002 was terminated on 2022-02-01: record a reapprove event first"], id="dated-while-terminated"),
    pytest.param([], ("events", [ev("H010", "void", "2022-03-05", value="999", reason="误录")]),
                 ["no event 999 is recorded for household H010"], id="void-of-an-unknown-event"),
    pytest.param([ev("H010", "void", "2022-03-05", value="1", reason="误录")],
                 ("events", [ev("H010", "void", "2022-03-06", value="1", reason="再次")]),
                 ["event 1 is already voided"], id="void-of-a-voided-event"),
    pytest.param([], ("events", [ev("H009", "income", "2022-01-10", value="100")]),
                 ["is before the household was approved (2022-01-20)"], id="dated-before-approval"),
    pytest.param([], ("events", [ev("H011", "program", "2022-03-01", value="low_income")]),
                 ["required when the programme becomes low_income"], id="program-without-its-income"),
    pytest.param([], ("events", [ev("H009", "program", "2022-03-01", value="tekun", tekun_setting="dispersed")]),
                 ["a tekun household's members need a care level"], id="tekun-without-care-levels"),
    pytest.param([], ("events", [ev("H001", "care_level", "2022-03-01", id_number=HEAD_H001, value="self")]),
                 ["care_level events apply only to tekun households; H001 is dibao on 2022-03-01"],
                 id="care-level-of-a-dibao-household"),
    pytest.param([ev("H002", "terminate", "2022-02-01")],
                 ("events", [ev("H011", "move_member", "2022-03-01", id_number=OTHER_H011, value="H002")]),
                 ["household H002 was terminated on 2022-02-01"], id="move-into-a-terminated-household"),
    pytest.param([], ("events", [ev("H001", "add_member", "2022-03-01", id_number=SPOUSE_H002, name="钱振华",
                                    relation="other")]),
                 ["would be an active member of households", "H001", "H002"], id="add-member-active-elsewhere"),
]


@pytest.mark.parametrize(("setup", "change", "fragments"), REGISTRY_GUARDS)
def test_registry_guards(example, files, db_url, setup, change, fragments):
    if setup:
        record(example, files, setup)
    args = files.events(change[1]) if change[0] == "events" else files.households(change[1], change[2])
    refused_unchanged(example, db_url, args, PREPARER, *fragments)


def test_one_account_shared_on_both_rows_is_accepted(example, files):
    shared = [HOUSEHOLD_H012 | {"shared_account": "yes"}, HOUSEHOLD_H013 | {"shared_account": "yes"}]
    assert ok(example(*files.households(shared, TWO_MEMBERS), user=PREPARER)) == "stored 2 households, 2 members"
    assert [registry_on(example, h, "2022-04-01")["bank_account"] for h in ("H012", "H013")] == [NEW_ACCOUNT] * 2
    may = show(example, run_cycle(example, "2022-05"))
    assert [line_of(may, h)["bank_account"] for h in ("H012", "H013")] == [NEW_ACCOUNT] * 2
    # A third household on the account must say so too.
    third = [new_household("H014", "2022-04-01", NEW_ACCOUNT, shared="yes", payee_name="丙")]
    ok(example(*files.households(third, [new_member("H014", SPARE[2], "丙")]), user=PREPARER))


def test_a_run_dated_after_today_is_refused(example, db_url):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    refused_unchanged(example, db_url, ("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-01", "--date",
                                        tomorrow), PREPARER, f"a run dated {tomorrow} is after today")


def test_an_approval_dated_before_the_run_is_refused(example, db_url):
    cycle_id = run_cycle(example, "2022-01")  # run on 2022-01-01
    refused_unchanged(example, db_url, ("cycle", "approve", str(cycle_id), "--date", "2021-12-31"), APPROVER,
                      "cannot be dated 2021-12-31, before the cycle was run on 2022-01-01")
    approve(example, cycle_id, "2022-01-01")  # the day of the run is fine


def test_an_approval_after_a_registry_event_needs_a_rerun(example, files, db_url):
    cycle_id = run_cycle(example, "2022-01")
    assert amounts(show(example, cycle_id))["H001"] == "1242.00"
    record(example, files, [ev("H001", "income", "2022-01-01", value="300")])
    refused_unchanged(example, db_url, ("cycle", "approve", str(cycle_id), "--date", "2022-01-05"), APPROVER,
                      f"cycle {cycle_id}", "registry events of county 230523 were recorded after the cycle was run",
                      "H001", "run the cycle for 2022-01 again")
    assert run_cycle(example, "2022-01") == cycle_id
    assert amounts(show(example, cycle_id))["H001"] == "1842.00"  # 680 × 3 − 300 and the minor's 102.00
    approve(example, cycle_id, "2022-01-05")
    assert show(example, cycle_id)["status"] == "approved"


def test_an_auditor_cannot_rebuild_a_newborn_s_id_number_from_the_event_date(example, files):
    """A birth recorded on the birthday: beside the masked id number the event's date would fill in the eight
    digits the mask hides, so a reader who may not see id numbers gets its year, as for a birth date."""
    ok(example(*files.events([ev("H001", "add_member", "2022-02-10", id_number=BABY, name="王小雨",
                                 relation="child")]), user=PREPARER))
    history = json.loads(ok(example("registry", "history", "H001", "--json", user=AUDITOR)))
    shown = json.loads(ok(example("registry", "show", "H001", "--on", "2022-03-01", "--json", user=AUDITOR)))
    assert [(e["date"], e["id_number"]) for e in history["events"]] == [("2022", "230523********0027")]
    assert [(e["date"], e["id_number"]) for e in shown["events"]] == [("2022", "230523********0027")]
    assert "2022-02-10" not in json.dumps(history) + json.dumps(shown)
    full = json.loads(ok(example("registry", "history", "H001", "--json", user=PREPARER)))
    assert [(e["date"], e["id_number"], e["details"]["birth_date"]) for e in full["events"]] == [
        ("2022-02-10", BABY, "2022-02-10")]


def test_the_load_prints_the_ids_registry_history_shows(example, files):
    printed = record(example, files, [ev("H001", "income", "2022-03-01", value="950"),
                                      ev("H011", "move_member", "2022-03-01", value="H003", id_number=OTHER_H011)])
    ids = [e["id"] for h in ("H001", "H011", "H003") for e in json.loads(ok(example(
        "registry", "history", h, "--json", user=PREPARER)))["events"]]
    assert printed == f"stored 2 events (event ids {min(ids)}–{max(ids)})" and len(ids) == 3  # and the arrival
