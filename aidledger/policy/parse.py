"""Reading policy files: TOML text → checked PolicyDocument, or one Refusal listing every problem.

Numbers are read as Decimal straight from the TOML text (`parse_float=Decimal`), so no
policy value ever passes through a binary float.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from decimal import Decimal
from types import MappingProxyType

from aidledger.errors import Refusal

from .document import PolicyDocument
from .format import IDENTITY_SECTIONS
from .kinds import Problems
from .validate import check_body, check_identity


def _problems_of(text: str, source: str) -> tuple[list[str], dict]:
    try:
        # Windows Notepad saves UTF-8 with a byte-order mark, which TOML itself does not allow.
        raw = tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message ends with "(at line L, column C)".
        return [f"{source}: not valid TOML: {error}"], {}
    problems = Problems()
    body = check_body(raw, problems)
    check_identity(raw, body, problems)
    return problems.messages(source), body


def parse_policy(text: str, source: str) -> PolicyDocument:
    """Read and check one policy file; refuse it with every problem found."""
    problems, body = _problems_of(text, source)
    if problems:
        raise Refusal(problems)
    return _document(body, text, source)


def parse_policies(files: Iterable[tuple[str, str]]) -> list[PolicyDocument]:
    """Read and check several files (text, source) at once: every problem of every file, or all of them.

    `policy load` stores nothing unless every file it was given is sound.
    """
    problems: list[str] = []
    documents: list[PolicyDocument] = []
    for text, source in files:
        found, body = _problems_of(text, source)
        problems.extend(found)
        if not found:
            documents.append(_document(body, text, source))
    if problems:
        raise Refusal(problems)
    return documents


def _document(body: dict, text: str, source: str) -> PolicyDocument:
    identity = body["jurisdiction"]
    parameters = {key: value for key, value in body.items() if key not in IDENTITY_SECTIONS}
    return PolicyDocument(
        source=source,
        code=identity["code"],
        name=identity["name"],
        level=identity["level"],
        parent=identity.get("parent"),
        body=MappingProxyType(parameters),
        townships=MappingProxyType(dict(body.get("townships", {}))),
        text=text,
    )
