"""Sample registry rows and small helpers shared by the registry tests (pure, no database)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from aidledger.disbursement.registry.context import InMemoryRegistryContext
from aidledger.problems import Problem

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples" / "registry"  # the spec's, copied

TODAY = date(2022, 6, 30)

# The example county's policy: the townships the example households live in.
TOWNSHIPS = {"230523": {"230523100": "城关镇", "230523101": "青原镇", "230523102": "夹信子镇"}}

HOUSEHOLD = {
    "household_id": "H001",
    "county": "230523",
    "township": "230523100",
    "area": "urban",
    "program": "dibao",
    "monthly_income": "900",
    "approved_on": "2021-06-15",
    "tier": "",
    "income_type": "variable",
    "tekun_setting": "",
    "payee_name": "王建国",
    "bank_account": "6217000010000000011",
}

MEMBER = {
    "household_id": "H001",
    "id_number": "230523197705100113",
    "name": "王建国",
    "relation": "head",
    "birth_date": "1977-05-10",
    "disability_grade": "",
    "disability_kind": "",
    "flags": "",
    "care_level": "",
    "single_person": "",
    "death_date": "",
}

def household(household_id: str = "H001", **cells: str) -> dict[str, str]:
    """HOUSEHOLD as another household, with an account of its own (one account is paid for one household)."""
    account = HOUSEHOLD["bank_account"] if household_id == "H001" else "62170000" + str(
        sum(ord(c) * 31 ** i for i, c in enumerate(household_id)) % 10**11).zfill(11)
    return {**HOUSEHOLD, "household_id": household_id, "bank_account": account, **cells}


EVENT = {"household_id": "H010", "kind": "income", "date": "2022-03-01", "value": "1500", "id_number": ""}

# Valid id numbers (GB 11643) of people in none of the example households.
SPARE_IDS = ["110101199003070011", "110101199003070038", "110101199003070054", "110101199003070070"]


def csv_lines(rows: list[dict[str, str]], columns: list[str] | None = None) -> list[str]:
    """A CSV file as the physical lines a text file yields, header first."""
    columns = columns if columns is not None else list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().splitlines(keepends=True)


def problems_of(items) -> list[tuple[str, int, str | None, str]]:
    return [(p.source, p.line, p.column, p.reason) for p in items if isinstance(p, Problem)]


def records_of(items) -> list:
    return [item for item in items if not isinstance(item, Problem)]


def example_lines(name: str) -> list[str]:
    return (EXAMPLES / name).read_text(encoding="utf-8").splitlines(keepends=True)


def example_context(**stored) -> InMemoryRegistryContext:
    return InMemoryRegistryContext.of(TOWNSHIPS, **stored)
