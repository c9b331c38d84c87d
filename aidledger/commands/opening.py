"""`aidledger opening`: a county's first month (启用月) and what its old books hand over."""

from __future__ import annotations

import click

from aidledger.disbursement.opening import service
from aidledger.labels import FUND_NAMES, HANDED_OVER_NAMES, RECOVERY_REASONS
from aidledger.render import emit_json, table

from . import MONTH, pass_app

_FILE = click.Path(dir_okay=False)


@click.group("opening")
def group() -> None:
    """The county's first month (启用月): opening balances, reserves, receivables and 渐退 standings."""


@group.command("load")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--month", required=True, type=MONTH, help="The first month aidledger pays for the county.")
@click.option("--funds", type=_FILE, help="CSV fund,amount: the funds' opening balances (期初余额).")
@click.option("--reserves", type=_FILE, help="CSV township,amount: township reserves carried over.")
@click.option("--receivables", type=_FILE, help="CSV household_id,month,amount,reason: 追回 still open.")
@click.option("--states", type=_FILE, help="CSV household_id,status,exit_started,exit_base: 渐退 or ended.")
@click.option("--encoding", help="The CSV files' encoding, when it is not to be found from the bytes: utf-8 or gbk.")
@click.option("--errors", "errors_to", type=_FILE,
              help="Write every problem (file, sheet, line, column, value, reason) to this CSV file.")
@pass_app
def load(app, jurisdiction, month, funds, reserves, receivables, states, encoding, errors_to) -> None:
    """Record the county's first month and load what the old books hand over (preparer).

    All or nothing, once: every bad row is reported with file, line and column and nothing is
    stored; a correction is 'opening reverse' and a new load. Prints the opening's id. Each file may be
    CSV (UTF-8 or GBK) or an Excel workbook (its first visible sheet), with Chinese headers (docs/registry.md).

    \b
    Example:
      aidledger --user li.ming opening load --jurisdiction 230523 --month 2022-01 \\
          --funds funds.csv --reserves reserves.csv --receivables receivables.csv --states states.csv
    """
    paths = {"funds": funds, "reserves": reserves, "receivables": receivables, "states": states}
    with app.database().write() as session:
        outcome = service.load_opening(session, jurisdiction, month, paths, user=app.user, now=app.now(),
                                       encoding=encoding, errors_to=errors_to)
    click.echo(outcome.opening_id)
    click.echo(f"启用月 {outcome.month}: 期初余额 {outcome.funds:.2f}, 备用金 {outcome.reserves:.2f}, "
               f"应收追回 {outcome.receivables:.2f}, 移交状态 {outcome.states} 户", err=True)


@group.command("reverse")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--reason", required=True)
@pass_app
def reverse(app, jurisdiction, reason) -> None:
    """Reverse the county's opening load (preparer), before any cycle is run on it; prints the reversing entries.

    \b
    Example:
      aidledger --user li.ming opening reverse --jurisdiction 230523 --reason "期初余额录错"
    """
    with app.database().write() as session:
        _, seqs = service.reverse_opening(session, jurisdiction, reason, user=app.user, now=app.now())
    for seq in seqs:
        click.echo(seq)


@group.command("show")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show(app, jurisdiction, as_json) -> None:
    """The county's first month, where it comes from, and what was handed over.

    \b
    Example:
      aidledger opening show --jurisdiction 230523 --json
    """
    with app.database().read() as session:
        view = service.opening_view(session, jurisdiction)
    if as_json:
        emit_json(view.as_dict())
        return
    first = view.first_month or "无 (低保标准自始有效)"
    where = "期初导入" if view.source == "opening" else "低保标准起始月"
    click.echo(f"{jurisdiction} 启用月 {first} ({where})")
    if view.opening is not None:
        o = view.opening
        click.echo(f"期初导入 {o.id}: {o.loaded_by} {o.loaded_at}")
    if view.funds:
        click.echo(table(["资金", "期初余额"], [(FUND_NAMES[f.fund], f"{f.amount:.2f}") for f in view.funds],
                         right=(1,)))
    if view.reserves:
        click.echo(table(["乡镇", "名称", "期初备用金"], [(r.township, r.name, f"{r.amount:.2f}")
                                                 for r in view.reserves], right=(2,)))
    if view.receivables:
        click.echo(table(["编号", "户编号", "月份", "应收", "原因"],
                         [(r.id, r.household_id, r.month, f"{r.amount:.2f}",
                           RECOVERY_REASONS.get(r.reason, r.reason)) for r in view.receivables], right=(3,)))
    if view.states:
        click.echo(table(["户编号", "状态", "渐退起始月", "渐退基数"],
                         [(s.household_id, HANDED_OVER_NAMES[s.status], s.exit_started or "",
                           f"{s.exit_base:.2f}" if s.exit_base is not None else "") for s in view.states],
                         right=(3,)))
    for r in view.reversed:
        click.echo(f"已冲销的期初导入 {r.opening}: {r.reason} ({r.reversed_by} {r.reversed_at})")
