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
        listed = users.list_users(session)
    if as_json:
        emit_json({"users": [{"name": u.name, "role": u.role, "disabled": u.disabled, "created_by": u.created_by}
                             for u in listed]})
    else:
        click.echo(table(["用户 user", "角色 role", "状态 state", "创建人 by", "日期 on"],
                         [(u.name, u.role, "已停用 disabled" if u.disabled else "启用 enabled", u.created_by or "",
                           u.created_at.date()) for u in listed]))


@group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(users.ROLES))
@pass_app
def role(app, name: str, role: str) -> None:
    """Give a user another role (admin); recorded with who changed it and when.

    \b
    Example:
      aidledger --user admin user role zhao.audit approver
    """
    user = _change(app, name, "role", role)
    click.echo(f"user {user.name} now has role {user.role}")


@group.command("disable")
@click.argument("name")
@pass_app
def disable(app, name: str) -> None:
    """Disable a user (admin): every later write by the user is refused; the history keeps the name.

    \b
    Example:
      aidledger --user admin user disable li.ming
    """
    click.echo(f"user {_change(app, name, 'disable').name} disabled")


@group.command("enable")
@click.argument("name")
@pass_app
def enable(app, name: str) -> None:
    """Enable a disabled user again (admin).

    \b
    Example:
      aidledger --user admin user enable li.ming
    """
    click.echo(f"user {_change(app, name, 'enable').name} enabled")


def _change(app, name: str, kind: str, value: str | None = None) -> users.Standing:
    with app.database().write() as session:
        return users.change_user(session, name, kind, value, acting=app.user, now=app.now())
