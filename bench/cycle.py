"""Monthly cycle benchmark: a county of 1,000,000 households, one month run, approved and exported.

Never part of the test suite. The requirement (the issue): for a county of 1,000,000
households, `cycle run` + `cycle approve` + `cycle export-bank` take under 60 s on SQLite
and under 120 s on PostgreSQL on a two-core machine, in under 1 GB of memory; each phase
is shown next to the raw driver doing the same rows (the floor). For each backend (SQLite
always; PostgreSQL when --pg-url or AIDLEDGER_TEST_PG_URL names a server) it:

  1. creates a fresh database (a temporary SQLite file; on PostgreSQL a database named
     with the pid and a random suffix, dropped at the end WITH (FORCE)), migrates it, adds
     an admin, a preparer and an approver, loads the three example policies (230000 >
     230500 > 230523 宝清县, townships 230523100/101/102) and allocates 2,000,000,000 yuan
     of central_subsidy to 230523 on 2021-12-01;
  2. loads the registry — set-up, not timed (`bench/registry.py` measures the import): a
     generated county of --households households (≈2.5 members each) written straight into
     households / members / registry_events with the raw driver (executemany on SQLite,
     COPY on PostgreSQL, then VACUUM ANALYZE as autovacuum would): 60 % 低保 (gap method;
     incomes mostly below standard × members; some raised above it by an income event
     during 2021 so that 渐退 runs, some ending; some between the 2021 and 2022 standards
     that the 2022 rise brings in), 10 % 特困 (dispersed / centralized, care levels), 30 %
     低收入 with 单人户 members; disabilities, flags, the elderly and minors for the
     add-ons; a few deaths, terminations and care-level changes as events. Valid rows
     throughout (GB 11643 id numbers with their check characters);
  3. times the three phases of month 2022-01 through the real command, each in its own
     subprocess (interpreter start-up included), taking each child's peak RSS from
     os.wait4:
         aidledger --db URL --user bench.preparer cycle run --jurisdiction 230523 --month 2022-01 --date 2022-01-03
         aidledger --db URL --user bench.approver cycle approve ID --date 2022-01-05
         aidledger --db URL --user bench.preparer cycle export-bank ID --out FILE --date 2022-01-06
     On a terminal the command's own progress bar shows (stderr is passed through). A county
     this size is computed by worker processes, one per core (cycle_workers.cycle_workers);
     --workers N sets AIDLEDGER_CYCLE_WORKERS for the command (0: in one process). CPU
     seconds include the workers'; peak RSS is the command and its workers together,
     sampled from /proc; the CPU pressure (/proc/pressure/cpu) tells how much of each
     phase's wall time some task on the machine waited for a core;
  4. measures the floors in the same run, with the raw driver (stdlib sqlite3 / psycopg,
     no SQLAlchemy, no rules):
       run     — inserting the same cycle_lines and cycle_tracks rows (read back from the
                 cycle just computed, same columns, values and order) into a cycle of a
                 second fresh database, executemany in batches of cycle_run._BATCH, one
                 transaction (the floor the issue names); and, for reference, reading
                 the three registry streams the run reads (same SQL, same order);
       approve — the same GROUP BY program, area over those lines;
       export  — the same SELECT … ORDER BY township, household_id written as the same
                 CSV (the two files are compared byte for byte).

    .venv/bin/python bench/cycle.py                                   # 1,000,000 households
    .venv/bin/python bench/cycle.py --households 20000                # a quick run
    .venv/bin/python bench/cycle.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/cycle.py --no-sqlite --pg-url …            # PostgreSQL only
    .venv/bin/python bench/cycle.py --workers 0                       # the run in one process
    .venv/bin/python bench/cycle.py --profile /tmp/cycle              # and cProfile an in-process
                                                                       # run of 100,000 households
"""

from __future__ import annotations

