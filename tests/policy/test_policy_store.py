"""`policy load` and `policy show` against the database: versions, refusals, inheritance on a day."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from support import ADMIN, EXAMPLE_POLICIES, PREPARER, assert_refused, snapshot

from aidledger import db as dbmod
from aidledger.policy.tables import PolicyFile

PROVINCE, CITY, COUNTY = (str(p) for p in EXAMPLE_POLICIES)


def versions(url):
    database = dbmod.Database(url)
    try:
        with database.read() as s:
            return [(f.jurisdiction_code, f.version, f.loaded_by) for f in
                    s.scalars(select(PolicyFile).order_by(PolicyFile.jurisdiction_code, PolicyFile.version))]
    finally:
        database.dispose()


def show(run, code="230523", on="2022-01-01"):
    result = run("policy", "show", "--jurisdiction", code, "--on", on, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_loading_the_example_chain_creates_jurisdictions_townships_and_reserves(county):
    assert versions(county.url) == [("230000", 1, ADMIN), ("230500", 1, ADMIN), ("230523", 1, ADMIN)]
    accounts = json.loads(county("ledger", "accounts", "--jurisdiction", "230523", "--json").stdout)["accounts"]
    assert {"Assets:Reserve:T230523100", "Assets:Reserve:T230523101", "Assets:Reserve:T230523102"} <= {
        a["account"] for a in accounts}


def test_reloading_identical_files_changes_nothing(county):
    before = snapshot(county.url)
    result = county("policy", "load", PROVINCE, CITY, COUNTY, user=ADMIN)
    assert result.exit_code == 0
    assert result.stdout.count("unchanged (version 1)") == 3
    assert snapshot(county.url) == before


def test_a_changed_file_becomes_a_new_version_and_the_old_one_stays(county, tmp_path):
    changed = tmp_path / "230523-baoqing.toml"
    changed.write_text(open(COUNTY, encoding="utf-8").read().replace("amount = 30000", "amount = 50000"),
                       encoding="utf-8")
    assert county("policy", "load", str(changed), user=ADMIN).exit_code == 0
    assert ("230523", 2, ADMIN) in versions(county.url) and ("230523", 1, ADMIN) in versions(county.url)
    assert show(county)["reserve"]["amount"] == "50000"


def test_show_resolves_inheritance_and_dated_values(county):
    before, after = show(county, on="2021-12-01"), show(county, on="2022-01-01")
    assert (before["dibao"]["standard_urban"], after["dibao"]["standard_urban"]) == ("640", "680")
    elderly = [a for a in after["dibao"]["addons"] if a["name"] == "elderly"][0]
    assert elderly["rate"] == "0.20"
    assert after["heating"]["amount_per_household"] == "300"
    assert after["chain"] == ["230000", "230500", "230523"]
    readable = county("policy", "show", "--jurisdiction", "230523", "--on", "2022-01-01")
    assert "dibao.standard_urban" in readable.stdout and "230500" in readable.stdout


def test_a_parent_not_loaded_is_refused_and_nothing_is_stored(people):
    before = snapshot(people.url)
    assert_refused(people("policy", "load", COUNTY, user=ADMIN),
                   "230523-baoqing.toml: parent jurisdiction 230500 has no loaded policy")
    assert snapshot(people.url) == before


def test_every_problem_of_every_file_is_listed_and_nothing_stored(people, tmp_path):
    bad_city = tmp_path / "city.toml"
    bad_city.write_text(open(CITY, encoding="utf-8").read().replace("2022-01-01 = 680", "2022-01-01 = -680"),
                        encoding="utf-8")
    bad_county = tmp_path / "county.toml"
    bad_county.write_text(open(COUNTY, encoding="utf-8").read() + "\n[extra]\nx = 1\n", encoding="utf-8")
    before = snapshot(people.url)
    result = people("policy", "load", PROVINCE, str(bad_city), str(bad_county), user=ADMIN)
    assert_refused(result, "city.toml: dibao.standard_urban", "-680", "county.toml", "extra")
    assert snapshot(people.url) == before


def test_a_file_moving_a_jurisdiction_to_another_parent_is_refused(books, tmp_path):
    # 230601 is in the books as a county under the city 230600; a file making it a county
    # directly under the province (省直辖) would move its history: refused.
    assert books("jurisdiction", "add", "230600", "--name", "大庆市", "--level", "city", "--parent", "230000",
                 user=ADMIN).exit_code == 0
    assert books("jurisdiction", "add", "230601", "--name", "某县", "--level", "county", "--parent", "230600",
                 user=ADMIN).exit_code == 0
    moved = tmp_path / "230601.toml"
    moved.write_text('[jurisdiction]\ncode = "230601"\nname = "某县"\nlevel = "county"\nparent = "230000"\n',
                     encoding="utf-8")
    before = snapshot(books.url)
    assert_refused(books("policy", "load", PROVINCE, str(moved), user=ADMIN),
                   "jurisdiction 230601 is in the books as a county under 230600; "
                   "the file makes it a county under 230000")
    assert snapshot(books.url) == before


@pytest.mark.parametrize("user", [None, PREPARER])
def test_loading_policies_needs_an_admin(people, user):
    assert_refused(people("policy", "load", PROVINCE, user=user), "load policies")


def test_show_for_a_jurisdiction_without_policy_is_a_refusal(books):
    assert_refused(books("policy", "show", "--jurisdiction", "230523", "--on", "2022-01-01"),
                   "jurisdiction 230523 has no loaded policy")


def test_loaded_policy_files_are_append_only(county):
    from sqlalchemy import text
    database = dbmod.Database(county.url)
    try:
        with pytest.raises(Exception, match="append-only"):
            with database.engine.begin() as conn:
                conn.execute(text("UPDATE policy_files SET text = 'x'"))
    finally:
        database.dispose()
