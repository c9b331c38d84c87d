"""What the benchmarks share: fresh databases on each backend, raw-driver connections, the machine.

Never part of the test suite. A `Backend` hands out fresh empty databases (a file in a temporary
folder on SQLite; on PostgreSQL a database named with the benchmark, the pid and a random suffix,
dropped at the end WITH (FORCE)) and raw driver connections to them, for the floors: stdlib
sqlite3 with the pragmas the service's engine applies (aidledger/db.py), or psycopg.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


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
