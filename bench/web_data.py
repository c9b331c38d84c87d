"""The web bench's book (bench/web.py): a generated county with a year of cycles, on a book that authenticates.

Never part of the test suite. Built on bench/common.py (the constants, the three example policies) and
bench/cycle.py (the county generator and its raw-driver load, imported, not copied):

  1. `dbmod.upgrade(database, authentication=True)`: the book authenticates, as the web application requires;
  2. the users, each with the password PASSWORD set through `aidledger.auth.service.set_password`: the bench's
     admin, preparer and approver (bench/common.py), an auditor (masked id numbers) and a township clerk (a
     preparer whose scope is 宝清镇 230523100);
  3. the three example policies (230000 > 230500 > 230523 宝清县) and a central_subsidy allocation on 2021-12-01
     large enough for the year;
  4. the registry: bench/cycle.py's generated county of N households (≈ 2.5 members each), written straight into
     the registry tables with the raw driver (set-up: bench/registry.py measures the import);
  5. the months 2022-01 … 2022-12 run (`run_cycle`, by the preparer, booked on the 3rd) and approved (`approve`,
     by the approver, on the 5th) through the services in this process, each in its own write transaction, with
     the clock of that day. A run of 50,000 households or more is computed by worker processes, as the command's.

`samples` then draws, with a fixed seed, the households and id numbers the requests ask for; `clocked_app` is the
factory the bench's server runs: `create_app` on AIDLEDGER_DB with the clock AIDLEDGER_BENCH_CLOCK names.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402  (bench/common.py: the set-up's constants, backends)
import cycle as base  # noqa: E402  (bench/cycle.py: the county generator and its load)
from common import ADMIN, APPROVER, COUNTY, NOW, POLICY_DIR, POLICY_FILES, PREPARER, Backend  # noqa: E402

from aidledger import db as dbmod  # noqa: E402
from aidledger.auth.service import set_password  # noqa: E402
from aidledger.budget.service.allocations import allocate  # noqa: E402
from aidledger.budget.service.policies import load_policies  # noqa: E402
from aidledger.disbursement.cycles.service.run import run_cycle  # noqa: E402
from aidledger.disbursement.cycles.service.signing import approve  # noqa: E402
from aidledger.users import add_user  # noqa: E402

AUDITOR = "bench.auditor"  # sees id numbers and accounts masked
TOWN_CLERK = "bench.town"  # a preparer of 宝清镇 only
TOWNSHIP = common.TOWNSHIPS[0]
PASSWORD = "bench-web-password-9"  # every bench user's
USERS = ((ADMIN, "admin", None, "张伟"), (PREPARER, "preparer", None, "李明"), (APPROVER, "approver", None, "王芳"),
         (AUDITOR, "auditor", None, "赵审计"), (TOWN_CLERK, "preparer", TOWNSHIP, "孙乡镇"))
YEAR = 2022
SAMPLE_SEED = "aidledger-web-bench"


@dataclass
class Month:
    month: str
    cycle_id: int
    lines: int
    total: Decimal
    run_s: float
    approve_s: float


@dataclass
class Book:
    url: str
    county: base.County | None = None  # None for a book built before (--book)
    months: list[Month] = field(default_factory=list)
    setup_s: float = 0.0  # migrate, users, policies
    registry_s: float = 0.0
    cycles_s: float = 0.0

    @property
    def build_s(self) -> float:
        return self.setup_s + self.registry_s + self.cycles_s


def allocation_for(households: int) -> Decimal:
    """central_subsidy enough for twelve months (≈ 700 yuan a household a month at most), at least cycle.py's."""
    return max(base.ALLOCATION, Decimal(households) * 12 * 1000)


def set_up_book(url: str, households: int) -> None:
    """Migrate with authentication on; the users with their passwords; the example policies; the allocation."""
    database = dbmod.Database(url)
    try:
        if dbmod.upgrade(database, authentication=True) is not True:
            raise SystemExit(f"{database.shown_url}: the book does not authenticate after db upgrade")
        files = [((POLICY_DIR / name).read_text(encoding="utf-8"), name) for name in POLICY_FILES]
        with database.write() as session:
            for name, role, scope, display in USERS:
                add_user(session, name, role, acting=None if name == ADMIN else ADMIN, now=NOW,
                         display_name=display, scope=scope)
                set_password(session, name, PASSWORD, acting=ADMIN, now=NOW)
            load_policies(session, files, user=ADMIN, now=NOW)
        with database.write() as session:
            allocate(session, COUNTY, "central_subsidy", allocation_for(households), date(2021, 12, 1),
                     from_code=None, reference="bench/web.py", user=PREPARER, now=NOW)
    finally:
        database.dispose()


