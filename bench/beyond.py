"""Cycles beyond the base: arrears after a retroactive policy change, receivables after late deaths.

Never part of the test suite. Built on bench/cycle.py (imported, not copied): the same
county, set-up, subprocess timing and raw-driver floor; the constants, backends and machine
lines of bench/common.py. For each backend (SQLite always;
PostgreSQL when --pg-url or AIDLEDGER_TEST_PG_URL names a server) it:

  1. sets up as bench/cycle.py does (fresh database, users, the three example policies,
     2,000,000,000 yuan allocated, a generated county of --households households written
     with the raw driver), then pays 2022-01, 2022-02 and 2022-03 through the real
     commands (`cycle run`, then `cycle approve ID --date YYYY-MM-05` by the approver).
     Set-up, not timed; its duration is printed;
  2. times `cycle run --jurisdiction 230523 --month 2022-04` before any policy change
     (the plain run: the twin baseline). Then loads, as the admin, a new version of the
     city's file 230500-shuangyashan.toml whose [dibao.standard_urban] gains the dated line
     `2022-02-01 = 700` (680 before), and times the same command again: the draft is re-run,
     and this time the run recomputes February and March for every household paid in them
     and pays the differences as `arrears` components;
  3. records households/100 deaths dated 2022-02-10 (`registry events FILE` as the preparer),
     one member each of as many distinct households paid in March (members chosen with a
     fixed seed among those not already dead), and times the same command a third time.
     The policy change still stands, so this run does both: it recomputes February and
     March for everyone (arrears) and, for March, finds the deaths recorded late
     (receivables, `recovery`);
  4. after each of the three runs, the floor as bench/cycle.py defines it for the run: the
     raw driver inserting the run's cycle_lines and cycle_tracks rows (read back: same
     columns, values and order) into a cycle of a fresh database, executemany in batches
     of cycle_run._BATCH, one transaction; plus, timed apart, the run's cycle_adjustments
     rows inserted the same way.

Each run is the real command in its own subprocess (interpreter start-up included):
wall seconds, CPU seconds of the command and its workers, peak RSS of the command and its
workers together, CPU pressure (bench/cycle.py's run_cli). What each run found is read from
cycle_adjustments. Timings are printed, never asserted.

    .venv/bin/python bench/beyond.py                                  # 100,000 households
    .venv/bin/python bench/beyond.py --households 5000                # a quick run
    .venv/bin/python bench/beyond.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/beyond.py --no-sqlite --pg-url …           # PostgreSQL only
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402  (bench/common.py: the set-up's constants, backends, the machine)
import cycle as base  # noqa: E402  (bench/cycle.py: set-up, county, run_cli, Floor)
from common import ADMIN, AIDLEDGER, APPROVER, COUNTY, POLICY_DIR, PREPARER, Backend, loads  # noqa: E402

from aidledger.disbursement.cycles.service import run as cycle_run  # noqa: E402

PAID_MONTHS = ("2022-01", "2022-02", "2022-03")
MONTH = "2022-04"
CITY_FILE = "230500-shuangyashan.toml"
OLD_LINE, NEW_LINE = "2022-01-01 = 680\n", "2022-02-01 = 700\n"  # in [dibao.standard_urban]
DEATH_DAY = "2022-02-10"
LATE_SEED = "aidledger-beyond-bench"
ADJUSTMENT_COLUMNS = ("cycle_id", "household_id", "month", "kind", "amount_fen", "paid_before_fen", "entitled_fen",
                      "reason")


@dataclass
class Run:
    label: str
    phase: base.Phase
    load: tuple[float, ...]  # load average just before the run
    lines: int = 0
    tracks: int = 0
    total_fen: int = 0
    arrears_on_lines_fen: int = 0
    adjustments: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (count, fen)
    by_month: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (kind, month) → (count, fen)
    households_with_arrears: int = 0
    floor_lines_s: float = 0.0
    floor_adjustments_s: float = 0.0

    @property
    def floor_s(self) -> float:
        return self.floor_lines_s + self.floor_adjustments_s


@dataclass
class Result:
    backend: str
    county: base.County
    setup_s: float
    paid: list[tuple[str, int, int, int]]  # month, cycle id, lines, total fen
    runs: list[Run]
    late_events: int
    late_heads: int
    workers: int


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _cli(url: str, user: str, *args: str) -> str:
    """A set-up command (not timed) other than `cycle …`."""
    command = [AIDLEDGER, "--db", url, "--user", user, *args]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command[3:])}` failed (exit {done.returncode}): "
                         f"{(done.stdout + done.stderr)[:2000]}")
    return done.stdout.strip()


def _run_month(name: str, url: str, workers: int | None) -> tuple[base.Phase, tuple[float, ...]]:
    load = os.getloadavg()
    click.echo(f"{name}: cycle run {MONTH} … (load average {loads(load)})", err=True)
    phase = base.run_cli(name, url, PREPARER, "run", "--jurisdiction", COUNTY, "--month", MONTH,
                         "--date", f"{MONTH}-03", workers=workers)
    return phase, load


def _pay_months(name: str, url: str, workers: int | None) -> list[tuple[str, int, int, int]]:
    paid = []
    engine = create_engine(url)
    try:
        for month in PAID_MONTHS:
            click.echo(f"{name}: set-up: cycle run {month}, approve …", err=True)
            run = base.run_cli("run", url, PREPARER, "run", "--jurisdiction", COUNTY, "--month", month,
                               "--date", f"{month}-03", workers=workers)
            cycle_id = int(run.output.splitlines()[-1])
            base.run_cli("approve", url, APPROVER, "approve", str(cycle_id), "--date", f"{month}-05")
            with engine.connect() as connection:
                count, total = connection.execute(text("SELECT count, total_fen FROM cycles WHERE id = :id"),
                                                  {"id": cycle_id}).one()
            paid.append((month, cycle_id, count, total))
    finally:
        engine.dispose()
    return paid


def _new_city_policy(directory: str) -> str:
    """The city's file with the urban 低保 standard raised to 700 from 2022-02-01, in its own folder."""
    source = (POLICY_DIR / CITY_FILE).read_text(encoding="utf-8")
    if source.count(OLD_LINE) != 1:
        raise SystemExit(f"{CITY_FILE}: expected one line {OLD_LINE.strip()!r} (the urban standard)")
    folder = os.path.join(directory, "policy-v2")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, CITY_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source.replace(OLD_LINE, OLD_LINE + NEW_LINE))
    return path


