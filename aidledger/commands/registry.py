"""`aidledger registry`: import households and members, record events, show a household."""

from __future__ import annotations

import click

from aidledger.disbursement.registry import service
from aidledger.labels import AREA_NAMES, EVENT_NAMES, PROGRAM_NAMES, STANDING_NAMES
from aidledger.render import emit_json, progress, table

from . import DATE, pass_app


@click.group("registry")
def group() -> None:
    """The beneficiary registry: households, members and their dated events."""


ENCODING = click.option("--encoding", help="The CSV files' encoding, when it is not to be found from the bytes: "
                                          "utf-8 or gbk (gb18030).")
ERRORS = click.option("--errors", "errors_to", type=click.Path(dir_okay=False),
                      help="Write every problem (file, sheet, line, column, value, reason) to this CSV file.")


@group.command("import")
@click.option("--households", "households_path", type=click.Path(dir_okay=False),
              help="households: a CSV file (UTF-8 or GBK) or an Excel workbook (.xlsx).")
@click.option("--members", "members_path", type=click.Path(dir_okay=False),
              help="members: a CSV file or a workbook (the same one as --households may be given).")
@click.option("--workbook", type=click.Path(dir_okay=False),
              help="One workbook holding both: its sheets 家庭 (households) and 成员 (members), or its first two.")
@click.option("--households-sheet", help="The households' sheet of a workbook (default: see docs/registry.md).")
@click.option("--members-sheet", help="The members' sheet of a workbook.")
@ENCODING
@ERRORS
@click.option("--dry-run", is_flag=True, help="Validate and report; store nothing.")
@pass_app
def import_(app, households_path, members_path, workbook, households_sheet, members_sheet, encoding, errors_to,
            dry_run: bool) -> None:
    """Import the households and members (preparer): all or nothing, every bad row reported.

    The files come as CSV (UTF-8, with or without BOM, or GBK as Excel saves it on a Chinese Windows) or as
    Excel workbooks; Chinese headers and values (户编号, 低保, 城镇 …) are read as docs/registry.md lists them.

    \b
    Example:
      aidledger --user li.ming registry import --households households.csv --members members.csv
      aidledger --user li.ming registry import --workbook 宝清县低保名册.xlsx --errors problems.csv
    """
    if workbook is not None:
        if households_path or members_path:
            raise click.UsageError("give --workbook, or --households and --members, not both")
        households_path = members_path = workbook
    if not households_path or not members_path:
        raise click.UsageError("give --households and --members (or --workbook)")
    with app.database().write() as session:
        with progress(service.estimate_rows(households_path, members_path), "importing") as step:
            outcome = service.import_registry(
                session, households_path, members_path, user=app.user, now=app.now(), today=app.today(),
                dry_run=dry_run, progress=step, households_sheet=households_sheet, members_sheet=members_sheet,
                encoding=encoding, errors_to=errors_to,
            )
        if dry_run:
            session.rollback()
    _report(outcome)


@group.command("events")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--sheet", help="The sheet of a workbook (default: the first visible one).")
@ENCODING
@ERRORS
@click.option("--dry-run", is_flag=True, help="Validate and report; store nothing.")
@pass_app
def events(app, path: str, sheet, encoding, errors_to, dry_run: bool) -> None:
    """Record dated events from an events file (preparer): all or nothing, every bad row reported.

    CSV (UTF-8 or GBK) or an Excel workbook, with the columns or their Chinese names (docs/registry.md).

    \b
    Example:
      aidledger --user li.ming registry events events.csv
      aidledger --user li.ming registry events 三月变动.csv --errors problems.csv
    """
    with app.database().write() as session:
        outcome = service.import_events(session, path, user=app.user, now=app.now(), today=app.today(),
                                        dry_run=dry_run, sheet=sheet, encoding=encoding, errors_to=errors_to)
        if dry_run:
            session.rollback()
    _report(outcome)


def _report(outcome) -> None:
    for read in outcome.read:
        click.echo(f"read {read}", err=True)
    click.echo(_describe(outcome))


def _describe(outcome) -> str:
    if outcome.unchanged:
        return "these files were imported before: nothing changed"
    counts = ", ".join(f"{n} {what}" for n, what in ((outcome.households, "households"),
                                                     (outcome.members, "members"), (outcome.events, "events")) if n)
    ids = f" (event ids {outcome.event_ids[0]}–{outcome.event_ids[1]})" if outcome.event_ids else ""
    return f"{'dry run: valid, would store' if outcome.dry_run else 'stored'} {counts or 'nothing'}{ids}"


