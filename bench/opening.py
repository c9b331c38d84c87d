"""Opening benchmark: a county's first month (启用月) loaded, and the month it first pays.

Never part of the test suite. For each backend (SQLite always; PostgreSQL when --pg-url or
AIDLEDGER_TEST_PG_URL names a server), with the generated county of bench/cycle.py (--households
households, approved during 2021, written with the raw driver: set-up, not timed):

  1. `aidledger opening load --month 2022-01` with funds, reserves, --rows open receivables and
     --rows 低保 households handed over as ended (the rows checked against the registry one by
     one), timed as a real command in a subprocess; floor: the raw driver (stdlib sqlite3 /
     psycopg) inserting the same number of rows into tables of the same columns;
  2. `aidledger cycle run --month 2022-01` on that database (the 渐退 tracks begin in the first
     month), against the same run on a twin database without an opening (tracks walked from
     approval in 2021): the ratio says what the first month costs a run.

    python bench/opening.py --households 20000 --rows 5000 [--pg-url URL]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AIDLEDGER, COUNTY, PREPARER, TOWNSHIPS, on_each_backend, pg_url_option, scratch_folder  # noqa: E402
from cycle import load_registry, set_up  # noqa: E402  (bench/cycle.py: the county and its set-up)

MONTH = "2022-01"


def timed(url: str, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([AIDLEDGER, "--db", url, "--user", PREPARER, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(args)}` failed ({done.returncode}): {done.stderr[:2000]}")
    return seconds


def handed_over(backend, url: str, rows: int) -> list[str]:
    """Up to `rows` 低保 households of the county first paid before the first month, in id order (raw driver)."""
    connection = backend.raw_connect(url)
    try:
        cursor = connection.cursor()
        cursor.execute(f"SELECT household_id FROM households WHERE county_code = {backend.mark} AND program = "
                       f"{backend.mark} AND approved_on < {backend.mark} ORDER BY household_id LIMIT {int(rows)}",
                       (COUNTY, "dibao", "2021-12-01"))
        return [r[0] for r in cursor.fetchall()]
    finally:
        connection.close()


def write_files(directory: str, households: list[str]) -> list[str]:
    paths = {name: os.path.join(directory, f"{name}.csv") for name in ("funds", "reserves", "receivables", "states")}
    Path(paths["funds"]).write_text("fund,amount\ncentral_subsidy,5000000.00\ncounty_subsidy,120000.00\n")
    Path(paths["reserves"]).write_text("township,amount\n" + "".join(f"{t},10000.00\n" for t in TOWNSHIPS))
    Path(paths["receivables"]).write_text("household_id,month,amount,reason\n"
                                          + "".join(f"{h},2021-11,10.00,收入未如实申报\n" for h in households),
                                          encoding="utf-8")
    Path(paths["states"]).write_text("household_id,status,exit_started,exit_base\n"
                                     + "".join(f"{h},ended,,\n" for h in households))
    return [a for name, path in paths.items() for a in (f"--{name}", path)]


def floor(backend, url: str, rows: int) -> float:
    """The raw driver storing the same rows: states, receivables and their fund parts."""
    connection = backend.raw_connect(url)
    try:
        cursor = connection.cursor()
        for table, columns in (("f_states", "household_id text, status text, exit_started text, exit_base bigint"),
                               ("f_receivables", "household_id text, month text, amount bigint, reason text, "
                                                 "detail text, program text, area text"),
                               ("f_parts", "receivable integer, fund text, position integer, amount bigint")):
            cursor.execute(f"CREATE TABLE {table} ({columns})")
        if backend.sqlite:
            connection.execute("BEGIN")
        start = time.perf_counter()
        m = backend.mark
        cursor.executemany(f"INSERT INTO f_states VALUES ({m}, {m}, {m}, {m})",
                           [(f"H{n}", "ended", None, None) for n in range(rows)])
        cursor.executemany(f"INSERT INTO f_receivables VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m})",
                           [(f"H{n}", "2021-11", 1000, "收入未如实申报", "旧账移交", "dibao", "urban")
                            for n in range(rows)])
        cursor.executemany(f"INSERT INTO f_parts VALUES ({m}, {m}, {m}, {m})",
                           [(n, "central_subsidy", 0, 1000) for n in range(rows)])
        connection.commit()
        return time.perf_counter() - start
    finally:
        connection.close()


def measure(backend, households: int, rows: int, directory: str) -> None:
    opened, plain = backend.new_database("opened"), backend.new_database("plain")
    for url in (opened, plain):
        set_up(url, allocation=url == plain)
        load_registry(backend, url, households)
    ids = handed_over(backend, opened, rows)
    load_s = timed(opened, "opening", "load", "--jurisdiction", COUNTY, "--month", MONTH,
                   *write_files(directory, ids))
    floor_s = floor(backend, backend.new_database("floor"), len(ids))
    with_opening = timed(opened, "cycle", "run", "--jurisdiction", COUNTY, "--month", MONTH)
    without = timed(plain, "cycle", "run", "--jurisdiction", COUNTY, "--month", MONTH)
    click.echo(f"{backend.server_version}: {households:,} households, {len(ids):,} receivables + {len(ids):,} states")
    click.echo(f"  opening load   {load_s:8.2f} s   raw-driver floor {floor_s:6.3f} s   ratio {load_s / floor_s:6.1f}x"
               f"   ({len(ids) * 2 / load_s:,.0f} rows/s)")
    click.echo(f"  cycle run      {with_opening:8.2f} s   without an opening {without:6.2f} s   "
               f"ratio {with_opening / without:5.2f}x")


@click.command()
@click.option("--households", default=20_000, show_default=True)
@click.option("--rows", default=5_000, show_default=True, help="Receivables and handed-over states, each.")
@pg_url_option()
def main(households: int, rows: int, pg_url: str | None) -> None:
    with scratch_folder("aidledger-openingbench-") as directory:
        on_each_backend(directory, "openingbench", True, pg_url,
                        lambda backend: measure(backend, households, rows, directory))


if __name__ == "__main__":
    main()