import cProfile
import csv
import hashlib
import marshal
import os
import pstats
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402  (bench/common.py: the set-up's constants and books, backends, the machine)
from common import AIDLEDGER, APPROVER, COUNTY, NOW, PREPARER, Backend  # noqa: E402

from aidledger import db as dbmod  # noqa: E402
from aidledger.budget.service.allocations import allocate  # noqa: E402
from aidledger.disbursement.cycles.service import run as cycle_run  # noqa: E402
from aidledger.disbursement.entitlement.rows import LINE_COLUMNS, TRACK_COLUMNS  # noqa: E402  (the rows the run writes)
from aidledger.disbursement.registry.tables import RegistryImport  # noqa: E402
from aidledger.idcard import check_character  # noqa: E402

MONTH = "2022-01"
RUN_ON, APPROVE_ON, EXPORT_ON = "2022-01-03", "2022-01-05", "2022-01-06"  # run --date: booked in the month
ALLOCATION = Decimal("2000000000")  # yuan of central_subsidy, on 2021-12-01
TARGETS = {"sqlite": 60.0, "postgresql": 120.0}  # seconds for run + approve + export
MEMORY_TARGET_MIB = 1024
LOAD_BATCH = 10_000  # rows per executemany while loading the registry (set-up)

# The standards of the example policies (元/人/月), for generating incomes around them.
STANDARD = {"urban": (640, 680), "rural": (430, 460)}  # 2021-01-01, 2022-01-01

EVENT_COLUMNS = ("household_id", "kind", "date", "value", "id_number", "import_id", "source_line")
REFERENCE_DAY = date(2022, 1, 1)


# ---------------------------------------------------------------------------- the county


@dataclass
class County:
    households: int = 0
    members: int = 0
    events: int = 0
    programs: dict[str, int] = field(default_factory=lambda: {"dibao": 0, "tekun": 0, "low_income": 0})
    kinds: dict[str, int] = field(default_factory=dict)  # dibao households by income scenario
    seconds: float = 0.0


class Generator:
    """A county's registry rows, household by household, deterministic for a seed.

    Rows are tuples in the tables' column order (dates as ISO text, money in fen), so the
    same tuples go to sqlite3's executemany and to PostgreSQL's COPY.
    """

    def __init__(self, households: int, import_id: int, seed: str = "aidledger-cycle-bench"):
        self.total = households
        self.import_id = import_id
        self.rng = random.Random(seed)
        self.person = 0  # members so far: makes every id number unique
        self.county = County()
        self.given = [a + b for a in common.GIVEN for b in common.GIVEN[::3]] + list(common.GIVEN)

    def batches(self, size: int) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
        households: list[tuple] = []
        members: list[tuple] = []
        events: list[tuple] = []
        for n in range(1, self.total + 1):
            self._household(n, households, members, events)
            if len(households) >= size:
                yield households, members, events
                households, members, events = [], [], []
        if households:
            yield households, members, events

    # -- one household

    def _household(self, n: int, households: list, members: list, events: list) -> None:
        rng = self.rng
        county = self.county
        program, township, area = common.draw_household(rng)
        county.programs[program] += 1
        household_id = f"{township}{n:07d}"
        # Approved during 2021 (the example policies' standards start 2021-01-01); 1 % in
        # January 2022, not paid before February.
        approved = date(2021, 1, 1) + timedelta(days=rng.randrange(365))
        standard_2021, standard_2022 = STANDARD[area]
        income_fen = tier = income_type = None
        kind = ""
        size, setting = common.draw_size(rng, program)
        if program == "dibao":
            income_type = "variable" if rng.random() < 0.6 else "stable"
            k = rng.random()
            if k < 0.93:
                kind = "below"  # below the lowest standard since approval: a plain 'normal' track
                income_fen = 0 if rng.random() < 0.1 else rng.randrange(int(standard_2021 * size * 95))
            elif k < 0.96:
                kind = "raised"  # an income event lifts it above the standard: 渐退, or ended
                income_fen = rng.randrange(int(standard_2021 * size * 80))
            elif k < 0.98:
                kind = "changed"  # an income event, still below: the track is rebuilt, stays normal
                income_fen = rng.randrange(int(standard_2021 * size * 80))
            elif k < 0.99:
                kind = "raise_brings_in"  # between the 2021 and the 2022 standard
                income_fen = rng.randrange(standard_2021 * size * 100, standard_2022 * size * 100)
            else:
                kind = "new"  # approved in January 2022: first paid in February
                approved = date(2022, 1, 1) + timedelta(days=rng.randrange(20))
                income_fen = rng.randrange(int(standard_2022 * size * 95))
            county.kinds[kind] = county.kinds.get(kind, 0) + 1
        elif program == "low_income":
            income_fen = rng.randrange(600 * size * 100, 1300 * size * 100)
            income_type = rng.choice((None, None, "stable", "variable"))
        surname = common.SURNAMES[rng.randrange(len(common.SURNAMES))]
        first = len(members)
        self._members(household_id, program, size, surname, members)
        head_name = members[first][2]
        payee = common.INSTITUTIONS[rng.randrange(3)] if setting == "centralized" else head_name
        account = f"62170{n:011d}{rng.randrange(1000):03d}"  # 19 digits, unique by n
        households.append((household_id, COUNTY, township, area, program, income_fen, approved.isoformat(), tier,
                           income_type, setting, payee, account, self.import_id, n + 1))
        county.households += 1
        county.members += size
        self._events(household_id, program, approved, kind, size, standard_2021, standard_2022,
                     members[first:], events)

    def _members(self, household_id: str, program: str, size: int, surname: str, out: list) -> None:
        rng = self.rng
        if program == "tekun":  # 特困: the elderly, the severely disabled, orphans
            kind = rng.random()
            head_age = rng.randint(60, 95) if kind < 0.7 else rng.randint(18, 59) if kind < 0.9 else rng.randint(6, 16)
        else:
            head_age = rng.randint(22, 88)
        ages = [("head", head_age)]
        if size >= 2 and head_age >= 20 and rng.random() < 0.75:
            ages.append(("spouse", max(18, head_age + rng.randint(-6, 4))))
        while len(ages) < size:
            r = rng.random()
            if r < 0.65 and head_age >= 38:
                ages.append(("child", rng.randint(max(0, head_age - 42), head_age - 20)))
            elif r < 0.85 and head_age <= 70:
                ages.append(("parent", min(100, head_age + rng.randint(20, 30))))
            elif r < 0.95 and head_age >= 58:
                ages.append(("grandchild", rng.randint(max(0, head_age - 65), head_age - 40)))
            else:
                ages.append(("other", rng.randint(0, 90)))
        for index, (relation, age) in enumerate(ages):
            born = REFERENCE_DAY - timedelta(days=365 * age + rng.randrange(365))
            self.person += 1
            region, seq = divmod(self.person, 999)
            first17 = f"{230000 + region:06d}{born.year:04d}{born.month:02d}{born.day:02d}{seq + 1:03d}"
            id_number = first17 + check_character(first17)
            family = (surname if relation in ("head", "child", "grandchild")
                      else common.SURNAMES[rng.randrange(len(common.SURNAMES))])
            name = family + self.given[rng.randrange(len(self.given))]
            grade = kind_ = None
            if rng.random() < (0.25 if program == "tekun" else 0.07):
                grade = (1, 2, 2, 3, 3, 4, 4)[rng.randrange(7)]
                kind_ = common.DISABILITY_KINDS[rng.randrange(len(common.DISABILITY_KINDS))]
            flags = []
            if rng.random() < 0.04 and age >= 18:
                flags.append("serious_illness")
            r = rng.random()
            if r < 0.01 and age >= 20:
                flags.append("veteran")
            elif r < 0.013 and age >= 20:
                flags.append("disabled_veteran")
            elif r < 0.016:
                flags.append("martyr_family")
            care = ("self", "self", "self", "semi", "semi", "full")[rng.randrange(6)] if program == "tekun" else None
            single = program == "low_income" and (grade in (1, 2) or "serious_illness" in flags or
                                                  (bool(grade or flags) and rng.random() < 0.3))
            death = None
            if index > 0 and rng.random() < 0.002:  # died before the month: not counted
                death = (date(2021, 1, 1) + timedelta(days=rng.randrange(360))).isoformat()
            out.append((id_number, household_id, name, relation, born.isoformat(), grade, kind_, ";".join(flags),
                        care, single, death, self.import_id, self.person + 1))

    def _events(self, household_id, program, approved, kind, size, standard_2021, standard_2022, members,
                out) -> None:
        rng = self.rng

        def when(earliest: date) -> str | None:
            latest = date(2021, 12, 31)
            if earliest >= latest:
                return None
            return (earliest + timedelta(days=1 + rng.randrange((latest - earliest).days))).isoformat()

        added = []
        if kind == "raised":
            day = when(approved)
            if day:  # above the 2022 standard: 渐退 from the month after, ended after 6 months
                added.append(("income", day, str(Decimal(rng.randrange(int(standard_2022 * size * 101),
                                                                    int(standard_2022 * size * 160))) / 100), None))
        elif kind == "changed":
            day = when(approved)
            if day:
                added.append(("income", day, str(Decimal(rng.randrange(int(standard_2021 * size * 90))) / 100), None))
        r = rng.random()
        if r < 0.003:
            day = when(approved)
            if day:
                added.append(("terminate", day, None, None))
        elif r < 0.008 and size > 1:
            day = when(approved)
            if day:
                added.append(("death", day, None, members[-1][0]))
        elif r < 0.02 and program == "tekun":
            day = when(approved)
            if day:
                added.append(("care_level", day, ("semi", "full")[rng.randrange(2)], members[0][0]))
        for event_kind, day, value, id_number in added:
            self.county.events += 1
            out.append((household_id, event_kind, day, value, id_number, self.import_id, self.county.events + 1))


# ---------------------------------------------------------------------------- set-up (not timed)


def set_up(url: str, *, allocation: bool) -> None:
    """The bench's books (common.prepare_books: migrate, users, the three example policies); with allocation,
    ALLOCATION yuan of central_subsidy allocated to the county on 2021-12-01."""
    common.prepare_books(url)
    if not allocation:
        return
    database = dbmod.Database(url)
    try:
        with database.write() as session:
            allocate(session, COUNTY, "central_subsidy", ALLOCATION, date(2021, 12, 1), from_code=None,
                     reference="bench", user=PREPARER, now=NOW)
    finally:
        database.dispose()


def load_registry(backend: Backend, url: str, households: int) -> County:
    """Write the generated county straight into households / members / registry_events (raw driver)."""
    database = dbmod.Database(url)
    try:
        with database.write() as session:
            row = RegistryImport(kind="registry", sources="bench/cycle.py (generated)", digest="bench",
                                 loaded_by=PREPARER, loaded_at=NOW)
            session.add(row)
            session.flush()
            import_id = row.id
    finally:
        database.dispose()
    generator = Generator(households, import_id)
    start = time.perf_counter()
    connection = backend.raw_connect(url)
    try:
        with _bar(households, f"{backend.name}: loading the registry") as step:
            if backend.sqlite:
                cursor = connection.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                sql = [backend.insert_sql(t, c) for t, c in (("households", common.HOUSEHOLD_COLUMNS),
                                                             ("members", common.MEMBER_COLUMNS),
                                                             ("registry_events", EVENT_COLUMNS))]
                for batch in generator.batches(LOAD_BATCH):
                    for statement, rows in zip(sql, batch):
                        if rows:
                            cursor.executemany(statement, rows)
                    step(len(batch[0]))
                cursor.execute("COMMIT")
                for table in ("households", "members", "registry_events"):  # what `registry import` does
                    cursor.execute(f"ANALYZE {table}")
            else:
                with connection.cursor() as cursor:
                    # One pass of the generator feeding three COPYs: households first (the
                    # members' and events' foreign keys), the others kept in temporary files.
                    spill = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
                    with cursor.copy(f"COPY households ({', '.join(common.HOUSEHOLD_COLUMNS)}) FROM STDIN") as copy:
                        for households_rows, member_rows, event_rows in generator.batches(LOAD_BATCH):
                            for row in households_rows:
                                copy.write_row(row)
                            marshal.dump(member_rows, spill[0])
                            marshal.dump(event_rows, spill[1])
                            step(len(households_rows))
                    for handle, table, columns in ((spill[0], "members", common.MEMBER_COLUMNS),
                                                   (spill[1], "registry_events", EVENT_COLUMNS)):
                        handle.seek(0)
                        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for rows in _unmarshal(handle):
                                for row in rows:
                                    copy.write_row(row)
                        handle.close()
                connection.commit()
                connection.autocommit = True
                connection.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    finally:
        connection.close()
    generator.county.seconds = time.perf_counter() - start
    return generator.county


def _unmarshal(handle) -> Iterator:
    while True:
        try:
            yield marshal.load(handle)
        except EOFError:
            return


@contextmanager
def _bar(length: int, label: str):
    """A progress bar on a terminal (stderr); silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


# ---------------------------------------------------------------------------- the phases (timed)


@dataclass
class Phase:
    name: str
    seconds: float
    cpu_s: float  # user + system CPU seconds of the command and its workers (the database server's not included)
    peak_rss_mib: float  # the largest single process (os.wait4: the command or one of its workers)
    tree_rss_mib: float  # the command and its workers together, sampled every 50 ms
    output: str
    cpu_pressure: float | None  # share of the wall time some runnable task waited for a core (PSI), any process
    floor_s: float = 0.0
    floor_note: str = ""


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (from /proc), KiB; 0 once it is gone."""
    total = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            total = next((int(ln.split()[1]) for ln in handle if ln.startswith("VmRSS:")), 0)
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                total += sum(_tree_rss_kib(int(child)) for child in handle.read().split())
    except (OSError, ValueError):
        pass
    return total


def run_cli(name: str, url: str, user: str, *args: str, workers: int | None = None) -> Phase:
    """One `aidledger` command in a subprocess: wall seconds, its rusage (os.wait4) and sampled tree RSS."""
    command = [AIDLEDGER, "--db", url, "--user", user, "cycle", *args]
    env = dict(os.environ)
    if workers is not None:
        env["AIDLEDGER_CYCLE_WORKERS"] = str(workers)
    peak = [0]
    pressure = _cpu_stall_us()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stdin=subprocess.DEVNULL, env=env)  # stderr: progress bar
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace").strip()
    if process.returncode != 0:
        raise SystemExit(f"`{' '.join(command[3:])}` failed (exit {process.returncode}): {output[:2000]}")
    stalled = _cpu_stall_us()
    share = (stalled - pressure) / (seconds * 1e6) if stalled is not None and pressure is not None else None
    return Phase(name, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,  # KiB → MiB
                 max(peak[0], usage.ru_maxrss) / 1024, output, share)