def _late_deaths(url: str, march_cycle: int, count: int, directory: str) -> tuple[str, int, int]:
    """An events CSV: `count` deaths on DEATH_DAY, one living member each of distinct households paid in March."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT m.household_id, m.id_number, m.relation FROM members m "
                "JOIN cycle_lines l ON l.household_id = m.household_id AND l.cycle_id = :cycle "
                "WHERE m.death_date IS NULL AND NOT EXISTS (SELECT 1 FROM registry_events e "
                "WHERE e.household_id = m.household_id AND e.id_number = m.id_number "
                "AND e.kind IN ('death', 'remove_member')) "
                "ORDER BY m.household_id, m.source_line"), {"cycle": march_cycle}).all()
    finally:
        engine.dispose()
    members: dict[str, list[tuple[str, str]]] = {}
    for household_id, id_number, relation in rows:
        members.setdefault(household_id, []).append((id_number, relation))
    rng = random.Random(LATE_SEED)
    chosen = rng.sample(sorted(members), min(count, len(members)))
    path = os.path.join(directory, "late-deaths.csv")
    heads = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("household_id", "kind", "date", "value", "id_number"))
        for household_id in sorted(chosen):
            id_number, relation = rng.choice(members[household_id])
            heads += relation == "head"
            writer.writerow((household_id, "death", DEATH_DAY, "", id_number))
    return path, len(chosen), heads


def _found(url: str, run: Run, cycle_id: int) -> None:
    """What the run stored: its lines and total, and the adjustments it found (cycle_adjustments)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            run.lines, run.total_fen = connection.execute(
                text("SELECT count, total_fen FROM cycles WHERE id = :id"), {"id": cycle_id}).one()
            run.arrears_on_lines_fen = connection.execute(
                text("SELECT coalesce(sum(arrears_fen), 0) FROM cycle_lines WHERE cycle_id = :id"),
                {"id": cycle_id}).scalar_one()
            for kind, month, n, fen in connection.execute(text(
                    "SELECT kind, month, count(*), sum(amount_fen) FROM cycle_adjustments WHERE cycle_id = :id "
                    "GROUP BY kind, month ORDER BY kind, month"), {"id": cycle_id}):
                run.by_month[(kind, month)] = (n, int(fen))
                count, total = run.adjustments.get(kind, (0, 0))
                run.adjustments[kind] = (count + n, total + int(fen))
            run.households_with_arrears = connection.execute(text(
                "SELECT count(DISTINCT household_id) FROM cycle_adjustments WHERE cycle_id = :id "
                "AND kind = 'arrears'"), {"id": cycle_id}).scalar_one()
    finally:
        engine.dispose()


