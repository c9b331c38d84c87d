"""Township reserves (乡镇临时救助备用金): advance, emergency payments, documentation, replenishment, status.

The example county 230523 sets reserve.amount 30000, emergency_case_limit_ratio 1.0 × the urban standard
(640 in 2021, 680 from 2022) and documentation_days 30; its townships are 230523100/101/102.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from budget_helpers import (
    COUNTY,
    T1,
    T2,
    T3,
    TOWNSHIPS,
    allocate,
    budget_status,
    entry,
    funds_of,
    id_number,
    ok,
    reserve_status,
    trial_balance,
    verify_ok,
    with_wrong_check,
)
from support import ADMIN, APPROVER, AUDITOR, PREPARER, assert_refused, snapshot

D = Decimal
PERSON = id_number("23052319800101123")  # …123X
OTHER = id_number("23052320100615002")


@pytest.fixture
def funded(county):
    allocate(county, COUNTY, "central_subsidy", "100000.00", "2021-01-02")
    allocate(county, COUNTY, "central_subsidy", "500000.00", "2022-01-02")
    return county


def advance(run, township: str, amount: str, on: str):
    return run("reserve", "advance", "--township", township, "--amount", amount, "--date", on, user=PREPARER)


def pay(run, township: str, amount: str, on: str, *, person: str = PERSON, name: str = "张三",
        reason: str = "火灾", user: str | None = PREPARER):
    return run("reserve", "pay", "--township", township, "--id-number", person, "--name", name,
               "--amount", amount, "--date", on, "--reason", reason, user=user)


def document(run, case: int, on: str):
    return run("reserve", "document", case, "--date", on, user=PREPARER)


def replenish(run, township: str, on: str):
    return run("reserve", "replenish", "--township", township, "--date", on, user=PREPARER)


def test_id_number_helper_follows_gb11643():
    assert id_number("11010519491231002") == "11010519491231002X"  # the standard's own example
    assert PERSON.endswith("X") and with_wrong_check(PERSON) != PERSON


def test_advance_up_to_the_set_amount(funded, db_url):
    seq = int(ok(advance(funded, T1, "20000.00", "2022-01-05")))
    shown = entry(funded, seq)
    assert shown["kind"] == "reserve_advance" and shown["jurisdiction"] == COUNTY
    assert {(ln["account"], ln["fund"], ln["debit"], ln["credit"]) for ln in shown["lines"]} == {
        (f"Assets:Reserve:T{T1}", "central_subsidy", "20000.00", "0.00"),
        ("Assets:Treasury", "central_subsidy", "0.00", "20000.00")}
    ok(advance(funded, T1, "10000.00", "2022-01-06"))

    before = snapshot(db_url)
    assert_refused(advance(funded, T1, "0.01", "2022-01-07"), "reserve.amount", T1, "30000.00", "30000.01")
    assert_refused(advance(funded, T1, "0.00", "2022-01-07"), "positive")
    assert_refused(advance(funded, "230523199", "100.00", "2022-01-07"), "230523199")
    assert snapshot(db_url) == before

    # Each township has its own reserve; a payment makes room for a top-up to the set amount, not beyond.
    ok(advance(funded, T2, "30000.00", "2022-01-07"))
    ok(pay(funded, T1, "680.00", "2022-02-01"))
    before = snapshot(db_url)
    assert_refused(advance(funded, T1, "680.01", "2022-02-02"), "reserve.amount", "29320.00", "30000.01")
    assert snapshot(db_url) == before
    ok(advance(funded, T1, "680.00", "2022-02-02"))

    rows = reserve_status(funded, "2022-02-28")
    assert (rows[T1]["advanced"], rows[T1]["paid"], rows[T1]["balance"]) == (
        D("30680.00"), D("680.00"), D("30000.00"))
    assert (rows[T2]["advanced"], rows[T2]["balance"]) == (D("30000.00"), D("30000.00"))
    # The money set aside is committed in the county's funds.
    central = funds_of(budget_status(funded, COUNTY, 2022))["central_subsidy"]
    assert central["committed"] == D("60000.00")
    assert central["spent"] == D("680.00")
    verify_ok(funded)


def test_the_journal_names_the_case_not_the_person_helped(funded, db_url, tmp_path):
    """Issue 15: entry descriptions (and so `ledger show` and the beancount export) carry no recipient's name."""
    ok(advance(funded, T1, "30000.00", "2021-06-01"))
    case = int(ok(pay(funded, T1, "600.00", "2021-12-31", name="韩立军", reason="住房失火")))
    out = tmp_path / "books.beancount"
    ok(funded("ledger", "export", "--format", "beancount", "--out", str(out)))
    exported = out.read_text(encoding="utf-8")
    assert f"先行救助 第{case}号个案" in exported
    assert "韩立军" not in exported and PERSON not in exported


