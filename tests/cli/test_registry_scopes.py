"""`registry show`, `registry history`, `registry list` and `explain` for readers with a scope: a township's clerk
reads the households registered in the township and no other (by id or in a list), a city's auditor the whole
county, a reader of another county nothing of it; readers who name no user and users without a scope read what
they always read.
"""

from __future__ import annotations

import json

import pytest
from support import ADMIN, EXAMPLES, PREPARER, assert_refused, snapshot

COUNTY, TOWNSHIP, OTHER_TOWNSHIP = "230523", "230523100", "230523101"
CLERK, CITY, ELSEWHERE, FAR_CLERK = "town", "city", "far", "far.clerk"
THEIRS, OTHERS = "H001", "H003"  # a household of 宝清镇 (230523100), one of 七星泡镇 (230523101)


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def scoped(county):
    """The worked county's registry and its events, and users with a scope: a preparer of 宝清镇, an auditor of
    the city, an auditor of another county and a preparer of a township there."""
    for name, role, scope in ((CLERK, "preparer", TOWNSHIP), (CITY, "auditor", "230500"),
                              (ELSEWHERE, "auditor", "230524"), (FAR_CLERK, "preparer", "230524100")):
        ok(county("user", "add", name, "--role", role, "--scope", scope, user=ADMIN))
    registry = EXAMPLES / "registry"
    ok(county("registry", "import", "--households", str(registry / "households.csv"),
              "--members", str(registry / "members.csv"), user=PREPARER))
    ok(county("registry", "events", str(registry / "events.csv"), user=PREPARER))
    return county


def listed(run, *args: str, user: str | None) -> list[dict]:
    data = json.loads(ok(run("registry", "list", "--jurisdiction", COUNTY, "--on", "2022-03-01", *args, "--json",
                             user=user)))
    return data["households"]


def test_a_township_clerk_reads_only_the_township_households(scoped):
    assert json.loads(ok(scoped("registry", "show", THEIRS, "--on", "2022-03-01", "--json", user=CLERK)))[
        "township"] == TOWNSHIP
    assert f"户 {THEIRS}" in ok(scoped("explain", THEIRS, "--month", "2022-01", user=CLERK))
    assert json.loads(ok(scoped("registry", "history", "H010", "--json", user=CLERK)))["events"]
    before = snapshot(scoped.url)
    for args in (("registry", "show", OTHERS), ("registry", "show", OTHERS, "--json"),
                 ("registry", "history", OTHERS), ("registry", "history", OTHERS, "--json"),
                 ("explain", OTHERS, "--month", "2022-01"), ("explain", OTHERS, "--month", "2022-01", "--json")):
        assert_refused(scoped(*args, user=CLERK), f"household {OTHERS} lies outside the scope {TOWNSHIP}",
                       repr(CLERK))
    assert snapshot(scoped.url) == before


def test_a_township_clerk_lists_only_the_township(scoped):
    everyone = listed(scoped, user=PREPARER)
    assert {h["township"] for h in everyone} == {TOWNSHIP, OTHER_TOWNSHIP, "230523102"}
    mine = listed(scoped, user=CLERK)
    assert mine == [h for h in everyone if h["township"] == TOWNSHIP]  # the same rows, full numbers (a preparer)
    assert THEIRS in {h["household_id"] for h in mine} and OTHERS not in {h["household_id"] for h in mine}
    assert listed(scoped, "--township", TOWNSHIP, user=CLERK) == mine
    assert listed(scoped, "--search", "张德明", user=CLERK) == []  # H003's head: found for others, not for the clerk
    assert [h["household_id"] for h in listed(scoped, "--search", "张德明", user=PREPARER)] == [OTHERS]
    assert_refused(scoped("registry", "list", "--jurisdiction", COUNTY, "--township", OTHER_TOWNSHIP, user=CLERK),
                   f"township {OTHER_TOWNSHIP} lies outside the scope {TOWNSHIP}")
    table = ok(scoped("registry", "list", "--jurisdiction", COUNTY, "--on", "2022-03-01", user=CLERK))
    assert f"共 {len(mine)} 户" in table and OTHERS not in table


def test_readers_of_the_city_and_unscoped_readers_read_the_whole_county(scoped):
    everyone = listed(scoped, user=PREPARER)
    assert len(everyone) == 11
    assert listed(scoped, user=None) == listed(scoped, user=CITY)  # both masked: no user, an auditor
    assert len(listed(scoped, user=CITY)) == 11
    for user in (None, CITY, PREPARER):
        ok(scoped("registry", "show", OTHERS, user=user))
        ok(scoped("explain", OTHERS, "--month", "2022-01", user=user))
        ok(scoped("registry", "history", OTHERS, user=user))


def test_readers_of_another_county_read_nothing_of_it(scoped):
    for user, scope in ((ELSEWHERE, "230524"), (FAR_CLERK, "230524100")):
        assert_refused(scoped("registry", "list", "--jurisdiction", COUNTY, user=user),
                       f"jurisdiction {COUNTY} lies outside the scope {scope}")
        for args in (("registry", "show", THEIRS), ("registry", "history", THEIRS),
                     ("explain", THEIRS, "--month", "2022-01", "--json")):
            assert_refused(scoped(*args, user=user), f"household {THEIRS} lies outside the scope {scope}")


def test_search_text_is_taken_literally(scoped):
    for text in ("%", "_", "' OR 1=1 --", "%' OR '1'='1", "H00_", "王%"):
        assert listed(scoped, "--search", text, user=PREPARER) == [], text
    assert [h["household_id"] for h in listed(scoped, "--search", "H00", user=PREPARER)] == \
        [f"H00{n}" for n in range(1, 10)]
    assert [h["household_id"] for h in listed(scoped, "--search", "230523201206150318", user=PREPARER)] == [THEIRS]


def test_a_township_clerk_imports_only_the_townships_households(county, tmp_path):
    """A clerk of 宝清镇 imports the whole county's files: refused, naming the other townships' households, and
    nothing stored; the same rows of 宝清镇 alone are imported."""
    ok(county("user", "add", CLERK, "--role", "preparer", "--scope", TOWNSHIP, user=ADMIN))
    registry = EXAMPLES / "registry"
    before = snapshot(county.url)
    result = county("registry", "import", "--households", str(registry / "households.csv"),
                    "--members", str(registry / "members.csv"), user=CLERK)
    assert_refused(result, "outside the scope 230523100", OTHERS)
    assert {k: v for k, v in snapshot(county.url).items() if k != "writes"} == \
        {k: v for k, v in before.items() if k != "writes"}
    mine = {}
    for name in ("households.csv", "members.csv"):
        lines = (registry / name).read_text(encoding="utf-8-sig").splitlines()
        theirs = {row.split(",")[0] for row in (registry / "households.csv").read_text(encoding="utf-8-sig")
                  .splitlines()[1:] if row.split(",")[2] == TOWNSHIP}
        mine[name] = tmp_path / name
        mine[name].write_text("\n".join([lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0] in theirs]) + "\n",
                              encoding="utf-8")
    ok(county("registry", "import", "--households", str(mine["households.csv"]),
              "--members", str(mine["members.csv"]), user=CLERK))
