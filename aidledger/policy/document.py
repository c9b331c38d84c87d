"""PolicyDocument: one jurisdiction's policy file, read and checked, not yet merged with its parents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, eq=False)
class PolicyDocument:
    """One checked policy file.

    `body` holds the parameter sections (everything but [jurisdiction] and [townships]) as
    checked: Decimal numbers, tuples for arrays, `Dated` for dated values. It is shared, so
    it is never changed after parsing; `merge` builds new tables.
    """

    source: str  # the file's name as given to parse_policy, used in every message
    code: str
    name: str
    level: str  # province | city | county
    parent: str | None
    body: Mapping[str, Any]
    townships: Mapping[str, str] = field(default_factory=dict)
    text: str = field(default="", repr=False)  # the file as loaded, for storage

    def __repr__(self) -> str:
        return f"PolicyDocument({self.code} {self.name} {self.level}, {self.source})"