def test_advance_needs_the_county_to_have_the_money(county, db_url):
    allocate(county, COUNTY, "central_subsidy", "1000.00", "2022-01-02")
    allocate(county, COUNTY, "working_funds", "50000.00", "2022-01-02")  # not in funding_order
    before = snapshot(db_url)
    assert_refused(advance(county, T1, "1000.01", "2022-01-05"), "1000.00", "1000.01", "short by 0.01")
    assert snapshot(db_url) == before
    ok(advance(county, T1, "1000.00", "2022-01-05"))
    verify_ok(county)


def test_a_payment_is_at_most_the_limit_ratio_times_the_urban_standard(funded, db_url):
    ok(advance(funded, T1, "30000.00", "2021-06-01"))
    before = snapshot(db_url)
    assert_refused(pay(funded, T1, "640.01", "2021-12-31"), "emergency case limit", "640.01", "640.00",
                   "emergency_case_limit_ratio")
    assert snapshot(db_url) == before
    ok(pay(funded, T1, "640.00", "2021-12-31"))

    before = snapshot(db_url)
    assert_refused(pay(funded, T1, "680.01", "2022-01-01"), "emergency case limit", "680.01", "680.00")
    assert_refused(pay(funded, T1, "0.00", "2022-01-01"), "positive")
    assert snapshot(db_url) == before
    case = int(ok(pay(funded, T1, "680.00", "2022-01-01")))
    assert case == 2

    books = trial_balance(funded, COUNTY, "2022-12-31")
    assert books[("Expenses:Temporary", "central_subsidy")] == D("1320.00")
    assert books[(f"Assets:Reserve:T{T1}", "central_subsidy")] == D("28680.00")
    verify_ok(funded)


def test_a_payment_never_goes_beyond_the_balance(funded, db_url):
    before = snapshot(db_url)
    assert_refused(pay(funded, T2, "100.00", "2022-02-01"), "holds 0.00", "100.00")  # nothing advanced yet
    assert snapshot(db_url) == before
    ok(advance(funded, T2, "1000.00", "2022-02-01"))
    ok(pay(funded, T2, "680.00", "2022-02-01"))
    before = snapshot(db_url)
    assert_refused(pay(funded, T2, "320.01", "2022-02-02"), "holds 320.00", "320.01")
    assert snapshot(db_url) == before
    ok(pay(funded, T2, "320.00", "2022-02-02"))
    before = snapshot(db_url)
    assert_refused(pay(funded, T2, "0.01", "2022-02-03"), "holds 0.00", "0.01")
    # A limit and the balance broken at once: both are named.
    assert_refused(pay(funded, T2, "700.00", "2022-02-03"), "emergency case limit", "holds 0.00")
    assert snapshot(db_url) == before
    row = reserve_status(funded, "2022-12-31")[T2]
    assert (row["advanced"], row["paid"], row["balance"], row["undocumented"]) == (
        D("1000.00"), D("1000.00"), D("0.00"), 2)
    verify_ok(funded)


@pytest.mark.parametrize("person, fragment", [
    (with_wrong_check(PERSON), "check character"),
    (PERSON[:17], "18 characters"),
    (id_number("23052319801301123"), "not a real date"),
    (id_number("23052320300101123"), "after today"),  # born after the payment date
    ("23052319800101123Y", "check character"),
    ("", "empty"),
])
def test_an_invalid_id_number_is_refused(funded, db_url, person, fragment):
    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    before = snapshot(db_url)
    assert_refused(pay(funded, T1, "100.00", "2022-02-01", person=person), "id number", fragment)
    assert snapshot(db_url) == before


