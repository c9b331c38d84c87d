"""Test databases: every database test runs on SQLite and, when AIDLEDGER_TEST_PG_URL is set, on PostgreSQL.

Each run migrates one template database per backend with `aidledger db upgrade`'s code
path (alembic), then gives every test a fresh copy: a copied file on SQLite, a
`CREATE DATABASE … TEMPLATE …` on PostgreSQL. Database names carry the run's pid and a
random suffix, so concurrent runs never collide; the run drops what it created.

The books' keys (the chain key every write seals with, the checkpoint signing key) live outside the database: for
the whole run in one folder AIDLEDGER_KEYS names (PostgreSQL databases have no file to keep them beside); tests of
where keys live unset it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from aidledger import db as dbmod
from aidledger.cli import cli

if "AIDLEDGER_KEYS" not in os.environ:
    os.environ["AIDLEDGER_KEYS"] = tempfile.mkdtemp(prefix="aidledger-test-keys-")
    atexit.register(shutil.rmtree, os.environ["AIDLEDGER_KEYS"], True)
PG_URL = os.environ.get("AIDLEDGER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
RUN_ID = f"aidl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)


class PgServer:
    """Creates and drops this run's PostgreSQL databases through the admin URL."""

    def __init__(self, url: str):
        self.base = make_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def url_of(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}{clause}"))
        self.created.append(name)
        return self.url_of(name)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    """backend → a callable giving a fresh, migrated database URL."""
    made = {}
    sqlite_template = tmp_path_factory.mktemp("template") / "template.db"
    database = dbmod.Database(f"sqlite:///{sqlite_template}")
    dbmod.upgrade(database, authentication=False)  # local books; the tests of authentication make their own
    database.dispose()
    counter = iter(range(1, 10**9))

    def fresh_sqlite() -> str:
        path = tmp_path_factory.mktemp("db") / f"test{next(counter)}.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"

    made["sqlite"] = fresh_sqlite
    server = None
    if PG_URL:
        server = PgServer(PG_URL)
        template_name = f"{RUN_ID}_tmpl"
        database = dbmod.Database(server.create(template_name))
        dbmod.upgrade(database, authentication=False)
        database.dispose()
        made["postgresql"] = lambda: server.create(f"{RUN_ID}_{next(counter)}", template=template_name)
    yield made
    if server is not None:
        server.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(templates, backend) -> str:
    return templates[backend]()


@pytest.fixture
def database(db_url):
    database = dbmod.Database(db_url)
    yield database
    database.dispose()


class Cli:
    """Runs `aidledger` in-process against one database, as a user would from a shell."""

    def __init__(self, url: str):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, user: str | None = None, input: str | None = None):
        argv = ["--db", self.url] + (["--user", user] if user else []) + [str(a) for a in args]
        return self.runner.invoke(cli, argv, input=input, catch_exceptions=False)


@pytest.fixture
def run(db_url) -> Cli:
    return Cli(db_url)


from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, PREPARER  # noqa: E402


@pytest.fixture
def people(run) -> Cli:
    """A database with one user of each role: admin, li.ming (preparer), wang.fang (approver), zhao.audit."""
    assert run("user", "add", ADMIN, "--role", "admin").exit_code == 0
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        assert run("user", "add", name, "--role", role, user=ADMIN).exit_code == 0
    return run


@pytest.fixture
def books(people) -> Cli:
    """`people` plus the jurisdictions 230000 > 230500 > 230523 with their charts (no policies)."""
    for code, name, level, parent in (
        ("230000", "黑龙江省", "province", None),
        ("230500", "双鸭山市", "city", "230000"),
        ("230523", "宝清县", "county", "230500"),
    ):
        args = ["jurisdiction", "add", code, "--name", name, "--level", level]
        args += ["--parent", parent] if parent else []
        result = people(*args, user=ADMIN)
        assert result.exit_code == 0, result.output
    return people


@pytest.fixture
def county(people) -> Cli:
    """`people` plus the spec's example policies for 230000 > 230500 > 230523 loaded."""
    result = people("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN)
    assert result.exit_code == 0, result.output
    return people
