"""`cycle show` for readers with a scope: a township's clerk sees the township's part of the county's cycle (its
lines, held households, returns, recomputed months; the totals over that part, and the view says which township),
a reader outside the county is refused, and every other reader's JSON is exactly what it was.
"""

from __future__ import annotations

import json

from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, EXAMPLES, PREPARER, assert_refused

from aidledger import db as dbmod
from aidledger.disbursement.cycles.service.show import TownshipCycleView, cycle_list, cycle_view
from aidledger.disbursement.cycles.views import CycleView

COUNTY, TOWNSHIP, OTHER_TOWNSHIP = "230523", "230523100", "230523101"
CLERK, CITY, ELSEWHERE, FAR_CLERK = "town.clerk", "city.audit", "other.county", "far.clerk"
# The keys of `cycle show --json`, as every unscoped reader has always had them.
SHAPE = ["cycle", "jurisdiction", "month", "status", "count", "total", "by_program", "by_township", "inputs",
         "history", "returns", "adjustments", "instalments", "lines", "held", "held_total", "signoffs", "waiting",
         "findings", "open_findings"]


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def build(run) -> None:
    """The worked county (no authentication: the CLI trusts --user), January run and approved, and users with a
    scope: a clerk of 宝清镇, a city auditor, an auditor of another county and a clerk of a township there."""
    ok(run("user", "add", ADMIN, "--role", "admin"))
    for name, role, scope in ((PREPARER, "preparer", None), (APPROVER, "approver", None), (AUDITOR, "auditor", None),
                              (CLERK, "preparer", TOWNSHIP), (CITY, "auditor", "230500"),
                              (ELSEWHERE, "auditor", "230524"), (FAR_CLERK, "preparer", "230524100")):
        ok(run("user", "add", name, "--role", role, *(["--scope", scope] if scope else []), user=ADMIN))
    ok(run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN))
    registry = EXAMPLES / "registry"
    ok(run("registry", "import", "--households", str(registry / "households.csv"),
           "--members", str(registry / "members.csv"), user=PREPARER))
    ok(run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "100000.00",
           "--date", "2021-12-01", user=PREPARER))
    cycle = ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-01", "--date", "2022-01-01",
                   user=PREPARER))
    assert cycle == "1"
    ok(run("cycle", "approve", "1", "--date", "2022-01-05", user=APPROVER))


def show(run, cycle_id, user) -> dict:
    return json.loads(ok(run("cycle", "show", str(cycle_id), "--json", user=user)))


def read(url, build_view):
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return build_view(session)
    finally:
        database.dispose()


def test_a_township_clerk_sees_the_townships_part_and_others_see_what_they_always_did(run, db_url):
    build(run)
    whole = show(run, 1, PREPARER)
    assert list(whole) == SHAPE and "township" not in whole
    assert (whole["count"], whole["total"]) == (10, "9639.00")
    for reader in (AUDITOR, CITY, ADMIN, None):
        data = json.loads(ok(run("cycle", "show", "1", "--json", user=reader)))
        assert list(data) == SHAPE, reader
        assert {k: data[k] for k in ("count", "total", "by_program", "by_township")} == {
            k: whole[k] for k in ("count", "total", "by_program", "by_township")}
    assert type(read(db_url, lambda s: cycle_view(s, 1, reader=CITY))) is CycleView

    part = show(run, 1, CLERK)
    assert list(part) == SHAPE + ["township"] and part["township"] == TOWNSHIP
    assert (part["count"], part["total"]) == (6, "6740.00")
    assert part["by_township"] == {TOWNSHIP: {"count": 6, "total": "6740.00"}} == {
        TOWNSHIP: whole["by_township"][TOWNSHIP]}
    assert part["by_program"] == {"dibao": {"count": 4, "total": "4296.00"}, "tekun": {"count": 2, "total": "2444.00"}}
    assert [line["household_id"] for line in part["lines"]] == [
        line["household_id"] for line in whole["lines"] if line["township"] == TOWNSHIP]
    assert part["lines"] == [line for line in whole["lines"] if line["township"] == TOWNSHIP]
    assert part["history"] == whole["history"] and part["status"] == whole["status"] == "approved"
    view = read(db_url, lambda s: cycle_view(s, 1, reader=CLERK))
    assert isinstance(view, TownshipCycleView) and view.township == TOWNSHIP
    text = ok(run("cycle", "show", "1", user=CLERK))  # the table too: the township's part
    assert "6户  合计 6740.00" in text and "H003" not in text and "H001" in text


def test_readers_outside_the_county_are_refused(run, db_url):
    build(run)
    for reader in (ELSEWHERE, FAR_CLERK):
        assert_refused(run("cycle", "show", "1", "--json", user=reader),
                       f"cycle 1 lies outside the scope 230524{'100' if reader == FAR_CLERK else ''} of user")
        assert read(db_url, lambda s, r=reader: cycle_list(s, reader=r)).cycles == ()
    assert_refused(run("cycle", "show", "1", user=ELSEWHERE), "lies outside the scope")


