"""What the benchmarks share: the bench's books and names, fresh databases on each backend, the machine.

Never part of the test suite. Stated here once for every benchmark:

  - the set-up's constants: the `aidledger` command beside this interpreter, the three example
    policies (aidledger/demo_data: 230000 > 230500 > 230523 宝清县), the users, the county and its
    townships, the set-up's clock; and for the two county generators (bench/cycle.py, bench/registry.py)
    the names they draw on, the registry tables' columns and a household's program, place and size;
  - `prepare_books(url)`: migrate a fresh database, add the admin, the preparer and the approver, load
    the three example policies;
  - a `Backend` hands out fresh empty databases (a file in a temporary folder on SQLite; on PostgreSQL a
    database named with the benchmark, the pid and a random suffix, dropped at the end WITH (FORCE)) and
    raw driver connections to them, for the floors: stdlib sqlite3 with the pragmas the service's engine
    applies (aidledger/db.py), or psycopg. `on_each_backend` runs a measurement on SQLite and, when
    --pg-url (`pg_url_option`) names a server, on PostgreSQL; `scratch_folder` is the temporary folder,
    removed at the end;
  - `machine_lines` / `echo_machine`: the date, the machine, the software (and where the measured
    package comes from, `aidledger_source`) and the load average a run prints with its figures.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import click
import psycopg
import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from aidledger import db as dbmod
from aidledger.budget.service.policies import load_policies
from aidledger.users import add_user

T = TypeVar("T")

# ---------------------------------------------------------------------------- the set-up's constants

AIDLEDGER = str(Path(sys.executable).with_name("aidledger"))  # the command, run in subprocesses
POLICY_DIR = Path(__file__).resolve().parent.parent / "aidledger" / "demo_data"  # the spec's example policies
POLICY_FILES = ("230000-heilongjiang.toml", "230500-shuangyashan.toml", "230523-baoqing.toml")
ADMIN, PREPARER, APPROVER = "bench.admin", "bench.preparer", "bench.approver"
COUNTY = "230523"  # 宝清县
TOWNSHIPS = ("230523100", "230523101", "230523102")  # 宝清镇, 七星泡镇, 青原镇
NOW = datetime(2022, 1, 4, 9, 0, tzinfo=timezone.utc)  # the set-up's clock: the county is paid from 2022-01

# The generated counties' names (bench/cycle.py, bench/registry.py) and the registry tables' columns.
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
            "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
GIVEN = ("建国秀英玉梅志强桂兰淑珍春华海明丽娟立新凤芝文军红霞永刚金凤德福晓东雪梅"
         "宝山丽华国庆振华淑华子涵浩然欣怡思远雨萱佳怡宇轩一诺梓萱俊杰")
INSTITUTIONS = ("宝清县社会福利中心", "宝清县七星泡镇敬老院", "宝清县青原镇敬老院")
DISABILITY_KINDS = ("physical", "physical", "physical", "visual", "hearing", "speech", "intellectual", "mental",
                    "multiple")
HOUSEHOLD_COLUMNS = ("household_id", "county_code", "township", "area", "program", "monthly_income_fen",
                     "approved_on", "tier", "income_type", "tekun_setting", "payee_name", "bank_account",
                     "import_id", "source_line")
MEMBER_COLUMNS = ("id_number", "household_id", "name", "relation", "birth_date", "disability_grade",
                  "disability_kind", "flags", "care_level", "single_person", "death_date", "import_id",
                  "source_line")


def draw_household(rng: random.Random) -> tuple[str, str, str]:
    """A generated household's program, township and area: 60 % 低保, 10 % 特困, 30 % 低收入; 40 % in 宝清镇
    (70 % of them urban), 30 % in each other township (15 % urban)."""
    r = rng.random()
    program = "dibao" if r < 0.60 else "tekun" if r < 0.70 else "low_income"
    township = TOWNSHIPS[0] if (t := rng.random()) < 0.4 else TOWNSHIPS[1] if t < 0.7 else TOWNSHIPS[2]
    area = "urban" if rng.random() < (0.7 if township == TOWNSHIPS[0] else 0.15) else "rural"
    return program, township, area


def draw_size(rng: random.Random, program: str) -> tuple[int, str | None]:
    """Its members and 特困 setting: 特困 one member (85 %) or two, centralized 20 %; the others one to six."""
    if program == "tekun":
        size = 1 if rng.random() < 0.85 else 2
        return size, "centralized" if rng.random() < 0.2 else "dispersed"
    return rng.choices((1, 2, 3, 4, 5, 6), weights=(25, 25, 25, 15, 7, 3))[0], None


def prepare_books(url: str) -> None:
    """Migrate; add the admin, the preparer and the approver; load the three example policies."""
    database = dbmod.Database(url)
    try:
        dbmod.upgrade(database, authentication=False)
        files = [((POLICY_DIR / name).read_text(encoding="utf-8"), name) for name in POLICY_FILES]
        with database.write() as session:
            add_user(session, ADMIN, "admin", acting=None, now=NOW)
            add_user(session, PREPARER, "preparer", acting=ADMIN, now=NOW)
            add_user(session, APPROVER, "approver", acting=ADMIN, now=NOW)
            load_policies(session, files, user=ADMIN, now=NOW)
    finally:
        database.dispose()


# ---------------------------------------------------------------------------- backends


@dataclass
class Backend:
    name: str
    new_database: Callable[[str], str]  # a fresh empty database for a purpose → its URL
    raw_connect: Callable[[str], object]  # a raw driver connection to a URL new_database gave
    driver: str
    server_version: str

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    @property
    def mark(self) -> str:
        return "?" if self.sqlite else "%s"

    def insert_sql(self, table: str, columns: tuple[str, ...]) -> str:
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([self.mark] * len(columns))})"

    def binary(self, column: str) -> str:
        """ORDER BY code point, as the service's streams are ordered (entitlement/store.binary)."""
        return f'{column} COLLATE "C"' if not self.sqlite else f"{column} COLLATE BINARY"


