"""`aidledger temporary`: 支出型临时救助 granted once and paid in instalments."""

from __future__ import annotations

import click

from aidledger.disbursement.temporary import service as grants
from aidledger.render import emit_json, table

from . import DATE, MONTH, pass_app
from .budget import AMOUNT


@click.group("temporary")
def group() -> None:
    """Expenditure-type temporary assistance: grant, approve, list."""


@group.command("grant")
@click.option("--household", "household_id", required=True)
@click.option("--total", required=True, type=AMOUNT)
@click.option("--instalments", required=True, type=int)
@click.option("--first-month", required=True, type=MONTH)
@click.option("--reason", required=True)
@click.option("--committee-ref", help="The committee's decision (一事一议), required above "
                                      "temporary.case_by_case_threshold.")
@pass_app
def grant(app, household_id, total, instalments, first_month, reason, committee_ref) -> None:
    """Grant a household temporary assistance paid over consecutive cycles (preparer); prints the grant id.

    The cycles pay it only after an approver approves it (`temporary approve`).

    \b
    Example:
      aidledger --user li.ming temporary grant --household H003 --total 6000.00 --instalments 3 \\
          --first-month 2022-05 --reason "重病住院, 自付医疗费用高"
    """
    with app.database().write() as session:
        grant_id = grants.grant(session, household_id, total, instalments, first_month, reason, committee_ref,
                                user=app.user, now=app.now())
    click.echo(grant_id)


@group.command("approve")
@click.argument("grant_id", type=int)
@click.option("--date", "on", type=DATE, help="Date of the decision (default: today).")
@pass_app
def approve(app, grant_id, on) -> None:
    """Sign off a grant (an approver other than the one who recorded it or signed before); approved at the last.

    \b
    Example:
      aidledger --user wang.fang temporary approve 1
    """
    with app.database().write() as session:
        signed = grants.approve_grant(session, grant_id, on or app.today(), user=app.user, now=app.now())
    if signed.approved:
        click.echo(f"temporary grant {grant_id} approved")
    else:
        click.echo(f"temporary grant {grant_id}: sign-off {signed.step} of {signed.of_steps} ({signed.name}) recorded; "
                   f"{signed.of_steps - signed.step} more to approve it")


@group.command("list")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_(app, jurisdiction, as_json) -> None:
    """Every grant of a county: approval, instalments and what approved cycles have paid.

    \b
    Example:
      aidledger temporary list --jurisdiction 230523
    """
    with app.database().read() as session:
        rows = grants.grant_views(session, jurisdiction)
    if as_json:
        emit_json({"jurisdiction": jurisdiction, "grants": [g.as_dict() for g in rows]})
        return
    click.echo(table(["编号", "户编号", "总额", "期数", "首期", "已发", "审批人", "一事一议", "事由"],
                     [(g.id, g.household_id, f"{g.total:.2f}", g.instalments, g.first_month,
                       f"{g.paid:.2f}", g.approved_by or "待审批", g.committee_ref or "", g.reason)
                      for g in rows], right=(2, 3, 5)))
