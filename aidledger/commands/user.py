"""`aidledger user`: users and roles."""

from __future__ import annotations

import click

from aidledger import users
from aidledger.render import emit_json, table

from . import pass_app


@click.group("user")
def group() -> None:
    """Users and their roles (admin, preparer, approver, auditor)."""


@group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(users.ROLES), required=True)
@pass_app
def add(app, name: str, role: str) -> None:
    """Add a user. The first user of an empty database needs no --user and must be an admin.

    \b
    Example:
      aidledger user add admin --role admin
      aidledger --user admin user add li.ming --role preparer
    """
    with app.database().write() as session:
        user = users.add_user(session, name, role, acting=app.user, now=app.now())
        click.echo(f"user {user.name} added with role {user.role}")


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_(app, as_json: bool) -> None:
    """List users and roles.

    \b
    Example:
      aidledger user list --json
    """
    with app.database().read() as session:
        rows = [(u.name, u.role, u.created_by or "", u.created_at.date()) for u in users.list_users(session)]
    if as_json:
        emit_json({"users": [{"name": n, "role": r, "created_by": c or None} for n, r, c, _ in rows]})
    else:
        click.echo(table(["用户 user", "角色 role", "创建人 by", "日期 on"], rows))