def test_the_list_of_cycles_is_the_readers_part(run, db_url):
    build(run)
    whole = read(db_url, lambda s: cycle_list(s, reader=AUDITOR))
    assert whole.township is None
    assert [(c.cycle_id, c.month, c.status, c.count, str(c.total), c.run_by, c.approved_by, str(c.approved_on))
            for c in whole.cycles] == [(1, "2022-01", "approved", 10, "9639.00", PREPARER, APPROVER, "2022-01-05")]
    assert read(db_url, lambda s: cycle_list(s, reader=CITY)).cycles == whole.cycles
    part = read(db_url, lambda s: cycle_list(s, reader=CLERK))
    assert part.township == TOWNSHIP
    assert [(c.count, str(c.total)) for c in part.cycles] == [(6, "6740.00")]
    assert read(db_url, lambda s: cycle_list(s, reader=AUDITOR, status="draft")).cycles == ()


def test_held_households_and_returns_are_the_townships_too(run, db_url, tmp_path):
    """January exported; the bank returns H002's (宝清镇) and H003's (七星泡镇) payments; the payees of H001 (宝清镇)
    and H004 (七星泡镇) die; February holds both."""
    build(run)
    ok(run("cycle", "export-bank", "1", "--out", str(tmp_path / "bank.csv"), "--date", "2022-01-06", user=PREPARER))
    returns = tmp_path / "returns.csv"
    returns.write_text("账号,金额,原因\n6217000010000000029,1032.00,账户已销户\n6217000010000000037,529.00,户名不符\n",
                       encoding="utf-8")
    ok(run("cycle", "returns", "1", "--file", str(returns), "--date", "2022-01-10", user=PREPARER))
    events = tmp_path / "events.csv"
    events.write_text("household_id,kind,date,value,id_number\nH001,death,2022-01-20,,230523197705100113\n"
                      "H004,death,2022-01-20,,230523198304040716\n", encoding="utf-8")
    ok(run("registry", "events", str(events), user=PREPARER))
    february = ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-02", "--date", "2022-02-01",
                      user=PREPARER))

    january, clerks_january = show(run, 1, PREPARER), show(run, 1, CLERK)
    assert [r["household_id"] for r in january["returns"]] == ["H002", "H003"]
    assert [r["household_id"] for r in clerks_january["returns"]] == ["H002"]
    whole, part = show(run, february, PREPARER), show(run, february, CLERK)
    assert list(whole) == SHAPE
    assert [h["household_id"] for h in whole["held"]] == ["H001", "H004"]
    assert [h["household_id"] for h in part["held"]] == ["H001"]
    assert part["held_total"] == part["held"][0]["amount"] != whole["held_total"]
    assert part["count"] == len(part["lines"]) == whole["by_township"][TOWNSHIP]["count"]
    assert part["total"] == whole["by_township"][TOWNSHIP]["total"]
    assert all(line["township"] == TOWNSHIP for line in part["lines"])
    # What February re-issues or recomputes is shown to the clerk for their township's households only.
    for key in ("adjustments", "returns"):
        mine = {item["household_id"] for item in part[key]}
        assert mine <= {line["household_id"] for line in whole["lines"] if line["township"] == TOWNSHIP} | {"H001"}


def test_report_register_obeys_the_readers_scope(run, tmp_path):
    """`report register`: a township's clerk gets their township's register whether they name it or not; another
    reader may ask for one township; a township of another county, or a reader outside the county, is refused."""
    import subprocess

    build(run)

    def register(user, *extra) -> str:
        out = tmp_path / f"r-{user}-{len(extra)}.pdf"
        ok(run("report", "register", "1", "--out", str(out), *extra, user=user))
        return subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout

    # The register names households by their heads: H001's is 王建国 (宝清镇), H003's 张德明 (七星泡镇).
    whole = register(PREPARER)
    assert "张德明" in whole and "王建国" in whole and "9,639.00" in whole
    for text in (register(CLERK), register(CLERK, "--township", TOWNSHIP), register(AUDITOR, "--township", TOWNSHIP)):
        assert "王建国" in text and "张德明" not in text and "6,740.00" in text and "9,639.00" not in text
    assert_refused(run("report", "register", "1", "--out", str(tmp_path / "x.pdf"), "--township", OTHER_TOWNSHIP,
                       user=CLERK), OTHER_TOWNSHIP)
    assert_refused(run("report", "register", "1", "--out", str(tmp_path / "y.pdf"), "--township", "230524100",
                       user=PREPARER), "is not a township of county 230523")
    assert_refused(run("report", "register", "1", "--out", str(tmp_path / "z.pdf"), user=ELSEWHERE), "cycle 1")
    assert not any((tmp_path / name).exists() for name in ("x.pdf", "y.pdf", "z.pdf"))


def test_paying_the_county_is_not_a_township_clerks_work(run, tmp_path):
    """The bank file holds every account of the county: a township's clerk neither exports it nor books its returns,
    nor does a township-scoped approver cancel the county's cycle."""
    build(run)
    assert_refused(run("cycle", "export-bank", "1", "--out", str(tmp_path / "b.csv"), user=CLERK), "scope")
    assert not (tmp_path / "b.csv").exists()
    ok(run("cycle", "export-bank", "1", "--out", str(tmp_path / "b.csv"), user=PREPARER))
    (tmp_path / "r.csv").write_text("账号,金额,原因\n", encoding="utf-8")
    assert_refused(run("cycle", "returns", "1", "--file", str(tmp_path / "r.csv"), user=CLERK), "scope")
    ok(run("cycle", "returns", "1", "--file", str(tmp_path / "r.csv"), user=PREPARER))