@group.command("list")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--township", help="Only this township (9-digit code).")
@click.option("--program", type=click.Choice(["dibao", "tekun", "low_income"]))
@click.option("--status", type=click.Choice(list(service.LIST_STATUSES)))
@click.option("--search", help="A household id or a name containing this text, or a member's full id number.")
@click.option("--on", "day", type=DATE, help="The day the registry is read as of (default: today).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_(app, jurisdiction: str, township, program, status, search, day, as_json: bool) -> None:
    """The county's households as they stood on a day: programme, standing, head, payee.

    \b
    Example:
      aidledger registry list --jurisdiction 230523 --program dibao --status active --on 2022-01-01
    """
    day = day or app.today()
    with app.database().read() as session:
        found = service.household_list(session, jurisdiction, day, reader=app.user, as_json=as_json,
                                       township=township, program=program, status=status, search=search)
    if as_json:
        emit_json(found.as_dict())
        return
    click.echo(table(["户编号", "乡镇", "城乡", "项目", "状态", "户主", "身份证号", "人数", "收款人", "账号"],
                     [(h.household_id, h.township, AREA_NAMES[h.area], PROGRAM_NAMES[h.program],
                       STANDING_NAMES[h.status], h.head_name,
                       h.head_id_number, h.members, h.payee_name, h.bank_account) for h in found.households],
                     right=(7,)))
    click.echo(f"共 {len(found.households)} 户 (截至 {found.on})")


@group.command("history")
@click.argument("household_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def history(app, household_id: str, as_json: bool) -> None:
    """Every event recorded for a household, with its id, date and who recorded it from which file.

    \b
    Example:
      aidledger registry history H002 --json
    """
    with app.database().read() as session:
        h = service.household_history(session, household_id, reader=app.user, as_json=as_json)
    if as_json:
        emit_json(h.as_dict())
        return
    click.echo(f"户 {household_id}  导入 {h.loaded_from}  {h.loaded_by} {h.loaded_at:%Y-%m-%d %H:%M}")
    click.echo(table(["编号", "日期", "类型", "值", "身份证号", "录入人", "录入时间", "来源", "作废"],
                     [(e.id, e.date, EVENT_NAMES.get(e.kind, e.kind), e.value or "", e.id_number or "", e.recorded_by,
                       f"{e.recorded_at:%Y-%m-%d %H:%M}", e.source, "是" if e.voided else "")
                      for e in h.events], right=(0,)))


@group.command("show")
@click.argument("household_id")
@click.option("--on", "day", type=DATE, help="The day the registry is read as of (default: today).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show(app, household_id: str, day, as_json: bool) -> None:
    """Show a household and its members as they stood on a day.

    Id numbers and bank accounts are masked (first 6 and last 4 kept); --json carries them in
    full for admins, preparers and approvers, masked for auditors and anonymous readers.

    \b
    Example:
      aidledger registry show H001 --on 2022-03-01
    """
    day = day or app.today()
    with app.database().read() as session:
        h = service.household_view(session, household_id, day, reader=app.user, as_json=as_json)
    if as_json:
        emit_json(h.as_dict())
        return
    click.echo(f"户 {h.household_id}  {h.county} {h.township} {h.township_name}  {AREA_NAMES.get(h.area, h.area)}  "
               f"{PROGRAM_NAMES.get(h.program, h.program)}  截至 {h.as_of}")
    income = "-" if h.monthly_income is None else h.monthly_income
    click.echo(f"批准日期 {h.approved_on}  月收入 {income}  收款人 {h.payee_name}  "
               f"账号 {h.bank_account}" + (f"  已终止 {h.terminated_on}" if h.terminated_on else ""))
    click.echo(table(
        ["身份证号", "姓名", "关系", "出生", "残疾", "标识", "护理", "单人户", "死亡"],
        [(m.id_number, m.name, m.relation, m.birth_date,
          f"{m.disability_grade}级{m.disability_kind}" if m.disability_grade else "",
          ";".join(m.flags), m.care_level or "", "是" if m.single_person else "", m.death_date or "")
         for m in h.members]))
    if h.events:
        click.echo("事件 events:")
        click.echo(table(["日期", "类型", "值", "身份证号"],
                         [(e.date, EVENT_NAMES.get(e.kind, e.kind), e.value or "", e.id_number or "")
                          for e in h.events]))


@group.command("account")
@click.argument("household_id")
@click.option("--account", required=True, help="The corrected receiving account (10–30 digits).")
@click.option("--date", "day", type=DATE, required=True, help="The day it applies from.")
@pass_app
def account(app, household_id: str, account: str, day) -> None:
    """Record a corrected bank account for a household from a day on (preparer).

    Bank returns (退票) of earlier cycles are paid again to the new account by the next cycle.

    \b
    Example:
      aidledger --user li.ming registry account H002 --account 6217000010000009999 --date 2022-01-15
    """
    with app.database().write() as session:
        service.correct_bank_account(session, household_id, account, day, user=app.user, now=app.now())
    click.echo(f"household {household_id}: account corrected from {day}")


@group.command("review")
@click.argument("household_id")
@click.option("--date", "day", type=DATE, required=True, help="The day the review (核查) was completed.")
@pass_app
def review(app, household_id: str, day) -> None:
    """Record a completed review (核查) of a household (preparer).

    \b
    Example:
      aidledger --user li.ming registry review H001 --date 2022-06-20
    """
    with app.database().write() as session:
        due = service.record_review(session, household_id, day, user=app.user, now=app.now())
    click.echo(f"review of {household_id} recorded on {day}; next review due {due}")


@group.command("reviews-due")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--as-of", "as_of", type=DATE, required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def reviews_due(app, jurisdiction: str, as_of, as_json: bool) -> None:
    """List the households whose review (核查) is due on or before a day.

    特困 and stable-income 低保 households are reviewed yearly, variable-income ones
    half-yearly (the policy's `review` months), counted from approval or the last review.

    \b
    Example:
      aidledger registry reviews-due --jurisdiction 230523 --as-of 2022-06-30
    """
    with app.database().read() as session:
        due = service.reviews_due(session, jurisdiction, as_of)
    if as_json:
        emit_json({"jurisdiction": jurisdiction, "as_of": as_of, "households": [
            {"household_id": d.household_id, "program": d.program, "income_type": d.income_type,
             "last_review": d.last_review, "due": d.due} for d in due]})
        return
    click.echo(table(["户编号", "项目", "收入类型", "上次核查", "应核查日期"],
                     [(d.household_id, d.program, d.income_type or "", d.last_review or "", d.due) for d in due]))
