"""The CLI conventions of cli.md: exit codes, error lines, --debug, help with an example everywhere."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from support import ADMIN, assert_refused

from aidledger import cli as cli_module
from aidledger.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


@pytest.mark.parametrize("path, command", list(all_commands(cli)),
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_is_documented_with_an_example(path, command):
    assert command.help and "Example:" in command.help, f"aidledger {' '.join(path)} has no example in its help"
    result = CliRunner().invoke(cli, list(path) + ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_a_usage_error_exits_2():
    result = CliRunner().invoke(cli, ["ledger", "trial-balance", "--jurisdiction", "230523", "--as-of", "2022-13-01"])
    assert result.exit_code == 2
    assert "is not a date written YYYY-MM-DD" in result.output


def test_a_database_without_the_schema_is_a_refusal(tmp_path):
    (tmp_path / "empty.db").touch()  # a database file that was never upgraded (a missing one: tests/cli/test_misuse.py)
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "ledger", "verify"])
    assert_refused(result, "is at schema revision none", "run 'aidledger db upgrade' first")


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "schema at revision" in result.stdout
    assert CliRunner().invoke(cli, ["--db", url, "ledger", "verify"]).exit_code == 0


def test_an_unreachable_database_is_a_refusal():
    result = CliRunner().invoke(cli, ["--db", "sqlite:////nonexistent-dir/x.db", "ledger", "verify"])
    assert_refused(result, "cannot open the database")


def test_a_defect_exits_1_with_a_short_message_and_the_traceback_only_with_debug(run, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("aidledger.commands.ledger.verify_books", broken)
    result = run("ledger", "verify")
    assert result.exit_code == 1
    assert "internal error (ZeroDivisionError: boom)" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run("--debug", "ledger", "verify")
    assert debug.exit_code == 1 and "Traceback" in debug.stderr


def test_db_and_user_come_from_the_environment(db_url, monkeypatch):
    monkeypatch.setenv("AIDLEDGER_DB", db_url)
    runner = CliRunner()
    assert runner.invoke(cli, ["user", "add", ADMIN, "--role", "admin"]).exit_code == 0
    monkeypatch.setenv("AIDLEDGER_USER", ADMIN)
    result = runner.invoke(cli, ["user", "add", "li.ming", "--role", "preparer"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["user", "list", "--json"])
    assert '"created_by": "admin"' in listed.stdout


def test_refusal_codes_are_fixed():
    assert (cli_module.EXIT_REFUSED, cli_module.EXIT_DEFECT) == (3, 1)