def sqlite_connect(url: str) -> sqlite3.Connection:
    """A raw connection with the service engine's settings: WAL, synchronous NORMAL, foreign keys on,
    explicit BEGIN."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=60)
    for pragma in ("foreign_keys = ON", "busy_timeout = 60000", "journal_mode = WAL", "synchronous = NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


@contextmanager
def sqlite_backend(directory: str) -> Iterator[Backend]:
    def new_database(purpose: str) -> str:
        return f"sqlite:///{os.path.join(directory, purpose + '.db')}"

    yield Backend("sqlite", new_database, sqlite_connect, f"sqlite3 (stdlib), SQLite {sqlite3.sqlite_version}",
                  f"SQLite {sqlite3.sqlite_version}")


@contextmanager
def postgresql_backend(admin_url: str, bench: str) -> Iterator[Backend]:
    """Databases on the server `admin_url` names, called aidl_<bench>_<pid>_<random>_<purpose>."""
    base = make_url(admin_url)
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    stem = f"aidl_{bench}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    created: list[str] = []
    with admin.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()

    def new_database(purpose: str) -> str:
        name = f"{stem}_{purpose}"
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    def connect(url: str):
        return psycopg.connect(**make_url(url).translate_connect_args(username="user", database="dbname"))

    try:
        yield Backend("postgresql", new_database, connect, f"psycopg {psycopg.__version__}",
                      f"PostgreSQL {version}")
    finally:
        with admin.connect() as connection:
            for name in reversed(created):
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def scratch_folder(prefix: str, keep: bool = False) -> Iterator[str]:
    """A temporary folder (SQLite databases, generated files), removed at the end; with keep, kept and named."""
    directory = tempfile.mkdtemp(prefix=prefix)
    try:
        yield directory
    finally:
        if keep:
            click.echo(f"kept {directory}", err=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)


def pg_url_option(*envvars: str):
    """The option --pg-url: a PostgreSQL server to run on too; by default the first of `envvars` set."""
    envvars = envvars or ("AIDLEDGER_TEST_PG_URL",)
    return click.option("--pg-url", envvar=list(envvars), default=None,
                        help="A PostgreSQL server to run on too (postgresql+psycopg://…); the bench creates and drops "
                             f"its own databases there. Default: {', then '.join('$' + name for name in envvars)}.")


sqlite_option = click.option("--sqlite/--no-sqlite", "on_sqlite", default=True, show_default=True,
                             help="Run on SQLite.")


def on_each_backend(directory: str, bench: str, on_sqlite: bool, pg_url: str | None,
                    measure: Callable[[Backend], T]) -> tuple[list[T], list[str]]:
    """`measure` on SQLite (databases in `directory`) when on_sqlite, then on the server pg_url names (databases
    aidl_<bench>_…, dropped after); what it returned on each, and each backend's version. Refused when neither."""
    results: list[T] = []
    versions: list[str] = []
    # The books' keys live outside the database (aidledger/keys.py); a PostgreSQL book has no file to keep them
    # beside, so every bench names a folder of its own, which its subprocesses inherit.
    os.environ.setdefault("AIDLEDGER_KEYS", os.path.join(directory, "keys"))
    makers = ([lambda: sqlite_backend(directory)] if on_sqlite else []) + \
        ([lambda: postgresql_backend(pg_url, bench)] if pg_url else [])
    if not makers:
        raise click.UsageError("nothing to run on: --no-sqlite and no --pg-url")
    for make in makers:
        with make() as backend:
            versions.append(backend.server_version)
            results.append(measure(backend))
    return results, versions


