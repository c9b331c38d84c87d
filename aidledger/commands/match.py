"""`aidledger match`: cross-checks before payment (数据比对): load another department's list, list a cycle's
findings, resolve one."""

from __future__ import annotations

import click

from aidledger.codes import MatchKind, values
from aidledger.disbursement.matching import service as matching
from aidledger.labels import MATCH_KIND_NAMES
from aidledger.render import emit_json, table

from . import DATE, pass_app


@click.group("match")
def group() -> None:
    """Cross-checks before payment (数据比对): other departments' lists and what each cycle run finds."""


@group.command("load")
@click.option("--kind", required=True, type=click.Choice(values(MatchKind)),
              help="death (死亡/火化), payroll (财政供养), vehicle (车辆), business (工商登记) or other (其他).")
@click.option("--source", required=True, help="Who sent the list, e.g. 县殡仪馆火化名单.")
@click.option("--date", "listed_on", required=True, type=DATE, help="The list's own date.")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False),
              help="CSV: id_number, name, optional date and detail (or 身份证号, 姓名, 日期, 备注).")
@click.option("--dry-run", is_flag=True, help="Validate and report; store nothing.")
@pass_app
def load(app, kind: str, source: str, listed_on, path: str, dry_run: bool) -> None:
    """Store another department's list (preparer): all or nothing, every bad row reported.

    Lists are never changed: a later list of the same kind and source supersedes an earlier one (death lists
    add up). Loading the identical list again changes nothing.

    \b
    Example:
      aidledger --user li.ming match load --kind death --source 县殡仪馆火化名单 --date 2022-03-01 --file deaths.csv
    """
    with app.database().write() as session:
        outcome = matching.load_list(session, path, kind=kind, source=source, listed_on=listed_on, user=app.user,
                                     now=app.now(), today=app.today(), dry_run=dry_run)
        if dry_run:
            session.rollback()
    if outcome.unchanged:
        click.echo(f"this list was loaded before (list {outcome.list_id}): nothing changed")
    elif outcome.dry_run:
        click.echo(f"dry run: valid, would store a list of {outcome.rows} rows")
    else:
        click.echo(f"stored list {outcome.list_id}: {MATCH_KIND_NAMES[kind]} {source} {listed_on}, {outcome.rows} rows")


@group.command("lists")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def lists(app, as_json: bool) -> None:
    """The lists loaded, oldest first.

    \b
    Example:
      aidledger match lists --json
    """
    with app.database().read() as session:
        found = matching.stored_lists(session)
    if as_json:
        emit_json({"lists": [s.as_dict() for s in found]})
        return
    click.echo(table(["编号", "类别", "来源", "日期", "行数", "导入人", "文件"],
                     [(s.id, MATCH_KIND_NAMES.get(s.kind, s.kind), s.source, s.listed_on, s.rows, s.loaded_by,
                       s.file_name) for s in found], right=(0, 4)))


@group.command("findings")
@click.option("--cycle", "cycle_id", required=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def findings(app, cycle_id: int, as_json: bool) -> None:
    """What the cycle's runs found against the lists in force, and how each was resolved.

    Id numbers are masked (first 6 and last 4 kept); --json carries them in full for admins, preparers and
    approvers. A finding a later run no longer found is shown as lapsed (已失效) and blocks nothing.

    \b
    Example:
      aidledger match findings --cycle 3 --json
    """
    with app.database().read() as session:
        found = matching.findings_of(session, cycle_id, reader=app.user, as_json=as_json)
    if as_json:
        emit_json({"cycle": str(cycle_id), "findings": [f.as_dict() for f in found]})
        return
    click.echo(table(["编号", "户编号", "姓名", "身份证号", "类别", "名单", "名单日期", "记载日期", "详情", "状态",
                      "处理人", "处理说明", "待办"],
                     [(f.id, f.household_id, f.name, f.id_number, f.kind_name, f.source, f.listed_on,
                       f.row_on or "", f.detail or "", f.status_name, f.resolved_by_name or "",
                       f.resolution_reason or "", f.todo or "") for f in found], right=(0,)))
    blocking = sum(1 for f in found if f.blocks)
    click.echo(f"共 {len(found)} 条, 待核实 {blocking} 条")


@group.command("resolve")
@click.argument("finding_id", type=int)
@click.option("--confirm", "action", flag_value="confirmed", help="The finding is right: hold the line.")
@click.option("--dismiss", "action", flag_value="dismissed", help="The finding is wrong (say why).")
@click.option("--reason", required=True, help="What was checked, with whom.")
@click.option("--date", "on", type=DATE, help="The day of the decision (default: today).")
@pass_app
def resolve(app, finding_id: int, action: str | None, reason: str, on) -> None:
    """Resolve a finding of a draft (approver), once: --confirm holds the household's line, --dismiss clears it.

    \b
    Example:
      aidledger --user wang.fang match resolve 1 --confirm --reason "经殡仪馆核实已火化"
    """
    if action is None:
        raise click.UsageError("give --confirm or --dismiss")
    with app.database().write() as session:
        view = matching.resolve(session, finding_id, action, reason, user=app.user, now=app.now(), on=on)
    click.echo(f"finding {view.id}: {view.status_name}" + (f"; {view.todo}" if view.todo else ""))
