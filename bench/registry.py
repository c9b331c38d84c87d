"""Registry import benchmark: a county of 400,000 households (≈1,000,000 members), imported.

Never part of the test suite. The requirement (the issue): importing a county of 400,000
households takes under 60 s on SQLite with full validation, in memory that does not grow
with the file. For each backend (SQLite always; PostgreSQL when --pg-url,
AIDLEDGER_BENCH_PG_URL or AIDLEDGER_TEST_PG_URL names a server) it:

  1. generates households.csv and members.csv for county 230523 (宝清县, townships
     230523100/101/102) into a temporary folder, streaming: valid rows only — unique
     household ids, 18-character id numbers with correct GB 11643 check characters and
     real birth dates, exactly one head per household, a mix of dibao / tekun / low_income
     with each program's required columns, care_level for tekun members, disability
     grades and kinds, flags, single_person, a few death dates;
  2. runs the real command in a subprocess against a fresh migrated database holding the
     bench's users and the three example policies (bench/common.py's prepare_books):
         aidledger --db URL --user bench.preparer registry import --households … --members …
     timing it from outside (wall clock, interpreter start-up included) and taking its
     CPU seconds and peak RSS from /usr/bin/time -f "%e %U %S %M" (see run_cli for why
     not this process's os.wait4 / RUSAGE_CHILDREN); this at three sizes: a tiny one
     (100 households: the fixed cost of start-up, imports and schema check), a smaller
     one (--small, default 100,000) and the full one (--households, default 400,000), so
     that the peak RSS of the two real sizes shows whether memory grows with the file;
  3. measures the floor in the same run: the raw driver (stdlib sqlite3 / psycopg, no
     SQLAlchemy, no validation) inserting the same household and member rows, parsed
     with the csv module, into the same tables of a second fresh migrated database, with
     executemany in batches of the same size (registry_store.BATCH), in one transaction;
     then checks that both databases hold the same rows;
  4. measures what the load's duplicate checks keep per household and per person (an
     in-process dry run of --state-households households, the checkers' dicts sized with
     sys.getsizeof afterwards): that state grows with the file by design, about 180 bytes
     per household and 100 per person.

    .venv/bin/python bench/registry.py                         # 400,000 households
    .venv/bin/python bench/registry.py --households 20000 --small 5000   # a quick run
    .venv/bin/python bench/registry.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/registry.py --profile /tmp/registry  # and cProfile an in-process
                                                                 # import of 50,000 households

To measure a fixed version while the working tree changes, put a copy of that commit's package
first on the path and run from outside the checkout (sys.path[0] is then bench/, and the
subprocess inherits PYTHONPATH):

    git archive HEAD aidledger | tar -x -C /tmp/snap
    cd /tmp && PYTHONPATH=/tmp/snap "$CHECKOUT/.venv/bin/python" "$CHECKOUT/bench/registry.py"

PostgreSQL databases are created fresh (named with the pid and a random suffix) through
the given URL's server and dropped at the end (DROP DATABASE … WITH (FORCE)).
"""

from __future__ import annotations

import cProfile
import csv
import io
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import click
import common  # bench/common.py (bench/ is sys.path[0] when run as a script)
from common import AIDLEDGER, COUNTY, PREPARER, Backend, prepare_books

from aidledger import db as dbmod
from aidledger.disbursement.registry import service as registry_service
from aidledger.disbursement.registry import store as registry_store

try:
    from aidledger.idcard import check_character
except ImportError:  # where it lived before
    from aidledger.disbursement.idcard import check_character

NOW = datetime.now(timezone.utc).replace(microsecond=0)  # the import's clock (the books are set up at common.NOW)
TODAY = date.today()
LATEST_APPROVAL = min(TODAY - timedelta(days=1), date(2026, 10, 31))
LATEST_BIRTH = min(TODAY - timedelta(days=30), date(2026, 6, 30))
TINY = 100  # households of the start-up run

