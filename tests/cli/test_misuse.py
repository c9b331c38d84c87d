"""Ordinary misuse ends in a refusal or quietly, never in a crash (issue 14: "No crash on ordinary misuse")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from support import assert_refused

from aidledger.cli import cli
from aidledger.commands.app import _supported


@pytest.mark.parametrize("url, said", [
    ("mysql://x", "names mysql, which aidledger does not run on"),
    ("postgresql+psycopg2://postgres@127.0.0.1/test", "names postgresql+psycopg2"),
    ("oracle://scott@db/orcl", "names oracle"),
    ("not a url", "is not a database URL"),
])
def test_an_unsupported_database_url_is_refused_naming_the_supported_ones(url, said):
    result = CliRunner().invoke(cli, ["--db", url, "ledger", "verify"])
    assert_refused(result, said, "sqlite:///FILE", "postgresql+psycopg://")


def test_a_read_of_a_mistyped_sqlite_path_is_refused_and_creates_no_file(tmp_path):
    missing = tmp_path / "no-such.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{missing}", "ledger", "trial-balance",
                                      "--jurisdiction", "230523", "--as-of", "2022-01-31"])
    assert_refused(result, f"there is no database at {missing}")
    assert not missing.exists()


def test_db_upgrade_still_creates_a_new_database(tmp_path):
    path = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert path.exists()


@pytest.mark.parametrize("command", [["ledger", "verify"], ["db", "upgrade"]])
def test_an_unreachable_database_s_password_is_never_printed(command):
    """Issue 15: the URL is named with its password hidden (nothing listens on port 1)."""
    result = CliRunner().invoke(cli, ["--db", "postgresql://clerk:s3cret-pw@127.0.0.1:1/county", *command])
    assert_refused(result, "cannot", "postgresql+psycopg://clerk:***@127.0.0.1:1/county")
    assert "s3cret-pw" not in result.output + result.stderr


def test_postgresql_without_a_driver_means_psycopg():
    url = _supported("postgresql://postgres@127.0.0.1:5432/test")
    assert url.drivername == "postgresql+psycopg" and url.database == "test"
    assert _supported("sqlite:///x.db").drivername == "sqlite"


def test_output_to_a_closed_pipe_ends_quietly(books, tmp_path):
    """`aidledger … | head`: the reader goes away before the output is written; no traceback, no defect."""
    env = dict(os.environ)
    child = subprocess.Popen([sys.executable, "-c", "import sys; from aidledger.cli import main; sys.exit(main())",
                              "--db", books.url, "ledger", "accounts", "--jurisdiction", "230523"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    child.stdout.close()  # the reader is gone before the child writes a line
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert b"Traceback" not in err and b"internal error" not in err
