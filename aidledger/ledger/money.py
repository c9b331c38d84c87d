"""Money: exact yuan amounts as `Decimal`, stored as integer fen.

This is the one place that converts between the two. Nothing here rounds: an amount
that is not a whole number of fen is refused, because rounding happens only where a
benefit rule names it (see `round_to`).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")

# The largest amount one journal line may carry: 9,999,999,999,999.99 yuan. Far beyond
# any jurisdiction's budget, and small enough that running balances of many such lines
# stay inside a 64-bit integer column (2**63 - 1 fen).
MAX_LINE_FEN = 10**15 - 1

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "up": ROUND_UP, "down": ROUND_DOWN}


class MoneyError(ValueError):
    """An amount that cannot be money: not a number, not whole fen, or out of range."""


# A written amount: ASCII digits, then at most one point and two places. Decimal() itself would also take
# "1,0,0" once commas are dropped, full-width "１０００", "1_000" and "1e3": a finance office means none of them.
_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_TWO_PLACES = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?", re.ASCII)


def parse_amount(text: object) -> Decimal:
    """Read a yuan amount written as a plain decimal numeral ("1242.00", "1242", "0.5").

    Floats are refused outright: a binary float cannot say 0.1 exactly. A string may carry spaces around it
    and nothing else: no thousands separators, exponents, underscores or full-width digits.
    """
    if isinstance(text, bool) or isinstance(text, float):
        raise MoneyError(f"amount {text!r} must be written as a decimal string, not a float")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, str):
        stripped = text.strip()
        if not _PLAIN.fullmatch(stripped):
            raise MoneyError(f"amount {text!r} is not a plain decimal number such as 1200 or 1200.50 (digits and "
                             "one point only: no separators, exponents or full-width digits)")
        if not _TWO_PLACES.fullmatch(stripped):
            raise MoneyError(f"amount {text!r} has more than two decimal places (whole fen only)")
        try:
            value = Decimal(stripped)
        except InvalidOperation:
            raise MoneyError(f"amount {text!r} is not a decimal number") from None
    else:
        raise MoneyError(f"amount {text!r} is not a decimal number")
    if not value.is_finite():
        raise MoneyError(f"amount {text!r} is not a finite number")
    try:
        whole_fen = value == value.quantize(FEN, rounding=ROUND_DOWN)
    except InvalidOperation:  # more digits than Decimal's context holds
        raise MoneyError(f"amount {text!r} is too large") from None
    if not whole_fen:
        raise MoneyError(f"amount {text!r} has more than two decimal places (whole fen only)")
    return value


def to_fen(amount: Decimal) -> int:
    """Yuan to integer fen; refuses anything that is not a whole number of fen."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(f"amount {amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Integer fen to yuan with exactly two places."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


def format_amount(amount: Decimal) -> str:
    """The two-place string used in JSON and tables ("1242.00")."""
    return f"{amount.quantize(FEN):f}"


def round_to(amount: Decimal, unit: str | Decimal, mode: str) -> Decimal:
    """Round to a unit ("0.01", "0.1", "1") with a named mode (half_up, up, down)."""
    try:
        rounding = ROUNDING_MODES[mode]
    except KeyError:
        raise MoneyError(f"unknown rounding mode {mode!r}") from None
    return amount.quantize(Decimal(unit), rounding=rounding)