def _cpu_stall_us() -> int | None:
    """Microseconds during which some runnable task on the machine waited for a core (Linux PSI)."""
    try:
        with open("/proc/pressure/cpu", encoding="ascii") as handle:
            return int(handle.readline().rsplit("total=", 1)[1])
    except (OSError, IndexError, ValueError):
        return None


# ---------------------------------------------------------------------------- the floors


class Floor:
    """The raw driver doing each phase's rows: no SQLAlchemy, no rules, no checks, no ledger."""

    def __init__(self, backend: Backend, service_url: str, floor_url: str, directory: str):
        self.backend = backend
        self.service_url = service_url
        self.floor_url = floor_url
        self.dump = os.path.join(directory, f"{backend.name}-lines.marshal")

    def _cursor(self, connection, name: str | None = None):
        if self.backend.sqlite or name is None:
            return connection.cursor()
        cursor = connection.cursor(name=name)  # server-side, as SQLAlchemy's yield_per streams
        cursor.itersize = 10_000
        return cursor

    def dump_lines(self, cycle_id: int) -> tuple[int, int]:
        """Read the computed cycle's lines and tracks back (not timed) into a file of batches."""
        connection = self.backend.raw_connect(self.service_url)
        lines = tracks = 0
        try:
            with open(self.dump, "wb") as handle:
                for table, columns in (("cycle_lines", LINE_COLUMNS), ("cycle_tracks", TRACK_COLUMNS)):
                    cursor = self._cursor(connection, f"dump_{table}")
                    m = self.backend.mark
                    cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE cycle_id = {m} "
                                   f"ORDER BY {self.backend.binary('household_id')}", (cycle_id,))
                    while rows := cursor.fetchmany(cycle_run._BATCH):
                        marshal.dump((table, [tuple(r) for r in rows]), handle)
                        if table == "cycle_lines":
                            lines += len(rows)
                        else:
                            tracks += len(rows)
                    cursor.close()
            if not self.backend.sqlite:
                connection.rollback()
        finally:
            connection.close()
        return lines, tracks

    def insert(self, cycle_id: int) -> float:
        """The run's floor: the same rows inserted into a cycle of a fresh database, one transaction."""
        connection = self.backend.raw_connect(self.floor_url)
        m = self.backend.mark
        try:
            cursor = connection.cursor()
            if self.backend.sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(f"INSERT INTO cycles (id, jurisdiction_code, month, status, count, total_fen, inputs, "
                           f"run_by, run_at) VALUES ({m}, {m}, {m}, {m}, 0, 0, '{{}}', {m}, {m})",
                           (cycle_id, COUNTY, MONTH, "draft", PREPARER,
                            NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if self.backend.sqlite else NOW))
            self._commit(connection, cursor)
            sql = {"cycle_lines": self.backend.insert_sql("cycle_lines", LINE_COLUMNS),
                   "cycle_tracks": self.backend.insert_sql("cycle_tracks", TRACK_COLUMNS)}
            with open(self.dump, "rb") as handle:
                start = time.perf_counter()
                if self.backend.sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                for table, rows in _unmarshal(handle):
                    cursor.executemany(sql[table], rows)
                self._commit(connection, cursor)
                return time.perf_counter() - start
        finally:
            connection.close()

    def read_streams(self) -> tuple[float, int]:
        """For reference: the raw driver reading the three registry streams the run merges (same SQL, order)."""
        b = self.backend
        m = b.mark
        queries = (
            f"SELECT h.household_id, h.county_code, h.township, h.area, h.program, h.monthly_income_fen, "
            f"h.approved_on, h.tier, h.income_type, h.tekun_setting, h.payee_name, h.bank_account, h.source_line "
            f"FROM households h WHERE h.county_code = {m} ORDER BY {b.binary('h.household_id')}",
            f"SELECT m.household_id, m.id_number, m.name, m.relation, m.birth_date, m.disability_grade, "
            f"m.disability_kind, m.flags, m.care_level, m.single_person, m.death_date, m.source_line "
            f"FROM members m JOIN households h ON h.household_id = m.household_id WHERE h.county_code = {m} "
            f"ORDER BY {b.binary('m.household_id')}, m.source_line",
            f"SELECT e.* FROM registry_events e JOIN households h ON h.household_id = e.household_id "
            f"WHERE h.county_code = {m} ORDER BY {b.binary('e.household_id')}, e.date, e.id",
        )
        connection = b.raw_connect(self.service_url)
        rows = 0
        try:
            start = time.perf_counter()
            if b.sqlite:
                connection.execute("BEGIN DEFERRED")
            for n, sql in enumerate(queries):
                cursor = self._cursor(connection, f"stream_{n}")
                cursor.execute(sql, (COUNTY,))
                while batch := cursor.fetchmany(10_000):
                    rows += len(batch)
                cursor.close()
            self._commit(connection, None)
            return time.perf_counter() - start, rows
        finally:
            connection.close()

    def approve(self, cycle_id: int) -> float:
        """The approval's floor: the same GROUP BY over the lines."""
        connection = self.backend.raw_connect(self.floor_url)
        try:
            start = time.perf_counter()
            cursor = connection.cursor()
            cursor.execute(f"SELECT program, area, sum(amount_fen) FROM cycle_lines "
                           f"WHERE cycle_id = {self.backend.mark} GROUP BY program, area ORDER BY program, area",
                           (cycle_id,))
            cursor.fetchall()
            self._commit(connection, None)
            return time.perf_counter() - start
        finally:
            connection.close()

    def export(self, cycle_id: int, path: str) -> float:
        """The export's floor: the same SELECT written as the same CSV (csv module, streamed)."""
        names = {"dibao": "最低生活保障金", "tekun": "特困人员救助供养金", "low_income": "低收入单人户救助金"}
        year, mon = MONTH.split("-")
        connection = self.backend.raw_connect(self.floor_url)
        try:
            start = time.perf_counter()
            cursor = self._cursor(connection, "export")
            cursor.execute(f"SELECT household_id, payee_name, bank_account, amount_fen, program FROM cycle_lines "
                           f"WHERE cycle_id = {self.backend.mark} ORDER BY township, household_id", (cycle_id,))
            count = total = 0
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write("\ufeff")
                writer = csv.writer(handle, lineterminator="\r\n")
                writer.writerow(("序号", "户编号", "收款人", "账号", "金额", "用途"))
                while rows := cursor.fetchmany(10_000):
                    for household_id, payee, account, fen, program in rows:
                        count += 1
                        total += fen
                        writer.writerow((count, household_id, payee, account, f"{fen // 100}.{fen % 100:02d}",
                                         f"{year}年{mon}月{names[program]}"))
                writer.writerow(("合计", "", f"{count}户", "", f"{total // 100}.{total % 100:02d}", ""))
            cursor.close()
            self._commit(connection, None)
            return time.perf_counter() - start
        finally:
            connection.close()

    def _commit(self, connection, cursor) -> None:
        if self.backend.sqlite:
            if connection.in_transaction:
                connection.execute("COMMIT")
        else:
            connection.commit()


