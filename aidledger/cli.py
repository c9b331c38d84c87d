"""The `aidledger` command: global options, and the one place that maps errors to exit codes.

Exit status: 0 done; 2 usage error (click's own); 3 refused, with `error:` lines on
stderr naming the rule and the figures; 1 a defect (a short message; the traceback
only with --debug). The command groups live in `aidledger/commands/`.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from . import db as dbmod
from .commands import (
    budget,
    cycle,
    db,
    demo,
    explain,
    jurisdiction,
    ledger,
    match,
    opening,
    policy,
    recovery,
    registry,
    report,
    reserve,
    serve,
    subsidy,
    temporary,
    user,
)
from .commands.app import AppContext
from .errors import Refusal
from .problems import Problem

EXIT_REFUSED = 3
EXIT_DEFECT = 1


def as_line(problem: Problem) -> str:
    """A problem as the command line says it: the service's words, then the option that gives its input."""
    if problem.field is None:
        return str(problem)
    return f"{problem} (--{problem.field.replace('_', '-')})"


class AidledgerGroup(click.Group):
    """Maps refusals to exit 3 and defects to exit 1 for every subcommand."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Refusal as refusal:
            for problem in refusal.problems:
                click.echo(f"error: {as_line(problem)}", err=True)
            ctx.exit(EXIT_REFUSED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # Whoever read the output went away (`aidledger … | head`): stop quietly, as a Unix tool does. Further
            # writes (click's own flush at exit) go nowhere instead of failing again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:  # a defect: say so plainly
            obj = ctx.obj
            if isinstance(obj, AppContext) and obj.debug:
                traceback.print_exc()
            click.echo(f"aidledger: internal error ({type(exc).__name__}: {exc})", err=True)
            if not (isinstance(obj, AppContext) and obj.debug):
                click.echo("run again with --debug for the traceback", err=True)
            ctx.exit(EXIT_DEFECT)


@click.group(cls=AidledgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "url", envvar="AIDLEDGER_DB", default=dbmod.DEFAULT_URL, show_default=True,
              help="Database URL (sqlite:///FILE or postgresql+psycopg://…); env AIDLEDGER_DB.")
@click.option("--user", envvar="AIDLEDGER_USER", help="Acting user; env AIDLEDGER_USER. Every write records it.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.version_option(package_name="aidledger")
@click.pass_context
def cli(ctx: click.Context, url: str, user: str | None, debug: bool) -> None:
    """aidledger: the fund ledger and payment engine of social assistance.

    \b
    Example:
      aidledger --db sqlite:///county.db db upgrade
      aidledger user add admin --role admin
    """
    app = AppContext(url, user, debug)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    for group in (db.group, user.group, jurisdiction.group, policy.group, registry.group, opening.group, budget.group,
                  reserve.group, cycle.group, temporary.group, subsidy.group, recovery.group, match.group,
                  ledger.group, report.group):
        cli.add_command(group)
    cli.add_command(explain.command)
    cli.add_command(demo.command)
    cli.add_command(serve.command)


_register()


def main() -> None:
    cli(prog_name="aidledger")

