"""Purchased services (政府购买社会救助服务) under each of the three cap bases, and `budget status`.

policy-format.md "Budget rules": in year Y at most rate × base, where base is the allocations received
  prior_year_subsidy_total          in Y−1 into the four subsidy funds         (榆林, seed 000 item 26)
  current_year_special_funds        in Y into the four subsidy funds            (山西, seed 003 item 19)
  current_year_central_provincial   in Y into central and provincial funds only (吉林, seed 004 item 17)
A current-year base counts what has been received on or before the purchase date.

The worked county receives (working_funds and lottery_welfare never count towards a base):

  2021   central 300000.00  provincial 200000.00  city 50000.00  county 25000.49   subsidy total 575000.49
         working_funds 40000.00  lottery_welfare 9999.99
  2022   central 400000.00 (01-10)  provincial 150000.49 (02-10)  city 60000.00 (03-10)  county 30000.00 (04-10)
         working_funds 50000.00  lottery_welfare 20000.00; then central 100000.00 on 07-01
         → by 05-01: subsidy 640000.49, central+provincial 550000.49;
           whole year: subsidy 740000.49, central+provincial 650000.49
  2023   central 50000.00 and county 20000.00 on 01-01, provincial 10000.00 on 01-02, working_funds 5000.00

Each base ends in .49, so 2 % of it has a fraction of a fen: the cap is rounded down (a purchase of rate ×
base rounded up would exceed rate × base).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from budget_helpers import (
    CAP_BASE_KINDS,
    CITY,
    COUNTY,
    FUND_ORDER,
    T1,
    allocate,
    budget_status,
    cap_of,
    county_policy_with,
    entry,
    funds_of,
    id_number,
    ok,
    purchase,
    trial_balance,
    use_cap_base,
    verify_ok,
)
from support import ADMIN, AUDITOR, PREPARER, assert_refused, snapshot

D = Decimal

ALLOCATIONS = [
    ("central_subsidy", "300000.00", "2021-03-01"),
    ("working_funds", "40000.00", "2021-03-15"),
    ("provincial_subsidy", "200000.00", "2021-04-01"),
    ("city_subsidy", "50000.00", "2021-05-01"),
    ("county_subsidy", "25000.49", "2021-06-01"),
    ("lottery_welfare", "9999.99", "2021-07-01"),
    ("central_subsidy", "400000.00", "2022-01-10"),
    ("working_funds", "50000.00", "2022-01-15"),
    ("lottery_welfare", "20000.00", "2022-01-20"),
    ("provincial_subsidy", "150000.49", "2022-02-10"),
    ("city_subsidy", "60000.00", "2022-03-10"),
    ("county_subsidy", "30000.00", "2022-04-10"),
    ("central_subsidy", "100000.00", "2022-07-01"),
    ("central_subsidy", "50000.00", "2023-01-01"),
    ("county_subsidy", "20000.00", "2023-01-01"),
    ("working_funds", "5000.00", "2023-01-01"),
    ("provincial_subsidy", "10000.00", "2023-01-02"),
]

# kind → (base, cap) on 2022-02-09, 2022-05-01, 2022-12-31 (the whole of 2022) and 2023-01-01.
EXPECTED = {
    "prior_year_subsidy_total": {
        "2022-02-09": ("575000.49", "11500.00"), "2022-05-01": ("575000.49", "11500.00"),
        "2022-12-31": ("575000.49", "11500.00"), "2023-01-01": ("740000.49", "14800.00"),
    },
    "current_year_special_funds": {
        "2022-02-09": ("400000.00", "8000.00"), "2022-05-01": ("640000.49", "12800.00"),
        "2022-12-31": ("740000.49", "14800.00"), "2023-01-01": ("70000.00", "1400.00"),
    },
    "current_year_central_provincial": {
        "2022-02-09": ("400000.00", "8000.00"), "2022-05-01": ("550000.49", "11000.00"),
        "2022-12-31": ("650000.49", "13000.00"), "2023-01-01": ("50000.00", "1000.00"),
    },
}


def fen(amount: str | Decimal) -> str:
    return f"{D(amount):.2f}"


@pytest.fixture(params=CAP_BASE_KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture
def funded(county, tmp_path, kind):
    """The county under the cap base `kind`, with every allocation above received."""
    use_cap_base(county, tmp_path, kind)
    for fund, amount, on in ALLOCATIONS:
        allocate(county, COUNTY, fund, amount, on)
    return county


def refused_over_cap(result, kind: str, base: str, cap: str, used: str, requested: str) -> None:
    assert_refused(result, "purchased-services cap", f"base kind {kind}", f"base {base}", "rate 0.02",
                   f"cap {cap}", f"used {used}", f"requested {requested}")


def test_exactly_the_cap_passes_and_one_fen_more_is_refused(funded, db_url, kind):
    base, cap = EXPECTED[kind]["2022-05-01"]
    before = snapshot(db_url)
    refused_over_cap(purchase(funded, fen(D(cap) + D("0.01")), "2022-05-01"), kind, base, cap, "0.00",
                     fen(D(cap) + D("0.01")))
    assert snapshot(db_url) == before

    # Two purchases that together reach the cap exactly.
    ok(purchase(funded, "3000.00", "2022-05-01"))
    seq = int(ok(purchase(funded, fen(D(cap) - D("3000.00")), "2022-05-01", vendor="七星泡镇社工站")))
    shown = entry(funded, seq)
    assert shown["kind"] == "purchased_services" and "七星泡镇社工站" in shown["description"]

    before = snapshot(db_url)
    refused_over_cap(purchase(funded, "0.01", "2022-05-01"), kind, base, cap, cap, "0.01")
    assert snapshot(db_url) == before
    verify_ok(funded)


def test_a_single_purchase_of_exactly_the_cap_passes(funded, kind):
    base, cap = EXPECTED[kind]["2022-05-01"]
    ok(purchase(funded, cap, "2022-05-01"))
    refused_over_cap(purchase(funded, "0.01", "2022-05-02"), kind, base, cap, cap, "0.01")
    status = cap_of(budget_status(funded, COUNTY, 2022))
    full_base, full_cap = EXPECTED[kind]["2022-12-31"]
    assert status == {"base_kind": kind, "base": D(full_base), "rate": "0.02", "cap": D(full_cap),
                      "used": D(cap), "headroom": D(full_cap) - D(cap)}
    verify_ok(funded)


def test_a_current_year_base_counts_what_was_received_by_the_purchase_date(funded, kind):
    base, cap = EXPECTED[kind]["2022-02-09"]
    over = purchase(funded, "8000.01", "2022-02-09")
    if kind == "prior_year_subsidy_total":
        ok(over)  # last year's 575000.49 gives 11500.00
        used = D("8000.01")
    else:  # only the central 400000.00 of 01-10 is in by 02-09
        refused_over_cap(over, kind, base, cap, "0.00", "8000.01")
        ok(purchase(funded, "8000.00", "2022-02-09"))
        used = D("8000.00")
    # The provincial allocation of 02-10 counts for a purchase dated that very day.
    day_cap = {"prior_year_subsidy_total": D("11500.00"), "current_year_special_funds": D("11000.00"),
               "current_year_central_provincial": D("11000.00")}[kind]
    refused = purchase(funded, fen(day_cap - used + D("0.01")), "2022-02-10")
    assert_refused(refused, f"cap {day_cap}", f"used {used}")
    ok(purchase(funded, fen(day_cap - used), "2022-02-10"))
    verify_ok(funded)


def test_the_used_amount_resets_and_the_base_moves_at_the_year_boundary(funded, db_url, kind):
    ok(purchase(funded, "5000.00", "2022-05-01"))
    base, cap = EXPECTED[kind]["2022-12-31"]
    headroom = D(cap) - D("5000.00")
    refused_over_cap(purchase(funded, fen(headroom + D("0.01")), "2022-12-31"), kind, base, cap, "5000.00",
                     fen(headroom + D("0.01")))
    ok(purchase(funded, fen(headroom), "2022-12-31"))
    refused_over_cap(purchase(funded, "0.01", "2022-12-31"), kind, base, cap, cap, "0.01")

    # 2023: nothing used yet, and the base is 2022's receipts (prior year) or 2023's so far.
    base23, cap23 = EXPECTED[kind]["2023-01-01"]
    before = snapshot(db_url)
    refused_over_cap(purchase(funded, fen(D(cap23) + D("0.01")), "2023-01-01"), kind, base23, cap23, "0.00",
                     fen(D(cap23) + D("0.01")))
    assert snapshot(db_url) == before
    ok(purchase(funded, cap23, "2023-01-01"))
    refused_over_cap(purchase(funded, "0.01", "2023-01-01"), kind, base23, cap23, cap23, "0.01")

    assert cap_of(budget_status(funded, COUNTY, 2022)) == {
        "base_kind": kind, "base": D(base), "rate": "0.02", "cap": D(cap), "used": D(cap), "headroom": D("0.00")}
    # The 2023 status reads the whole year: the provincial 10000.00 of 01-02 counts for the current-year kinds.
    full23 = {"prior_year_subsidy_total": ("740000.49", "14800.00"),
              "current_year_special_funds": ("80000.00", "1600.00"),
              "current_year_central_provincial": ("60000.00", "1200.00")}[kind]
    assert cap_of(budget_status(funded, COUNTY, 2023)) == {
        "base_kind": kind, "base": D(full23[0]), "rate": "0.02", "cap": D(full23[1]), "used": D(cap23),
        "headroom": D(full23[1]) - D(cap23)}
    verify_ok(funded)


def test_budget_status_shows_every_fund_and_carries_what_remains_into_the_next_year(county):
    """The default cap base (current_year_special_funds) with a reserve, an emergency payment and purchases."""
    for fund, amount, on in ALLOCATIONS:
        allocate(county, COUNTY, fund, amount, on)
    ok(purchase(county, "2000.00", "2021-12-01"))
    ok(county("reserve", "advance", "--township", T1, "--amount", "30000.00", "--date", "2022-01-20",
              user=PREPARER))
    ok(county("reserve", "pay", "--township", T1, "--id-number", id_number("23052319800101123"), "--name", "张三",
              "--amount", "600.00", "--date", "2022-02-01", "--reason", "火灾", user=PREPARER))
    ok(purchase(county, "12000.00", "2022-05-01"))

    expected = {  # fund: opening, received, spent, committed, available
        2021: {"central_subsidy": ("0.00", "300000.00", "2000.00", "0.00", "298000.00"),
               "provincial_subsidy": ("0.00", "200000.00", "0.00", "0.00", "200000.00"),
               "city_subsidy": ("0.00", "50000.00", "0.00", "0.00", "50000.00"),
               "county_subsidy": ("0.00", "25000.49", "0.00", "0.00", "25000.49"),
               "working_funds": ("0.00", "40000.00", "0.00", "0.00", "40000.00"),
               "lottery_welfare": ("0.00", "9999.99", "0.00", "0.00", "9999.99")},
        2022: {"central_subsidy": ("298000.00", "500000.00", "12600.00", "29400.00", "756000.00"),
               "provincial_subsidy": ("200000.00", "150000.49", "0.00", "0.00", "350000.49"),
               "city_subsidy": ("50000.00", "60000.00", "0.00", "0.00", "110000.00"),
               "county_subsidy": ("25000.49", "30000.00", "0.00", "0.00", "55000.49"),
               "working_funds": ("40000.00", "50000.00", "0.00", "0.00", "90000.00"),
               "lottery_welfare": ("9999.99", "20000.00", "0.00", "0.00", "29999.99")},
        2023: {"central_subsidy": ("785400.00", "50000.00", "0.00", "29400.00", "806000.00"),
               "provincial_subsidy": ("350000.49", "10000.00", "0.00", "0.00", "360000.49"),
               "city_subsidy": ("110000.00", "0.00", "0.00", "0.00", "110000.00"),
               "county_subsidy": ("55000.49", "20000.00", "0.00", "0.00", "75000.49"),
               "working_funds": ("90000.00", "5000.00", "0.00", "0.00", "95000.00"),
               "lottery_welfare": ("29999.99", "0.00", "0.00", "0.00", "29999.99")},
    }
    caps = {2021: ("575000.49", "11500.00", "2000.00"), 2022: ("740000.49", "14800.00", "12000.00"),
            2023: ("80000.00", "1600.00", "0.00")}
    statuses = {}
    for year in (2021, 2022, 2023):
        status = budget_status(county, COUNTY, year)
        statuses[year] = funds = funds_of(status)
        for fund in FUND_ORDER:
            opening, received, spent, committed, available = (D(x) for x in expected[year][fund])
            got = funds[fund]
            assert (got["received"], got["spent"], got["committed"], got["available"]) == (
                received, spent, committed, available), (year, fund, got)
            assert got.get("opening", opening) == opening, (year, fund, got)
            assert got["available"] == opening + got["received"] - got["spent"] - got["committed"]
        base, cap, used = (D(x) for x in caps[year])
        assert cap_of(status) == {"base_kind": "current_year_special_funds", "base": base, "rate": "0.02",
                                  "cap": cap, "used": used, "headroom": cap - used}
    # What remains at the end of a year is the next year's opening.
    for year in (2021, 2022):
        for fund in FUND_ORDER:
            this, following = statuses[year][fund], statuses[year + 1][fund]
            assert following["opening"] == this["opening"] + this["received"] - this["spent"]
    # The figures are the books': the treasury and the reserve hold what status says.
    books = trial_balance(county, COUNTY, "2022-12-31")
    assert books[("Assets:Treasury", "central_subsidy")] == D("756000.00")
    assert books[(f"Assets:Reserve:T{T1}", "central_subsidy")] == D("29400.00")
    assert books[("Expenses:PurchasedServices", "central_subsidy")] == D("14000.00")
    readable = ok(county("budget", "status", "--jurisdiction", COUNTY, "--year", "2022", user=AUDITOR))
    for fund in FUND_ORDER:
        assert fund in readable
    assert "756000.00" in readable and "14800.00" in readable
    verify_ok(county)


def test_a_purchase_is_charged_to_the_funds_in_funding_order(county, db_url):
    allocate(county, COUNTY, "central_subsidy", "100.00", "2022-01-05")
    allocate(county, COUNTY, "provincial_subsidy", "10000.00", "2022-01-05")
    allocate(county, COUNTY, "working_funds", "90000.00", "2022-01-05")  # not in funding_order
    seq = int(ok(purchase(county, "150.00", "2022-03-01")))  # cap 2 % × 10100.00 = 202.00
    lines = {(ln["account"], ln["fund"], ln["debit"], ln["credit"]) for ln in entry(county, seq)["lines"]}
    assert lines == {
        ("Expenses:PurchasedServices", "central_subsidy", "100.00", "0.00"),
        ("Expenses:PurchasedServices", "provincial_subsidy", "50.00", "0.00"),
        ("Assets:Treasury", "central_subsidy", "0.00", "100.00"),
        ("Assets:Treasury", "provincial_subsidy", "0.00", "50.00"),
    }
    funds = funds_of(budget_status(county, COUNTY, 2022))
    assert funds["central_subsidy"]["available"] == D("0.00")
    assert funds["provincial_subsidy"]["available"] == D("9950.00")
    assert funds["working_funds"]["available"] == D("90000.00")
    verify_ok(county)


def test_a_cap_set_in_the_county_file_overrides_the_province(county, tmp_path):
    path = county_policy_with(tmp_path, '[budget.purchased_services_cap]\nrate = 0.05\n'
                                        'base = "current_year_central_provincial"\n')
    ok(county("policy", "load", str(path), user=ADMIN))
    for fund, amount, on in ALLOCATIONS:
        allocate(county, COUNTY, fund, amount, on)
    # 5 % of 550000.49 = 27500.0245 → 27500.02
    refused = purchase(county, "27500.03", "2022-05-01")
    assert_refused(refused, "base kind current_year_central_provincial", "base 550000.49", "rate 0.05",
                   "cap 27500.02", "used 0.00", "requested 27500.03")
    ok(purchase(county, "27500.02", "2022-05-01"))
    status = cap_of(budget_status(county, COUNTY, 2022))
    assert (status["base_kind"], status["rate"], status["cap"]) == (
        "current_year_central_provincial", "0.05", D("32500.02"))
    # The funding order and everything else still come from the province; the city keeps the province's cap.
    assert cap_of(budget_status(county, CITY, 2022))["base_kind"] == "current_year_special_funds"
    verify_ok(county)


@pytest.mark.parametrize("args, user, fragments", [
    (["--amount", "0.00"], PREPARER, ["positive"]),
    (["--vendor", "  "], PREPARER, ["vendor"]),
    (["--jurisdiction", "999999"], PREPARER, ["999999"]),
    ([], AUDITOR, ["role auditor"]),
    ([], ADMIN, ["role admin"]),
    ([], None, ["--user"]),
])
def test_bad_purchases_are_refused_and_change_nothing(county, db_url, args, user, fragments):
    allocate(county, COUNTY, "central_subsidy", "100000.00", "2022-01-05")
    before = snapshot(db_url)
    options = {"--jurisdiction": COUNTY, "--amount": "100.00", "--date": "2022-03-01", "--vendor": "社工站",
               **dict(zip(args[::2], args[1::2]))}
    result = county("budget", "purchase-services", *[x for kv in options.items() for x in kv], user=user)
    assert_refused(result, *fragments)
    assert snapshot(db_url) == before


def test_no_cap_base_no_purchase(county, db_url):
    """Without any allocation the cap is 0.00: even one fen is refused."""
    before = snapshot(db_url)
    refused_over_cap(purchase(county, "0.01", "2022-03-01"), "current_year_special_funds", "0.00", "0.00",
                     "0.00", "0.01")
    assert snapshot(db_url) == before


def test_a_back_dated_purchase_cannot_overdraw_a_fund(county):
    allocate(county, COUNTY, "central_subsidy", "1000.00", "2022-01-01")
    ok(county("reserve", "advance", "--township", T1, "--amount", "1000.00", "--date", "2022-03-01",
              user=PREPARER))  # from 2022-03-01 every fen is committed to the reserve
    result = purchase(county, "20.00", "2022-01-10")  # within the cap of 20.00
    central = funds_of(budget_status(county, COUNTY, 2022))["central_subsidy"]
    assert result.exit_code == 3 and central["available"] == D("0.00"), (result.exit_code, central)
