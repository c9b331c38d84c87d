"""EffectivePolicy: a jurisdiction's policy after inheritance, and its snapshots by day.

`EffectivePolicy.resolve(chain)` takes the chain of documents, province first and the
jurisdiction itself last, checks that it is a chain, merges it, and remembers which file
set each value. `on(day)` gives the typed snapshot the rules read (cached per day: the rules
ask for the first of each month again and again); `as_dict(day)` and `parameters(day)` give
plain values for `policy show`; `set_by(path)` says which file a value came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aidledger.errors import Refusal

from .dated import UNDEFINED, Dated
from .document import PolicyDocument
from .format import REQUIRED_SOMEWHERE
from .merge import is_section, merge_chain
from .sections import Jurisdiction, PolicySnapshot
from .snapshot import build_snapshot

_SNAPSHOT_CACHE_SIZE = 256  # days; a cycle or a report reads a few dozen months


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One parameter on a day, for display: its path, JSON-able value (None: undefined) and source."""

    path: str
    value: Any
    set_by: str | None
    defined: bool


def chain_problems(chain: Sequence[PolicyDocument]) -> list[str]:
    """What keeps a list of documents from being one chain, province first."""
    if not chain:
        return ["an effective policy needs at least one policy file"]
    problems = []
    top = chain[0]
    if top.parent is not None:
        problems.append(f"{top.source}: the chain starts at {top.code}, but its parent {top.parent} is not in it")
    for parent, child in zip(chain, chain[1:]):
        if child.parent != parent.code:
            problems.append(
                f"{child.source}: {child.code}'s parent is {child.parent}, "
                f"but the file before it in the chain is {parent.code} ({parent.source})"
            )
    return problems


