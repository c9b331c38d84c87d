"""`aidledger policy`: load policy files, show effective parameters."""

from __future__ import annotations

import json
import os

import click

from aidledger.budget.service.policies import load_policies
from aidledger.policy.store import effective_policy
from aidledger.render import emit_json, table

from . import DATE, pass_app, read_text


@click.group("policy")
def group() -> None:
    """Policy files: the parameters of each province, city and county."""


@group.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@pass_app
def load(app, files: tuple[str, ...]) -> None:
    """Validate every FILE, then store them all (admin); a file replaces its jurisdiction's earlier one.

    Every problem of every file is listed and nothing is stored if any file is refused.
    Earlier versions are kept; loading an identical file again changes nothing.

    \b
    Example:
      aidledger --user admin policy load 230000-heilongjiang.toml 230500-shuangyashan.toml 230523-baoqing.toml
    """
    texts = [(read_text(path), os.path.basename(path)) for path in files]
    with app.database().write() as session:
        outcomes = load_policies(session, texts, user=app.user, now=app.now())
    for outcome in outcomes:
        state = f"stored as version {outcome.version}" if outcome.changed else f"unchanged (version {outcome.version})"
        click.echo(f"{outcome.code} {outcome.name}: {state}")


@group.command("show")
@click.option("--jurisdiction", required=True)
@click.option("--on", "day", type=DATE, required=True, help="The day whose values are in force.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show(app, jurisdiction: str, day, as_json: bool) -> None:
    """Show a jurisdiction's effective parameters on a day, after inheritance, with the file that set each.

    \b
    Example:
      aidledger policy show --jurisdiction 230523 --on 2022-01-01 --json
    """
    with app.database().read() as session:
        policy = effective_policy(session, jurisdiction)
    if as_json:
        emit_json(policy.as_dict(day))
        return
    click.echo(f"{policy.jurisdiction.name} ({policy.code})  {day} 生效参数  来源: "
               + " → ".join(f"{d.code} {d.name}" for d in policy.chain))
    rows = []
    for parameter in policy.parameters(day):
        value = parameter.value if parameter.defined else "(未定义 undefined)"
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        rows.append((parameter.path, value, parameter.set_by or ""))
    click.echo(table(["参数 parameter", "值 value", "来源 set by"], rows))
