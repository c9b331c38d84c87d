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
@pass_app
def upgrade(app) -> None:
    """Create or migrate the schema to the current revision (alembic). Needs no user.

    \b
    Example:
      aidledger --db sqlite:///county.db db upgrade
    """
    database = app.database(check_schema=False)
    try:
        dbmod.upgrade(database)
    except OperationalError as exc:
        raise Refusal(f"cannot migrate the database {database.shown_url}: {exc.orig}") from None
    click.echo(f"schema at revision {dbmod.current_revision(database)}")
