"""`aidledger explain`: why a household gets the amount it gets for a month."""

from __future__ import annotations

import click

from aidledger.disbursement.entitlement.service import explain_view
from aidledger.labels import COMPONENT_NAMES
from aidledger.render import emit_json, table

from . import MONTH, pass_app


@click.command("explain")
@click.argument("household_id")
@click.option("--month", required=True, type=MONTH)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def command(app, household_id: str, month: str, as_json: bool) -> None:
    """The amount the rules give HOUSEHOLD_ID for a month, with every component and its rule.

    What a finance officer shows a resident who asks "why this amount?". Read from the
    registry as of the first day of the month and the policy in force that day.

    \b
    Example:
      aidledger explain H001 --month 2022-01
    """
    with app.database().read() as session:
        view = explain_view(session, household_id, month, reader=app.user, as_json=as_json)
    if as_json:
        emit_json(view.as_dict())
        return
    click.echo(f"户 {view.household_id}  {view.month}  {view.program}  金额 {view.amount:.2f}"
               + (f"  ({view.note})" if view.note else ""))
    if view.components:
        click.echo(table(["项目", "对象", "金额", "依据 rule"],
                         [(COMPONENT_NAMES.get(c.kind, c.kind), c.id_number or "", f"{c.amount:.2f}", c.rule)
                          for c in view.components], right=(2,)))
    if view.track_origin:
        click.echo(view.track_origin)
