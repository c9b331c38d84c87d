"""Checking a parsed policy file against the format, collecting every problem.

`check_body` walks the TOML tree along `format.FORMAT` and returns the checked body: numbers
exact, arrays as tuples, dated tables as `Dated`. `check_identity` then checks what only
makes sense for the file as a whole: the jurisdiction's code, level and parent, and that a
county's townships lie inside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .dated import Dated, parse_date_key
from .format import FORMAT
from .kinds import INVALID, Leaf, MapOf, Problems, Table, TableList, join, show, wrong_type


def check_body(raw: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    """The whole file checked against the format (INVALID values left out)."""
    checked = _check(FORMAT, raw, "", problems)
    return checked if isinstance(checked, dict) else {}


def _check(node: Any, value: Any, path: str, problems: Problems) -> Any:
    if isinstance(node, Table):
        return _table(node, value, path, problems)
    if isinstance(node, TableList):
        return _table_list(node, value, path, problems)
    if isinstance(node, MapOf):
        return _map(node, value, path, problems)
    return _leaf(node, value, path, problems)


def _entries(value: Any, path: str, problems: Problems, check_entry: Callable[[Any, Any], Any]) -> Any:
    """A table's entries, each checked by `check_entry(key, item)` (INVALID leaves it out), or INVALID."""
    if not isinstance(value, Mapping):
        problems.add(path, wrong_type(value, "a table"))
        return INVALID
    checked: dict[str, Any] = {}
    for key, item in value.items():
        result = check_entry(key, item)
        if result is not INVALID:
            checked[key] = result
    return checked


def _table(node: Table, value: Any, path: str, problems: Problems) -> Any:
    def entry(key: Any, item: Any) -> Any:
        child = node.keys.get(key)
        if child is None:
            hint = " (only a single value can be dated: date each value inside instead)" if parse_date_key(key) else ""
            problems.add(path, f"unknown key '{key}'{hint}")
            return INVALID
        return _check(child, item, join(path, key), problems)

    checked = _entries(value, path, problems, entry)
    if checked is INVALID:
        return INVALID
    for key in node.required:
        if key not in value:
            problems.add(path, f"missing required section [{key}]" if not path else f"missing required key '{key}'")
    for cross_check in node.checks:
        cross_check(checked, path, problems)
    return checked


def _table_list(node: TableList, value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, list):
        problems.add(path, wrong_type(value, f"an array of tables ([[{path}]])"))
        return INVALID
    if node.non_empty and not value:
        problems.add(path, "is empty; expected at least one table")
        return INVALID
    items = [_table(node.table, item, f"{path}[{index}]", problems) for index, item in enumerate(value)]
    checked = tuple(item for item in items if item is not INVALID)
    if len(checked) != len(items):
        return INVALID
    for cross_check in node.checks:
        cross_check(checked, path, problems)
    return checked


def _map(node: MapOf, value: Any, path: str, problems: Problems) -> Any:
    def entry(key: Any, item: Any) -> Any:
        if node.keys and key not in node.keys:
            problems.add(path, f"unknown key '{key}' (expected one of {', '.join(node.keys)})")
            return INVALID
        if not node.keys and not re.fullmatch(node.key_pattern, str(key)):
            problems.add(path, f"{show(key)} is not {node.key_describe}")
            return INVALID
        return _leaf(node.value, item, join(path, key), problems)

    checked = _entries(value, path, problems, entry)
    if checked is INVALID:
        return INVALID
    for cross_check in node.checks:
        cross_check(checked, path, problems)
    return checked


def _leaf(leaf: Leaf, value: Any, path: str, problems: Problems) -> Any:
    if isinstance(value, Mapping) and leaf.dated:
        return _dated(leaf, value, path, problems)
    return leaf.check(value, path, problems)


def _dated(leaf: Leaf, table: Mapping[Any, Any], path: str, problems: Problems) -> Any:
    """A table given for a single value: start date → value, each value checked like the value."""
    if not table:
        problems.add(path, f"is an empty table; a dated value needs 'YYYY-MM-DD = value' lines ({leaf.expected})")
        return INVALID
    changes, ok = {}, True
    for key, item in table.items():
        start = parse_date_key(key)
        if start is None:
            problems.add(path, f"{show(key)} is not a date (YYYY-MM-DD); a table here gives dated values of "
                         f"{leaf.expected}")
            ok = False
            continue
        result = leaf.check(item, f"{path} (from {start.isoformat()})", problems)
        if result is INVALID:
            ok = False
        else:
            changes[start] = result
    return Dated.of(changes) if ok else INVALID


def _parent_codes(code: str, level: str) -> tuple[str, ...]:
    """The codes a jurisdiction's parent may have (GB/T 2260: 2 digits province, 2 city, 2 county).

    A county's parent is its city, or its province for 省直辖 counties.
    """
    if level == "city":
        return (code[:2] + "0000",)
    if level == "county":
        return (code[:4] + "00", code[:2] + "0000")
    return ()


def _level_fits(code: str, level: str) -> bool:
    if level == "province":
        return code.endswith("0000")
    if level == "city":
        return code.endswith("00") and not code.endswith("0000")
    return not code.endswith("00")


def check_identity(raw: Mapping[str, Any], body: Mapping[str, Any], problems: Problems) -> None:
    """Code, level and parent agree with each other; townships belong to this county.

    `raw` is the file as read, `body` as checked (invalid values left out, already reported).
    """
    raw_jurisdiction = raw.get("jurisdiction")
    jurisdiction = body.get("jurisdiction") or {}
    code, level, parent = jurisdiction.get("code"), jurisdiction.get("level"), jurisdiction.get("parent")
    if code is None or level is None:
        return  # already reported
    if not _level_fits(code, level):
        shape = {"province": "ends in 0000", "city": "ends in 00 (not 0000)", "county": "does not end in 00"}[level]
        problems.add("jurisdiction.code", f"'{code}' is not a {level} code (a {level} code {shape})")
    if level == "province" and parent is not None:
        problems.add("jurisdiction.parent", f"'{parent}': a province has no parent")
    if level != "province" and not (isinstance(raw_jurisdiction, Mapping) and "parent" in raw_jurisdiction):
        problems.add("jurisdiction", f"missing required key 'parent' (a {level} names its parent's code)")
    if level != "province" and parent is not None and parent not in _parent_codes(code, level):
        allowed = " or ".join(_parent_codes(code, level))
        problems.add("jurisdiction.parent", f"'{parent}' cannot be the parent of {level} {code} (expected {allowed})")
    townships = body.get("townships")
    if townships is None:
        return
    if level != "county":
        problems.add("townships", f"only a county file lists townships ({code} is a {level})")
        return
    for township in townships:
        if not township.startswith(code):
            problems.add("townships", f"'{township}' is outside county {code} (a township's code starts with {code})")

