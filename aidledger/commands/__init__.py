"""Click command groups: each parses its options, calls one service and renders the result."""

from __future__ import annotations

from datetime import date

import click

from aidledger.files import read_text  # noqa: F401  (the commands read their input files with it)

from .app import AppContext

pass_app = click.make_pass_decorator(AppContext)


class DateType(click.ParamType):
    """A YYYY-MM-DD date; a malformed one is a usage error (exit 2)."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            if len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD", param, ctx)


DATE = DateType()


class MonthType(click.ParamType):
    """A YYYY-MM month; a malformed one is a usage error (exit 2)."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        text = str(value)
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
            return text
        self.fail(f"{value!r} is not a month written YYYY-MM", param, ctx)


MONTH = MonthType()
