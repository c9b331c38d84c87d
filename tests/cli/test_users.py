"""Users and roles: the first user, who may add users, who may add jurisdictions."""

from __future__ import annotations

import json

from support import ADMIN, PREPARER, assert_refused, snapshot


def test_first_user_needs_no_user_but_must_be_admin(run):
    assert_refused(run("user", "add", "li", "--role", "preparer"), "the first user of a database must be an admin")
    assert run("user", "add", ADMIN, "--role", "admin").exit_code == 0


def test_later_users_are_added_by_an_admin_only(books):
    before = snapshot(books.url)
    assert_refused(books("user", "add", "x", "--role", "auditor"), "to add users name the acting user")
    assert_refused(books("user", "add", "x", "--role", "auditor", user=PREPARER),
                   "user 'li.ming' has role preparer; to add users the role must be admin")
    assert_refused(books("user", "add", PREPARER, "--role", "auditor", user=ADMIN), "user 'li.ming' already exists")
    assert snapshot(books.url) == before


def test_unknown_role_is_a_usage_error(run):
    assert run("user", "add", ADMIN, "--role", "boss").exit_code == 2


def test_jurisdictions_need_an_admin_and_a_consistent_parent(books):
    before = snapshot(books.url)
    assert_refused(books("jurisdiction", "add", "230600", "--name", "大庆市", "--level", "city",
                         "--parent", "230000", user=PREPARER), "to add jurisdictions the role must be admin")
    assert_refused(books("jurisdiction", "add", "230601", "--name", "x", "--level", "county", "--parent", "230000",
                         user=ADMIN), "the parent of a county must be a city; 230000 is a province")
    assert_refused(books("jurisdiction", "add", "2306", "--name", "x", "--level", "city", "--parent", "230000",
                         user=ADMIN), "must be a 6-digit administrative division code")
    assert_refused(books("jurisdiction", "add", "230523", "--name", "x", "--level", "county", "--parent", "230500",
                         user=ADMIN), "jurisdiction 230523 already exists")
    assert_refused(books("jurisdiction", "add", "240000", "--name", "x", "--level", "city", user=ADMIN),
                   "a city needs a parent (province)")
    assert snapshot(books.url) == before


def test_a_new_jurisdiction_has_the_standard_chart(books):
    data = json.loads(books("ledger", "accounts", "--jurisdiction", "230523", "--json").stdout)
    accounts = {a["account"]: a for a in data["accounts"]}
    assert accounts["Expenses:Dibao:Urban"]["classification"] == "2081901"
    assert accounts["Expenses:Tekun:Rural"]["classification"] == "2082102"
    assert accounts["Liabilities:Payable:Beneficiaries"]["type"] == "liability"
    assert {"Assets:Treasury", "Equity:NetPosition", "Income:Allocations"} <= set(accounts)


def test_a_role_change_and_a_disabled_user_are_records_that_hold(books, db_url):
    """A user's role and state change only by records (user_changes) an admin makes; a disabled user writes
    nothing; the last enabled admin cannot be disabled or demoted; every change is under the evidence chain."""
    from support import APPROVER, AUDITOR

    before = snapshot(books.url)
    assert_refused(books("user", "role", AUDITOR, "approver", user=PREPARER),
                   "user 'li.ming' has role preparer; to change users the role must be admin")
    assert_refused(books("user", "role", AUDITOR, "auditor", user=ADMIN), "already has role auditor")
    assert_refused(books("user", "disable", ADMIN, user=ADMIN), "does not disable themself")
    assert_refused(books("user", "role", ADMIN, "preparer", user=ADMIN), "the last enabled admin")
    assert_refused(books("user", "enable", PREPARER, user=ADMIN), "is not disabled")
    assert_refused(books("user", "disable", "nobody", user=ADMIN), "unknown user 'nobody'")
    assert snapshot(books.url) == before

    assert books("user", "role", AUDITOR, "approver", user=ADMIN).stdout.strip() == \
        f"user {AUDITOR} now has role approver"
    assert books("user", "disable", PREPARER, user=ADMIN).exit_code == 0
    listed = {u["name"]: u for u in json.loads(books("user", "list", "--json").stdout)["users"]}
    assert (listed[AUDITOR]["role"], listed[AUDITOR]["disabled"]) == ("approver", False)
    assert (listed[PREPARER]["role"], listed[PREPARER]["disabled"]) == ("preparer", True)
    assert_refused(books("budget", "allocate", "--jurisdiction", "230523", "--fund", "central_subsidy",
                         "--amount", "10", "--date", "2022-01-03", user=PREPARER), "user 'li.ming' is disabled")
    assert books("user", "enable", PREPARER, user=ADMIN).exit_code == 0
    assert books("budget", "allocate", "--jurisdiction", "230523", "--fund", "central_subsidy",
                 "--amount", "10", "--date", "2022-01-03", user=PREPARER).exit_code == 0
    changes = snapshot(books.url)["user_changes"]
    assert [(c[1], c[2], c[3], c[4]) for c in changes] == [
        (AUDITOR, "role", "approver", ADMIN), (PREPARER, "disable", None, ADMIN), (PREPARER, "enable", None, ADMIN)]
    assert books("ledger", "verify").exit_code == 0
    assert APPROVER in listed
