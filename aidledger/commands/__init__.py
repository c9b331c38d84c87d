"""Click command groups: each parses its options, calls one service and renders the result."""

from __future__ import annotations

from datetime import date

import click

from aidledger.errors import Refusal

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


def read_text(path: str) -> str:
    """A UTF-8 file's text, or a refusal naming the file."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        raise Refusal(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise Refusal(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise Refusal(f"{path}: cannot be read: {exc.strerror}") from None


class MonthType(click.ParamType):
    """A YYYY-MM month; a malformed one is a usage error (exit 2)."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        text = str(value)
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
            return text
        self.fail(f"{value!r} is not a month written YYYY-MM", param, ctx)


MONTH = MonthType()