HOUSEHOLD_HEADER = ("household_id", "county", "township", "area", "program", "monthly_income", "approved_on",
                    "tier", "income_type", "tekun_setting", "payee_name", "bank_account")
MEMBER_HEADER = ("household_id", "id_number", "name", "relation", "birth_date", "disability_grade",
                 "disability_kind", "flags", "care_level", "single_person", "death_date")
BIRTH_REGIONS = ("230523",) * 17 + ("230521", "230502", "230506")  # mostly born in the county


# ---------------------------------------------------------------------------- the county's files


class People:
    """Valid, unique 居民身份证号码: region + birth date + a sequence number per (region, date, sex)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.next_seq: dict[tuple[str, date, int], int] = {}

    def id_number(self, born: date, male: bool) -> str:
        region = self.rng.choice(BIRTH_REGIONS)
        while True:
            key = (region, born, male)
            k = self.next_seq.get(key, 0)
            seq = 2 * k + (1 if male else 2)  # odd for men, even for women (GB 11643)
            if seq <= 999:
                break
            region = str(int(region) + 1)  # this day is full in that region: another region
        self.next_seq[key] = k + 1
        first17 = f"{region}{born:%Y%m%d}{seq:03d}"
        return first17 + check_character(first17)

    def name(self, surname: str | None = None) -> str:
        surname = surname or self.rng.choice(common.SURNAMES)
        return surname + "".join(self.rng.choice(common.GIVEN) for _ in range(self.rng.choice((1, 2, 2))))


def _birth(rng: random.Random, min_age: int, max_age: int) -> date:
    """A birth date giving an age in [min_age, max_age] on LATEST_BIRTH."""
    min_age = max(0, min_age)
    max_age = max(min_age, min(max_age, 100))
    latest = LATEST_BIRTH - timedelta(days=365 * min_age)
    earliest = LATEST_BIRTH - timedelta(days=365 * max_age + 364)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _age(born: date) -> int:
    return (LATEST_BIRTH - born).days // 365


@dataclass
class Generated:
    households: int
    members: int
    households_path: str
    members_path: str
    bytes: int
    seconds: float
    programs: dict[str, int]


def generate(directory: str, households: int, seed: str = "aidledger-registry-bench") -> Generated:
    """Write households.csv and members.csv for `households` households of county 230523, row by row."""
    start = time.perf_counter()
    rng = random.Random(seed)
    people = People(rng)
    households_path = os.path.join(directory, "households.csv")
    members_path = os.path.join(directory, "members.csv")
    programs = {"dibao": 0, "tekun": 0, "low_income": 0}
    member_count = 0
    with open(households_path, "w", encoding="utf-8", newline="") as hf, \
            open(members_path, "w", encoding="utf-8", newline="") as mf:
        hw, mw = csv.writer(hf, lineterminator="\n"), csv.writer(mf, lineterminator="\n")
        hw.writerow(HOUSEHOLD_HEADER)
        mw.writerow(MEMBER_HEADER)
        for n in range(1, households + 1):
            household, members = _household(rng, people, n)
            programs[household[4]] += 1
            member_count += len(members)
            hw.writerow(household)
            mw.writerows(members)
    size = os.path.getsize(households_path) + os.path.getsize(members_path)
    return Generated(households, member_count, households_path, members_path, size,
                     time.perf_counter() - start, programs)


def _household(rng: random.Random, people: People, n: int) -> tuple[tuple, list[tuple]]:
    program, township, area = common.draw_household(rng)
    household_id = f"{township}{n:07d}"
    approved = date(2015, 1, 1) + timedelta(days=rng.randrange((LATEST_APPROVAL - date(2015, 1, 1)).days + 1))
    income = tier = income_type = ""
    size, setting = common.draw_size(rng, program)
    setting = setting or ""
    if program == "dibao":
        income = _amount(rng, 0, 300 * size)
        income_type = "variable" if rng.random() < 0.6 else "stable"
    elif program == "low_income":
        income = _amount(rng, 600 * size, 1300 * size)
        income_type = rng.choice(("", "", "stable", "variable"))
    surname = rng.choice(common.SURNAMES)
    members = _members(rng, people, household_id, program, size, surname)
    head_name = members[0][2]
    payee = rng.choice(common.INSTITUTIONS) if setting == "centralized" else head_name
    account = f"62170{n:011d}{rng.randrange(1000):03d}"  # 19 digits, unique by n
    household = (household_id, COUNTY, township, area, program, income, approved.isoformat(), tier, income_type,
                 setting, payee, account)
    return household, members


def _amount(rng: random.Random, low: int, high: int) -> str:
    yuan = rng.randint(low, high)
    return f"{yuan}.{rng.choice((0, 0, 0, 50, 25, 80)):02d}" if rng.random() < 0.3 else str(yuan)


def _members(rng: random.Random, people: People, household_id: str, program: str, size: int,
             surname: str) -> list[tuple]:
    if program == "tekun":  # 特困: the elderly, the severely disabled, orphans
        kind = rng.random()
        head_born = (_birth(rng, 60, 95) if kind < 0.7 else _birth(rng, 18, 59) if kind < 0.9
                     else _birth(rng, 6, 16))
    else:
        head_born = _birth(rng, 22, 88)
    head_age = _age(head_born)
    roles: list[tuple[str, date]] = [("head", head_born)]
    if size >= 2 and head_age >= 20 and rng.random() < 0.75:
        roles.append(("spouse", _birth(rng, head_age - 6, head_age + 4)))
    while len(roles) < size:
        r = rng.random()
        if r < 0.65 and head_age >= 20:
            roles.append(("child", _birth(rng, max(0, head_age - 42), head_age - 20)))
        elif r < 0.85 and head_age <= 70:
            roles.append(("parent", _birth(rng, head_age + 20, head_age + 35)))
        elif r < 0.95 and head_age >= 45:
            roles.append(("grandchild", _birth(rng, max(0, head_age - 65), head_age - 40)))
        else:
            roles.append(("other", _birth(rng, 0, 90)))
    rows = []
    for index, (relation, born) in enumerate(roles):
        male = rng.random() < 0.5
        id_number = people.id_number(born, male)
        name = people.name(surname if relation in ("head", "child", "grandchild") else None)
        grade = kind_ = ""
        if rng.random() < (0.25 if program == "tekun" else 0.07):
            grade = str(rng.choice((1, 2, 2, 3, 3, 4, 4)))
            kind_ = rng.choice(common.DISABILITY_KINDS)
        flags = []
        if rng.random() < 0.04 and _age(born) >= 18:
            flags.append("serious_illness")
        r = rng.random()
        if r < 0.01 and _age(born) >= 20:
            flags.append("veteran")
        elif r < 0.013 and _age(born) >= 20:
            flags.append("disabled_veteran")
        elif r < 0.016:
            flags.append("martyr_family")
        care = rng.choices(("self", "semi", "full"), weights=(60, 25, 15))[0] if program == "tekun" else ""
        single = "yes" if program == "low_income" and (grade or flags) and rng.random() < 0.3 else ""
        death = ""
        if index > 0 and rng.random() < 0.002:
            death = (born + timedelta(days=rng.randrange(max(1, (LATEST_BIRTH - born).days)))).isoformat()
        birth_column = born.isoformat() if rng.random() < 0.5 else ""  # optional; checked when given
        rows.append((household_id, id_number, name, relation, birth_column, grade, kind_, ";".join(flags), care,
                     single, death))
    return rows


# ---------------------------------------------------------------------------- measurements


@dataclass
class Run:
    households: int
    members: int
    seconds: float
    cpu_s: float  # user + system CPU seconds of the command
    peak_rss_mib: float
    output: str

    @property
    def rows(self) -> int:
        return self.households + self.members


# Runs a command and writes "wall user system maxrss_kib" of it to a file, as /usr/bin/time -f "%e %U %S %M"
# would: the stand-in where /usr/bin/time is missing. Small, so its own peak does not mask the command's.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.perf_counter() - start} {usage.ru_utime} {usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli(url: str, data: Generated) -> Run:
    """`aidledger registry import` in a subprocess: wall seconds, CPU seconds and its peak RSS.

    The peak RSS comes from /usr/bin/time (or a small Python stand-in), not from this process's
    os.wait4 / RUSAGE_CHILDREN: Linux records at exec the peak RSS of the memory the child was
    spawned from — with vfork/posix_spawn, this (large) process's — so a child spawned straight
    from here reports at least this process's own peak.
    """
    command = [AIDLEDGER, "--db", url, "--user", PREPARER, "registry", "import",
               "--households", data.households_path, "--members", data.members_path]
    with tempfile.TemporaryDirectory() as scratch:
        measured = os.path.join(scratch, "usage")
        if os.access("/usr/bin/time", os.X_OK):
            wrapped = ["/usr/bin/time", "-o", measured, "-f", "%e %U %S %M", *command]
        else:
            wrapped = [sys.executable, "-c", LAUNCHER, measured, *command]
        with open(os.path.join(scratch, "output"), "w+b") as out:
            start = time.perf_counter()
            completed = subprocess.run(wrapped, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            seconds = time.perf_counter() - start
            out.seek(0)
            output = out.read().decode("utf-8", "replace").strip()
        with open(measured, encoding="utf-8") as handle:
            fields = handle.read().split()[-4:]  # time writes "Command exited with non-zero status" first
    if completed.returncode != 0:
        raise SystemExit(f"the import failed (exit {completed.returncode}):\n{output[:4000]}")
    expected = f"stored {data.households} households, {data.members} members"
    if output != expected:
        raise SystemExit(f"the import said {output!r}, expected {expected!r}")
    _, user, system, max_kib = (float(x) for x in fields)
    return Run(data.households, data.members, seconds, user + system, max_kib / 1024, output)


class Floor:
    """The raw driver: the same rows, parsed by csv, no validation, executemany in BATCH-row batches."""

    def __init__(self, backend: Backend, url: str):
        self.backend = backend
        self.url = url
        self.sqlite = backend.sqlite
        self.marks = backend.mark
        self.insert_households = backend.insert_sql("households", common.HOUSEHOLD_COLUMNS)
        self.insert_members = backend.insert_sql("members", common.MEMBER_COLUMNS)

    def run(self, data: Generated) -> tuple[float, float]:
        """Wall and CPU seconds (this process's: SQLite runs in it, a PostgreSQL server does not) to read
        both files and insert every row in one transaction."""
        connection = self.backend.raw_connect(self.url)
        try:
            cursor = connection.cursor()
            start, cpu = time.perf_counter(), time.process_time()
            if self.sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            m = self.marks
            loaded_at = NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else NOW
            cursor.execute(
                f"INSERT INTO registry_imports (kind, sources, digest, loaded_by, loaded_at) "
                f"VALUES ({m}, {m}, {m}, {m}, {m})",
                ("registry", "households.csv, members.csv", "floor", PREPARER, loaded_at),
            )
            import_id = cursor.lastrowid if self.sqlite else None
            if import_id is None:
                cursor.execute("SELECT max(id) FROM registry_imports")
                import_id = cursor.fetchone()[0]
            for rows in self._batches(data.households_path, self._household, import_id):
                cursor.executemany(self.insert_households, rows)
            for rows in self._batches(data.members_path, self._member, import_id):
                cursor.executemany(self.insert_members, rows)
            if self.sqlite:
                cursor.execute("COMMIT")
            else:
                connection.commit()
            return time.perf_counter() - start, time.process_time() - cpu
        finally:
            connection.close()

    @staticmethod
    def _batches(path: str, convert: Callable, import_id: int) -> Iterator[list[tuple]]:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            batch = []
            for fields in reader:
                batch.append(convert(dict(zip(header, fields)), import_id, reader.line_num))
                if len(batch) == registry_store.BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def _date(self, value: str):
        if not value:
            return None
        return value if self.sqlite else date.fromisoformat(value)

    def _household(self, v: dict, import_id: int, line: int) -> tuple:
        income = v["monthly_income"]
        return (v["household_id"], v["county"], v["township"], v["area"], v["program"],
                int(Decimal(income) * 100) if income else None, self._date(v["approved_on"]), v["tier"] or None,
                v["income_type"] or None, v["tekun_setting"] or None, v["payee_name"], v["bank_account"],
                import_id, line)

    def _member(self, v: dict, import_id: int, line: int) -> tuple:
        id_number = v["id_number"]
        born = v["birth_date"] or f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
        single = v["single_person"] == "yes"
        return (id_number, v["household_id"], v["name"], v["relation"], self._date(born),
                int(v["disability_grade"]) if v["disability_grade"] else None, v["disability_kind"] or None,
                v["flags"], v["care_level"] or None, int(single) if self.sqlite else single,
                self._date(v["death_date"]), import_id, line)


COMPARED = [
    f"SELECT {', '.join(c for c in common.HOUSEHOLD_COLUMNS if c != 'import_id')} FROM households "
    "ORDER BY household_id LIMIT 3",
    f"SELECT {', '.join(c for c in common.MEMBER_COLUMNS if c != 'import_id')} FROM members ORDER BY id_number LIMIT 3",
    "SELECT count(*), sum(monthly_income_fen), sum(source_line) FROM households",
    "SELECT count(*), sum(disability_grade), sum(source_line), count(care_level), count(death_date) FROM members",
    "SELECT program, count(*) FROM households GROUP BY program ORDER BY program",
]


def same_rows(backend: Backend, service_url: str, floor_url: str) -> list[str]:
    """Differences between what the service and the floor stored (expected: none)."""
    results = []
    for url in (service_url, floor_url):
        connection = backend.raw_connect(url)
        try:
            cursor = connection.cursor()
            found = []
            for query in COMPARED:
                cursor.execute(query)
                found.append([tuple(str(x) for x in row) for row in cursor.fetchall()])
            results.append(found)
        finally:
            connection.close()
    return [f"{q}: service {s} ≠ floor {f}" for q, s, f in zip(COMPARED, *results) if s != f]


@dataclass
class CheckState:
    households: int
    members: int
    household_bytes: int
    person_bytes: int


def _deep_size_of_dict(mapping: dict) -> int:
    total = sys.getsizeof(mapping)
    for key, value in mapping.items():
        total += sys.getsizeof(key) + sys.getsizeof(value)
    return total


def check_state(url: str, data: Generated) -> CheckState:
    """The memory the load's cross-row checks keep: the households seen and the id numbers seen.

    An in-process import with RegistryLoad wrapped to keep hold of the load, whose two
    dicts are then sized with sys.getsizeof (keys, values and the tables themselves).
    """
    loads = []

    class Recorded(registry_store.RegistryLoad):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            loads.append(self)

    database = dbmod.Database(url)
    original = registry_store.RegistryLoad
    registry_store.RegistryLoad = Recorded
    try:
        with database.write() as session:
            registry_service.import_registry(session, data.households_path, data.members_path, user=PREPARER,
                                             now=NOW, today=TODAY, dry_run=True)
            session.rollback()
    finally:
        registry_store.RegistryLoad = original
        database.dispose()
    load = loads[0]
    return CheckState(data.households, data.members, _deep_size_of_dict(load._households.seen),
                      _deep_size_of_dict(load._members._id_lines))


def profile_import(plain_url: str, profiled_url: str, data: Generated, path: str,
                   top: int = 30) -> tuple[float, float, str]:
    """An in-process import (no profiler), then the same under cProfile: seconds, seconds, top functions."""
    timings = []
    profiler = cProfile.Profile()
    for url, profiled in ((plain_url, False), (profiled_url, True)):
        database = dbmod.Database(url)
        try:
            with database.write() as session:
                start = time.perf_counter()
                if profiled:
                    profiler.enable()
                registry_service.import_registry(session, data.households_path, data.members_path,
                                                 user=PREPARER, now=NOW, today=TODAY, dry_run=False)
                if profiled:
                    profiler.disable()
            timings.append(time.perf_counter() - start)  # the commit included
        finally:
            database.dispose()
    profiler.dump_stats(path)
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return timings[0], timings[1], buffer.getvalue()


# ---------------------------------------------------------------------------- the run


@dataclass
class Result:
    backend: str
    tiny: Run
    small: Run
    full: Run
    floor_s: float
    floor_cpu_s: float
    state: CheckState | None

    @property
    def ratio(self) -> float:
        return self.full.seconds / self.floor_s


def measure(backend: Backend, files: dict[int, Generated], small: int, full: int, state_households: int,
            profile: str | None, profile_households: int) -> Result:
    name = backend.name
    runs: dict[int, Run] = {}
    for size in (TINY, small, full):
        url = backend.new_database(f"service_{size}")
        prepare_books(url)
        click.echo(f"{name}: importing {size:,} households through the CLI …", err=True)
        runs[size] = run_cli(url, files[size])
        r = runs[size]
        click.echo(f"{name}: {r.households:>9,} households + {r.members:>9,} members = {r.rows:>9,} rows: "
                   f"{r.seconds:7.2f} s ({r.cpu_s:6.2f} s CPU), {r.rows / r.seconds:9,.0f} rows/s, "
                   f"peak RSS {r.peak_rss_mib:6.1f} MiB")
        if size == full:
            service_url = url

    floor_url = backend.new_database("floor")
    prepare_books(floor_url)
    click.echo(f"{name}: the floor ({backend.driver}) inserting the same {runs[full].rows:,} rows …", err=True)
    floor_s, floor_cpu_s = Floor(backend, floor_url).run(files[full])
    differences = same_rows(backend, service_url, floor_url)
    if differences:
        raise SystemExit(f"{name}: the floor did not store the service's rows:\n" + "\n".join(differences))

    f, s, t = runs[full], runs[small], runs[TINY]
    click.echo(f"{name}: floor   {f.rows:,} rows in {floor_s:.2f} s ({floor_cpu_s:.2f} s CPU in the client) = "
               f"{f.rows / floor_s:,.0f} rows/s "
               f"(csv + executemany, no validation; same rows stored: checked)")
    click.echo(f"{name}: ratio   {f.seconds / floor_s:.2f}× command time / floor time; "
               f"{(f.seconds - t.seconds) / floor_s:.2f}× without the {t.seconds:.2f} s start-up"
               + (f"; {f.cpu_s / floor_cpu_s:.2f}× in CPU seconds" if backend.name == "sqlite" else ""))
    growth = (f.peak_rss_mib - s.peak_rss_mib) * 2**20 / (f.households - s.households)
    click.echo(f"{name}: memory  peak RSS {t.peak_rss_mib:.1f} MiB at {TINY} households, {s.peak_rss_mib:.1f} MiB "
               f"at {s.households:,}, {f.peak_rss_mib:.1f} MiB at {f.households:,}: "
               f"{growth:,.0f} bytes per extra household ({growth * f.households / f.rows:,.0f} per extra row)")

    state = None
    if state_households:
        url = backend.new_database("state")
        prepare_books(url)
        state = check_state(url, files[state_households])
        click.echo(f"{name}: checks  the load's duplicate checks keep {state.household_bytes / state.households:,.0f} "
                   f"bytes per household and {state.person_bytes / state.members:,.0f} per person "
                   f"({(state.household_bytes + state.person_bytes) / state.households:,.0f} per household with "
                   f"its members), measured on {state.households:,} households")

    if profile:
        urls = [backend.new_database(purpose) for purpose in ("plain", "profiled")]
        for url in urls:
            prepare_books(url)
        path = f"{profile}.{name}.prof"
        plain, profiled, top = profile_import(*urls, files[profile_households], path)
        data = files[profile_households]
        click.echo(f"{name}: in-process import of {data.households:,} households + {data.members:,} members: "
                   f"{plain:.2f} s plain, {profiled:.2f} s under cProfile; profile written to {path}")
        click.echo(top)
    return Result(name, t, s, f, floor_s, floor_cpu_s, state)


@click.command()
@click.option("--households", type=click.IntRange(min=TINY + 1), default=400_000, show_default=True,
              help="Households in the county (members ≈ 2.5 per household).")
@click.option("--small", type=click.IntRange(min=TINY + 1), default=100_000, show_default=True,
              help="The smaller size run beside it, to see whether peak memory grows with the file.")
@click.option("--state-households", type=click.IntRange(min=0), default=100_000, show_default=True,
              help="Size the duplicate-check state on an in-process dry run of this many households (0: skip).")
@common.pg_url_option("AIDLEDGER_BENCH_PG_URL", "AIDLEDGER_TEST_PG_URL")
@common.sqlite_option
@click.option("--profile", default=None, metavar="PREFIX",
              help="Also cProfile an in-process import of --profile-households; writes PREFIX.<backend>.prof.")
@click.option("--profile-households", type=click.IntRange(min=TINY + 1), default=50_000, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the temporary folder (files and SQLite databases).")
def main(households: int, small: int, state_households: int, pg_url: str | None, on_sqlite: bool,
         profile: str | None, profile_households: int, keep: bool) -> None:
    """Generate a county's registry and import it through `aidledger registry import`; compare with the floor."""
    if small >= households:
        raise click.UsageError("--small must be below --households")
    load_at_start = os.getloadavg()
    with common.scratch_folder("aidledger-regbench-", keep) as directory:
        files: dict[int, Generated] = {}
        sizes = {TINY, small, households} | ({state_households} if state_households else set())
        sizes |= {profile_households} if profile else set()
        for size in sorted(sizes):
            folder = os.path.join(directory, f"county_{size}")
            os.mkdir(folder)
            files[size] = g = generate(folder, size)
            programs = ", ".join(f"{k} {v:,}" for k, v in g.programs.items())
            click.echo(f"generated {g.households:,} households ({programs})"
                       f" and {g.members:,} members: {g.bytes / 2**20:.1f} MiB of CSV in {g.seconds:.1f} s", err=True)
        full = files[households]
        click.echo(f"aidledger registry import benchmark: county {COUNTY}, {full.households:,} households, "
                   f"{full.members:,} members ({full.members / full.households:.2f} per household), "
                   f"{full.bytes / 2**20:.1f} MiB of CSV; batches of {registry_store.BATCH:,} rows, one transaction")
        results, versions = common.on_each_backend(
            directory, "regbench", on_sqlite, pg_url,
            lambda backend: measure(backend, files, small, households, state_households, profile, profile_households))

    common.echo_machine(versions, load_at_start, extra=[f"aidledger: {common.aidledger_source()}"])
    click.echo("| backend | households | members | rows | seconds | CPU s | rows/s | peak RSS MiB | floor s "
               "| floor CPU s | floor rows/s | ratio |")
    click.echo("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for run in (r.tiny, r.small, r.full):
            floor = (f"{r.floor_s:.2f} | {r.floor_cpu_s:.2f} | {run.rows / r.floor_s:,.0f} | {r.ratio:.2f}×"
                     if run is r.full else "– | – | – | –")
            click.echo(f"| {r.backend} | {run.households:,} | {run.members:,} | {run.rows:,} | {run.seconds:.2f} | "
                       f"{run.cpu_s:.2f} | {run.rows / run.seconds:,.0f} | {run.peak_rss_mib:.1f} | {floor} |")
    verdicts = [f"{r.backend}: {r.full.seconds:.1f} s for {r.full.households:,} households "
                f"({'under' if r.full.seconds < 60 else 'OVER'} the 60 s target)" for r in results]
    click.echo("")
    click.echo("; ".join(verdicts))


if __name__ == "__main__":
    main()