def run_year(url: str, months: int, echo: Callable[[str], None], name: str) -> list[Month]:
    """Run and approve 2022-01 … 2022-MM through the services, each month on the clock of its own days."""
    database = dbmod.Database(url)
    done: list[Month] = []
    try:
        for m in range(1, months + 1):
            month = f"{YEAR}-{m:02d}"
            run_on, approve_on = date(YEAR, m, 3), date(YEAR, m, 5)
            start = time.perf_counter()
            with database.write() as session:
                outcome = run_cycle(session, COUNTY, month, user=PREPARER, on=run_on,
                                    now=datetime(YEAR, m, 3, 9, 0, tzinfo=timezone.utc))
            run_s = time.perf_counter() - start
            start = time.perf_counter()
            with database.write() as session:
                approve(session, outcome.cycle_id, approve_on, user=APPROVER,
                        now=datetime(YEAR, m, 5, 9, 0, tzinfo=timezone.utc))
            approve_s = time.perf_counter() - start
            done.append(Month(month, outcome.cycle_id, outcome.count, outcome.total, run_s, approve_s))
            echo(f"{name}: set-up: {month}: cycle {outcome.cycle_id} run in {run_s:.1f} s, approved in "
                 f"{approve_s:.1f} s: {outcome.count:,} households, {outcome.total:,.2f} yuan")
    finally:
        database.dispose()
    return done


def build_book(backend: Backend, url: str, households: int, months: int, echo: Callable[[str], None]) -> Book:
    """The whole book (set-up, not timed by the bench's figures; its duration is printed)."""
    book = Book(url)
    start = time.perf_counter()
    set_up_book(url, households)
    book.setup_s = time.perf_counter() - start
    echo(f"{backend.name}: set-up: migrated (authentication on), {len(USERS)} users with passwords, the example "
         f"policies, allocation {allocation_for(households):,.0f} yuan: {book.setup_s:.1f} s")
    start = time.perf_counter()
    book.county = base.load_registry(backend, url, households)
    book.registry_s = time.perf_counter() - start
    c = book.county
    echo(f"{backend.name}: set-up: registry: {c.households:,} households ({base._programs(c)}), {c.members:,} "
         f"members, {c.events:,} events, written with the raw driver in {book.registry_s:.1f} s")
    start = time.perf_counter()
    book.months = run_year(url, months, echo, backend.name)
    book.cycles_s = time.perf_counter() - start
    return book


def existing_book(url: str) -> Book:
    """A book this bench built before (kept with --keep): its cycles, as they stand."""
    book = Book(url)
    book.months = [Month(month, cycle_id, count, Decimal(total_fen) / 100, 0.0, 0.0)
                   for month, cycle_id, count, total_fen in _query(
                       url, "SELECT month, id, count, total_fen FROM cycles WHERE status <> 'cancelled' "
                            "ORDER BY month, id")]
    return book


@dataclass
class Samples:
    households: list[str]  # household ids, distinct, in the order the requests take them
    id_numbers: list[str]  # one member's id number of each of those households
    household_count: int
    member_count: int


def samples(url: str, count: int, township: str | None = None) -> Samples:
    """`count` distinct households drawn with a fixed seed (of `township` only, when given), and one member's id
    number of each (the head's, or another member's one time in four)."""
    rows = _query(url, "SELECT household_id, township FROM households ORDER BY household_id")
    members = _query(url, "SELECT count(*) FROM members")[0][0]
    rng = random.Random(SAMPLE_SEED)
    pool = [h for h, t in rows if township is None or t == township]
    chosen = rng.sample(pool, min(count, len(pool)))
    ids: list[str] = []
    by_household: dict[str, list[str]] = {}
    wanted = set(chosen)
    for household_id, id_number in _query(url, "SELECT household_id, id_number FROM members ORDER BY household_id, "
                                               "source_line"):
        if household_id in wanted:
            by_household.setdefault(household_id, []).append(id_number)
    for household_id in chosen:
        numbers = by_household[household_id]
        ids.append(numbers[0] if len(numbers) == 1 or rng.random() < 0.75 else rng.choice(numbers[1:]))
    return Samples(chosen, ids, len(rows), members)


def server_version(url: str) -> str:
    """A PostgreSQL book's server version (SHOW server_version)."""
    return str(_query(url, "SHOW server_version")[0][0])


def _query(url: str, sql: str) -> list[tuple]:
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return [tuple(r) for r in session.execute(text(sql)).all()]
    finally:
        database.dispose()


# ---------------------------------------------------------------------------- the server's application

CLOCK_ENV = "AIDLEDGER_BENCH_CLOCK"  # a day (YYYY-MM-DD): the application's clock starts there at 09:00 UTC


def clocked_app():
    """`uvicorn --factory web_data:clocked_app`: the application on AIDLEDGER_DB (as `from_environment`), on the
    clock AIDLEDGER_BENCH_CLOCK names (`clocked`)."""
    from aidledger import db as database

    return clocked(os.environ.get("AIDLEDGER_DB", database.DEFAULT_URL), os.environ.get(CLOCK_ENV, "now"))


def clocked(url: str, day: str):
    """`create_app(url)` with a clock that starts at 09:00 UTC on `day` (YYYY-MM-DD) and runs at the real pace; the
    real clock for "now". The book's data ends in December 2022: an office reads its pages in the month of its
    latest cycle, not years later (a household's page explains its twelve months up to today's)."""
    from aidledger.web.app import create_app

    if day == "now":
        return create_app(url)
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=9)
    offset = datetime.now(timezone.utc) - start

    def clock() -> datetime:
        return datetime.now(timezone.utc) - offset

    return create_app(url, clock=clock)
