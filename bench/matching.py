"""Cross-checks benchmark (数据比对): a 100,000-household cycle matched against 1,000,000 list rows.

Never part of the test suite. The requirement (issue 19): matching a cycle of 100,000 households against
1,000,000 rows of other departments' lists takes under 10 s. For each backend (SQLite always; PostgreSQL when
--pg-url or AIDLEDGER_TEST_PG_URL names a server) it:

  1. builds the books as bench/cycle.py does (fresh database, users, the example policies, an allocation) and its
     generated county of --households households, written with the raw driver (set-up, not timed);
  2. runs the month 2022-01 in-process with no list loaded (set-up, not timed);
  3. writes --rows list rows with the raw driver (set-up, not timed): a death list, a payroll list, a vehicle list
     and a business list, a quarter of the rows each; --hits of them carry the id numbers of counted members of
     the county (spread over the four kinds), the rest generated numbers nobody in the county has;
  4. times `match_cycle` (aidledger/disbursement/matching/service.py) in-process, as `cycle run` calls it at its
     end: the lists in force, the join of the cycle's members with the list rows, the households with a hit
     rebuilt, the findings and sightings stored, in one transaction (committed);
  5. measures the floor in the same run with the raw driver: the same join alone (the cycle's households' members
     and the members added by events, joined on the id number with the rows of the four lists), its rows fetched.

    .venv/bin/python bench/matching.py                          # 100,000 households, 1,000,000 rows
    .venv/bin/python bench/matching.py --households 10000 --rows 100000
    .venv/bin/python bench/matching.py --no-sqlite --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402  (bench/common.py: the set-up's constants and books, backends, the machine)
from common import COUNTY, PREPARER, Backend  # noqa: E402
from cycle import load_registry, set_up  # noqa: E402  (bench/cycle.py: the generated county)

from aidledger import db as dbmod  # noqa: E402
from aidledger.disbursement.cycles.service.run import run_cycle  # noqa: E402
from aidledger.disbursement.matching.service import latest_run, match_cycle  # noqa: E402
from aidledger.disbursement.payments.tables import Cycle  # noqa: E402

TARGET_S = 10.0
RUN_AT = datetime(2022, 1, 3, 9, 0, tzinfo=timezone.utc)
RUN_ON = date(2022, 1, 3)
KINDS = ("death", "payroll", "vehicle", "business")
FLOOR_SQL = (
    "SELECT p.household_id, p.id_number, r.list_id, r.line, r.{on}, r.detail FROM ("
    "SELECT l.household_id, m.id_number FROM cycle_lines l JOIN members m ON m.household_id = l.household_id "
    "WHERE l.cycle_id = {mark} UNION ALL "
    "SELECT l.household_id, e.id_number FROM cycle_lines l JOIN registry_events e ON e.household_id = l.household_id "
    "AND e.kind IN ('add_member', 'member_joined') WHERE l.cycle_id = {mark}) p "
    "JOIN match_rows r ON r.id_number = p.id_number WHERE r.list_id IN ({lists})")


def write_lists(backend: Backend, url: str, rows: int, hits: int) -> list[int]:
    """The four lists, dated 2021-12-20, and their rows: `hits` of them carrying counted members' id numbers."""
    connection = backend.raw_connect(url)
    rng = random.Random("aidledger-matching-bench")
    try:
        cursor = connection.cursor()
        if backend.sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        cursor.execute("SELECT m.id_number, m.name FROM members m JOIN cycle_lines l ON l.household_id = "
                       "m.household_id WHERE m.death_date IS NULL ORDER BY m.id_number")
        people = cursor.fetchall()
        chosen = rng.sample(people, min(hits, len(people)))
        ids = []
        for kind in KINDS:
            cursor.execute(backend.insert_sql("match_lists", ("kind", "source", "listed_on", "file_name", "digest",
                                                              "rows", "loaded_by", "loaded_at")) + " RETURNING id",
                           (kind, f"bench {kind}", "2021-12-20", f"{kind}.csv", "bench", rows // len(KINDS), PREPARER,
                            common.NOW))
            ids.append(cursor.fetchone()[0])
        statement = backend.insert_sql("match_rows", ("list_id", "line", "id_number", "name", '"on"', "detail"))
        batch = []
        for n in range(rows):
            list_id = ids[n % len(KINDS)]
            if n < len(chosen):
                id_number, name = chosen[n]
                on = "2021-11-15" if n % len(KINDS) == 0 else None  # died before the month: a finding
            else:
                id_number, name, on = f"9{n:017d}", "某人", None  # nobody's number
            batch.append((list_id, n + 2, id_number, name, on, "bench"))
            if len(batch) == 10_000:
                cursor.executemany(statement, batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
        connection.commit()
        if backend.sqlite:
            cursor.execute("ANALYZE match_rows")
        else:
            connection.autocommit = True
            cursor.execute("VACUUM ANALYZE match_rows")
        return ids
    finally:
        connection.close()


def floor(backend: Backend, url: str, cycle_id: int, lists: list[int]) -> tuple[float, int]:
    connection = backend.raw_connect(url)
    try:
        cursor = connection.cursor()
        start = time.perf_counter()
        sql = FLOOR_SQL.format(on='"on"', mark=backend.mark, lists=", ".join(str(i) for i in lists))
        cursor.execute(sql, (cycle_id, cycle_id))
        found = len(cursor.fetchall())
        return time.perf_counter() - start, found
    finally:
        connection.close()


def measure(backend: Backend, households: int, rows: int, hits: int) -> str:
    url = backend.new_database("matching")
    set_up(url, allocation=True)
    load_registry(backend, url, households)
    database = dbmod.Database(url)
    try:
        with database.write() as session:
            cycle_id = run_cycle(session, COUNTY, "2022-01", user=PREPARER, now=RUN_AT, on=RUN_ON).cycle_id
        lists = write_lists(backend, url, rows, hits)
        with database.write() as session:
            cycle = session.get(Cycle, cycle_id)
            assert cycle is not None
            run_id = latest_run(session, cycle_id)
            assert run_id is not None
            start = time.perf_counter()
            found = match_cycle(session, cycle, run_id, RUN_ON, RUN_AT)
            session.flush()
            matched = time.perf_counter() - start
        read, joined = floor(backend, url, cycle_id, lists)
    finally:
        database.dispose()
    verdict = ("met" if matched < TARGET_S else "NOT met") if households >= 100_000 and rows >= 1_000_000 else \
        "not judged below 100,000 households × 1,000,000 rows"
    return (f"{backend.name}: matching {households:,} households against {rows:,} list rows: {matched:.2f} s "
            f"({found:,} findings from {joined:,} rows joined), target {TARGET_S:.0f} s {verdict}; floor (the join "
            f"alone, raw driver) {read:.2f} s, ratio {matched / read:.1f}")


@click.command()
@click.option("--households", default=100_000, show_default=True)
@click.option("--rows", default=1_000_000, show_default=True, help="List rows, over four lists.")
@click.option("--hits", default=2_000, show_default=True, help="Rows carrying a counted member's id number.")
@common.pg_url_option()
@common.sqlite_option
def main(households: int, rows: int, hits: int, pg_url: str | None, on_sqlite: bool) -> None:
    load = os.getloadavg()
    with common.scratch_folder("aidl-matching-bench-") as directory:
        results, versions = common.on_each_backend(
            directory, "matching", on_sqlite, pg_url, lambda backend: measure(backend, households, rows, hits))
    for line in common.machine_lines(versions, load):
        click.echo(line)
    for line in results:
        click.echo(line)


if __name__ == "__main__":
    main()