# ---------------------------------------------------------------------------- the machine


def cpu_and_memory() -> tuple[str, str]:
    """The processor's model name and ", N GiB RAM" (empty when /proc does not say)."""
    cpu, memory = platform.processor() or platform.machine(), ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(next(ln.split()[1] for ln in handle if ln.startswith("MemTotal")))
            memory = f", {kib / 2**20:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return cpu, memory


def loads(load: Sequence[float]) -> str:
    """A load average (1, 5, 15 min) as "0.52 0.61 0.70"."""
    return " ".join(f"{x:.2f}" for x in load)


def load_line(load_at_start: Sequence[float]) -> str:
    return f"load average (1, 5, 15 min): {loads(load_at_start)} at the start, {loads(os.getloadavg())} at the end"


def machine_lines(versions: Iterable[str], load_at_start: Sequence[float], extra: Iterable[str] = (),
                  software: Iterable[str] = ()) -> list[str]:
    """Date, machine, software (with `software` and the PostgreSQL servers among `versions`), the `extra` lines,
    and the load average at the start and now."""
    cpu, memory = cpu_and_memory()
    return [
        f"date: {datetime.now().date().isoformat()}",
        f"machine: nproc {len(os.sched_getaffinity(0))}, {cpu}{memory}, {platform.system()} {platform.release()}",
        f"software: Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}"
        + "".join(f", {name}" for name in software)
        + "".join(f", {v} server" for v in versions if v.startswith("PostgreSQL")),
        *extra,
        load_line(load_at_start),
    ]


def echo_machine(versions: Iterable[str], load_at_start: Sequence[float], extra: Iterable[str] = ()) -> None:
    """The machine lines, between blank lines, as a run prints them before its table."""
    click.echo("")
    for line in machine_lines(versions, load_at_start, extra):
        click.echo(line)
    click.echo("")


def aidledger_source() -> str:
    """Where the measured package comes from, with its git commit when it is a checkout."""
    import aidledger

    root = Path(aidledger.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "aidledger"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = dirty = ""
    state = f" at commit {commit}{' with local changes' if dirty else ''}" if commit else ""
    return f"{root}{state}"