def _sha256(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


# ---------------------------------------------------------------------------- one backend


@dataclass
class Result:
    backend: str
    county: County
    phases: list[Phase]
    lines: int
    tracks: int
    total: str
    floor_insert_s: float
    floor_read_s: float
    floor_read_rows: int
    workers: int

    @property
    def total_s(self) -> float:
        return sum(p.seconds for p in self.phases)

    @property
    def target_s(self) -> float:
        return TARGETS[self.backend]

    @property
    def peak_rss_mib(self) -> float:
        return max(p.tree_rss_mib for p in self.phases)


def measure(backend: Backend, households: int, directory: str, workers: int | None) -> Result:
    name = backend.name
    url = backend.new_database("service")
    set_up(url, allocation=True)
    county = load_registry(backend, url, households)
    click.echo(f"{name}: set-up: {county.households:,} households ({_programs(county)}), {county.members:,} members "
               f"({county.members / county.households:.2f} per household), {county.events:,} events; loaded in "
               f"{county.seconds:.1f} s (not timed)", err=True)

    click.echo(f"{name}: cycle run {MONTH} …", err=True)
    run = run_cli("run", url, PREPARER, "run", "--jurisdiction", COUNTY, "--month", MONTH, "--date", RUN_ON,
                  workers=workers)
    cycle_id = int(run.output.splitlines()[-1])
    click.echo(f"{name}: cycle approve {cycle_id} …", err=True)
    approve = run_cli("approve", url, APPROVER, "approve", str(cycle_id), "--date", APPROVE_ON)
    bank_file = os.path.join(directory, f"{name}-bank.csv")
    click.echo(f"{name}: cycle export-bank {cycle_id} …", err=True)
    export = run_cli("export", url, PREPARER, "export-bank", str(cycle_id), "--out", bank_file, "--date", EXPORT_ON)
    first = export.output.split(" ", 1)[0]

    floor_url = backend.new_database("floor")
    set_up(floor_url, allocation=False)
    floor = Floor(backend, url, floor_url, directory)
    lines, tracks = floor.dump_lines(cycle_id)
    if int(first) != lines:
        raise SystemExit(f"{name}: the export wrote {first} payments but the cycle has {lines} lines")
    click.echo(f"{name}: floors ({backend.driver}) …", err=True)
    run.floor_s = floor.insert(cycle_id)
    run.floor_note = f"insert {lines:,} lines + {tracks:,} tracks, executemany × {cycle_run._BATCH:,}"
    read_s, read_rows = floor.read_streams()
    approve.floor_s = floor.approve(cycle_id)
    approve.floor_note = "GROUP BY program, area"
    floor_file = os.path.join(directory, f"{name}-bank-floor.csv")
    export.floor_s = floor.export(cycle_id, floor_file)
    export.floor_note = "SELECT … ORDER BY township, household_id → csv"
    if _sha256(floor_file) != _sha256(bank_file):
        raise SystemExit(f"{name}: the floor's bank file differs from the command's ({floor_file}, {bank_file})")
    total = export.output.split("total ", 1)[1].split(",", 1)[0]
    result = Result(name, county, [run, approve, export], lines, tracks, total, run.floor_s, read_s, read_rows,
                    _workers_used(households, workers))
    report(result)
    return result


def _workers_used(households: int, workers: int | None) -> int:
    """What the command chooses (cycle_workers.cycle_workers) for a file or server database."""
    from aidledger.disbursement.entitlement.workers import PARALLEL_FROM

    if workers is None:
        setting = os.environ.get("AIDLEDGER_CYCLE_WORKERS", "").strip()
        if setting:
            workers = int(setting)
        elif households < PARALLEL_FROM:
            workers = 0
        else:
            workers = len(os.sched_getaffinity(0))
    return workers if workers >= 2 else 0


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def _workers_text(workers: int) -> str:
    return f"{workers} worker processes" if workers else "one process"


def _programs(county: County) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in county.programs.items())


