"""`aidledger user`: users and roles."""

from __future__ import annotations

import sys

import click

from aidledger import users
from aidledger.auth import service as auth
from aidledger.errors import Refusal
from aidledger.render import emit_json, table

from . import pass_app


@click.group("user")
def group() -> None:
    """Users and their roles (admin, preparer, approver, auditor)."""


@group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(users.ROLES), required=True)
@click.option("--display-name", help="The name pages and signatures show (李明); default the user name.")
@click.option("--scope", help="A township, county, city or province code the user works on; default all.")
@click.option("--password-stdin", is_flag=True, help="Read the new user's password from standard input.")
@pass_app
def add(app, name: str, role: str, display_name: str | None, scope: str | None, password_stdin: bool) -> None:
    """Add a user. The first user of an empty database needs no --user and must be an admin. On a book that
    authenticates, the new user's password is prompted on a terminal or read with --password-stdin.

    \b
    Example:
      aidledger user add admin --role admin --display-name 张伟 --password-stdin < admin.pw
      AIDLEDGER_PASSWORD=… aidledger --user admin user add li.ming --role preparer --display-name 李明 --scope 230523100
    """
    acting = app.user
    password = _new_password(app, password_stdin, required=app.authenticates())
    with app.database().write() as session:
        user = users.add_user(session, name, role, acting=acting, now=app.now(), display_name=display_name,
                              scope=scope)
        if password is not None:
            auth.set_password(session, user.name, password, acting=acting or user.name, now=app.now())
        click.echo(f"user {user.name} added with role {user.role}")


@group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@pass_app
def password(app, name: str, password_stdin: bool) -> None:
    """Set a user's password: the user's own, or another's by an admin. The old password stops working.

    \b
    Example:
      AIDLEDGER_PASSWORD=old aidledger --user li.ming user password li.ming --password-stdin < new.pw
    """
    acting = app.user
    new = _new_password(app, password_stdin, required=True)
    assert new is not None
    with app.database().write() as session:
        auth.set_password(session, name, new, acting=acting, now=app.now())
    click.echo(f"password of {name} changed")


@group.command("token")
@click.argument("name")
@pass_app
def token(app, name: str) -> None:
    """Issue an API token for scripts (AIDLEDGER_TOKEN, or `Authorization: Bearer` in the API), printed once; it
    replaces the user's earlier token. The user themself or an admin issues it; only its hash is stored.

    \b
    Example:
      AIDLEDGER_PASSWORD=… aidledger --user li.ming user token li.ming
    """
    acting = app.user
    with app.database().write() as session:
        issued = auth.issue_token(session, name, acting=acting, now=app.now())
    click.echo(issued)
    click.echo(f"(the token of {name}, shown once: keep it where scripts read secrets)", err=True)


def _new_password(app, from_stdin: bool, *, required: bool) -> str | None:
    """A new password: a line of standard input (--password-stdin), or typed twice at a terminal."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise Refusal("--password-stdin read no password from standard input")
        return line
    if not required:
        return None
    if not sys.stdin.isatty():
        raise Refusal("a user of a book that authenticates needs a password: give it with --password-stdin, or "
                      "type it at a terminal")
    return click.prompt("new password", hide_input=True, confirmation_prompt=True, err=True)


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
        emit_json({"users": [{"name": u.name, "display_name": u.display_name, "role": u.role, "scope": u.scope,
                              "disabled": u.disabled, "created_by": u.created_by} for u in listed]})
    else:
        click.echo(table(["用户 user", "姓名 name", "角色 role", "范围 scope", "状态 state", "创建人 by", "日期 on"],
                         [(u.name, u.display_name, u.role, u.scope or "全部 all",
                           "已停用 disabled" if u.disabled else "启用 enabled", u.created_by or "",
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
