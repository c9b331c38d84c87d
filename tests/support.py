"""Helpers shared by the tests: roles, database snapshots, refusal assertions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from aidledger import db as dbmod
from aidledger.models import metadata

ADMIN, PREPARER, APPROVER, AUDITOR = "admin", "li.ming", "wang.fang", "zhao.audit"

# The spec's worked county. CI clones the project with shared/ beside it; the demo ships a
# copy of its policy files (tests/policy/test_policy_examples.py checks they are the same).
SPEC = Path(__file__).resolve().parent.parent.parent / "shared" / "spec"
EXAMPLES = SPEC / "examples"
EXAMPLE_POLICIES = sorted((Path(__file__).resolve().parent.parent / "aidledger" / "demo_data").glob("*.toml"))


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: 'the database exactly as it was'."""
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return {
                table.name: [tuple(row) for row in session.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in metadata.sorted_tables
            }
    finally:
        database.dispose()


def assert_refused(result, *fragments: str) -> None:
    """Exit 3 with `error:` lines on stderr containing every fragment."""
    assert result.exit_code == 3, (result.exit_code, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors, result.stderr
    joined = "\n".join(errors)
    for fragment in fragments:
        assert fragment in joined, (fragment, joined)