def report(r: Result) -> None:
    n = r.county.households
    click.echo(f"{r.backend}: cycle {MONTH}: {r.lines:,} households paid, total {r.total} yuan; "
               f"{r.tracks:,} ended tracks stored")
    click.echo(f"{r.backend}: the run computed in {_workers_text(r.workers)}")
    for p in r.phases:
        click.echo(f"{r.backend}: {p.name:<8} {p.seconds:7.2f} s ({p.cpu_s:6.2f} s CPU), {n / p.seconds:9,.0f} "
                   f"households/s, peak RSS {p.tree_rss_mib:6.1f} MiB (largest process {p.peak_rss_mib:.1f}) | "
                   f"floor {p.floor_s:6.2f} s ({p.floor_note}), ratio {p.seconds / p.floor_s:6.1f}×; "
                   f"CPU pressure {_percent(p.cpu_pressure)}")
    click.echo(f"{r.backend}: reading the registry's three streams (raw driver, {r.floor_read_rows:,} rows): "
               f"{r.floor_read_s:.2f} s; run ÷ (read + insert floors) = "
               f"{r.phases[0].seconds / (r.floor_read_s + r.floor_insert_s):.1f}×")
    verdict = "under" if r.total_s < r.target_s else "OVER"
    memory = "under" if r.peak_rss_mib < MEMORY_TARGET_MIB else "OVER"
    click.echo(f"{r.backend}: run + approve + export = {r.total_s:.1f} s ({verdict} the {r.target_s:.0f} s target); "
               f"peak RSS {r.peak_rss_mib:.0f} MiB ({memory} {MEMORY_TARGET_MIB} MiB)")


