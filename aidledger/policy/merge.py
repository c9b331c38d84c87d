"""Inheritance: a jurisdiction's file merged over its parent's, down the chain.

Tables merge key by key, recursively; every other value (a number, a string, an array, an
array of tables) replaces the parent's whole. A dated value counts as one value: a child
that dates a parameter replaces the parent's whole history of it (and a plain child value
replaces a parent's dated one). Merging histories date by date was rejected: a child could
then never drop or correct a change its parent made, and "which file set this value?"
would have two answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .dated import looks_dated
from .kinds import join


def is_section(value: Any) -> bool:
    """A table that merges key by key (not a dated value, which replaces)."""
    return isinstance(value, Mapping) and not looks_dated(value)


def merge(parent_body: Mapping[str, Any], child_body: Mapping[str, Any]) -> dict[str, Any]:
    """The child's body over the parent's; neither is changed."""
    merged: dict[str, Any] = dict(parent_body)
    for key, value in child_body.items():
        inherited = merged.get(key)
        if is_section(value) and is_section(inherited):
            merged[key] = merge(inherited, value)
        else:
            merged[key] = value
    return merged


def leaf_paths(body: Mapping[str, Any], path: str = ""):
    """(path, value) of every value that replaces as a whole: the unit 'set by' speaks of."""
    for key, value in body.items():
        here = join(path, str(key))
        if is_section(value):
            yield from leaf_paths(value, here)
        else:
            yield here, value


def merge_chain(bodies: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge (code, body) pairs, top of the chain first → (merged body, path → code that set it)."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for code, body in bodies:
        merged = merge(merged, body)
        for path, _ in leaf_paths(body):
            # A value replacing a whole table also replaces everything recorded under it.
            # (and a table replacing a parent's single value drops that value's record).
            for stale in [p for p in sources if p.startswith(path + ".") or path.startswith(p + ".")]:
                del sources[stale]
            sources[path] = code
    return merged, sources
