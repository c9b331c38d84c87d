"""Helpers for the budget tests: CLI calls that must succeed, JSON readers, modified policies, id numbers.

Every figure is read back through the CLI (`--json`), as a script would, and compared as Decimal.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from support import ADMIN, EXAMPLE_POLICIES, PREPARER

PROVINCE, CITY, COUNTY = "230000", "230500", "230523"
TOWNSHIPS = ("230523100", "230523101", "230523102")
T1, T2, T3 = TOWNSHIPS
FUND_ORDER = ("central_subsidy", "provincial_subsidy", "city_subsidy", "county_subsidy", "working_funds",
              "lottery_welfare")
CAP_BASE_KINDS = ("prior_year_subsidy_total", "current_year_special_funds", "current_year_central_provincial")
D = Decimal


def ok(result) -> str:
    """The stdout of a command that must succeed."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout.strip()


def allocate(run, jurisdiction: str, fund: str, amount: str, on: str, *, giver: str | None = None,
             reference: str = "") -> int:
    args = ["budget", "allocate", "--jurisdiction", jurisdiction, "--fund", fund, "--amount", amount, "--date", on]
    if giver is not None:
        args += ["--from", giver]
    if reference:
        args += ["--reference", reference]
    return int(ok(run(*args, user=PREPARER)))


def purchase(run, amount: str, on: str, *, jurisdiction: str = COUNTY, vendor: str = "宝清县社工服务中心"):
    return run("budget", "purchase-services", "--jurisdiction", jurisdiction, "--amount", amount, "--date", on,
               "--vendor", vendor, user=PREPARER)


def entry(run, seq: int) -> dict:
    return json.loads(ok(run("ledger", "show", seq, "--json", user=PREPARER)))


def trial_balance(run, jurisdiction: str, as_of: str) -> dict[tuple[str, str], Decimal]:
    """(account, fund) → net balance, debit positive (zero balances left out); asserts it balances."""
    data = json.loads(ok(run("ledger", "trial-balance", "--jurisdiction", jurisdiction, "--as-of", as_of, "--json")))
    assert data["jurisdiction"] == jurisdiction
    assert D(data["total_debit"]) == D(data["total_credit"]), data
    assert sum(D(r["debit"]) for r in data["rows"]) == D(data["total_debit"])
    assert sum(D(r["credit"]) for r in data["rows"]) == D(data["total_credit"])
    nets = {(r["account"], r["fund"]): D(r["debit"]) - D(r["credit"]) for r in data["rows"]}
    return {key: net for key, net in nets.items() if net != 0}


def budget_status(run, jurisdiction: str, year: int) -> dict:
    data = json.loads(ok(run("budget", "status", "--jurisdiction", jurisdiction, "--year", year, "--json")))
    assert data["jurisdiction"] == jurisdiction and data["year"] == year
    return data


def funds_of(status: dict) -> dict[str, dict[str, Decimal]]:
    """fund → {received, spent, committed, available, opening}, checking the shape and two-place amounts."""
    assert [f["fund"] for f in status["funds"]] == list(FUND_ORDER)
    result = {}
    for row in status["funds"]:
        for key in ("received", "spent", "committed", "available"):
            assert isinstance(row[key], str) and row[key] == f"{D(row[key]):.2f}", row
        result[row["fund"]] = {k: D(v) for k, v in row.items() if k != "fund"}
    return result


def cap_of(status: dict) -> dict[str, object]:
    cap = dict(status["purchased_services"])
    assert set(cap) >= {"base_kind", "base", "rate", "cap", "used", "headroom"}
    for key in ("base", "cap", "used", "headroom"):
        assert cap[key] == f"{D(cap[key]):.2f}", cap
        cap[key] = D(cap[key])
    return cap


def reserve_status(run, as_of: str, county: str = COUNTY) -> dict[str, dict]:
    """township → its row, figures as Decimal; checks the documented shape."""
    data = json.loads(ok(run("reserve", "status", "--jurisdiction", county, "--as-of", as_of, "--json")))
    assert data["jurisdiction"] == county and data["as_of"] == as_of
    rows = {}
    for row in data["townships"]:
        assert set(row) >= {"township", "advanced", "paid", "replenished", "balance", "undocumented", "overdue"}
        for key in ("advanced", "paid", "replenished", "balance"):
            assert isinstance(row[key], str) and row[key] == f"{D(row[key]):.2f}", row
            row[key] = D(row[key])
        assert isinstance(row["undocumented"], int) and isinstance(row["overdue"], int)
        rows[row["township"]] = row
    return rows


def verify_ok(run) -> None:
    result = run("ledger", "verify")
    assert result.exit_code == 0, (result.stdout, result.stderr)


def province_policy_with_cap_base(tmp_path: Path, base_kind: str) -> Path:
    """A copy of the example province file with another purchased-services cap base."""
    source = next(p for p in EXAMPLE_POLICIES if p.name.startswith(PROVINCE))
    text = source.read_text(encoding="utf-8")
    line = 'base = "current_year_special_funds"'
    assert text.count(line) == 1, "the example province file no longer sets the cap base as expected"
    target = tmp_path / f"{PROVINCE}-{base_kind}.toml"
    target.write_text(text.replace(line, f'base = "{base_kind}"'), encoding="utf-8")
    return target


def use_cap_base(run, tmp_path: Path, base_kind: str) -> None:
    """Load the province policy with `base_kind` (the examples already use current_year_special_funds)."""
    if base_kind == "current_year_special_funds":
        return
    ok(run("policy", "load", str(province_policy_with_cap_base(tmp_path, base_kind)), user=ADMIN))


def county_policy_with(tmp_path: Path, extra: str) -> Path:
    """A copy of the example county file with `extra` TOML appended (new sections only)."""
    source = next(p for p in EXAMPLE_POLICIES if p.name.startswith(COUNTY))
    target = tmp_path / source.name
    target.write_text(source.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return target


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first_17: str) -> str:
    """A valid 18-character id number: `first_17` plus its GB 11643 (ISO 7064 MOD 11-2) check character."""
    assert len(first_17) == 17 and first_17.isdigit()
    return first_17 + "10X98765432"[sum(int(c) * w for c, w in zip(first_17, _WEIGHTS)) % 11]


def with_wrong_check(number: str) -> str:
    """The same number with another check character."""
    return number[:17] + ("0" if number[17] != "0" else "1")
