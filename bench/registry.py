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
     per household and 100 per person;
  5. then the events (--events, default 100,000; 0 or --only import: skipped). On the
     database the full import made, it records an events.csv of that many valid events,
     one per distinct household drawn at random from the county, all dated in the month
     before today's (EVENTS_MONTH; on or after the household's approval, never after
     today): income changes for most 低保 / 低收入 households, deaths and removals of
     non-head members, births (add_member, relation child, new GB 11643 id numbers born
     on the event's day, unique and in no household), disability assessments (grade and
     kind), payees with new bank accounts no other household has, 特困 care levels,
     suspensions and a few terminations. It times the real command the way the import is
     timed (a subprocess under /usr/bin/time: wall, CPU, peak RSS):
         aidledger --db URL --user bench.preparer registry events events.csv
     and its floor in the same run, on the import's floor database (the same households
     and members, loaded by the raw driver in step 3): the raw driver, in one transaction,
     reading back the rows of the households the file names (households, members and
     registry_events WHERE household_id IN …, 500 households per query, as the checks'
     registry_store.load_households reads them) and inserting the same registry_events
     rows (the file parsed with csv, the values and JSON details the command stores, a
     registry_imports row for them) with executemany in batches of registry_store.BATCH.
     The floor does no checking at all: none of the checks' other queries (who else holds
     a person or an account, the policy's townships) and no rules. Both databases are
     then checked to hold the same events. On PostgreSQL both databases are first given a
     VACUUM ANALYZE (not timed), as autovacuum would after the bulk load and as
     bench/cycle.py does after its own;
  6. then `cycle run --jurisdiction 230523 --month CYCLE_MONTH` (today's month: the month
     after the events) on that database, timed the same way, the peak RSS of the command
     and its worker processes together sampled from /proc (bench/cycle.py's way); and the
     floors of bench/cycle.py's Floor: the raw driver inserting the same cycle_lines and
     cycle_tracks rows into a fresh database, and reading the three registry streams the
     run reads. By default no cycle was run before it, so every 低保 household with an
     event is walked month by month from its approval (entitlement/compute.py), and no
     arrears are paid; with --previous-cycle, EVENTS_MONTH is run first (a draft, before
     the events are recorded; set-up, its figure printed) and the timed run carries each
     household's track from it, as in a county paid every month (those with an event
     dated on that month's first day are walked again, and may be owed arrears).

With --only events, steps 1–3 run for the full size alone (the import the events need, with
its floor database) and steps 4 and the tiny and smaller imports are skipped. With --only
events --setup raw no import is run: the county is written into both databases by step 3's
floor (Floor.run, whose rows every import run checks against the import's), not timed, for
when the import itself is too slow to wait for.

    .venv/bin/python bench/registry.py                         # 400,000 households
    .venv/bin/python bench/registry.py --households 20000 --small 5000 --events 5000   # a quick run
    .venv/bin/python bench/registry.py --only events            # the import, then the events and the cycle
    .venv/bin/python bench/registry.py --only events --setup raw   # the county written by the raw driver
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
import hashlib
import io
import itertools
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import click
import common  # bench/common.py (bench/ is sys.path[0] when run as a script)
import cycle as cycle_bench  # bench/cycle.py: its cycle floors and /proc sampling
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
CYCLE_MONTH = f"{TODAY:%Y-%m}"  # the month run after the events
EVENTS_LAST = TODAY.replace(day=1) - timedelta(days=1)  # the events fall in the month before it
EVENTS_FIRST = EVENTS_LAST.replace(day=1)
EVENTS_MONTH = f"{EVENTS_FIRST:%Y-%m}"
IMPORT_RATIO_TODAY = 4.0  # the issue: the import stays within 4× of its floor, as today

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

    def id_number(self, born: date, male: bool, region: str | None = None) -> str:
        region = region or self.rng.choice(BIRTH_REGIONS)
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


# ---------------------------------------------------------------------------- the events file


EVENT_HEADER = ("household_id", "kind", "date", "value", "id_number", "name", "relation", "birth_date",
                "disability_grade", "disability_kind", "care_level", "payee_name", "bank_account")
# The mix of kinds, by the household's programme (weights; a kind the household cannot take is left out of the
# draw: a death or removal needs a living member who is not the head, a 特困 household has no income).
EVENT_MIX = {
    "dibao": {"income": 64, "death": 5, "add_member": 5, "remove_member": 4, "disability": 5, "payee": 8,
              "suspend": 6, "terminate": 3},
    "low_income": {"income": 64, "death": 5, "add_member": 5, "remove_member": 4, "disability": 5, "payee": 8,
                   "suspend": 6, "terminate": 3},
    "tekun": {"care_level": 30, "death": 8, "remove_member": 4, "disability": 20, "payee": 20, "suspend": 12,
              "terminate": 6},
}
SUSPEND_REASONS = ("外出务工待核实", "未按期参加核查", "收入待核实", "户籍迁出待核实")
TERMINATE_REASONS = ("", "收入超过标准", "户籍迁出", "自愿退出", "迁往外县")
BIRTH_REGION = "230523"  # newborns are registered in the county
NEW_ACCOUNT_PREFIX = "6228"  # + 15 digits: 19, never the import's 62170… accounts


@dataclass
class EventsFile:
    path: str
    events: int
    kinds: dict[str, int]
    bytes: int
    seconds: float


def _members_by_household(path: str) -> Iterator[tuple[str, list[list[str]]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for household_id, rows in itertools.groupby(reader, key=lambda fields: fields[0]):
            yield household_id, list(rows)


def _born(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def generate_events(directory: str, data: Generated, count: int, seed: str = "aidledger-registry-events") -> EventsFile:
    """Write events.csv: `count` valid events, one for each of `count` distinct households of the generated county.

    Two passes over the county's files: the first finds the households approved by the end of EVENTS_MONTH (and
    the id numbers born in it, so that no newborn repeats one), the second draws each chosen household's event
    from what it holds (its programme, its living members, its payee). The file is written in date order.
    """
    start = time.perf_counter()
    rng = random.Random(seed)
    people = People(rng)
    last = EVENTS_LAST.isoformat()
    eligible: list[int] = []
    with open(data.households_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        approved = next(reader).index("approved_on")
        for n, fields in enumerate(reader):
            if fields[approved] <= last:
                eligible.append(n)
    if count > len(eligible):
        raise click.UsageError(f"--events {count:,}: only {len(eligible):,} households are approved by {last}")
    taken: set[str] = set()  # id numbers born in the events' month: a newborn must not repeat one
    first, last_digits = f"{EVENTS_FIRST:%Y%m%d}", f"{EVENTS_LAST:%Y%m%d}"
    for _, members in _members_by_household(data.members_path):
        taken.update(m[1] for m in members if first <= m[1][6:14] <= last_digits)
    chosen = set(rng.sample(eligible, count))
    rows: list[tuple] = []
    kinds: dict[str, int] = {}
    accounts = itertools.count(1)
    with open(data.households_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for n, (fields, (member_household, members)) in enumerate(zip(reader, _members_by_household(
                data.members_path), strict=True)):
            if n not in chosen:
                continue
            household = dict(zip(header, fields))
            if member_household != household["household_id"]:
                raise SystemExit(f"members.csv out of step at {member_household} / {household['household_id']}")
            row = _event(rng, people, household, members, taken, accounts)
            kinds[row[1]] = kinds.get(row[1], 0) + 1
            rows.append(row)
    rows.sort(key=lambda row: row[2])  # a month's changes as they were recorded, day by day
    path = os.path.join(directory, "events.csv")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EVENT_HEADER)
        writer.writerows(rows)
    return EventsFile(path, len(rows), dict(sorted(kinds.items(), key=lambda kv: -kv[1])), os.path.getsize(path),
                      time.perf_counter() - start)


def _event(rng: random.Random, people: People, household: dict, members: list[list[str]], taken: set[str],
           accounts: Iterator[int]) -> tuple:
    """One event for a household (its households.csv row as a dict, its members.csv rows)."""
    program = household["program"]
    approved = date.fromisoformat(household["approved_on"])
    living = [m for m in members if not m[10]]  # no death_date
    others = [m for m in living if m[3] != "head"]
    mix = dict(EVENT_MIX[program])
    if not others:
        mix.pop("death", None)
        mix.pop("remove_member", None)
    kind = rng.choices(list(mix), weights=list(mix.values()))[0]
    earliest = max(EVENTS_FIRST, approved)
    if kind in ("death", "remove_member", "disability", "care_level"):
        person = rng.choice(others if kind in ("death", "remove_member") else living)
        earliest = max(earliest, _born(person[1]))  # a death on or after the birth
    day = earliest + timedelta(days=rng.randrange((EVENTS_LAST - earliest).days + 1))
    row = dict.fromkeys(EVENT_HEADER, "")
    row.update(household_id=household["household_id"], kind=kind, date=day.isoformat())
    if kind == "income":  # a new assessment: mostly near the old income, some well above or below
        old = Decimal(household["monthly_income"])
        factor = rng.choice((0.5, 0.8, 0.9, 0.95, 1.05, 1.1, 1.2, 1.5, 2.5))
        fen = int(old * 100 * Decimal(str(factor))) + rng.randrange(100)
        row["value"] = f"{fen // 100}.{fen % 100:02d}" if rng.random() < 0.4 else str(fen // 100)
    elif kind in ("death", "remove_member"):
        row["id_number"] = person[1]
    elif kind == "disability":
        row["id_number"] = person[1]
        row["disability_grade"] = str(rng.choice((1, 2, 2, 3, 3, 4, 4)))
        row["disability_kind"] = rng.choice(common.DISABILITY_KINDS)
    elif kind == "care_level":
        row["id_number"] = person[1]
        row["value"] = rng.choice([c for c in ("self", "semi", "full") if c != person[8]])
    elif kind == "add_member":  # a birth: born on the event's day, registered in the county
        while True:
            id_number = people.id_number(day, rng.random() < 0.5, region=BIRTH_REGION)
            if id_number not in taken:
                break
        taken.add(id_number)
        head = next(m for m in members if m[3] == "head")
        row.update(id_number=id_number, name=people.name(head[2][0]), relation="child")
    elif kind == "payee":  # a new card: the head, the spouse, or the institution keeps being paid
        spouse = [m for m in living if m[3] == "spouse"]
        if household["tekun_setting"] == "centralized":
            row["payee_name"] = household["payee_name"]
        else:
            row["payee_name"] = (rng.choice(spouse) if spouse and rng.random() < 0.3 else
                                 next((m for m in living if m[3] == "head"), living[0] if living else members[0]))[2]
        row["bank_account"] = f"{NEW_ACCOUNT_PREFIX}{next(accounts):015d}"
    elif kind == "suspend":
        row["value"] = rng.choice(SUSPEND_REASONS)
    elif kind == "terminate":
        row["value"] = rng.choice(TERMINATE_REASONS)
    return tuple(row[c] for c in EVENT_HEADER)


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


@dataclass
class Measured:
    """One command in a subprocess, measured from outside."""

    seconds: float  # wall clock, interpreter start-up included
    cpu_s: float  # user + system CPU seconds of the command (and of its worker processes, waited for)
    peak_rss_mib: float  # the largest single process (/usr/bin/time's %M)
    tree_rss_mib: float  # with sample_tree: the command and its workers together, sampled from /proc; else peak
    output: str


def run_command(url: str, args: list[str], what: str, *, user: str = PREPARER, sample_tree: bool = False) -> Measured:
    """`aidledger --db URL --user USER ARGS…` in a subprocess: wall seconds, CPU seconds and its peak RSS.

    The peak RSS comes from /usr/bin/time (or a small Python stand-in), not from this process's
    os.wait4 / RUSAGE_CHILDREN: Linux records at exec the peak RSS of the memory the child was
    spawned from — with vfork/posix_spawn, this (large) process's — so a child spawned straight
    from here reports at least this process's own peak. With sample_tree, the resident memory of
    the whole process tree (a cycle run's workers) is also sampled every 50 ms, as bench/cycle.py does.
    A command that fails ends the bench with the first lines it printed.
    """
    command = [AIDLEDGER, "--db", url, "--user", user, *args]
    with tempfile.TemporaryDirectory() as scratch:
        measured = os.path.join(scratch, "usage")
        if os.access("/usr/bin/time", os.X_OK):
            wrapped = ["/usr/bin/time", "-o", measured, "-f", "%e %U %S %M", *command]
        else:
            wrapped = [sys.executable, "-c", LAUNCHER, measured, *command]
        with open(os.path.join(scratch, "output"), "w+b") as out:
            peak = [0]
            start = time.perf_counter()
            process = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            done = threading.Event()
            sampler = None
            if sample_tree:
                def sample() -> None:
                    while not done.wait(0.05):
                        peak[0] = max(peak[0], cycle_bench._tree_rss_kib(process.pid))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
            returncode = process.wait()
            seconds = time.perf_counter() - start
            done.set()
            if sampler is not None:
                sampler.join()
            out.seek(0)
            output = out.read().decode("utf-8", "replace").strip()
        with open(measured, encoding="utf-8") as handle:
            fields = handle.read().split()[-4:]  # time writes "Command exited with non-zero status" first
    if returncode != 0:
        raise SystemExit(f"{what} failed (exit {returncode}): {' '.join(args)}\n{output[:4000]}")
    _, user_s, system_s, max_kib = (float(x) for x in fields)
    return Measured(seconds, user_s + system_s, max_kib / 1024, max(peak[0], max_kib) / 1024, output)


def run_cli(url: str, data: Generated) -> Run:
    """`aidledger registry import` in a subprocess (run_command): wall seconds, CPU seconds and its peak RSS."""
    m = run_command(url, ["registry", "import", "--households", data.households_path,
                          "--members", data.members_path], "the import")
    expected = f"stored {data.households} households, {data.members} members"
    if expected not in m.output.splitlines():  # after the lines saying how each file was read
        raise SystemExit(f"the import said {m.output!r}, expected {expected!r}")
    return Run(data.households, data.members, m.seconds, m.cpu_s, m.peak_rss_mib, m.output)


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


EVENT_ROW_COLUMNS = ("household_id", "kind", "date", "value", "id_number", "reason", "details", "import_id",
                     "source_line")
READ_CHUNK = 500  # households per query, as registry_store.load_households reads them


class EventsFloor:
    """The events' floor: in one transaction, read back the named households' rows, then insert the file's events.

    The raw driver (stdlib sqlite3 / psycopg), on a database holding the same county (the import's floor
    database): the file parsed with csv; its households' rows read as the checks read them (households,
    members, registry_events WHERE household_id IN (500 ids), every row fetched); a registry_imports row; the
    registry_events rows the command stores (the same values, the same JSON details) inserted with executemany
    in batches of registry_store.BATCH; one commit. No checks, no rules, none of the checks' other queries.
    """

    def __init__(self, backend: Backend, url: str):
        self.backend = backend
        self.url = url
        self.sqlite = backend.sqlite
        self.insert = backend.insert_sql("registry_events", EVENT_ROW_COLUMNS)

    def run(self, events: EventsFile) -> tuple[float, float, int]:
        """Wall and CPU seconds (this process's), and the rows read back."""
        connection = self.backend.raw_connect(self.url)
        m = self.backend.mark
        try:
            cursor = connection.cursor()
            start, cpu = time.perf_counter(), time.process_time()
            if self.sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            with open(events.path, encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                parsed = [(dict(zip(header, fields)), reader.line_num) for fields in reader]
            ids = sorted({v["household_id"] for v, _ in parsed})
            read = 0
            for at in range(0, len(ids), READ_CHUNK):
                part = ids[at:at + READ_CHUNK]
                marks = ", ".join([m] * len(part))
                for sql in (f"SELECT * FROM members WHERE household_id IN ({marks}) ORDER BY household_id, source_line",
                            f"SELECT * FROM registry_events WHERE household_id IN ({marks}) "
                            "ORDER BY household_id, date, id",
                            f"SELECT * FROM households WHERE household_id IN ({marks})"):
                    cursor.execute(sql, part)
                    read += len(cursor.fetchall())
            loaded_at = NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else NOW
            cursor.execute(f"INSERT INTO registry_imports (kind, sources, digest, loaded_by, loaded_at) "
                           f"VALUES ({m}, {m}, {m}, {m}, {m})", ("events", "events.csv", "floor", PREPARER, loaded_at))
            import_id = cursor.lastrowid if self.sqlite else None
            if import_id is None:
                cursor.execute("SELECT max(id) FROM registry_imports")
                import_id = cursor.fetchone()[0]
            rows = [self._row(v, import_id, line) for v, line in parsed]
            for at in range(0, len(rows), registry_store.BATCH):
                cursor.executemany(self.insert, rows[at:at + registry_store.BATCH])
            if self.sqlite:
                cursor.execute("COMMIT")
            else:
                connection.commit()
            return time.perf_counter() - start, time.process_time() - cpu, read
        finally:
            connection.close()

    def _row(self, v: dict, import_id: int, line: int) -> tuple:
        kind, value, details = v["kind"], v["value"] or None, None
        if kind == "income":
            value = str(Decimal(value).quantize(Decimal("0.01")))
        elif kind == "add_member":
            details = {"name": v["name"], "relation": v["relation"], "birth_date": _born(v["id_number"]).isoformat(),
                       "disability_grade": v["disability_grade"], "disability_kind": v["disability_kind"], "flags": "",
                       "care_level": v["care_level"], "single_person": ""}
        elif kind == "disability":
            details = {"disability_grade": v["disability_grade"], "disability_kind": v["disability_kind"]}
        elif kind == "payee":
            value = v["bank_account"]
            details = {"payee_name": v["payee_name"], "shared_account": ""}
        day = v["date"] if self.sqlite else date.fromisoformat(v["date"])
        return (v["household_id"], kind, day, value, v["id_number"] or None, None,
                json.dumps(details, ensure_ascii=False, separators=(",", ":")) if details else None,
                import_id, line)


def same_events(backend: Backend, service_url: str, floor_url: str) -> tuple[int, list[str]]:
    """The events both databases hold (by source line), and how they differ (expected: not at all)."""
    digests, counts = [], []
    for url in (service_url, floor_url):
        connection = backend.raw_connect(url)
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT household_id, kind, date, value, id_number, reason, details, source_line "
                           "FROM registry_events ORDER BY source_line, household_id")
            sha, count = hashlib.sha256(), 0
            while rows := cursor.fetchmany(10_000):
                for row in rows:
                    sha.update(repr(tuple(str(x) for x in row)).encode())
                count += len(rows)
            digests.append(sha.hexdigest())
            counts.append(count)
        finally:
            connection.close()
    differences = [] if digests[0] == digests[1] and counts[0] == counts[1] else \
        [f"service {counts[0]:,} events (sha256 {digests[0][:12]}) ≠ floor {counts[1]:,} ({digests[1][:12]})"]
    return counts[0], differences


@dataclass
class EventsResult:
    events: EventsFile
    load: Measured
    floor_s: float
    floor_cpu_s: float
    floor_read_rows: int
    cycle: Measured | None = None
    cycle_lines: int = 0
    cycle_tracks: int = 0
    cycle_workers: int = 0
    cycle_floor_s: float = 0.0  # inserting the same lines and tracks
    cycle_read_s: float = 0.0  # reading the registry's three streams
    cycle_read_rows: int = 0
    previous: Measured | None = None  # --previous-cycle: the events month's run before the events (set-up)

    @property
    def ratio(self) -> float:
        return self.load.seconds / self.floor_s


def settle(backend: Backend, *urls: str) -> float:
    """On PostgreSQL, VACUUM ANALYZE the databases a bulk load just filled, as autovacuum would soon after (not
    timed as part of anything): without statistics the planner scans whole tables for the events' IN lists, and
    when autovacuum gets there would decide the figures. Seconds taken; nothing on SQLite."""
    if backend.sqlite:
        return 0.0
    start = time.perf_counter()
    for url in urls:
        connection = backend.raw_connect(url)
        try:
            connection.autocommit = True
            connection.execute("VACUUM ANALYZE")
        finally:
            connection.close()
    return time.perf_counter() - start


def measure_events(backend: Backend, service_url: str, floor_url: str, county: Generated, events: EventsFile,
                   directory: str, with_cycle: bool, previous_cycle: bool = False) -> EventsResult:
    """Record the events through the CLI and on the floor; then, with_cycle, run CYCLE_MONTH after them.

    With previous_cycle, EVENTS_MONTH is run first (a draft, before the events are recorded; measured, but
    set-up): the timed run then carries each household's 低保 track from it, as in a county paid every month,
    instead of walking from approval every 低保 household with an event."""
    name = backend.name
    if not backend.sqlite:
        seconds = settle(backend, service_url, floor_url)
        click.echo(f"{name}: set-up: VACUUM ANALYZE of both databases took {seconds:.1f} s (not timed)")
    previous = None
    if with_cycle and previous_cycle:
        click.echo(f"{name}: set-up: cycle run {EVENTS_MONTH}, before the events …", err=True)
        previous = run_command(service_url, ["cycle", "run", "--jurisdiction", COUNTY, "--month", EVENTS_MONTH],
                               "cycle run", sample_tree=True)
        click.echo(f"{name}: set-up: cycle run {EVENTS_MONTH} before the events: {previous.seconds:.2f} s "
                   f"({previous.cpu_s:.2f} s CPU), peak RSS {previous.tree_rss_mib:.1f} MiB")
    click.echo(f"{name}: recording {events.events:,} events through the CLI …", err=True)
    load = run_command(service_url, ["registry", "events", events.path], "registry events")
    expected = f"stored {events.events} events"  # and, from 2b580a2 on, " (event ids …)"
    said = load.output.splitlines()[-1] if load.output else ""  # after the line saying how the file was read
    if said != expected and not said.startswith(expected + " "):
        raise SystemExit(f"registry events said {load.output[:2000]!r}, expected {expected!r}")
    click.echo(f"{name}: events  {events.events:,} events on {county.households:,} households: {load.seconds:7.2f} s "
               f"({load.cpu_s:6.2f} s CPU), {events.events / load.seconds:9,.0f} events/s, "
               f"peak RSS {load.peak_rss_mib:6.1f} MiB")
    click.echo(f"{name}: the events' floor ({backend.driver}) …", err=True)
    floor_s, floor_cpu_s, read_rows = EventsFloor(backend, floor_url).run(events)
    stored, differences = same_events(backend, service_url, floor_url)
    if differences:
        raise SystemExit(f"{name}: the floor did not store the command's events:\n" + "\n".join(differences))
    click.echo(f"{name}: floor   read {read_rows:,} rows of the {events.events:,} households + insert "
               f"{stored:,} events in {floor_s:.2f} s ({floor_cpu_s:.2f} s CPU in the client); same events stored: "
               f"checked")
    click.echo(f"{name}: ratio   {load.seconds / floor_s:.2f}× command time / floor time"
               + (f"; {load.cpu_s / floor_cpu_s:.2f}× in CPU seconds" if backend.sqlite else ""))
    result = EventsResult(events, load, floor_s, floor_cpu_s, read_rows, previous=previous)
    if not with_cycle:
        return result

    click.echo(f"{name}: cycle run {CYCLE_MONTH} …", err=True)
    run = run_command(service_url, ["cycle", "run", "--jurisdiction", COUNTY, "--month", CYCLE_MONTH], "cycle run",
                      sample_tree=True)
    cycle_id = int(run.output.splitlines()[-1])
    cycle_floor_url = backend.new_database("cycle_floor")
    prepare_books(cycle_floor_url)
    floor = cycle_bench.Floor(backend, service_url, cycle_floor_url, directory)
    lines, tracks = floor.dump_lines(cycle_id)
    click.echo(f"{name}: the cycle's floors ({backend.driver}) …", err=True)
    insert_s = floor.insert(cycle_id)
    read_s, read_rows = floor.read_streams()
    workers = cycle_bench._workers_used(county.households, None)
    result.cycle, result.cycle_lines, result.cycle_tracks, result.cycle_workers = run, lines, tracks, workers
    result.cycle_floor_s, result.cycle_read_s, result.cycle_read_rows = insert_s, read_s, read_rows
    after = f"the events and the {EVENTS_MONTH} cycle" if previous else "the events, no cycle before"
    click.echo(f"{name}: cycle   run {CYCLE_MONTH} after {after} ({cycle_bench._workers_text(workers)}): "
               f"{lines:,} households paid, {tracks:,} ended tracks; {run.seconds:7.2f} s ({run.cpu_s:6.2f} s CPU), "
               f"peak RSS {run.tree_rss_mib:6.1f} MiB (largest process {run.peak_rss_mib:.1f})")
    click.echo(f"{name}: floor   insert the {lines:,} lines + {tracks:,} tracks {insert_s:.2f} s, ratio "
               f"{run.seconds / insert_s:.1f}×; read the registry's three streams ({read_rows:,} rows) {read_s:.2f} s; "
               f"run ÷ (read + insert) = {run.seconds / (read_s + insert_s):.1f}×")
    return result


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
    tiny: Run | None  # None with --only events
    small: Run | None
    full: Run | None  # None with --setup raw: the county written by the raw driver
    floor_s: float
    floor_cpu_s: float
    state: CheckState | None
    events: EventsResult | None = None

    @property
    def ratio(self) -> float:
        return self.full.seconds / self.floor_s if self.full else float("nan")


def raw_setup(backend: Backend, county: Generated) -> tuple[str, str, float]:
    """--setup raw: the county written into two fresh databases by the import's floor (Floor.run: the same rows
    the import stores, as same_rows checks in every import run), for the events' command and for their floor."""
    urls, seconds = [], 0.0
    for purpose in ("service_raw", "floor"):
        url = backend.new_database(purpose)
        prepare_books(url)
        click.echo(f"{backend.name}: set-up: writing {county.households:,} households with the raw driver into "
                   f"{purpose} …", err=True)
        seconds += Floor(backend, url).run(county)[0]
        urls.append(url)
    click.echo(f"{backend.name}: set-up: the county written twice by the raw driver in {seconds:.1f} s (not timed "
               f"as an import)")
    return urls[0], urls[1], seconds


def measure(backend: Backend, files: dict[int, Generated], small: int, full: int, state_households: int,
            profile: str | None, profile_households: int, events: EventsFile | None = None,
            with_cycle: bool = True, directory: str = "", import_sizes: bool = True, setup: str = "cli",
            previous_cycle: bool = False) -> Result:
    name = backend.name
    if setup == "raw":
        service_url, floor_url, _ = raw_setup(backend, files[full])
        assert events is not None
        events_result = measure_events(backend, service_url, floor_url, files[full], events, directory, with_cycle,
                                       previous_cycle)
        return Result(name, None, None, None, float("nan"), float("nan"), None, events_result)
    runs: dict[int, Run] = {}
    for size in ((TINY, small, full) if import_sizes else (full,)):
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

    f, s, t = runs[full], runs.get(small), runs.get(TINY)
    click.echo(f"{name}: floor   {f.rows:,} rows in {floor_s:.2f} s ({floor_cpu_s:.2f} s CPU in the client) = "
               f"{f.rows / floor_s:,.0f} rows/s "
               f"(csv + executemany, no validation; same rows stored: checked)")
    click.echo(f"{name}: ratio   {f.seconds / floor_s:.2f}× command time / floor time"
               + (f"; {(f.seconds - t.seconds) / floor_s:.2f}× without the {t.seconds:.2f} s start-up" if t else "")
               + (f"; {f.cpu_s / floor_cpu_s:.2f}× in CPU seconds" if backend.name == "sqlite" else ""))
    if s is not None and t is not None:
        growth = (f.peak_rss_mib - s.peak_rss_mib) * 2**20 / (f.households - s.households)
        click.echo(f"{name}: memory  peak RSS {t.peak_rss_mib:.1f} MiB at {TINY} households, "
                   f"{s.peak_rss_mib:.1f} MiB at {s.households:,}, {f.peak_rss_mib:.1f} MiB at {f.households:,}: "
                   f"{growth:,.0f} bytes per extra household ({growth * f.households / f.rows:,.0f} per extra row)")

    # The events go to the full import's database; their floor to its floor's, which holds the same county.
    events_result = None
    if events is not None:
        events_result = measure_events(backend, service_url, floor_url, files[full], events, directory, with_cycle,
                                       previous_cycle)

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
    return Result(name, t, s, f, floor_s, floor_cpu_s, state, events_result)


def echo_events_table(results: list[Result], households: int) -> None:
    """The events' and the cycle's figures, one row per backend and step."""
    rows = [r for r in results if r.events is not None]
    if not rows:
        return
    click.echo("")
    click.echo("| backend | step | rows | seconds | CPU s | rows/s | peak RSS MiB | floor s | floor CPU s | ratio "
               "| floor |")
    click.echo("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        e = r.events
        cpu = f"{e.floor_cpu_s:.2f}" + ("" if r.backend == "sqlite" else " (client)")
        click.echo(f"| {r.backend} | registry events ({households:,} households) | {e.events.events:,} | "
                   f"{e.load.seconds:.2f} | {e.load.cpu_s:.2f} | {e.events.events / e.load.seconds:,.0f} | "
                   f"{e.load.peak_rss_mib:.1f} | {e.floor_s:.2f} | {cpu} | {e.ratio:.2f}× | read "
                   f"{e.floor_read_rows:,} rows + insert {e.events.events:,} events, one transaction |")
        if e.cycle is not None:
            c = e.cycle
            workers = cycle_bench._workers_text(e.cycle_workers)
            if e.previous is not None:
                p = e.previous
                click.echo(f"| {r.backend} | set-up: cycle run {EVENTS_MONTH} before them ({workers}) | – | "
                           f"{p.seconds:.2f} | {p.cpu_s:.2f} | {households / p.seconds:,.0f} households/s | "
                           f"{p.tree_rss_mib:.0f} | – | – | – | no previous cycle, no events |")
            after = f"carrying {EVENTS_MONTH}'s tracks" if e.previous else "no previous cycle"
            click.echo(f"| {r.backend} | cycle run {CYCLE_MONTH} after them, {after} ({workers}) "
                       f"| {e.cycle_lines:,} lines | {c.seconds:.2f} | {c.cpu_s:.2f} | "
                       f"{households / c.seconds:,.0f} households/s | {c.tree_rss_mib:.0f} | "
                       f"{e.cycle_floor_s:.2f} | – | {c.seconds / e.cycle_floor_s:.1f}× | insert {e.cycle_lines:,} "
                       f"lines + {e.cycle_tracks:,} tracks; with reading the 3 streams ({e.cycle_read_s:.2f} s): "
                       f"{c.seconds / (e.cycle_floor_s + e.cycle_read_s):.1f}× |")


@click.command()
@click.option("--households", type=click.IntRange(min=TINY + 1), default=400_000, show_default=True,
              help="Households in the county (members ≈ 2.5 per household).")
@click.option("--small", type=click.IntRange(min=TINY + 1), default=100_000, show_default=True,
              help="The smaller size run beside it, to see whether peak memory grows with the file.")
@click.option("--state-households", type=click.IntRange(min=0), default=100_000, show_default=True,
              help="Size the duplicate-check state on an in-process dry run of this many households (0: skip).")
@click.option("--events", "events_count", type=click.IntRange(min=0), default=100_000, show_default=True,
              help=f"Events recorded after the full import, dated in {EVENTS_MONTH}, one per distinct household "
                   "(0: skip the events).")
@click.option("--cycle/--no-cycle", "with_cycle", default=True, show_default=True,
              help=f"After the events, run cycle {CYCLE_MONTH} and compare it with bench/cycle.py's floors.")
@click.option("--previous-cycle/--no-previous-cycle", default=False, show_default=True,
              help=f"Run cycle {EVENTS_MONTH} before the events (set-up), so that the timed {CYCLE_MONTH} run carries "
                   "its tracks as in a county paid every month.")
@click.option("--only", type=click.Choice(["all", "import", "events"]), default="all", show_default=True,
              help="import: the import bench alone; events: the full import (and its floor) the events need, then "
                   "the events and the cycle, without the tiny and smaller imports and the state measurement.")
@click.option("--setup", type=click.Choice(["cli", "raw"]), default="cli", show_default=True,
              help="With --only events, how the county is loaded: cli, the timed import and its floor; raw, the "
                   "import's floor writing it into both databases (not timed), when the import is too slow to wait "
                   "for.")
@common.pg_url_option("AIDLEDGER_BENCH_PG_URL", "AIDLEDGER_TEST_PG_URL")
@common.sqlite_option
@click.option("--profile", default=None, metavar="PREFIX",
              help="Also cProfile an in-process import of --profile-households; writes PREFIX.<backend>.prof.")
@click.option("--profile-households", type=click.IntRange(min=TINY + 1), default=50_000, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the temporary folder (files and SQLite databases).")
@click.option("--county-files", is_flag=True,
              help="Instead: the county as one .xlsx workbook and as GBK CSV, imported, against the UTF-8 CSV "
                   "import (bench/xlsx_import.py).")
def main(households: int, small: int, state_households: int, events_count: int, with_cycle: bool,
         previous_cycle: bool, only: str, setup: str, pg_url: str | None, on_sqlite: bool, profile: str | None,
         profile_households: int, keep: bool, county_files: bool) -> None:
    """Import a generated county through `aidledger registry import`, record events on it through `aidledger
    registry events`, run a cycle after them; compare each with its floor."""
    if county_files:
        import xlsx_import

        xlsx_import.run(households, pg_url, on_sqlite, keep)
        return
    if small >= households and only != "events":
        raise click.UsageError("--small must be below --households")
    if only == "import":
        events_count = 0
    if only == "events":
        if not events_count:
            raise click.UsageError("--only events needs --events above 0")
        state_households, profile = 0, None
    elif setup != "cli":
        raise click.UsageError("--setup raw goes with --only events")
    if events_count > households:
        raise click.UsageError("--events: one event per distinct household, so at most --households")
    load_at_start = os.getloadavg()
    with common.scratch_folder("aidledger-regbench-", keep) as directory:
        files: dict[int, Generated] = {}
        sizes = ({TINY, small, households} if only != "events" else {households})
        sizes |= {state_households} if state_households else set()
        sizes |= {profile_households} if profile else set()
        for size in sorted(sizes):
            folder = os.path.join(directory, f"county_{size}")
            os.mkdir(folder)
            files[size] = g = generate(folder, size)
            programs = ", ".join(f"{k} {v:,}" for k, v in g.programs.items())
            click.echo(f"generated {g.households:,} households ({programs})"
                       f" and {g.members:,} members: {g.bytes / 2**20:.1f} MiB of CSV in {g.seconds:.1f} s", err=True)
        full = files[households]
        events = None
        if events_count:
            events = generate_events(directory, full, events_count)
            click.echo(f"generated {events.events:,} events dated {EVENTS_FIRST} to {EVENTS_LAST} "
                       f"({', '.join(f'{k} {v:,}' for k, v in events.kinds.items())}): "
                       f"{events.bytes / 2**20:.1f} MiB of CSV in {events.seconds:.1f} s", err=True)
        click.echo(f"aidledger registry import benchmark: county {COUNTY}, {full.households:,} households, "
                   f"{full.members:,} members ({full.members / full.households:.2f} per household), "
                   f"{full.bytes / 2**20:.1f} MiB of CSV; batches of {registry_store.BATCH:,} rows, one transaction")
        if events is not None:
            click.echo(f"then {events.events:,} events on as many households, dated in {EVENTS_MONTH} "
                       f"({', '.join(f'{k} {v:,}' for k, v in events.kinds.items())})"
                       + (f", and cycle run {CYCLE_MONTH} after them" if with_cycle else ""))
        results, versions = common.on_each_backend(
            directory, "regbench", on_sqlite, pg_url,
            lambda backend: measure(backend, files, small, households, state_households, profile, profile_households,
                                    events, with_cycle, directory, import_sizes=only != "events", setup=setup,
                                    previous_cycle=previous_cycle))

    common.echo_machine(versions, load_at_start, extra=[f"aidledger: {common.aidledger_source()}"])
    if any(r.full for r in results):
        click.echo("| backend | households | members | rows | seconds | CPU s | rows/s | peak RSS MiB | floor s "
                   "| floor CPU s | floor rows/s | ratio |")
        click.echo("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for run in (x for x in (r.tiny, r.small, r.full) if x is not None):
            floor = (f"{r.floor_s:.2f} | {r.floor_cpu_s:.2f} | {run.rows / r.floor_s:,.0f} | {r.ratio:.2f}×"
                     if run is r.full else "– | – | – | –")
            click.echo(f"| {r.backend} | {run.households:,} | {run.members:,} | {run.rows:,} | {run.seconds:.2f} | "
                       f"{run.cpu_s:.2f} | {run.rows / run.seconds:,.0f} | {run.peak_rss_mib:.1f} | {floor} |")
    echo_events_table(results, households)
    verdicts = [f"{r.backend}: "
                + (f"{r.full.seconds:.1f} s for {r.full.households:,} households "
                   f"({'under' if r.full.seconds < 60 else 'OVER'} the 60 s target), import {r.ratio:.2f}× its floor "
                   f"({'within' if r.ratio <= IMPORT_RATIO_TODAY else 'OVER'} {IMPORT_RATIO_TODAY:.0f}×)"
                   if r.full else f"county of {households:,} households written by the raw driver (no import timed)")
                + (f", {r.events.events.events:,} events in {r.events.load.seconds:.1f} s ({r.events.ratio:.2f}× "
                   f"their floor)" if r.events else "")
                + (f", cycle run {r.events.cycle.seconds:.1f} s" if r.events and r.events.cycle else "")
                for r in results]
    click.echo("")
    click.echo("; ".join(verdicts))


if __name__ == "__main__":
    main()
