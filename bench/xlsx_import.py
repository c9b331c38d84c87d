"""A county's registry as it comes: 400,000 households in one Excel workbook, and as GBK CSV, imported; the floor is
the same county's UTF-8 CSV import, measured in the same run.

Never part of the test suite. `bench/registry.py --county-files` runs it (or `python bench/xlsx_import.py`). For
each backend (SQLite; PostgreSQL when --pg-url or AIDLEDGER_TEST_PG_URL names a server) it:

  1. generates the county's households.csv and members.csv (bench/registry.py's generator: valid rows only);
  2. writes them again as a county keeps them: one workbook (openpyxl's write-only mode) with the sheets 家庭 and
     成员, Chinese headers (户编号, 身份证号 …) and values (城镇, 低保, 户主 …), dates as date cells, incomes as
     numbers, id numbers and accounts as text; and as GBK CSV files with the same Chinese headers and values;
  3. imports each into a fresh migrated database through the real command in a subprocess
     (`aidledger registry import --households … --members …`, or `--workbook …`), timed from outside with its CPU
     seconds and peak RSS (bench/registry.py's run_command): the UTF-8 CSV import first (the floor: the same rows
     and checks, no conversion), then the GBK files, then the workbook;
  4. checks that each stored the county's households and members, and prints seconds, rows per second, peak RSS
     and each one's ratio to the UTF-8 import.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import common  # noqa: E402
import registry as registry_bench  # noqa: E402
from county_files import HOUSEHOLD_HEADERS, MEMBER_HEADERS, county_value  # noqa: E402


@dataclass
class Written:
    path: str
    seconds: float
    bytes: int


def write_workbook(data: registry_bench.Generated, out: str) -> Written:
    """The county's two CSV files as one workbook, row by row (write-only: memory does not grow with the rows)."""
    from openpyxl import Workbook

    start = time.perf_counter()
    book = Workbook(write_only=True)
    for title, path, headers in (("家庭", data.households_path, HOUSEHOLD_HEADERS),
                                 ("成员", data.members_path, MEMBER_HEADERS)):
        sheet = book.create_sheet(title)
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            columns = next(reader)
            sheet.append([headers[c] for c in columns])
            for row in reader:
                sheet.append([county_value(c, v, cells=True) for c, v in zip(columns, row)])
    book.save(out)
    return Written(out, time.perf_counter() - start, os.path.getsize(out))


def write_gbk(data: registry_bench.Generated, folder: str) -> tuple[str, str, Written]:
    """The county's two CSV files with Chinese headers and values, in GBK, dates as Excel writes them (2022/3/1)."""
    start = time.perf_counter()
    paths = []
    for name, path, headers in (("households", data.households_path, HOUSEHOLD_HEADERS),
                                ("members", data.members_path, MEMBER_HEADERS)):
        out = os.path.join(folder, f"{name}-gbk.csv")
        with open(path, encoding="utf-8", newline="") as source, open(out, "w", encoding="gbk", newline="") as sink:
            reader, writer = csv.reader(source), csv.writer(sink, lineterminator="\r\n")
            columns = next(reader)
            writer.writerow([headers[c] for c in columns])
            for row in reader:
                writer.writerow([county_value(c, v, cells=False) for c, v in zip(columns, row)])
        paths.append(out)
    size = sum(os.path.getsize(p) for p in paths)
    return paths[0], paths[1], Written(paths[0], time.perf_counter() - start, size)


@dataclass
class Imported:
    what: str
    measured: registry_bench.Measured


def _import(backend: common.Backend, args: list[str], what: str, data: registry_bench.Generated) -> Imported:
    url = backend.new_database(what.split()[0].lower().replace("-", ""))
    common.prepare_books(url)
    measured = registry_bench.run_command(url, ["registry", "import", *args], what)
    expected = f"stored {data.households} households, {data.members} members"
    if expected not in measured.output.splitlines():
        raise SystemExit(f"{what} said {measured.output[-300:]!r}, expected {expected!r}")
    return Imported(what, measured)


def measure(backend: common.Backend, data: registry_bench.Generated, workbook: Written, gbk: tuple[str, str]
            ) -> list[Imported]:
    runs = [_import(backend, ["--households", data.households_path, "--members", data.members_path],
                    "UTF-8 CSV (floor)", data),
            _import(backend, ["--households", gbk[0], "--members", gbk[1]], "GBK CSV, Chinese headers", data),
            _import(backend, ["--workbook", workbook.path], "xlsx workbook, Chinese headers", data)]
    for run in runs:
        click.echo(f"{backend.name}: {run.what}: {run.measured.seconds:.1f} s", err=True)
    return runs


@click.command()
@click.option("--households", default=400_000, show_default=True)
@common.pg_url_option("AIDLEDGER_BENCH_PG_URL", "AIDLEDGER_TEST_PG_URL")
@common.sqlite_option
@click.option("--keep", is_flag=True, help="Keep the generated files and databases.")
def main(households: int, pg_url: str | None, on_sqlite: bool, keep: bool) -> None:
    """Import a generated county as UTF-8 CSV, GBK CSV and one xlsx workbook; compare with the UTF-8 import."""
    run(households, pg_url, on_sqlite, keep)


def run(households: int, pg_url: str | None, on_sqlite: bool, keep: bool) -> None:
    load_at_start = os.getloadavg()
    with common.scratch_folder("aidledger-countyfiles-", keep) as directory:
        data = registry_bench.generate(directory, households)
        click.echo(f"generated {data.households:,} households and {data.members:,} members "
                   f"({data.bytes / 2**20:.1f} MiB of CSV) in {data.seconds:.1f} s", err=True)
        workbook = write_workbook(data, os.path.join(directory, "名册.xlsx"))
        click.echo(f"wrote the workbook ({workbook.bytes / 2**20:.1f} MiB) in {workbook.seconds:.1f} s", err=True)
        *gbk, gbk_written = write_gbk(data, directory)
        click.echo(f"wrote the GBK files ({gbk_written.bytes / 2**20:.1f} MiB) in {gbk_written.seconds:.1f} s",
                   err=True)
        results, versions = common.on_each_backend(directory, "countyfiles", on_sqlite, pg_url,
                                                   lambda backend: (backend.name,
                                                                    measure(backend, data, workbook, tuple(gbk))))
    common.echo_machine(versions, load_at_start, extra=[f"aidledger: {common.aidledger_source()}"])
    rows = data.households + data.members
    click.echo(f"county {common.COUNTY}: {data.households:,} households, {data.members:,} members "
               f"({rows:,} rows); workbook {workbook.bytes / 2**20:.1f} MiB, CSV {data.bytes / 2**20:.1f} MiB")
    click.echo("| backend | files | seconds | CPU s | rows/s | peak RSS MiB | ratio to UTF-8 CSV |")
    click.echo("|---|---|---:|---:|---:|---:|---:|")
    for name, runs in results:
        floor = runs[0].measured.seconds
        for run in runs:
            m = run.measured
            click.echo(f"| {name} | {run.what} | {m.seconds:.1f} | {m.cpu_s:.1f} | {rows / m.seconds:,.0f} | "
                       f"{m.peak_rss_mib:.0f} | {m.seconds / floor:.2f}× |")
    click.echo(f"(generated on {date.today().isoformat()}; the floor is the UTF-8 CSV import of the same rows)")


if __name__ == "__main__":
    main()
