"""Query and form parameters, checked the same way on every page: a month, a day, a page number, a whole number in
a range, a jurisdiction's code. Each refuses what it cannot read with a Chinese message naming the text given
(a 422 page); the JSON API reads the same values and words its refusals as the command line does (`in_english`).
"""

from __future__ import annotations

import re
from datetime import date

from aidledger.auth.scope import level_of
from aidledger.errors import Refusal

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PAGE = re.compile(r"^[1-9]\d{0,5}$")


def read_month(text: str | None) -> str | None:
    """YYYY-MM, or None when it is not one."""
    return text if text and MONTH.match(text) else None


def read_day(text: str | None) -> date | None:
    """YYYY-MM-DD (ten characters: `date.fromisoformat` alone would take 20220301 too), or None."""
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def month(text: str | None) -> str | None:
    """A month from the query, or None when none is given."""
    if not text:
        return None
    found = read_month(text)
    if found is None:
        raise Refusal(f"月份“{text}”无效：应写作 YYYY-MM（如 2022-03）")
    return found


def day(text: str | None, default: date) -> date:
    """A day from the query, or `default` when none is given."""
    if not text:
        return default
    found = read_day(text)
    if found is None:
        raise Refusal(f"日期“{text}”无效：应写作 YYYY-MM-DD（如 2022-03-31）")
    return found


def page(text: str | None) -> int:
    """A page number (from 1), 1 when none is given."""
    if not text:
        return 1
    if not PAGE.match(text):
        raise Refusal(f"页码“{text}”无效：应为正整数（1、2、3……）")
    return int(text)


def whole(text: str | None, default: int, low: int, high: int, what: str) -> int:
    """A whole number from `low` to `high` (a year, say), `default` when none is given."""
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise Refusal(f"{what}“{text}”不对：应为 {low} 至 {high} 之间的整数")
    return int(text)


def jurisdiction(text: str | None, *, county: bool = False) -> str | None:
    """A jurisdiction's code from the query (a county's, when `county`), or None."""
    if not text:
        return None
    level = level_of(text)
    if level is None or level == "township" or county and level != "county":
        raise Refusal(f"辖区代码“{text}”不对：请给出{'县级' if county else '省、市或县级'}行政区划代码（6 位数字）")
    return text


# ---- the JSON API: the command line's words ----------------------------------------------------


def in_english_month(text: str) -> str:
    found = read_month(text)
    if found is None:
        raise Refusal(f"{text!r} is not a month written YYYY-MM")
    return found


def in_english_day(text: str | None, default: date) -> date:
    if not text:
        return default
    found = read_day(text)
    if found is None:
        raise Refusal(f"{text!r} is not a date written YYYY-MM-DD")
    return found
