"""The 居民身份证号码 (resident identity number) check of GB 11643-1999.

Pure. An id number has 18 characters: a 6-digit region code, the birth date as YYYYMMDD,
a 3-digit sequence number and a check character. The check character is the ISO 7064
MOD 11-2 checksum of the first 17 digits, written with `X` for ten.

The region part is not checked against a list of regions: codes change over the years and
an old card stays valid. A lowercase `x` is accepted and normalized to `X` because
spreadsheets and typists produce it; surrounding whitespace is dropped. Old 15-digit
numbers (before 1999) are refused with a hint to convert them.

"Now" is a parameter: the birth date inside the number may not be after `today`.
"""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)

_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


def normalize_id_number(text: str) -> str:
    """The id number as stored: surrounding whitespace dropped, a lowercase check `x` made `X`."""
    return text.strip().upper()


def check_character(first_17_digits: str) -> str:
    """The check character GB 11643 computes for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17_digits, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def birth_date_from_id(id_number: str) -> date:
    """The birth date written in characters 7–14; ValueError when it is not a real date."""
    digits = normalize_id_number(id_number)[6:14]
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"no birth date inside {len(id_number)}-character text")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def id_number_problem(text: str, today: date) -> str | None:
    """Why `text` is not a valid id number as of `today`, or None when it is valid.

    The format and the check character are looked at before the birth date: a typo in any
    of the 17 digits changes the check character, so "check character is 3, expected X"
    is the most telling message for a mistyped number.
    """
    number = normalize_id_number(text)
    if not number:
        return "the id number is empty"
    if len(number) == 15 and number.isascii() and number.isdigit():
        return "a 15-digit id number (issued before 1999) must be converted to the 18-character form"
    if len(number) != 18:
        return f"an id number has 18 characters, this one has {len(number)}"
    if not _SHAPE.fullmatch(number):
        position, character = _first_misfit(number)
        if position == 18:
            return f"the check character (18th) is {character!r}, it must be a digit or X"
        return f"character {position} is {character!r}, the first 17 characters must be digits"
    expected = check_character(number[:17])
    if number[17] != expected:
        return f"check character is {number[17]}, expected {expected}"
    try:
        born = birth_date_from_id(number)
    except ValueError:
        return f"the birth date {number[6:14]} inside the id number is not a real date"
    if born < EARLIEST_BIRTH:
        return f"the birth date {born.isoformat()} inside the id number is before 1900"
    if born > today:
        return f"the birth date {born.isoformat()} inside the id number is after today ({today.isoformat()})"
    return None


def _first_misfit(number: str) -> tuple[int, str]:
    for position, character in enumerate(number, start=1):
        allowed = "0123456789X" if position == 18 else "0123456789"
        if character not in allowed:
            return position, character
    raise AssertionError("called only for a number that does not fit the shape")
