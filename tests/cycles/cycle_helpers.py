"""Helpers for the payment-cycle tests: the example county, CLI calls that must succeed, raw SQL.

Every figure is read back through the CLI (`--json`), as a script would, and compared as
Decimal; raw SQL is used only to look at what the CLI does not show, or to prove that the
database itself refuses a change.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from conftest import NOW
from sqlalchemy import text
from support import APPROVER, EXAMPLES, PREPARER

from aidledger import db as dbmod

COUNTY = "230523"
MONTHS = ("2021-12", "2022-01", "2022-02", "2022-03")
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
D = Decimal
ZERO = D("0.00")
PAYMENT_HEADER = ["序号", "户编号", "收款人", "账号", "金额", "用途"]
RETURNS_HEADER = ("账号", "金额", "原因")
COMPONENT_KINDS = {"base", "addon", "basic", "care", "single_person", "exit", "price_subsidy", "heating",
                   "temporary", "arrears", "rounding"}
PROGRAM_ACCOUNT = {"dibao": "Dibao", "tekun": "Tekun", "low_income": "LowIncome"}


def households_csv() -> dict[str, dict[str, str]]:
    """The example households.csv, by household id."""
    with open(EXAMPLES / "registry" / "households.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["household_id"]: row for row in csv.DictReader(handle)}


def expense_account(program: str, area: str) -> str:
    return f"Expenses:{PROGRAM_ACCOUNT[program]}:{area.capitalize()}"


def ok(result) -> str:
    """The stdout of a command that must succeed."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout.strip()


def load_example_registry(run) -> None:
    registry = EXAMPLES / "registry"
    ok(run("registry", "import", "--households", str(registry / "households.csv"),
           "--members", str(registry / "members.csv"), user=PREPARER))
    ok(run("registry", "events", str(registry / "events.csv"), user=PREPARER))


def allocate(run, amount: str = "100000.00", on: str = "2021-12-01", fund: str = "central_subsidy") -> int:
    return int(ok(run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", fund, "--amount", amount,
                      "--date", on, user=PREPARER)))


def run_date(month: str) -> str:
    """The day a test books a month's run: its first day (or the tests' today, for next month's cycle), so that
    the approvals dated in the month follow it."""
    return min(f"{month}-01", NOW.date().isoformat())


def run_cycle(run, month: str) -> int:
    return int(ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", month, "--date", run_date(month),
                      user=PREPARER)))


def show(run, cycle_id: int, user: str = PREPARER) -> dict:
    return json.loads(ok(run("cycle", "show", str(cycle_id), "--json", user=user)))


def day(month: str, n: int) -> str:
    return f"{month}-{n:02d}"


def approve(run, cycle_id: int, on: str, user: str = APPROVER) -> int:
    return int(ok(run("cycle", "approve", str(cycle_id), "--date", on, user=user)))


def export(run, cycle_id: int, out: Path, on: str, user: str = PREPARER) -> str:
    return ok(run("cycle", "export-bank", str(cycle_id), "--out", str(out), "--date", on, user=user))


def write_returns(path: Path, rows: list[tuple[str, str, str]], header=RETURNS_HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def settle(run, cycle_id: int, returns_file: Path, on: str) -> str:
    return ok(run("cycle", "returns", str(cycle_id), "--file", str(returns_file), "--date", on, user=PREPARER))


def verify(run) -> None:
    result = run("ledger", "verify")
    assert result.exit_code == 0, (result.stdout, result.stderr)


def entry(run, seq: int) -> dict:
    return json.loads(ok(run("ledger", "show", str(seq), "--json", user=PREPARER)))


def entry_net(data: dict) -> dict[str, Decimal]:
    """account → debit − credit over an entry's lines (all funds)."""
    net: dict[str, Decimal] = {}
    for line in data["lines"]:
        net[line["account"]] = net.get(line["account"], ZERO) + D(line["debit"]) - D(line["credit"])
    return net


def trial_balance(run, as_of: str) -> dict:
    return json.loads(ok(run("ledger", "trial-balance", "--jurisdiction", COUNTY, "--as-of", as_of, "--json",
                             user=PREPARER)))


def balances(run, as_of: str) -> dict[str, Decimal]:
    """account → debit − credit at the end of `as_of`, all funds together (0.00 for an account not shown)."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in trial_balance(run, as_of)["rows"]:
        out[row["account"]] = out.get(row["account"], ZERO) + D(row["debit"]) - D(row["credit"])
    return out


def history_entry(view: dict, status: str) -> int:
    """The ledger entry of the last transition to `status` in `cycle show --json`'s history."""
    entries = [h["entry"] for h in view["history"] if h["status"] == status]
    assert entries and entries[-1] is not None, view["history"]
    return int(entries[-1])


def amounts(view: dict) -> dict[str, str]:
    return {line["household_id"]: line["amount"] for line in view["lines"]}


def line_of(view: dict, household_id: str) -> dict:
    return next(line for line in view["lines"] if line["household_id"] == household_id)


def read_payment_file(path: Path) -> tuple[str, list[list[str]]]:
    raw = path.read_bytes()
    text_ = raw.decode("utf-8")
    return text_, list(csv.reader(text_.lstrip("\ufeff").splitlines()))


def sql(url: str, statement: str, **params):
    """One statement in its own transaction; returns all rows (or None for a write)."""
    database = dbmod.Database(url)
    try:
        with database.engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return result.fetchall() if result.returns_rows else None
    finally:
        database.dispose()


def scalar(url: str, statement: str, **params):
    return sql(url, statement, **params)[0][0]