def test_a_lowercase_check_x_is_accepted(funded):
    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    ok(pay(funded, T1, "100.00", "2022-02-01", person=PERSON.lower()))
    verify_ok(funded)


@pytest.mark.parametrize("field, value, fragment", [("name", " ", "--name"), ("reason", "", "--reason")])
def test_a_payment_names_the_person_and_the_reason(funded, db_url, field, value, fragment):
    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    before = snapshot(db_url)
    assert_refused(pay(funded, T1, "100.00", "2022-02-01", **{field: value}), fragment)
    assert snapshot(db_url) == before


def test_documentation_within_the_deadline_and_late(funded, db_url):
    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    first = int(ok(pay(funded, T1, "600.00", "2022-02-01")))   # due by 2022-03-03
    second = int(ok(pay(funded, T1, "500.00", "2022-02-01", person=OTHER, name="李四")))
    third = int(ok(pay(funded, T1, "400.00", "2022-02-01")))

    before = snapshot(db_url)
    assert_refused(document(funded, third, "2022-01-31"), str(third), "2022-02-01")  # before the payment
    assert_refused(document(funded, 999, "2022-02-10"), "999")
    assert snapshot(db_url) == before

    out = ok(document(funded, first, "2022-03-03"))            # the 30th day: in time
    assert f"case {first} documented on 2022-03-03" in out and "(late)" not in out
    out = ok(document(funded, second, "2022-03-04"))           # the 31st day: accepted, marked late
    assert f"case {second} documented on 2022-03-04" in out and "(late)" in out
    out = ok(document(funded, third, "2022-02-01"))            # the same day
    assert "(late)" not in out

    before = snapshot(db_url)
    assert_refused(document(funded, first, "2022-03-05"), "already documented", "2022-03-03")
    assert_refused(document(funded, second, "2022-03-05"), "already documented", "2022-03-04")
    assert snapshot(db_url) == before
    verify_ok(funded)


def test_replenish_by_documented_payments_only(funded, db_url):
    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    before = snapshot(db_url)
    assert_refused(replenish(funded, T1, "2022-01-31"), "no documented payment", T1)
    assert snapshot(db_url) == before

    a = int(ok(pay(funded, T1, "680.00", "2022-02-01")))
    b = int(ok(pay(funded, T1, "500.00", "2022-02-02", person=OTHER, name="李四")))
    c = int(ok(pay(funded, T1, "300.00", "2022-02-03")))
    ok(document(funded, a, "2022-02-10"))
    ok(document(funded, c, "2022-02-20"))

    before = snapshot(db_url)
    assert_refused(replenish(funded, T1, "2022-02-09"), "no documented payment")  # a is documented a day later
    assert snapshot(db_url) == before
    out = ok(replenish(funded, T1, "2022-02-15"))  # only a: c is documented after that day, b not at all
    assert "replenished 680.00 for 1 documented case(s)" in out
    seq = int(out.split(":")[0].split()[-1])
    shown = entry(funded, seq)
    assert shown["kind"] == "reserve_replenish"
    assert {(ln["account"], ln["debit"], ln["credit"]) for ln in shown["lines"]} == {
        (f"Assets:Reserve:T{T1}", "680.00", "0.00"), ("Assets:Treasury", "0.00", "680.00")}

    before = snapshot(db_url)
    assert_refused(replenish(funded, T1, "2022-02-16"), "no documented payment")  # a is done, b and c wait
    assert snapshot(db_url) == before
    assert "replenished 300.00 for 1 documented case(s)" in ok(replenish(funded, T1, "2022-02-25"))

    row = reserve_status(funded, "2022-02-28")[T1]
    assert (row["advanced"], row["paid"], row["replenished"], row["balance"], row["undocumented"],
            row["overdue"]) == (D("30000.00"), D("1480.00"), D("980.00"), D("29500.00"), 1, 0)

    assert "(late)" in ok(document(funded, b, "2022-03-10"))   # due 2022-03-04
    assert "replenished 500.00 for 1 documented case(s)" in ok(replenish(funded, T1, "2022-03-10"))
    before = snapshot(db_url)
    assert_refused(replenish(funded, T1, "2022-03-31"), "no documented payment")
    assert_refused(replenish(funded, T2, "2022-03-31"), "no documented payment", T2)
    assert snapshot(db_url) == before

    row = reserve_status(funded, "2022-03-31")[T1]
    assert (row["advanced"], row["paid"], row["replenished"], row["balance"], row["undocumented"],
            row["overdue"]) == (D("30000.00"), D("1480.00"), D("1480.00"), D("30000.00"), 0, 0)
    books = trial_balance(funded, COUNTY, "2022-03-31")
    assert books[(f"Assets:Reserve:T{T1}", "central_subsidy")] == D("30000.00")
    assert books[("Expenses:Temporary", "central_subsidy")] == D("1480.00")
    central = funds_of(budget_status(funded, COUNTY, 2022))["central_subsidy"]
    assert (central["spent"], central["committed"]) == (D("1480.00"), D("30000.00"))
    verify_ok(funded)


