"""Helpers shared by the tests: roles, database snapshots, schema objects, refusal assertions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import MetaData, inspect, select, text

from aidledger import db as dbmod

ADMIN, PREPARER, APPROVER, AUDITOR = "admin", "li.ming", "wang.fang", "zhao.audit"

# The spec's worked county (its examples folder), copied into the project's own test data so
# that a clone tests itself with nothing beside it. The demo ships another copy of its policy
# and registry files (tests/policy/test_policy_examples.py checks that the copies agree).
TEST_DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = TEST_DATA / "examples"
EXAMPLE_POLICIES = sorted((Path(__file__).resolve().parent.parent / "aidledger" / "demo_data").glob("*.toml"))


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: 'the database exactly as it was'.

    The tables and columns are the database's own (reflected), so that a database at an older revision (a
    migration test) is read as it is."""
    database = dbmod.Database(url)
    try:
        reflected = MetaData()
        reflected.reflect(database.engine)
        with database.read() as session:
            return {
                table.name: [tuple(row) for row in session.execute(
                    select(table).order_by(*(table.primary_key.columns or table.columns)))]
                for table in reflected.sorted_tables if table.name != "alembic_version"
            }
    finally:
        database.dispose()


def schema_objects(url: str) -> set[tuple]:
    """The triggers (with their functions) and indexes of a database, as the database states them.

    What a table copy on SQLite (alembic's batch mode) would silently lose: a migration test
    compares this before and after.
    """
    database = dbmod.Database(url)
    try:
        with database.engine.connect() as connection:
            if database.dialect == "postgresql":
                queries = (
                    "SELECT 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal",
                    "SELECT 'function', '', p.proname, p.prosrc FROM pg_proc p "
                    "WHERE p.pronamespace = 'public'::regnamespace",
                    "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
                )
            else:
                queries = ("SELECT type, tbl_name, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index')",)
            return {tuple(row) for query in queries for row in connection.execute(text(query))}
    finally:
        database.dispose()


def check_constraints(url: str) -> dict[str, str]:
    """Every named CHECK constraint of a database: name → its condition, as the database reflects it."""
    database = dbmod.Database(url)
    try:
        found = inspect(database.engine)
        return {c["name"]: c["sqltext"] for table in found.get_table_names()
                for c in found.get_check_constraints(table) if c["name"]}
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


ROOT = Path(__file__).resolve().parents[1]  # the project (tests/ is in it)
CHILD = r'''
import sys
from aidledger.cli import main
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit(99)
sys.argv = ["aidledger"] + sys.argv[1:]
main()
'''
TIMEOUT = 120


def run_together(db_url: str, commands: list[list[str]], user: str = PREPARER) -> list[tuple[int, str, str]]:
    """Start one `aidledger` process per command, release them at once, and return (exit code, stdout, stderr) each.

    Each child is its own interpreter that imports the CLI, says "ready", waits for "go" and then runs
    `aidledger.cli.main` (the console script's entry point): the serialization under test is the
    database's. (`python -m aidledger.cli` cannot be used: run as __main__ the module imports itself a
    second time and fails with a circular import.)
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("AIDLEDGER_DB", None)
    env.pop("AIDLEDGER_USER", None)
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD, "--db", db_url, "--user", user, *command],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
        for command in commands
    ]
    try:
        for proc in procs:
            line = proc.stdout.readline()
            assert line.strip() == b"ready", (line, proc.stderr.read() if proc.poll() is not None else b"")
        for proc in procs:  # the go signal, as close together as the OS allows
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
        for proc in procs:
            proc.stdin.close()
        deadline = time.monotonic() + TIMEOUT
        for proc in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        return [(proc.returncode, proc.stdout.read().decode(), proc.stderr.read().decode()) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def refused_unchanged(run, db_url, args, user, *fragments):
    """The command is refused (exit 3, every fragment in its error lines) and nothing changed."""
    before = snapshot(db_url)
    result = run(*args, user=user)
    assert_refused(result, *fragments)
    assert snapshot(db_url) == before
    return result


def read_book(url: str, work):
    """What `work(session)` returns from a read of the book at `url` (the database closed after)."""
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return work(session)
    finally:
        database.dispose()
