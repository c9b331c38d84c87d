"""`aidledger subsidy`: 价格临时补贴 declarations."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from aidledger.disbursement.subsidy import service as subsidy

from . import MONTH, pass_app


class PercentType(click.ParamType):
    """A growth in percent ("3.6"), at most three decimals; anything else is a usage error."""

    name = "PCT"

    def convert(self, value, param, ctx):
        try:
            number = Decimal(str(value).strip().rstrip("%"))
        except InvalidOperation:
            self.fail(f"{value!r} is not a percentage such as 3.6", param, ctx)
        if not number.is_finite() or number.as_tuple().exponent < -3:
            self.fail(f"{value!r} is not a percentage with at most three decimals", param, ctx)
        return number


PERCENT = PercentType()


@click.group("subsidy")
def group() -> None:
    """Price subsidies (价格临时补贴): declare a month's price growth."""


@group.command("declare")
@click.option("--jurisdiction", required=True, help="The county, city or province declaring.")
@click.option("--month", required=True, type=MONTH)
@click.option("--cpi", required=True, type=PERCENT, help="CPI growth year on year, percent.")
@click.option("--food", required=True, type=PERCENT, help="Food-price growth year on year, percent.")
@pass_app
def declare(app, jurisdiction, month, cpi, food) -> None:
    """Declare the month's price growth (preparer); the month's cycles pay the subsidy; prints the declaration id.

    Refused unless CPI ≥ price_subsidy.cpi_threshold or food ≥ price_subsidy.food_threshold. A
    city's or province's declaration applies to every county below it without its own.

    \b
    Example:
      aidledger --user li.ming subsidy declare --jurisdiction 230523 --month 2022-09 --cpi 3.6 --food 6.5
    """
    with app.database().write() as session:
        declaration = subsidy.declare(session, jurisdiction, month, cpi, food, user=app.user, now=app.now())
    click.echo(declaration)