# ---------------------------------------------------------------------------- profiling


def profile_run(backend: Backend, households: int, prefix: str) -> None:
    """cProfile an in-process `cycle run` (the service the command calls) of `households` households."""
    from aidledger.disbursement.cycles.service.run import run_cycle

    url = backend.new_database("profile")
    set_up(url, allocation=True)
    load_registry(backend, url, households)
    database = dbmod.Database(url)
    path = f"{prefix}.{backend.name}.prof"
    try:
        profiler = cProfile.Profile()
        start = time.perf_counter()
        with database.write() as session:
            profiler.enable()
            outcome = run_cycle(session, COUNTY, MONTH, user=PREPARER, now=datetime.now(timezone.utc), workers=0)
            profiler.disable()
        seconds = time.perf_counter() - start
    finally:
        database.dispose()
    profiler.dump_stats(path)
    click.echo(f"{backend.name}: in-process run of {households:,} households under cProfile: {seconds:.2f} s, "
               f"{outcome.count:,} lines; profile written to {path}")
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(30)


@click.command()
@click.option("--households", type=click.IntRange(min=100), default=1_000_000, show_default=True,
              help="Households in the county (members ≈ 2.5 per household).")
@common.pg_url_option()
@common.sqlite_option
@click.option("--profile", default=None, metavar="PREFIX",
              help="Only cProfile an in-process run of --profile-households; writes PREFIX.<backend>.prof.")
