"""`aidledger recovery`: receivables for overpaid months (追回) and money returned against them."""

from __future__ import annotations

import click

from aidledger.disbursement.recovery import service as recovery
from aidledger.labels import RECOVERY_REASONS
from aidledger.render import emit_json, table

from . import DATE, pass_app
from .budget import AMOUNT


@click.group("recovery")
def group() -> None:
    """Receivables for months paid and found overpaid (追回): list, record money returned."""


@group.command("list")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_(app, jurisdiction, as_json) -> None:
    """The county's receivables with what is recovered and outstanding.

    A receivable is created when the cycle that found the overpayment is approved.

    \b
    Example:
      aidledger recovery list --jurisdiction 230523 --json
    """
    with app.database().read() as session:
        rows = recovery.receivable_list(session, jurisdiction)
    if as_json:
        emit_json({"jurisdiction": jurisdiction, "receivables": [r.as_dict() for r in rows]})
        return
    click.echo(table(["编号", "户编号", "月份", "应收", "已追回", "未追回", "原因", "说明"],
                     [(r.id, r.household_id, r.month, f"{r.amount:.2f}", f"{r.recovered:.2f}",
                       f"{r.outstanding:.2f}", "、".join(RECOVERY_REASONS.get(k, k) for k in r.reason.split(",")),
                       r.detail) for r in rows], right=(3, 4, 5)))


@group.command("record")
@click.argument("receivable_id", type=int)
@click.option("--amount", required=True, type=AMOUNT)
@click.option("--date", "on", required=True, type=DATE)
@pass_app
def record(app, receivable_id, amount, on) -> None:
    """Record money returned against a receivable (preparer); prints the entry id.

    \b
    Example:
      aidledger --user li.ming recovery record 1 --amount 500.00 --date 2022-06-20
    """
    with app.database().write() as session:
        seq = recovery.record_recovery(session, receivable_id, amount, on, user=app.user, now=app.now())
    click.echo(seq)