def test_reserve_status_figures_and_overdue_as_of_a_date(funded):
    # Every township of the county is listed, with zeros before anything happens.
    rows = reserve_status(funded, "2022-01-01")
    assert sorted(rows) == list(TOWNSHIPS)
    for code in TOWNSHIPS:
        assert {k: rows[code][k] for k in ("advanced", "paid", "replenished", "balance", "undocumented",
                                            "overdue")} == {
            "advanced": D("0.00"), "paid": D("0.00"), "replenished": D("0.00"), "balance": D("0.00"),
            "undocumented": 0, "overdue": 0}

    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    ok(advance(funded, T3, "5000.00", "2022-01-05"))
    late = int(ok(pay(funded, T1, "680.00", "2022-02-01")))   # due by 2022-03-03, documented 2022-03-10
    ok(pay(funded, T1, "200.00", "2022-02-15"))               # due by 2022-03-17, never documented
    timely = int(ok(pay(funded, T3, "300.00", "2022-02-01")))
    ok(document(funded, timely, "2022-02-05"))
    ok(replenish(funded, T3, "2022-02-06"))
    ok(document(funded, late, "2022-03-10"))

    def figures(as_of: str, code: str) -> tuple:
        row = reserve_status(funded, as_of)[code]
        return (row["advanced"], row["paid"], row["replenished"], row["balance"], row["undocumented"],
                row["overdue"])

    assert figures("2022-01-31", T1) == (D("30000.00"), D("0.00"), D("0.00"), D("30000.00"), 0, 0)
    assert figures("2022-02-01", T1) == (D("30000.00"), D("680.00"), D("0.00"), D("29320.00"), 1, 0)
    assert figures("2022-03-03", T1) == (D("30000.00"), D("880.00"), D("0.00"), D("29120.00"), 2, 0)
    assert figures("2022-03-04", T1) == (D("30000.00"), D("880.00"), D("0.00"), D("29120.00"), 2, 1)
    assert figures("2022-03-09", T1)[4:] == (2, 1)
    assert figures("2022-03-10", T1)[4:] == (1, 0)     # documented late: no longer open or overdue
    assert figures("2022-03-17", T1)[4:] == (1, 0)
    assert figures("2022-03-18", T1)[4:] == (1, 1)
    assert figures("2022-02-05", T3) == (D("5000.00"), D("300.00"), D("0.00"), D("4700.00"), 0, 0)
    assert figures("2022-02-06", T3) == (D("5000.00"), D("300.00"), D("300.00"), D("5000.00"), 0, 0)
    assert figures("2022-12-31", T2) == (D("0.00"), D("0.00"), D("0.00"), D("0.00"), 0, 0)

    # The balances are the books'.
    books = trial_balance(funded, COUNTY, "2022-12-31")
    for code in TOWNSHIPS:
        assert books.get((f"Assets:Reserve:T{code}", "central_subsidy"), D("0.00")) == \
            reserve_status(funded, "2022-12-31")[code]["balance"]
    readable = ok(funded("reserve", "status", "--jurisdiction", COUNTY, "--as-of", "2022-03-31", user=AUDITOR))
    assert T1 in readable and "29120.00" in readable
    assert_refused(funded("reserve", "status", "--jurisdiction", "999999", "--as-of", "2022-03-31"), "999999")
    # `reserve cases` lists what the counts count, one case a row, id numbers masked.
    import json

    for day in ("2022-02-01", "2022-03-03", "2022-03-04", "2022-03-10", "2022-03-18", "2022-12-31"):
        listed = json.loads(ok(funded("reserve", "cases", "--jurisdiction", COUNTY, "--as-of", day, "--json",
                                      user=AUDITOR)))["cases"]
        for code, row in reserve_status(funded, day).items():
            mine = [c for c in listed if c["township"] == code]
            assert (len(mine), sum(c["overdue"] for c in mine)) == (row["undocumented"], row["overdue"]), (day, code)
        assert all(c["id_number"] != PERSON and c["id_number"].endswith(PERSON[-4:]) for c in listed)
        assert [c["overdue"] for c in listed] == sorted((c["overdue"] for c in listed), reverse=True)
    assert "张三" in ok(funded("reserve", "cases", "--jurisdiction", COUNTY, "--as-of", "2022-03-04"))
    verify_ok(funded)


