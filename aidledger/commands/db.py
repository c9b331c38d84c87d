"""`aidledger db`: the schema."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from aidledger import db as dbmod
from aidledger.errors import Refusal

from . import pass_app


@click.group("db")
def group() -> None:
    """The database schema."""


@group.command("upgrade")
@click.option("--no-auth", is_flag=True, help="Make a new database a local single-user book, without sign-in.")
@pass_app
def upgrade(app, no_auth: bool) -> None:
    """Create or migrate the schema to the current revision (alembic). Needs no user.

    A new database authenticates its users (passwords, tokens) unless --no-auth makes it a local single-user book,
    where --user NAME alone is accepted and the web application is not served. A book upgraded from before
    authentication existed keeps working without it (its users have no passwords yet).

    \b
    Example:
      aidledger --db sqlite:///county.db db upgrade
      aidledger --db sqlite:///scratch.db db upgrade --no-auth
    """
    database = app.database(check_schema=False)
    try:
        before = dbmod.current_revision(database)
        if before is None:
            wanted: bool | None = not no_auth
        elif before < "0013":
            wanted = False
        else:
            wanted = False if no_auth else None
        on = dbmod.upgrade(database, authentication=wanted)
    except OperationalError as exc:
        raise Refusal(f"cannot migrate the database {database.shown_url}: {exc.orig}") from None
    click.echo(f"schema at revision {dbmod.current_revision(database)}")
    if on is not None:
        click.echo("authentication: on (every user signs in; add the first admin with a password)" if on
                   else "authentication: off (a local single-user book: --user NAME alone is accepted)")
