"""`aidledger reserve`: the townships' emergency reserves (乡镇临时救助备用金)."""

from __future__ import annotations

import click

from aidledger.budget.service import reserves
from aidledger.render import emit_json, table

from . import DATE, pass_app
from .budget import AMOUNT


@click.group("reserve")
def group() -> None:
    """Township reserves: advance, pay emergency cases, document, replenish, status."""


@group.command("advance")
@click.option("--township", required=True)
@click.option("--amount", required=True, type=AMOUNT)
@click.option("--date", "on", required=True, type=DATE)
@pass_app
def advance(app, township, amount, on) -> None:
    """The county advances money to a township's reserve, up to reserve.amount (preparer); prints the entry id.

    \b
    Example:
      aidledger --user li.ming reserve advance --township 230523100 --amount 30000.00 --date 2022-01-05
    """
    with app.database().write() as session:
        seq = reserves.advance(session, township, amount, on, user=app.user, now=app.now())
    click.echo(seq)


@group.command("pay")
@click.option("--township", required=True)
@click.option("--id-number", required=True)
@click.option("--name", required=True)
@click.option("--amount", required=True, type=AMOUNT)
@click.option("--date", "on", required=True, type=DATE)
@click.option("--reason", required=True)
@pass_app
def pay(app, township, id_number, name, amount, on, reason) -> None:
    """An emergency payment from a township's reserve (先行救助, preparer); prints the case id.

    At most temporary.emergency_case_limit_ratio × the urban standard, never beyond the balance.

    \b
    Example:
      aidledger --user li.ming reserve pay --township 230523100 --id-number 230523198001011234 \\
          --name 张三 --amount 600.00 --date 2022-02-03 --reason "火灾"
    """
    with app.database().write() as session:
        case = reserves.pay(session, township, id_number, name, amount, on, reason, user=app.user, now=app.now())
    click.echo(case)


@group.command("document")
@click.argument("case_id", type=int)
@click.option("--date", "on", required=True, type=DATE)
@pass_app
def document(app, case_id, on) -> None:
    """Record that an emergency case was documented afterwards (补充说明, preparer); late ones are marked.

    \b
    Example:
      aidledger --user li.ming reserve document 1 --date 2022-02-20
    """
    with app.database().write() as session:
        record = reserves.document(session, case_id, on, user=app.user, now=app.now())
    click.echo(f"case {case_id} documented on {on}" + (" (late)" if record.late else ""))


@group.command("replenish")
@click.option("--township", required=True)
@click.option("--date", "on", required=True, type=DATE)
@pass_app
def replenish(app, township, on) -> None:
    """Replenish a township's reserve by its documented payments not yet replenished (preparer).

    \b
    Example:
      aidledger --user li.ming reserve replenish --township 230523100 --date 2022-03-01
    """
    with app.database().write() as session:
        seq, amount, cases = reserves.replenish(session, township, on, user=app.user, now=app.now())
    click.echo(f"entry {seq}: replenished {amount:.2f} for {cases} documented case(s)")


@group.command("status")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--as-of", "as_of", required=True, type=DATE)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def status(app, jurisdiction, as_of, as_json) -> None:
    """Each township's reserve: advanced, paid, replenished, balance, undocumented and overdue cases.

    \b
    Example:
      aidledger reserve status --jurisdiction 230523 --as-of 2022-03-31 --json
    """
    with app.database().read() as session:
        rows = reserves.status(session, jurisdiction, as_of)
    if as_json:
        emit_json({"jurisdiction": jurisdiction, "as_of": as_of, "townships": [
            {"township": r.township, "name": r.name, "opening": r.carried, "advanced": r.advanced, "paid": r.paid,
             "replenished": r.replenished, "balance": r.balance, "undocumented": r.undocumented,
             "overdue": r.overdue} for r in rows]})
        return
    click.echo(table(["乡镇", "名称", "期初", "拨付", "支出", "补充", "余额", "未补充说明", "逾期"],
                     [(r.township, r.name, f"{r.carried:.2f}", f"{r.advanced:.2f}", f"{r.paid:.2f}",
                       f"{r.replenished:.2f}", f"{r.balance:.2f}", r.undocumented, r.overdue) for r in rows],
                     right=(2, 3, 4, 5, 6, 7, 8)))


@group.command("cases")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--as-of", "as_of", required=True, type=DATE)
@click.option("--township", help="One township's cases (9-digit code).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def cases(app, jurisdiction, as_of, township, as_json) -> None:
    """The emergency payments not yet documented by a day, overdue ones first (the ids `reserve document` takes).

    Id numbers are masked (first 6 and last 4). A township's clerk sees their township's cases only.

    \b
    Example:
      aidledger reserve cases --jurisdiction 230523 --as-of 2022-03-31
    """
    with app.database().read() as session:
        found = reserves.open_cases(session, jurisdiction, as_of, reader=app.user, township=township)
    if as_json:
        emit_json({"jurisdiction": jurisdiction, "as_of": as_of, "cases": [
            {"case": c.case_id, "township": c.township, "name": c.name, "id_number": c.id_number, "amount": c.amount,
             "paid_on": c.paid_on, "deadline": c.deadline, "reason": c.reason, "overdue": c.overdue} for c in found]})
        return
    click.echo(table(["个案", "乡镇", "受助人", "身份证号", "金额", "支付日期", "期限", "逾期", "事由"],
                     [(c.case_id, c.township, c.name, c.id_number, f"{c.amount:.2f}", c.paid_on.isoformat(),
                       c.deadline.isoformat(), "是" if c.overdue else "", c.reason) for c in found],
                     right=(0, 4)))
