"""`budget allocate`: receipts, transfers down the levels, and the refusals (cli.md, policy-format.md "Funds")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from budget_helpers import (
    CITY,
    COUNTY,
    PROVINCE,
    allocate,
    budget_status,
    entry,
    funds_of,
    ok,
    trial_balance,
    verify_ok,
)
from support import ADMIN, APPROVER, AUDITOR, PREPARER, assert_refused, snapshot

D = Decimal


def test_allocation_without_from_is_a_receipt(county):
    seq = allocate(county, COUNTY, "central_subsidy", "6000000.00", "2022-01-10", reference="双财社〔2022〕1号")
    shown = entry(county, seq)
    assert shown["jurisdiction"] == COUNTY and shown["kind"] == "allocation" and shown["date"] == "2022-01-10"
    assert shown["reference"] == "双财社〔2022〕1号" and shown["user"] == PREPARER
    assert {(ln["account"], ln["fund"], ln["debit"], ln["credit"]) for ln in shown["lines"]} == {
        ("Assets:Treasury", "central_subsidy", "6000000.00", "0.00"),
        ("Income:Allocations", "central_subsidy", "0.00", "6000000.00"),
    }
    assert trial_balance(county, COUNTY, "2022-12-31") == {
        ("Assets:Treasury", "central_subsidy"): D("6000000.00"),
        ("Income:Allocations", "central_subsidy"): D("-6000000.00"),
    }
    # Nobody else's books moved, and the receipt is not in the books before its date.
    assert trial_balance(county, CITY, "2022-12-31") == {}
    assert trial_balance(county, PROVINCE, "2022-12-31") == {}
    assert trial_balance(county, COUNTY, "2022-01-09") == {}
    funds = funds_of(budget_status(county, COUNTY, 2022))
    assert funds["central_subsidy"]["received"] == D("6000000.00")
    assert funds["central_subsidy"]["available"] == D("6000000.00")
    verify_ok(county)


def test_allocation_from_above_shows_in_both_books(county):
    allocate(county, PROVINCE, "provincial_subsidy", "100000.00", "2022-01-03")
    to_city = allocate(county, CITY, "provincial_subsidy", "60000.00", "2022-01-05", giver=PROVINCE)
    # The printed id is the receiving entry; the giver's entry is posted with it, just before.
    received = entry(county, to_city)
    assert received["jurisdiction"] == CITY and received["kind"] == "allocation"
    assert {(ln["account"], ln["debit"], ln["credit"]) for ln in received["lines"]} == {
        ("Assets:Treasury", "60000.00", "0.00"), ("Income:Allocations", "0.00", "60000.00")}
    given = entry(county, to_city - 1)
    assert given["jurisdiction"] == PROVINCE and given["kind"] == "allocation_out"
    assert {(ln["account"], ln["fund"], ln["debit"], ln["credit"]) for ln in given["lines"]} == {
        ("Expenses:Allocations:Transferred", "provincial_subsidy", "60000.00", "0.00"),
        ("Assets:Treasury", "provincial_subsidy", "0.00", "60000.00")}

    # The city passes part down to the county; the province skips a level and gives the county directly.
    to_county = allocate(county, COUNTY, "provincial_subsidy", "25000.00", "2022-01-07", giver=CITY)
    assert entry(county, to_county)["jurisdiction"] == COUNTY
    assert entry(county, to_county - 1)["jurisdiction"] == CITY
    allocate(county, COUNTY, "provincial_subsidy", "40000.00", "2022-01-08", giver=PROVINCE)

    assert trial_balance(county, PROVINCE, "2022-12-31") == {  # the treasury is down to zero
        ("Expenses:Allocations:Transferred", "provincial_subsidy"): D("100000.00"),
        ("Income:Allocations", "provincial_subsidy"): D("-100000.00"),
    }
    assert trial_balance(county, CITY, "2022-12-31") == {
        ("Assets:Treasury", "provincial_subsidy"): D("35000.00"),
        ("Expenses:Allocations:Transferred", "provincial_subsidy"): D("25000.00"),
        ("Income:Allocations", "provincial_subsidy"): D("-60000.00"),
    }
    assert trial_balance(county, COUNTY, "2022-12-31") == {
        ("Assets:Treasury", "provincial_subsidy"): D("65000.00"),
        ("Income:Allocations", "provincial_subsidy"): D("-65000.00"),
    }
    # As of a day between the postings each side shows only what had happened.
    assert trial_balance(county, CITY, "2022-01-06") == {
        ("Assets:Treasury", "provincial_subsidy"): D("60000.00"),
        ("Income:Allocations", "provincial_subsidy"): D("-60000.00"),
    }
    city = funds_of(budget_status(county, CITY, 2022))["provincial_subsidy"]
    assert (city["received"], city["spent"], city["available"]) == (D("60000.00"), D("25000.00"), D("35000.00"))
    province = funds_of(budget_status(county, PROVINCE, 2022))["provincial_subsidy"]
    assert (province["received"], province["spent"], province["available"]) == (
        D("100000.00"), D("100000.00"), D("0.00"))
    verify_ok(county)


def test_giver_lacking_the_money_is_refused_and_nothing_changes(county, db_url):
    allocate(county, CITY, "city_subsidy", "500.00", "2022-02-01")
    allocate(county, CITY, "central_subsidy", "9000.00", "2022-02-01")
    before = snapshot(db_url)

    # One fen more than the fund holds: the message names fund, what is available and what is needed.
    result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "city_subsidy", "--amount", "500.01",
                    "--date", "2022-02-02", "--from", CITY, user=PREPARER)
    assert_refused(result, "city_subsidy", "available", "500.00", "500.01", CITY)
    # Money in another fund does not count.
    result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "provincial_subsidy",
                    "--amount", "1.00", "--date", "2022-02-02", "--from", CITY, user=PREPARER)
    assert_refused(result, "provincial_subsidy", "0.00 available", "1.00")
    # Money received later is not available on an earlier day.
    result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "city_subsidy", "--amount", "100.00",
                    "--date", "2022-01-31", "--from", CITY, user=PREPARER)
    assert_refused(result, "city_subsidy", "0.00 available", "100.00")
    assert snapshot(db_url) == before
    verify_ok(county)

    # All of it can go, and then nothing more.
    allocate(county, COUNTY, "city_subsidy", "500.00", "2022-02-02", giver=CITY)
    before = snapshot(db_url)
    result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "city_subsidy", "--amount", "0.01",
                    "--date", "2022-02-03", "--from", CITY, user=PREPARER)
    assert_refused(result, "city_subsidy", "0.00 available", "0.01")
    assert snapshot(db_url) == before
    verify_ok(county)


@pytest.mark.parametrize("giver, receiver", [
    (COUNTY, CITY),        # upwards
    (CITY, PROVINCE),      # upwards
    (COUNTY, PROVINCE),    # upwards, two levels
    (CITY, CITY),          # to itself
])
def test_giver_not_above_the_receiver_is_refused(county, db_url, giver, receiver):
    allocate(county, giver, "central_subsidy", "1000.00", "2022-01-01")
    before = snapshot(db_url)
    result = county("budget", "allocate", "--jurisdiction", receiver, "--fund", "central_subsidy",
                    "--amount", "10.00", "--date", "2022-01-02", "--from", giver, user=PREPARER)
    assert_refused(result, "not above", giver, receiver)
    assert snapshot(db_url) == before
    verify_ok(county)


@pytest.mark.parametrize("giver", [None, CITY])
def test_unknown_fund_is_refused(county, db_url, giver):
    allocate(county, CITY, "central_subsidy", "1000.00", "2022-01-01")
    before = snapshot(db_url)
    args = ["budget", "allocate", "--jurisdiction", COUNTY, "--fund", "special_subsidy", "--amount", "10.00",
            "--date", "2022-01-02"] + (["--from", giver] if giver else [])
    result = county(*args, user=PREPARER)
    assert_refused(result, "unknown fund", "special_subsidy", "central_subsidy")
    assert snapshot(db_url) == before
    verify_ok(county)


@pytest.mark.parametrize("args, fragments", [
    (["--jurisdiction", "999999"], ["999999"]),                        # unknown receiver
    (["--jurisdiction", COUNTY, "--from", "999999"], ["999999"]),     # unknown giver
    (["--jurisdiction", COUNTY, "--amount", "0.00"], ["positive", "0.00"]),
])
def test_other_bad_allocations_are_refused(county, db_url, args, fragments):
    allocate(county, CITY, "central_subsidy", "1000.00", "2022-01-01")
    before = snapshot(db_url)
    defaults = {"--fund": "central_subsidy", "--amount": "10.00", "--date": "2022-01-02"}
    given = dict(zip(args[::2], args[1::2]))
    argv = ["budget", "allocate"] + [x for k, v in {**defaults, **given}.items() for x in (k, v)]
    assert_refused(county(*argv, user=PREPARER), *fragments)
    assert snapshot(db_url) == before


@pytest.mark.parametrize("amount", ["-10.00", "10.001", "ten"])
def test_malformed_amount_is_a_usage_error(county, db_url, amount):
    before = snapshot(db_url)
    result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy",
                    "--amount", amount, "--date", "2022-01-02", user=PREPARER)
    assert result.exit_code in (2, 3), (result.exit_code, result.output)
    assert snapshot(db_url) == before


@pytest.mark.parametrize("user, fragment", [
    (AUDITOR, "role auditor"), (APPROVER, "role approver"), (ADMIN, "role admin"),
    (None, "--user"), ("nobody", "unknown user"),
])
def test_only_a_preparer_records_allocations(county, db_url, user, fragment):
    allocate(county, CITY, "central_subsidy", "1000.00", "2022-01-01")
    before = snapshot(db_url)
    for extra in ([], ["--from", CITY]):
        result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy",
                        "--amount", "10.00", "--date", "2022-01-02", *extra, user=user)
        assert_refused(result, fragment)
    assert snapshot(db_url) == before
    # Reading is open to the auditor.
    assert ok(county("budget", "status", "--jurisdiction", COUNTY, "--year", "2022", user=AUDITOR))
    verify_ok(county)


def test_a_back_dated_allocation_cannot_overdraw_the_giver(county):
    allocate(county, CITY, "city_subsidy", "1000.00", "2022-01-01")
    allocate(county, COUNTY, "city_subsidy", "1000.00", "2022-02-01", giver=CITY)
    # On 2022-01-15 the city held 1000.00, but that money left on 2022-02-01.
    result = county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "city_subsidy", "--amount",
                    "1000.00", "--date", "2022-01-15", "--from", CITY, user=PREPARER)
    treasury = trial_balance(county, CITY, "2022-12-31").get(("Assets:Treasury", "city_subsidy"), D("0.00"))
    assert result.exit_code == 3 and treasury == D("0.00"), (result.exit_code, treasury)
