"""The book the web tests read, and their fixtures (a test module imports the fixtures it uses from here: a second
conftest.py would clash with tests/conftest.py by module name).

The book: the worked example county with authentication on, a user of every role with a password, three scoped
users, and January to March 2022 run and approved (built once per backend, copied per test).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from conftest import PG_URL, RUN_ID, PgServer
from fastapi.testclient import TestClient
from sqlalchemy import text
from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, EXAMPLES, PREPARER

from aidledger import db as dbmod
from aidledger.cli import cli
from aidledger.web.app import create_app

PASSWORD = "correct-horse-9"  # every test user's
TOWN_CLERK = "town.clerk"  # a preparer of 宝清镇 (230523100) only
CITY_AUDITOR = "city.audit"  # an auditor of 双鸭山市 (230500)
ELSEWHERE = "other.county"  # an auditor of another county (230524): sees none of 宝清县
SECOND_APPROVER = "chen.jing"  # signs 审批 after 王芳's 审核 where a policy asks for two sign-offs
TOWNSHIP, OTHER_TOWNSHIP = "230523100", "230523101"
COUNTY = "230523"
USERS = {ADMIN: "admin", PREPARER: "preparer", APPROVER: "approver", AUDITOR: "auditor",
         TOWN_CLERK: "preparer", CITY_AUDITOR: "auditor", ELSEWHERE: "auditor", SECOND_APPROVER: "approver"}
SCOPES = {TOWN_CLERK: TOWNSHIP, CITY_AUDITOR: "230500", ELSEWHERE: "230524"}
DISPLAY = {ADMIN: "张伟", PREPARER: "李明", APPROVER: "王芳", AUDITOR: "赵审计", TOWN_CLERK: "孙乡镇",
           CITY_AUDITOR: "钱市审", ELSEWHERE: "周外县", SECOND_APPROVER: "陈静"}
MONTHS = ("2022-01", "2022-02", "2022-03")


@contextmanager
def password_env():
    before = os.environ.get("AIDLEDGER_PASSWORD")
    os.environ["AIDLEDGER_PASSWORD"] = PASSWORD
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AIDLEDGER_PASSWORD", None)
        else:
            os.environ["AIDLEDGER_PASSWORD"] = before


def new_book(url: str):
    """A new book at `url` that authenticates, and a function running a command on it that must succeed (its
    stdout): the web tests' books are made by the command line, as a county's would be."""
    database = dbmod.Database(url)
    try:
        assert dbmod.upgrade(database, authentication=True) is True
    finally:
        database.dispose()
    runner = CliRunner()

    def run(*args: str, user: str | None = None, input: str | None = None) -> str:
        argv = ["--db", url] + (["--user", user] if user else []) + list(args)
        result = runner.invoke(cli, argv, input=input, catch_exceptions=False)
        assert result.exit_code == 0, (argv, result.output)
        return result.stdout.strip()
    return run


def build(url: str) -> None:
    run = new_book(url)

    with password_env():
        run("user", "add", ADMIN, "--role", "admin", "--display-name", DISPLAY[ADMIN], "--password-stdin",
            input=PASSWORD + "\n")
        for name, role in USERS.items():
            if name == ADMIN:
                continue
            scope = ["--scope", SCOPES[name]] if name in SCOPES else []
            run("user", "add", name, "--role", role, "--display-name", DISPLAY[name], *scope, "--password-stdin",
                user=ADMIN, input=PASSWORD + "\n")
        run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN)
        registry = EXAMPLES / "registry"
        run("registry", "import", "--households", str(registry / "households.csv"),
            "--members", str(registry / "members.csv"), user=PREPARER)
        run("registry", "events", str(registry / "events.csv"), user=PREPARER)
        run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "100000.00",
            "--date", "2021-12-01", user=PREPARER)
        for month in MONTHS:
            cycle = run("cycle", "run", "--jurisdiction", COUNTY, "--month", month, "--date", f"{month}-01",
                        user=PREPARER)
            run("cycle", "approve", cycle, "--date", f"{month}-05", user=APPROVER)



_BOOKS: dict[str, object] = {}  # built once per test run, whichever modules ask (see web_templates)
_COPIES = iter(range(1, 10**9))


def _book(backend: str, tmp_path_factory):
    """The web book of a backend, built the first time a test asks: an SQLite file, or a PostgreSQL template."""
    if backend not in _BOOKS:
        if backend == "sqlite":
            source = tmp_path_factory.mktemp("webbook") / "web.db"
            build(f"sqlite:///{source}")
            _BOOKS[backend] = source
        else:
            server = PgServer(PG_URL)
            atexit.register(server.drop_all)
            name = f"{RUN_ID}_webtmpl"
            build(server.create(name))
            _BOOKS[backend] = (server, name)
    return _BOOKS[backend]


@pytest.fixture(scope="session")
def web_templates(tmp_path_factory):
    """backend → a callable giving a fresh copy of the web book. Each test module that imports this fixture gets
    its own instance of it; the book itself is built once per run (_book)."""

    def fresh_sqlite() -> str:
        path = tmp_path_factory.mktemp("webdb") / f"web{next(_COPIES)}.db"
        shutil.copyfile(_book("sqlite", tmp_path_factory), path)
        return f"sqlite:///{path}"

    def fresh_postgresql() -> str:
        server, name = _book("postgresql", tmp_path_factory)
        return server.create(f"{RUN_ID}_web{next(_COPIES)}", template=name)

    made = {"sqlite": fresh_sqlite}
    if PG_URL:
        made["postgresql"] = fresh_postgresql
    return made


@pytest.fixture
def web_url(web_templates, backend):
    url = web_templates[backend]()
    yield url
    if backend == "postgresql":  # dropped at once: a run makes one database a test
        server, _ = _BOOKS["postgresql"]
        name = url.rsplit("/", 1)[1]
        with server.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.created.remove(name)


class Clock:
    """The application's clock, moved by the tests (idle timeouts, the sign-in delay)."""

    def __init__(self) -> None:
        self.now = datetime(2022, 4, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(web_url, clock):
    application = create_app(web_url, clock=clock)
    yield application
    application.state.database.dispose()


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


SIGN_FORM = re.compile(r'data-form="approve">.*?name="round" value="(-?\d+)">.*?name="step" value="(\d+)">', re.S)


def sign_fields(html: str) -> dict[str, str]:
    """The CSRF token, round and step a cycle page's sign-off form sends (the draft as the page showed it)."""
    found = SIGN_FORM.search(html)
    assert found, "no sign-off form on the page"
    return {"csrf": csrf_of(html), "round": found.group(1), "step": found.group(2)}


def sign_in(client: TestClient, user: str, password: str = PASSWORD):
    """Sign in through the form, as a browser does; returns the response to the post."""
    page = client.get("/signin")
    return client.post("/signin", data={"user": user, "password": password, "csrf": csrf_of(page.text),
                                        "next": "/"})


@pytest.fixture
def signed_in(app):
    """A function: user → a TestClient signed in as that user (each its own cookie jar)."""
    clients = []

    def make(user: str) -> TestClient:
        c = TestClient(app, base_url="http://testserver", follow_redirects=False)
        clients.append(c)
        response = sign_in(c, user)
        assert response.status_code == 303, response.text
        return c
    yield make
    for c in clients:
        c.close()


def run_cli(url: str, *args: str, user: str) -> str:
    """A command that must succeed on the test's copy of the book (as its user, with the test password)."""
    with password_env():
        result = CliRunner().invoke(cli, ["--db", url, "--user", user, *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout.strip()


def read_book(url: str, work):
    """What `work(session)` returns from a read of the book at `url` (the database closed after)."""
    database = dbmod.Database(url)
    try:
        with database.read() as session:
            return work(session)
    finally:
        database.dispose()
