"""Scopes: the part of the country a user works on. Pure.

Codes are the administrative division codes: a province ends in 0000 (230000), a city in 00 (230500), a county
has six digits (230523), a township nine (230523100, its county's six and three). A user's scope is one such code,
or none: every jurisdiction. A code lies within a scope when it is the scope or below it.
"""

from __future__ import annotations

LEVELS = {"province": "省", "city": "市", "county": "县", "township": "乡镇（街道）"}


def level_of(code: str) -> str | None:
    """province, city, county or township; None for a code that is none of them."""
    if not code.isdigit():
        return None
    if len(code) == 9:
        return "township"
    if len(code) != 6:
        return None
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def _prefix(code: str) -> str:
    level = level_of(code)
    return {"province": code[:2], "city": code[:4], "county": code[:6]}.get(level or "", code)


def within(scope: str | None, code: str | None) -> bool:
    """Whether `code` (a township, county, city or province) lies inside `scope` (None: everywhere)."""
    if scope is None:
        return True
    if not code:
        return False
    if level_of(scope) == "township":
        return code == scope
    return code.startswith(_prefix(scope))


def contains(code: str | None, scope: str | None) -> bool:
    """Whether `code` lies above `scope` (a county holding a township user's township): such a user sees the part of
    `code` that is theirs, not the whole."""
    if scope is None or not code or code == scope:
        return False
    return within(code, scope)


def township_of(scope: str | None) -> str | None:
    """The township a township user is limited to, or None."""
    return scope if scope is not None and level_of(scope) == "township" else None