def _json(value: Any) -> Any:
    """A resolved value as plain JSON: Decimals as strings, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


def _on(value: Any, day: date) -> Any:
    """A raw merged value on a day, with every dated value inside resolved (UNDEFINED → None)."""
    if isinstance(value, Dated):
        found = value.value_on(day)
        return None if found is UNDEFINED else _on(found, day)
    if isinstance(value, Mapping):
        return {k: _on(v, day) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_on(v, day) for v in value]
    return value


def _prefixes(path: str) -> list[str]:
    """The path and its ancestors, longest first: dibao.addons[4].rate, dibao.addons[4], dibao.addons, dibao."""
    cuts = [i for i, ch in enumerate(path) if ch in ".["] + [len(path)]
    return [path[:i] for i in reversed(cuts) if i > 0]


class EffectivePolicy:
    """The merged policy of the last document of a chain."""

    def __init__(self, chain: Sequence[PolicyDocument], body: Mapping[str, Any], sources: Mapping[str, str]):
        self.chain = tuple(chain)
        self.body = body
        self.sources = dict(sources)  # leaf path → code of the file that set it
        last = self.chain[-1]
        self.jurisdiction = Jurisdiction(last.code, last.name, last.level, last.parent)
        self.townships = dict(last.townships)
        self._codes = tuple(d.code for d in self.chain)
        self._by_code = {d.code: d for d in self.chain}
        self._snapshots: dict[date, PolicySnapshot] = {}

    @classmethod
    def resolve(cls, chain: Sequence[PolicyDocument]) -> EffectivePolicy:
        """Merge a chain (province first … the jurisdiction last) or refuse with every problem.

        A chain ending at a county must set the REQUIRED_SOMEWHERE keys, and a tier_ratio when
        dibao.method is ever `tiered`: a county pays households, so these cannot be left for
        later. A province or city may leave them to its counties.
        """
        problems = chain_problems(chain)
        if problems:
            raise Refusal(problems)
        body, sources = merge_chain([(d.code, d.body) for d in chain])
        policy = cls(chain, body, sources)
        if chain[-1].level == "county":
            problems = policy._completeness_problems()
            if problems:
                raise Refusal(problems)
        return policy

    def _completeness_problems(self) -> list[str]:
        files = ", ".join(d.source for d in self.chain)
        problems = [
            f"{self.code}: {path} is required and none of the chain's files sets it ({files})"
            for path in REQUIRED_SOMEWHERE
            if self._raw(path) is None
        ]
        method = self._raw("dibao.method")
        methods = method.values if isinstance(method, Dated) else (method,)
        if "tiered" in methods and not self._raw("dibao.tier_ratio"):
            problems.append(
                f"{self.code}: dibao.method is 'tiered' (set by {self.sources['dibao.method']}) "
                f"and none of the chain's files sets dibao.tier_ratio ({files})"
            )
        return problems

    def _raw(self, path: str) -> Any:
        value: Any = self.body
        for key in path.split("."):
            if not isinstance(value, Mapping) or key not in value:
                return None
            value = value[key]
        return value

    @property
    def code(self) -> str:
        return self.jurisdiction.code

    def on(self, day: date) -> PolicySnapshot:
        """The typed parameters in force on `day` (for month M the rules pass the first of M)."""
        if isinstance(day, datetime):
            day = day.date()
        snapshot = self._snapshots.get(day)
        if snapshot is None:
            if len(self._snapshots) >= _SNAPSHOT_CACHE_SIZE:
                self._snapshots.clear()
            snapshot = build_snapshot(self.body, self.jurisdiction, self.townships, day, self._codes)
            self._snapshots[day] = snapshot
        return snapshot

    def defined_from(self, path: str) -> date | None:
        """The first day on which the scalar at `path` has a value: its first dated start, or
        None when it is a plain value (defined on every day) or not set at all."""
        value = self._raw(path)
        return value.first_start if isinstance(value, Dated) else None

    def set_by(self, path: str) -> PolicyDocument | None:
        """The document in the chain that supplied the value at `path` (None: no file sets it).

        A path inside an array or a dated value ("dibao.addons[4].rate") is answered by the file
        that set the whole array; a table ("dibao") by the last file in the chain that set
        anything in it.
        """
        if path == "townships" or path.startswith(("townships.", "jurisdiction.")) or path == "jurisdiction":
            return self.chain[-1]
        for prefix in _prefixes(path):
            code = self.sources.get(prefix)
            if code is not None:
                return self._by_code[code]
        inside = {code for p, code in self.sources.items() if p.startswith((path + ".", path + "["))}
        for document in reversed(self.chain):
            if document.code in inside:
                return document
        return None

    def as_dict(self, day: date) -> dict[str, Any]:
        """Every parameter on `day` as plain JSON-able values (Decimals as strings, undefined as null)."""
        resolved = _json(_on(self.body, day))
        return {
            "jurisdiction": {"code": self.code, "name": self.jurisdiction.name,
                             "level": self.jurisdiction.level, "parent": self.jurisdiction.parent},
            "on": day.isoformat(),
            "chain": list(self._codes),
            **resolved,
            "townships": dict(self.townships),
        }

    def parameters(self, day: date) -> list[ParameterValue]:
        """Every parameter on `day`, one row each, with the code of the file that set it."""
        rows: list[ParameterValue] = []

        def walk(value: Any, path: str) -> None:
            if isinstance(value, Dated):
                found = value.value_on(day)
                if found is UNDEFINED:
                    rows.append(ParameterValue(path, None, self._code_of(path), False))
                else:
                    walk(found, path)
            elif is_section(value):
                for key, item in value.items():
                    walk(item, f"{path}.{key}" if path else str(key))
            elif isinstance(value, tuple) and value and all(isinstance(v, Mapping) for v in value):
                for index, item in enumerate(value):
                    walk(item, f"{path}[{index}]")
            else:
                rows.append(ParameterValue(path, _json(value), self._code_of(path), True))

        walk(self.body, "")
        return rows

    def _code_of(self, path: str) -> str | None:
        document = self.set_by(path)
        return document.code if document else None

    def __repr__(self) -> str:
        return f"EffectivePolicy({' → '.join(self._codes)})"
