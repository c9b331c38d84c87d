"""Helpers for issue 7's tests: months paid in full (run, approve, export, settle), policy files changed.

Built on the cycle tests' helpers: every figure is read back through the CLI as a script would.
"""

from __future__ import annotations

import json
from pathlib import Path

from cycle_helpers import COUNTY, D, approve, day, export, ok, run_cycle, settle, show, write_returns
from support import ADMIN, EXAMPLE_POLICIES, PREPARER

CITY_FILE = next(p for p in EXAMPLE_POLICIES if p.name.startswith("230500"))


def pay_month(run, month: str, tmp_path: Path) -> dict:
    """Run, approve, export and settle (no returns) the county's month; returns `cycle show --json`."""
    cycle_id = run_cycle(run, month)
    approve(run, cycle_id, day(month, 5))
    export(run, cycle_id, tmp_path / f"{month}-bank.csv", day(month, 6))
    settle(run, cycle_id, write_returns(tmp_path / f"{month}-returns.csv", []), day(month, 10))
    return show(run, cycle_id)


def load_city_with(run, tmp_path: Path, urban_dates: str) -> None:
    """Load a new version of the city's file whose dibao.standard_urban reads `urban_dates` (TOML lines)."""
    text = CITY_FILE.read_text(encoding="utf-8")
    start = text.index("[dibao.standard_urban]")
    end = text.index("[dibao.standard_rural]")
    changed = text[:start] + "[dibao.standard_urban]\n" + urban_dates.strip() + "\n\n" + text[end:]
    path = tmp_path / CITY_FILE.name
    path.write_text(changed, encoding="utf-8")
    ok(run("policy", "load", str(path), user=ADMIN))


def components(view: dict, household_id: str, kind: str) -> list[dict]:
    line = next((ln for ln in view["lines"] if ln["household_id"] == household_id), None)
    return [c for c in line["components"] if c["kind"] == kind] if line else []


def explained(run, household_id: str, month: str) -> D:
    return D(json.loads(ok(run("explain", household_id, "--month", month, "--json", user=PREPARER)))["amount"])


def paid_in(view: dict, household_id: str) -> D:
    return next(D(ln["amount"]) for ln in view["lines"] if ln["household_id"] == household_id)


def record_events(run, tmp_path: Path, rows: list[str], name: str = "late-events.csv") -> None:
    path = tmp_path / name
    path.write_text("household_id,kind,date,value,id_number\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ok(run("registry", "events", str(path), user=PREPARER))


__all__ = ["COUNTY", "components", "explained", "load_city_with", "paid_in", "pay_month", "record_events"]
