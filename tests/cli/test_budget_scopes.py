"""The budget's, reserves', grants' and price subsidies' commands judge the user's scope, as the pages do: the
county's work (allocations, purchases, advancing and replenishing a reserve, declaring a price subsidy, approving a
grant) needs a scope holding all of the county; a township's clerk pays and documents their own township's cases
and grants to their own households only. Each refusal leaves the database as it was."""

from __future__ import annotations

import csv

from support import ADMIN, APPROVER, EXAMPLE_POLICIES, EXAMPLES, PREPARER, refused_unchanged

COUNTY, TOWNSHIP, OTHER_TOWNSHIP = "230523", "230523100", "230523101"
CLERK, TOWN_APPROVER = "town.clerk", "town.approver"
PERSON = "230523199001010012"  # a valid id number (its check digit is right)


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def households_of(township: str) -> list[str]:
    with open(EXAMPLES / "registry" / "households.csv", encoding="utf-8-sig", newline="") as handle:
        return [row["household_id"] for row in csv.DictReader(handle) if row["township"] == township]


def test_a_township_clerk_does_the_townships_work_only(people, db_url):
    run = people  # admin and a preparer, an approver and an auditor of every jurisdiction
    for name, role, scope in ((CLERK, "preparer", TOWNSHIP), (TOWN_APPROVER, "approver", TOWNSHIP)):
        ok(run("user", "add", name, "--role", role, "--scope", scope, user=ADMIN))
    ok(run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN))
    registry = EXAMPLES / "registry"
    ok(run("registry", "import", "--households", str(registry / "households.csv"),
           "--members", str(registry / "members.csv"), user=PREPARER))
    ok(run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "100000.00",
           "--date", "2022-01-01", user=PREPARER))
    for township in (TOWNSHIP, OTHER_TOWNSHIP):
        ok(run("reserve", "advance", "--township", township, "--amount", "2000", "--date", "2022-01-02",
               user=PREPARER))
    county_work = [
        ["budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "10",
         "--date", "2022-01-03"],
        ["budget", "purchase-services", "--jurisdiction", COUNTY, "--amount", "10", "--date", "2022-01-03",
         "--vendor", "某社工机构"],
        ["reserve", "advance", "--township", TOWNSHIP, "--amount", "10", "--date", "2022-01-03"],
        ["reserve", "replenish", "--township", TOWNSHIP, "--date", "2022-01-03"],
        ["subsidy", "declare", "--jurisdiction", COUNTY, "--month", "2022-02", "--cpi", "3.6", "--food", "1"],
    ]
    for args in county_work:
        refused_unchanged(run, db_url, args, CLERK, "outside the scope 230523100")
    other = ["reserve", "pay", "--township", OTHER_TOWNSHIP, "--id-number", PERSON, "--name", "刘某",
             "--amount", "100", "--date", "2022-01-04", "--reason", "火灾"]
    refused_unchanged(run, db_url, other, CLERK, "outside the scope 230523100")
    case = ok(run("reserve", "pay", "--township", TOWNSHIP, "--id-number", PERSON, "--name", "刘某", "--amount",
                  "100", "--date", "2022-01-04", "--reason", "火灾", user=CLERK))
    ok(run("reserve", "document", case, "--date", "2022-01-05", user=CLERK))
    elsewhere = households_of(OTHER_TOWNSHIP)[0]
    mine = households_of(TOWNSHIP)[0]
    grant = ["temporary", "grant", "--total", "600", "--instalments", "3", "--first-month", "2022-05",
             "--reason", "住院"]
    refused_unchanged(run, db_url, grant + ["--household", elsewhere], CLERK, "outside the scope 230523100")
    grant_id = ok(run(*grant, "--household", mine, user=CLERK))
    refused_unchanged(run, db_url, ["temporary", "approve", grant_id], TOWN_APPROVER, "outside the scope 230523100")
    assert ok(run("temporary", "approve", grant_id, user=APPROVER)) == f"temporary grant {grant_id} approved"
