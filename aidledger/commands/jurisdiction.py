"""`aidledger jurisdiction`: the places that keep books."""

from __future__ import annotations

import click

from aidledger.ledger.service import views as service
from aidledger.ledger.service.accounts import LEVELS

from . import pass_app


@click.group("jurisdiction")
def group() -> None:
    """Provinces, cities and counties, each with its chart of accounts."""


@group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Name, e.g. 宝清县.")
@click.option("--level", type=click.Choice(LEVELS), required=True)
@click.option("--parent", help="Code of the parent jurisdiction (not for a province).")
@pass_app
def add(app, code: str, name: str, level: str, parent: str | None) -> None:
    """Add a jurisdiction and open its standard chart of accounts (admin).

    \b
    Example:
      aidledger --user admin jurisdiction add 230523 --name 宝清县 --level county --parent 230500
    """
    with app.database().write() as session:
        j = service.add_jurisdiction(session, code, name, level, parent, user=app.user, now=app.now())
        click.echo(f"jurisdiction {j.code} {j.name} ({j.level}) added with its chart of accounts")