def _floor(backend: Backend, url: str, directory: str, run: Run, cycle_id: int, tag: str) -> None:
    """bench/cycle.py's floor for the run (lines + tracks), then the run's adjustments, into a fresh database."""
    floor_url = backend.new_database(f"floor_{tag}")
    base.set_up(floor_url, allocation=False)
    floor = base.Floor(backend, url, floor_url, directory)
    lines, tracks = floor.dump_lines(cycle_id)
    if lines != run.lines:
        raise SystemExit(f"{backend.name}: read back {lines} lines but the cycle has {run.lines}")
    run.tracks = tracks
    run.floor_lines_s = floor.insert(cycle_id)
    run.floor_adjustments_s = _floor_adjustments(backend, url, floor_url, cycle_id)


def _floor_adjustments(backend: Backend, url: str, floor_url: str, cycle_id: int) -> float:
    """The run's cycle_adjustments rows inserted by the raw driver, executemany × _BATCH, one transaction."""
    m = backend.mark
    source = backend.raw_connect(url)
    try:
        cursor = source.cursor()
        cursor.execute(f"SELECT {', '.join(ADJUSTMENT_COLUMNS)} FROM cycle_adjustments WHERE cycle_id = {m} "
                       "ORDER BY id", (cycle_id,))
        rows = [tuple(r) for r in cursor.fetchall()]
        cursor.close()
        if not backend.sqlite:
            source.rollback()
    finally:
        source.close()
    if not rows:
        return 0.0
    target = backend.raw_connect(floor_url)
    try:
        cursor = target.cursor()
        sql = backend.insert_sql("cycle_adjustments", ADJUSTMENT_COLUMNS)
        start = time.perf_counter()
        if backend.sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        for n in range(0, len(rows), cycle_run._BATCH):
            cursor.executemany(sql, rows[n:n + cycle_run._BATCH])
        if backend.sqlite:
            cursor.execute("COMMIT")
        else:
            target.commit()
        return time.perf_counter() - start
    finally:
        target.close()


def measure(backend: Backend, households: int, directory: str, workers: int | None) -> Result:
    name = backend.name
    start = time.perf_counter()
    url = backend.new_database("service")
    base.set_up(url, allocation=True)
    county = base.load_registry(backend, url, households)
    click.echo(f"{name}: set-up: {county.households:,} households ({base._programs(county)}), {county.members:,} "
               f"members, {county.events:,} events; loaded in {county.seconds:.1f} s", err=True)
    paid = _pay_months(name, url, workers)
    setup_s = time.perf_counter() - start
    click.echo(f"{name}: set-up (database, registry, 2022-01…03 run and approved) took {setup_s:.1f} s "
               "(not timed)", err=True)

    runs: list[Run] = []
    plain, load = _run_month(f"{name} plain", url, workers)
    cycle_id = int(plain.output.splitlines()[-1])
    runs.append(Run("plain (before the policy change)", plain, load))
    _found(url, runs[-1], cycle_id)
    _floor(backend, url, directory, runs[-1], cycle_id, "plain")

    policy_file = _new_city_policy(directory)
    click.echo(f"{name}: policy load {policy_file} (urban standard 700 from 2022-02-01) …", err=True)
    click.echo(f"{name}: {_cli(url, ADMIN, 'policy', 'load', policy_file)}", err=True)
    arrears, load = _run_month(f"{name} arrears", url, workers)
    if int(arrears.output.splitlines()[-1]) != cycle_id:
        raise SystemExit(f"{name}: the re-run stored cycle {arrears.output!r}, not the draft {cycle_id}")
    runs.append(Run("with arrears (policy v2: Feb, Mar recomputed)", arrears, load))
    _found(url, runs[-1], cycle_id)
    _floor(backend, url, directory, runs[-1], cycle_id, "arrears")

    events_file, late, heads = _late_deaths(url, paid[-1][1], households // 100, directory)
    click.echo(f"{name}: registry events: {late:,} deaths dated {DEATH_DAY} ({heads:,} of them heads) …", err=True)
    click.echo(f"{name}: {_cli(url, PREPARER, 'registry', 'events', events_file)}", err=True)
    late_run, load = _run_month(f"{name} late", url, workers)
    runs.append(Run("with arrears + late deaths", late_run, load))
    _found(url, runs[-1], cycle_id)
    _floor(backend, url, directory, runs[-1], cycle_id, "late")

    result = Result(name, county, setup_s, paid, runs, late, heads, base._workers_used(households, workers))
    report(result)
    return result


def _adjustments_text(run: Run) -> str:
    if not run.adjustments:
        return "none"
    return ", ".join(f"{kind} {n:,} ({yuan(fen)} yuan)" for kind, (n, fen) in sorted(run.adjustments.items()))


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def report(r: Result) -> None:
    name = r.backend
    plain = r.runs[0].phase
    for month, cycle_id, count, total in r.paid:
        click.echo(f"{name}: set-up: cycle {cycle_id} {month}: {count:,} households, {yuan(total)} yuan, approved")
    click.echo(f"{name}: set-up took {r.setup_s:.1f} s in all (registry written in {r.county.seconds:.1f} s); "
               f"the runs computed in {base._workers_text(r.workers)}")
    for run in r.runs:
        p = run.phase
        click.echo(f"{name}: {MONTH} {run.label}: {p.seconds:.2f} s ({p.cpu_s:.2f} s CPU), peak RSS "
                   f"{p.tree_rss_mib:.0f} MiB (largest process {p.peak_rss_mib:.0f}); ÷ plain run "
                   f"{p.seconds / plain.seconds:.2f}× wall, {p.cpu_s / plain.cpu_s:.2f}× CPU; floor "
                   f"{run.floor_s:.2f} s (lines + tracks {run.floor_lines_s:.2f}, adjustments "
                   f"{run.floor_adjustments_s:.2f}), ÷ floor {p.seconds / run.floor_s:.1f}×; CPU pressure "
                   f"{_pct(p.cpu_pressure)}; load average before {loads(run.load)}")
        click.echo(f"{name}:   {run.lines:,} lines, {run.tracks:,} tracks, total {yuan(run.total_fen)} yuan; "
                   f"adjustments: {_adjustments_text(run)}")
        for (kind, month), (n, fen) in sorted(run.by_month.items()):
            click.echo(f"{name}:     {kind} for {month}: {n:,}, {yuan(fen)} yuan")
        if run.adjustments.get("arrears", (0, 0))[1] != run.arrears_on_lines_fen:
            click.echo(f"{name}:   NOTE: the lines' arrears_fen add up to {yuan(run.arrears_on_lines_fen)} yuan, "
                       f"the arrears adjustments to {yuan(run.adjustments.get('arrears', (0, 0))[1])} yuan")
    click.echo(f"{name}: late deaths recorded: {r.late_events:,} ({r.late_heads:,} of them the household's head)")


@click.command()
@click.option("--households", type=click.IntRange(min=100), default=100_000, show_default=True,
              help="Households in the county (members ≈ 2.5 per household).")
@common.pg_url_option()
@common.sqlite_option
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes computing the runs (AIDLEDGER_CYCLE_WORKERS for the command; 0: in process). "
                   "Default: the command's own choice.")
