"""`aidledger budget`: allocations, purchased services, fund status."""

from __future__ import annotations

import click

from aidledger.budget.service.allocations import allocate as allocate_
from aidledger.budget.service.purchases import purchase_services
from aidledger.budget.service.status import budget_status
from aidledger.ledger.money import MoneyError, parse_amount
from aidledger.render import budget_status_shape, emit_json, table

from . import DATE, pass_app


class AmountType(click.ParamType):
    """A yuan amount in whole fen ("1242.00"); anything else is a usage error."""

    name = "AMOUNT"

    def convert(self, value, param, ctx):
        try:
            return parse_amount(value)
        except MoneyError as exc:
            self.fail(str(exc), param, ctx)


AMOUNT = AmountType()


@click.group("budget")
def group() -> None:
    """Funds: allocations down the levels, availability, the purchased-services cap."""


@group.command("allocate")
@click.option("--jurisdiction", required=True, help="The jurisdiction receiving the money.")
@click.option("--fund", required=True)
@click.option("--amount", required=True, type=AMOUNT)
@click.option("--date", "on", required=True, type=DATE)
@click.option("--from", "from_code", help="The jurisdiction above that passes the money down.")
@click.option("--reference", default="", help="The allocation document, e.g. 黑财社〔2022〕1号.")
@pass_app
def allocate(app, jurisdiction, fund, amount, on, from_code, reference) -> None:
    """Record an allocation received into a fund (preparer); prints the receiving entry's id.

    With --from, the giver's books show the transfer out and the receiver's the receipt, in
    one transaction; the giver must have the money available.

    \b
    Example:
      aidledger --user li.ming budget allocate --jurisdiction 230523 --fund central_subsidy \\
          --amount 6000000.00 --date 2022-01-10 --from 230500 --reference "双财社〔2022〕1号"
    """
    with app.database().write() as session:
        posted = allocate_(session, jurisdiction, fund, amount, on, from_code=from_code, reference=reference,
                           user=app.user, now=app.now())
    click.echo(posted[-1].seq)


@group.command("purchase-services")
@click.option("--jurisdiction", required=True)
@click.option("--amount", required=True, type=AMOUNT)
@click.option("--date", "on", required=True, type=DATE)
@click.option("--vendor", required=True, help="The social organisation providing the service.")
@click.option("--reference", default="", help="The contract or payment document.")
@pass_app
def purchase(app, jurisdiction, amount, on, vendor, reference) -> None:
    """Record purchased social-assistance services (preparer), refused beyond the year's cap; prints the entry id.

    \b
    Example:
      aidledger --user li.ming budget purchase-services --jurisdiction 230523 --amount 50000.00 \\
          --date 2022-04-01 --vendor "宝清县社工服务中心" --reference "宝民购〔2022〕1号"
    """
    with app.database().write() as session:
        posted = purchase_services(session, jurisdiction, amount, on, vendor=vendor, reference=reference,
                                   user=app.user, now=app.now())
    click.echo(posted.seq)


@group.command("status")
@click.option("--jurisdiction", required=True)
@click.option("--year", required=True, type=click.IntRange(1900, 9999))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def status(app, jurisdiction, year, as_json) -> None:
    """Every fund's opening, received, spent, committed and available, and the cap's headroom, for a year.

    \b
    Example:
      aidledger budget status --jurisdiction 230523 --year 2022 --json
    """
    with app.database().read() as session:
        s = budget_status(session, jurisdiction, year)
    cap = s.cap
    if as_json:
        emit_json(budget_status_shape(s))
        return
    click.echo(f"{s.jurisdiction} {s.year}年 资金状况")
    click.echo(table(["资金 fund", "上年结转", "收到", "支出", "已承诺", "可用"],
                     [(f.fund, f"{f.opening:.2f}", f"{f.received:.2f}", f"{f.spent:.2f}", f"{f.committed:.2f}",
                       f"{f.available:.2f}") for f in s.funds], right=(1, 2, 3, 4, 5)))
    click.echo(f"购买服务上限: {cap.base_kind} 基数 {cap.base:.2f} × {cap.rate} = {cap.cap:.2f}; "
               f"已用 {cap.used:.2f}, 余额 {cap.headroom:.2f}")
