"""Audit pack benchmark: a county of 100,000 households paid for twelve months, and its audit pack.

Never part of the test suite. The requirement (issue 18): the audit pack (`report audit`) of a county of
100,000 households paid for the twelve months of 2022 in under 60 s. For each backend (SQLite always; PostgreSQL
when --pg-url or AIDLEDGER_TEST_PG_URL names a server) it:

  1. builds the books (set-up, not timed): bench/cycle.py's books and generated county of --households
     households (written straight into the registry with the raw driver), then each month of 2022 run,
     approved, exported and settled through the real commands in subprocesses, the bank returning the
     first --returns payments of every month (a few re-issued later, as the county corrects accounts is not
     simulated: they stay open and show among the exceptions);
  2. times the real command in a subprocess, interpreter start-up included:
         aidledger --db URL report audit --jurisdiction 230523 --year 2022 --out FILE
     with its CPU seconds and peak RSS, prints its last line (pages, exceptions) and checks the PDF
     (pdftotext: the bridge sums to the books, when poppler-utils is installed).

With --keep DIR the SQLite books are built once in DIR and reused by later runs (the set-up of twelve months takes
a few minutes); --as-of times a pack cut off before the year's end.

    .venv/bin/python bench/audit.py                          # 100,000 households × 12 months
    .venv/bin/python bench/audit.py --households 5000        # a quick run
    .venv/bin/python bench/audit.py --keep /tmp/audit-bench  # build once, time again
    .venv/bin/python bench/audit.py --no-sqlite --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402  (bench/common.py: the set-up's constants and books, backends, the machine)
from common import AIDLEDGER, APPROVER, COUNTY, PREPARER, Backend  # noqa: E402
from cycle import EVENT_COLUMNS, LOAD_BATCH, County, Generator, set_up  # noqa: E402  (bench/cycle.py's county)

from aidledger import db as dbmod  # noqa: E402
from aidledger.disbursement.registry.tables import RegistryImport  # noqa: E402

TARGET_S = 60.0
YEAR = 2022


def _cli(url: str, user: str | None, *args: str) -> str:
    command = [AIDLEDGER, "--db", url] + (["--user", user] if user else []) + list(args)
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(args)}` failed (exit {done.returncode}): {done.stderr[:2000]}")
    return done.stdout.strip()


def build(backend: Backend, url: str, households: int, directory: str, returns: int) -> None:
    """The books: the county, then twelve months run, approved, exported and settled."""
    set_up(url, allocation=True)
    county = sealed_registry(backend, url, households)
    click.echo(f"{backend.name}: {county.households:,} households, {county.members:,} members loaded", err=True)
    for number in range(1, 13):
        month = f"{YEAR}-{number:02d}"
        began = time.perf_counter()
        cycle = _cli(url, PREPARER, "cycle", "run", "--jurisdiction", COUNTY, "--month", month, "--date",
                     f"{month}-02").splitlines()[-1]
        _cli(url, APPROVER, "cycle", "approve", cycle, "--date", f"{month}-05")
        bank = os.path.join(directory, f"{backend.name}-bank-{month}.csv")
        _cli(url, PREPARER, "cycle", "export-bank", cycle, "--out", bank, "--date", f"{month}-06")
        returned = os.path.join(directory, f"{backend.name}-returns-{month}.csv")
        with open(bank, encoding="utf-8-sig", newline="") as handle, \
                open(returned, "w", encoding="utf-8", newline="") as out:
            rows = [r for r in csv.DictReader(handle) if r["序号"] != "合计"][:returns]
            writer = csv.writer(out)
            writer.writerow(("账号", "金额", "原因", "户编号"))
            writer.writerows((r["账号"], r["金额"], "账户已冻结", r["户编号"]) for r in rows)
        _cli(url, PREPARER, "cycle", "returns", cycle, "--file", returned, "--date", f"{month}-10")
        click.echo(f"{backend.name}: {month} cycle {cycle} paid ({time.perf_counter() - began:.1f} s)", err=True)


def sealed_registry(backend: Backend, url: str, households: int) -> County:
    """bench/cycle.py's generated county, written in one of the application's write transactions (its statements
    through the session's connection), so that the evidence chain seals it as `registry import` would: the pack's
    `ledger verify` must pass, or every household would be an exception and the pack would time the wrong thing."""
    database = dbmod.Database(url)
    try:
        with database.write() as session:
            row = RegistryImport(kind="registry", sources="bench/audit.py (generated)", digest="bench",
                                 loaded_by=PREPARER, loaded_at=common.NOW)
            session.add(row)
            session.flush()
            generator = Generator(households, row.id)
            connection = session.connection()
            sql = [backend.insert_sql(t, c) for t, c in (("households", common.HOUSEHOLD_COLUMNS),
                                                         ("members", common.MEMBER_COLUMNS),
                                                         ("registry_events", EVENT_COLUMNS))]
            for batch in generator.batches(LOAD_BATCH):
                for statement, rows in zip(sql, batch):
                    if rows:
                        connection.exec_driver_sql(statement, list(rows))
        with database.write() as session:
            for table in ("households", "members", "registry_events"):  # what `registry import` does
                session.connection().exec_driver_sql(f"ANALYZE {table}")
    finally:
        database.dispose()
    return generator.county


def floor(url: str) -> float:
    """What any pack must at least do: read every journal line and every cycle line once through the raw driver
    (no ORM, no arithmetic). The pack's seconds are printed as a ratio to it."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    start = time.perf_counter()
    try:
        with engine.connect() as connection:
            for table in ("journal_lines", "cycle_lines"):
                result = connection.exec_driver_sql(f"SELECT * FROM {table}").yield_per(10_000)
                for _ in result:
                    pass
    finally:
        engine.dispose()
    return time.perf_counter() - start


def time_pack(url: str, out: str, as_of: str | None) -> tuple[float, float, float, str]:
    """The real command in a subprocess: wall seconds, CPU seconds, peak RSS MiB, its output."""
    command = [AIDLEDGER, "--db", url, "report", "audit", "--jurisdiction", COUNTY, "--year", str(YEAR),
               "--out", out] + (["--as-of", as_of] if as_of else [])
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    said = process.stdout.read().decode("utf-8", "replace").strip() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"report audit failed: {said}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, said


@click.command()
@click.option("--households", default=100_000, show_default=True)
@click.option("--returns", default=20, show_default=True, help="Payments the bank returns each month.")
@click.option("--as-of", "as_of", default=None, help="The pack's cut-off day (default: the year's end).")
@click.option("--keep", type=click.Path(file_okay=False), default=None,
              help="A folder to build the SQLite books in once and reuse on later runs.")
@common.pg_url_option()
@common.sqlite_option
def main(households: int, returns: int, as_of: str | None, keep: str | None, pg_url: str | None,
         on_sqlite: bool) -> None:
    load = os.getloadavg()
    with common.scratch_folder("aidl-audit-bench-") as scratch:
        directory = keep or scratch
        os.makedirs(directory, exist_ok=True)

        def measure(backend: Backend) -> str:
            if backend.sqlite and keep:
                url = f"sqlite:///{os.path.join(keep, f'audit-{households}.db')}"
                if not os.path.exists(url.removeprefix("sqlite:///")):
                    build(backend, url, households, directory, returns)
            else:
                url = backend.new_database("audit")
                build(backend, url, households, directory, returns)
            out = os.path.join(directory, f"{backend.name}-audit.pdf")
            read = floor(url)
            seconds, cpu, rss, said = time_pack(url, out, as_of)
            # The target is the 100,000-household year's: a smaller county neither meets nor misses it.
            verdict = ("met" if seconds < TARGET_S else "NOT met") if households >= 100_000 else \
                f"not judged at {households:,} households"
            return (f"{backend.name}: report audit {seconds:.2f} s (CPU {cpu:.2f} s, peak RSS {rss:.0f} MiB), "
                    f"target {TARGET_S:.0f} s {verdict}; floor (every journal and cycle line read) {read:.2f} s, "
                    f"ratio {seconds / read:.1f}\n  {said}")

        if keep:
            os.environ.setdefault("AIDLEDGER_KEYS", os.path.join(keep, "keys"))
        lines, versions = common.on_each_backend(directory, "audit", on_sqlite, pg_url, measure)
        common.echo_machine(versions, load)
        for line in lines:
            click.echo(line)


if __name__ == "__main__":
    main()
