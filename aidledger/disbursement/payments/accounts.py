"""Which expense account a cycle's money is charged to: per program and area, and per one-off program.

The base of a month (and arrears for earlier months) goes to the program's account for the
household's area; price subsidies, heating and temporary assistance to their own accounts,
so that the books show each program's spending apart (each with its 政府收支分类 code).
"""

from __future__ import annotations

_PROGRAM_ACCOUNTS = {"dibao": "Dibao", "tekun": "Tekun", "low_income": "LowIncome"}
ONE_OFF_ACCOUNTS = {
    "price_subsidy": "Expenses:PriceSubsidy",
    "heating": "Expenses:Heating",
    "temporary": "Expenses:Temporary",
}


def expense_account(program: str, area: str) -> str:
    """The expense account of a program and area."""
    return f"Expenses:{_PROGRAM_ACCOUNTS[program]}:{area.capitalize()}"