@click.option("--profile-households", type=click.IntRange(min=100), default=100_000, show_default=True)
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes computing the run (AIDLEDGER_CYCLE_WORKERS for the command; 0: in process). "
                   "Default: the command's own choice, one per core for a county of 50,000 households or more.")
@click.option("--keep", is_flag=True, help="Keep the temporary folder (SQLite databases, bank files).")
def main(households: int, pg_url: str | None, on_sqlite: bool, profile: str | None, profile_households: int,
         workers: int | None, keep: bool) -> None:
    """Generate a county, run one month through `aidledger cycle run/approve/export-bank`; compare with the floors."""
    load_at_start = os.getloadavg()
    with common.scratch_folder("aidledger-cyclebench-", keep) as directory:
        def on(backend: Backend) -> Result | None:
            if profile:
                profile_run(backend, profile_households, profile)
                return None
            return measure(backend, households, directory, workers)

        measured, versions = common.on_each_backend(directory, "cyclebench", on_sqlite, pg_url, on)
    results = [r for r in measured if r is not None]
    if not results:
        return
    common.echo_machine(versions, load_at_start)
    click.echo("| backend | phase | seconds | CPU s | households/s | peak RSS MiB | floor s | ratio | floor "
               "| CPU pressure |")
    click.echo("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in results:
        n = r.county.households
        for p in r.phases:
            name = f"{p.name} ({_workers_text(r.workers)})" if p.name == "run" else p.name
            click.echo(f"| {r.backend} | {name} | {p.seconds:.2f} | {p.cpu_s:.2f} | {n / p.seconds:,.0f} | "
                       f"{p.tree_rss_mib:.0f} | {p.floor_s:.2f} | {p.seconds / p.floor_s:.1f}× | {p.floor_note} | "
                       f"{_percent(p.cpu_pressure)} |")
        click.echo(f"| {r.backend} | **total** | **{r.total_s:.2f}** | {sum(p.cpu_s for p in r.phases):.2f} | "
                   f"{n / r.total_s:,.0f} | {r.peak_rss_mib:.0f} | {sum(p.floor_s for p in r.phases):.2f} | "
                   f"{r.total_s / sum(p.floor_s for p in r.phases):.1f}× | target {r.target_s:.0f} s | |")
    click.echo("")
    click.echo("; ".join(f"{r.backend}: {r.total_s:.1f} s for {r.county.households:,} households "
                         f"({'under' if r.total_s < r.target_s else 'OVER'} the {r.target_s:.0f} s target), "
                         f"peak RSS {r.peak_rss_mib:.0f} MiB" for r in results))


if __name__ == "__main__":
    main()
