"""`aidledger cycle`: the monthly payment cycle of a county."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from aidledger.disbursement.cycles.service import actions, signing
from aidledger.disbursement.cycles.service.run import run_cycle
from aidledger.disbursement.cycles.service.show import cycle_view
from aidledger.disbursement.registry.service import count_households
from aidledger.errors import Refusal
from aidledger.files import not_overwriting, read_bytes, staged
from aidledger.labels import COMPONENT_NAMES, LEFT_REASON_NAMES
from aidledger.render import emit_json, progress, table

from . import DATE, MONTH, pass_app

ADJUSTMENT_NAMES = {"arrears": "补发", "recovery": "应收追回", "note": "说明"}


@click.group("cycle")
def group() -> None:
    """Monthly payment cycles: run, show, approve, export to the bank, book returns, cancel."""


@group.command("run")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--month", required=True, type=MONTH)
@click.option("--date", "on", type=DATE, help="The day the run is booked (default: today).")
@pass_app
def run(app, jurisdiction, month, on) -> None:
    """Compute every household paid in the month and store the draft cycle (preparer); prints the cycle id.

    Running again while the cycle is a draft recomputes it in place of the old draft.

    \b
    Example:
      aidledger --user li.ming cycle run --jurisdiction 230523 --month 2022-01
    """
    with app.database().write() as session:
        with progress(count_households(session, jurisdiction), f"cycle {month}") as step:
            outcome = run_cycle(session, jurisdiction, month, user=app.user, now=app.now(), progress=step, on=on)
    click.echo(outcome.cycle_id)


@group.command("show")
@click.argument("cycle_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show(app, cycle_id, as_json) -> None:
    """Show a cycle: status, control totals per program and township, and every line.

    \b
    Example:
      aidledger cycle show 1 --json
    """
    with app.database().read() as session:
        view = cycle_view(session, cycle_id, reader=app.user, as_json=as_json)
    if as_json:
        emit_json(view.as_dict())
        return
    click.echo(f"发放批次 {view.cycle_id}  {view.jurisdiction}  {view.month}  状态 {view.status}  "
               f"{view.count}户  合计 {view.total:.2f}")
    click.echo(table(["项目 program", "户数", "金额"],
                     [(t.key, t.count, f"{t.total:.2f}") for t in view.by_program], right=(1, 2)))
    click.echo(table(["乡镇 township", "户数", "金额"],
                     [(t.key, t.count, f"{t.total:.2f}") for t in view.by_township], right=(1, 2)))
    click.echo(table(["户编号", "项目", "户主", "人数", "金额", "收款人", "账号", "构成"],
                     [(ln.household_id, ln.program, ln.head_name, ln.members, f"{ln.amount:.2f}",
                       ln.payee_name, ln.bank_account,
                       " + ".join(f"{COMPONENT_NAMES.get(c.kind, c.kind)} {c.amount:.2f}" for c in ln.components))
                      for ln in view.lines], right=(3, 4)))
    if view.adjustments:
        click.echo("已发月份重算 (补发 / 追回 / 说明):")
        click.echo(table(["户编号", "月份", "类别", "金额", "已发", "现应发", "说明"],
                         [(a.household_id, a.month, ADJUSTMENT_NAMES.get(a.kind, a.kind),
                           f"{a.amount:.2f}", f"{a.paid_before:.2f}", f"{a.entitled:.2f}", a.reason)
                          for a in view.adjustments], right=(3, 4, 5)))
    if view.held:
        click.echo(f"暂缓发放 {len(view.held)}户  合计 {view.held_total:.2f} (不计入本批次):")
        click.echo(table(["户编号", "收款人", "金额", "原因"],
                         [(h.household_id, h.payee_name, f"{h.amount:.2f}", h.reason) for h in view.held],
                         right=(2,)))
    if view.findings:
        click.echo(f"数据比对 {len(view.findings)}条  待核实 {view.open_findings}条 (aidledger match findings --cycle "
                   f"{view.cycle_id}):")
        click.echo(table(["编号", "户编号", "姓名", "身份证号", "类别", "名单", "名单日期", "状态", "处理人",
                          "处理说明", "待办"],
                         [(f.id, f.household_id, f.name, f.id_number, f.kind_name, f.source, f.listed_on,
                           f.status_name, f.resolved_by_name or "", f.resolution_reason or "", f.todo or "")
                          for f in view.findings], right=(0,)))


@group.command("diff")
@click.argument("cycle_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def diff(app, cycle_id, as_json) -> None:
    """What changed since the county's previous cycle: households new and left (and why), amounts changed with the
    parts that changed, held households, and last month's total reconciled to this month's.

    \b
    Example:
      aidledger cycle diff 2 --json
    """
    from aidledger.disbursement.cycles.service.diff import cycle_diff

    with app.database().read() as session:
        found = cycle_diff(session, cycle_id, reader=app.user)
    if as_json:
        emit_json(found.as_dict())
        return
    d, r = found.differences, found.differences.reconciliation
    since = f"与第 {found.previous_id} 号批次（{found.previous_month}）相比" if found.previous_id else "本县首个批次"
    click.echo(f"发放批次 {found.cycle_id}  {found.jurisdiction}  {found.month}  {since}")
    click.echo(f"上月合计 {r.previous_total:.2f} + 新增 {r.new:.2f} - 减少 {r.left:.2f} + 变化 {r.changed:.2f} "
               f"= 本月合计 {r.total:.2f}  ({'相符' if r.holds else '不符'})")
    click.echo(f"新增 {len(d.arrived)}户, 减少 {len(d.left)}户, 金额变化 {len(d.changed)}户, 未变 {d.unchanged}户")
    if d.arrived:
        click.echo(table(["新增户", "项目", "乡镇", "金额"],
                         [(a.household_id, a.program, a.township, f"{a.amount:.2f}") for a in d.arrived],
                         right=(3,)))
    if d.left:
        click.echo(table(["减少户", "项目", "乡镇", "上月金额", "原因"],
                         [(x.household_id, x.program, x.township, f"{x.amount:.2f}",
                           LEFT_REASON_NAMES.get(x.reason, x.reason)) for x in d.left], right=(3,)))
    if d.changed:
        click.echo(table(["变化户", "上月", "本月", "差额", "人数", "变化的部分"],
                         [(c.household_id, f"{c.before:.2f}", f"{c.after:.2f}", f"{c.change:+.2f}",
                           f"{c.members_before}→{c.members_after}",
                           "; ".join(f"{COMPONENT_NAMES.get(p.kind, p.kind)}{'·' + p.name if p.name else ''} "
                                     f"{p.before:.2f}→{p.after:.2f}" for p in c.parts))
                          for c in d.changed], right=(1, 2, 3)))
    if found.held:
        click.echo(table(["暂缓户", "金额", "原因"],
                         [(h.household_id, f"{h.amount:.2f}", h.reason) for h in found.held], right=(1,)))


@group.command("approve")
@click.argument("cycle_id", type=int)
@click.option("--date", "on", type=DATE, help="Posting date (default: today).")
@pass_app
def approve(app, cycle_id, on) -> None:
    """Sign off a draft cycle (an approver who neither ran it nor signed before); the last sign-off approves and
    posts it and prints the entry id.

    Refused when the funds cannot cover it, naming each fund's shortfall.

    \b
    Example:
      aidledger --user wang.fang cycle approve 1 --date 2022-01-05
    """
    with app.database().write() as session:
        signed = signing.sign(session, cycle_id, on or app.today(), user=app.user, now=app.now())
    if signed.entry_seq is not None:
        click.echo(signed.entry_seq)
    else:
        click.echo(f"cycle {cycle_id}: sign-off {signed.step} of {signed.of_steps} ({signed.name}) recorded; "
                   f"{signed.of_steps - signed.step} more to approve it")


@group.command("send-back")
@click.argument("cycle_id", type=int)
@click.option("--reason", required=True, help="What the preparer is to check or correct.")
@click.option("--date", "on", type=DATE, help="Date of the decision (default: today).")
@pass_app
def send_back(app, cycle_id, reason, on) -> None:
    """Send a draft back to its preparer instead of signing it (approver); its sign-offs so far no longer count.

    \b
    Example:
      aidledger --user wang.fang cycle send-back 1 --reason "H003 收入未按新证明核减"
    """
    with app.database().write() as session:
        signing.send_back(session, cycle_id, reason, on or app.today(), user=app.user, now=app.now())
    click.echo(f"cycle {cycle_id} sent back to its preparer")


@group.command("cancel")
@click.argument("cycle_id", type=int)
@click.option("--reason", required=True)
@click.option("--date", "on", type=DATE, help="Date of the reversing entry (default: today).")
@pass_app
def cancel(app, cycle_id, reason, on) -> None:
    """Cancel a cycle before export (approver); an approved cycle's posting is reversed.

    \b
    Example:
      aidledger --user wang.fang cycle cancel 1 --reason "收入核算有误, 重新计算"
    """
    with app.database().write() as session:
        reversal = actions.cancel(session, cycle_id, reason, on or app.today(), user=app.user, now=app.now())
    click.echo(f"cycle {cycle_id} cancelled" + (f"; entry {reversal} reverses its posting" if reversal else ""))


@group.command("export-bank")
@click.argument("cycle_id", type=int)
@click.option("--out", required=True, type=click.Path(),
              help="The CSV file; a folder when the policy names its banks ([[bank]]): one file per bank there.")
@click.option("--force", is_flag=True, help="Replace files that exist with other contents.")
@click.option("--date", "on", type=DATE, help="Posting date (default: today).")
@pass_app
def export_bank(app, cycle_id, out, force, on) -> None:
    """Write the bank files and post the transfer: the paying bank's CSV (序号, 户编号, 收款人, 账号, 金额, 用途 + a
    control row), or, when the policy names its banks, one file per bank in its layout and the payment order PDF
    (支付令) in the folder --out. An existing file is never replaced by other contents unless --force.

    An exported cycle's files are written again on request: the same bytes, recorded as a reprint, nothing posted
    (after a crash between the commit and the files, or a lost file).

    \b
    Example:
      aidledger --user li.ming cycle export-bank 1 --out 2022-01-bank.csv
      aidledger --user li.ming cycle export-bank 3 --out bank/2022-03/
    """
    with ExitStack() as stack:
        with app.database().write() as session:
            bank_file = actions.export_bank(session, cycle_id, on or app.today(), user=app.user, now=app.now())
            targets = _targets(Path(out), bank_file)
            for target, data in targets:
                not_overwriting(target, data, force)
            staged_files = [stack.enter_context(staged(target)) for target, _ in targets]
            for file, (_, data) in zip(staged_files, targets):
                file.write(data)
        for file in staged_files:
            file.publish()  # only once the export is committed: a file on disk always has its record
    what = "reprinted (the same bytes as exported)" if bank_file.reprint else "written"
    if bank_file.order is None:
        click.echo(f"{bank_file.count} payments, total {bank_file.total:.2f}, {what} to {out}")
        return
    for part in bank_file.files:
        click.echo(f"{part.bank.code} {part.bank.name}: {part.count} payments, total {part.total:.2f}: {part.name}")
    click.echo(f"{bank_file.count} payments, total {bank_file.total:.2f} (payment order {targets[-1][0].name}), "
               f"{what} to {out}")


def _targets(out: Path, bank_file: actions.BankFile) -> list[tuple[Path, bytes]]:
    """Where each file goes: --out itself (one CSV), or the folder --out, one file per bank and the order."""
    if bank_file.order is None:
        if out.is_dir():
            raise Refusal(f"{out}: is a folder; the policy names no banks, so --out names the CSV file")
        return [(out, bank_file.data)]
    from aidledger.reports.pdf.payment_order import files_with_order  # ReportLab only when an order is drawn

    if out.exists() and not out.is_dir():
        raise Refusal(f"{out}: is a file; the policy names its banks, so --out names a folder for their files")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Refusal(f"{out}: cannot be made: {exc.strerror or exc}") from None
    return [(out / name, data) for name, data in files_with_order(bank_file.files, bank_file.order)]


@group.command("returns")
@click.argument("cycle_id", type=int)
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False))
@click.option("--bank", help="The code of the bank whose returns layout the file is in (default: by its titles).")
@click.option("--date", "on", type=DATE, help="Date the bank reported (default: today).")
@pass_app
def returns(app, cycle_id, path, bank, on) -> None:
    """Book the bank's returns and settle the cycle (preparer); an empty list settles it all.

    The file is in the bank's own returns layout when the policy names its banks (csv or xlsx, docs/policy.md),
    else UTF-8 CSV with 账号, 金额, 原因. A return that matches no line of the cycle, or a different amount, is refused
    line by line.

    \b
    Example:
      aidledger --user li.ming cycle returns 1 --file 2022-01-returns.csv
      aidledger --user li.ming cycle returns 3 --file psbc-2022-03-退票.xlsx --bank psbc
    """
    with app.database().write() as session:
        count, amount = actions.book_returns(session, cycle_id, read_bytes(path), path, on or app.today(),
                                             user=app.user, now=app.now(), bank=bank)
    click.echo(f"cycle {cycle_id} settled; {count} payment(s) returned, {amount:.2f} held for re-issue")


@group.command("settle")
@click.argument("cycle_id", type=int)
@click.option("--date", "on", type=DATE, help="Date the bank reported (default: today).")
@pass_app
def settle(app, cycle_id, on) -> None:
    """Settle an exported cycle the bank returned nothing of (preparer): as an empty returns file.

    \b
    Example:
      aidledger --user li.ming cycle settle 1
    """
    with app.database().write() as session:
        actions.settle(session, cycle_id, on or app.today(), user=app.user, now=app.now())
    click.echo(f"cycle {cycle_id} settled; nothing returned")


@group.command("cancel-return")
@click.argument("return_id", type=int)
@click.option("--reason", required=True)
@click.option("--date", "on", type=DATE, help="Posting date (default: today).")
@pass_app
def cancel_return(app, return_id, reason, on) -> None:
    """Send a returned payment back to its fund instead of re-issuing it (approver).

    \b
    Example:
      aidledger --user wang.fang cycle cancel-return 3 --reason "户主已迁出本县"
    """
    with app.database().write() as session:
        seq = actions.cancel_return(session, return_id, reason, on or app.today(), user=app.user, now=app.now())
    click.echo(seq)