@click.option("--keep", is_flag=True, help="Keep the temporary folder (SQLite databases, policy and events files).")
def main(households: int, pg_url: str | None, on_sqlite: bool, workers: int | None, keep: bool) -> None:
    """Pay 2022-01…03, then time `cycle run 2022-04` plain, with arrears, and with late deaths too."""
    load_at_start = os.getloadavg()
    with common.scratch_folder("aidledger-beyondbench-", keep) as directory:
        results, versions = common.on_each_backend(directory, "beyondbench", on_sqlite, pg_url,
                                                   lambda backend: measure(backend, households, directory, workers))
    common.echo_machine(versions, load_at_start)
    click.echo("| backend | households | run of 2022-04 | seconds | CPU s | peak RSS MiB | ÷ plain (wall) "
               "| ÷ plain (CPU) | floor s | ÷ floor | CPU pressure | adjustments found |")
    click.echo("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        plain = r.runs[0].phase
        for run in r.runs:
            p = run.phase
            click.echo(f"| {r.backend} | {r.county.households:,} | {run.label} | {p.seconds:.2f} | {p.cpu_s:.2f} | "
                       f"{p.tree_rss_mib:.0f} | {p.seconds / plain.seconds:.2f}× | {p.cpu_s / plain.cpu_s:.2f}× | "
                       f"{run.floor_s:.2f} | {p.seconds / run.floor_s:.1f}× | {_pct(p.cpu_pressure)} | "
                       f"{_adjustments_text(run)} |")
    click.echo("")
    click.echo("; ".join(f"{r.backend}: set-up {r.setup_s:.0f} s; run with arrears {r.runs[1].phase.seconds:.1f} s = "
                         f"{r.runs[1].phase.seconds / r.runs[0].phase.seconds:.2f}× the plain run "
                         f"({r.runs[0].phase.seconds:.1f} s); with late deaths too {r.runs[2].phase.seconds:.1f} s = "
                         f"{r.runs[2].phase.seconds / r.runs[0].phase.seconds:.2f}×" for r in results))


if __name__ == "__main__":
    main()