@pytest.mark.parametrize("user, fragment", [(AUDITOR, "role auditor"), (APPROVER, "role approver"),
                                            (ADMIN, "role admin"), (None, "--user")])
def test_only_a_preparer_moves_reserves(funded, db_url, user, fragment):
    ok(advance(funded, T1, "30000.00", "2022-01-05"))
    case = int(ok(pay(funded, T1, "100.00", "2022-02-01")))
    before = snapshot(db_url)
    for args in (["advance", "--township", T2, "--amount", "100.00", "--date", "2022-02-01"],
                 ["pay", "--township", T1, "--id-number", PERSON, "--name", "张三", "--amount", "100.00",
                  "--date", "2022-02-01", "--reason", "火灾"],
                 ["document", str(case), "--date", "2022-02-02"],
                 ["replenish", "--township", T1, "--date", "2022-02-03"]):
        assert_refused(funded("reserve", *args, user=user), fragment)
    assert snapshot(db_url) == before
    verify_ok(funded)


# --- Back-dated actions must hold on every later day too.

def test_a_back_dated_payment_cannot_take_the_reserve_below_zero(funded, db_url):
    ok(advance(funded, T1, "1000.00", "2022-01-05"))
    ok(pay(funded, T1, "680.00", "2022-02-01"))
    # On 2022-01-10 the reserve held 1000.00, but everything after 2022-02-01 rests on 320.00 being left.
    result = pay(funded, T1, "680.00", "2022-01-10")
    balance = reserve_status(funded, "2022-12-31")[T1]["balance"]
    assert result.exit_code == 3 and balance == D("320.00"), (result.exit_code, balance)


def test_a_back_dated_advance_cannot_exceed_the_set_amount(funded):
    ok(advance(funded, T1, "30000.00", "2022-02-01"))
    result = advance(funded, T1, "30000.00", "2022-01-15")
    balance = reserve_status(funded, "2022-12-31")[T1]["balance"]
    assert result.exit_code == 3 and balance == D("30000.00"), (result.exit_code, balance)


def test_a_reserve_payment_cannot_be_reversed_behind_its_case(funded):
    # A reserve payment belongs to its case record: `ledger reverse` would leave the case and the
    # books disagreeing, so it is refused and status stays the books' balance.
    ok(advance(funded, T1, "5000.00", "2022-01-05"))
    ok(pay(funded, T1, "600.00", "2022-02-01"))
    payment = next(seq for seq in range(1, 10) if entry(funded, seq)["kind"] == "reserve_payment")
    before = snapshot(funded.url)
    assert_refused(funded("ledger", "reverse", payment, "--reason", "错付", "--date", "2022-02-02", user=PREPARER),
                   f"entry {payment} is a reserve_payment entry kept by its own records")
    assert snapshot(funded.url) == before
    books = trial_balance(funded, COUNTY, "2022-12-31")[(f"Assets:Reserve:T{T1}", "central_subsidy")]
    assert books == D("4400.00") == reserve_status(funded, "2022-12-31")[T1]["balance"]
    verify_ok(funded)
