"""`aidledger explain`: why a household gets the amount it gets for a month."""

from __future__ import annotations

import click

from aidledger.disbursement.entitlement.service import explain
from aidledger.labels import COMPONENT_NAMES
from aidledger.masking import mask
from aidledger.render import emit_json, table
from aidledger.users import sees_personal_data

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
        explained = explain(session, household_id, month)
        full = as_json and sees_personal_data(session, app.user)
    benefit = explained.benefit
    components = [c.as_dict() for c in benefit.components]
    if not full:
        for c in components:
            if "id_number" in c:
                c["id_number"] = mask(c["id_number"])
    if as_json:
        emit_json({"household_id": benefit.household_id, "program": benefit.program, "month": benefit.month,
                   "amount": benefit.amount, "components": components, "note": benefit.reason or None,
                   "track_origin": explained.track_origin})
        return
    click.echo(f"户 {benefit.household_id}  {benefit.month}  {benefit.program}  金额 {benefit.amount:.2f}"
               + (f"  ({benefit.reason})" if benefit.reason else ""))
    if components:
        click.echo(table(["项目", "对象", "金额", "依据 rule"],
                         [(COMPONENT_NAMES.get(c["kind"], c["kind"]), c.get("id_number", ""), c["amount"], c["rule"])
                          for c in components], right=(2,)))
    if explained.track_origin:
        click.echo(explained.track_origin)
