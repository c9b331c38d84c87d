"""Storing policy files and reading effective policies back from the database.

`chain_problems_of_batch` judges a batch of parsed files against the files in force (each
jurisdiction once, its parent loaded or in the same batch, the merged chain complete for
every county it affects); `store_file` stores a new version per changed file and the
county's townships. Loading a batch also opens books (a jurisdiction's chart, the townships'
reserve accounts), so the whole action lives above policy and ledger, in
`budget/policies.py`; this module knows nothing of the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.orm import READ_ONLY

from .document import PolicyDocument
from .effective import EffectivePolicy
from .parse import parse_policy
from .tables import PolicyFile, Township

LEVEL_ORDER = {"province": 0, "city": 1, "county": 2}


@dataclass(frozen=True)
class LoadOutcome:
    code: str
    name: str
    version: int
    changed: bool  # False when the file was identical to the version in force


def chain_problems_of_batch(session: Session, documents: Sequence[PolicyDocument],
                            in_books: Callable[[str], tuple[str, str | None] | None]) -> list[str]:
    """What is wrong with a batch of files as a whole, against the files in force (empty: nothing).

    `in_books(code)` gives the (level, parent) a jurisdiction already has in the books, or None:
    a file may not move a jurisdiction to another level or parent.
    """
    problems: list[str] = []
    seen: dict[str, PolicyDocument] = {}
    for document in documents:
        if document.code in seen:
            problems.append(
                f"{document.source}: jurisdiction {document.code} is also set by {seen[document.code].source} "
                "in the same load; load one file per jurisdiction"
            )
        seen[document.code] = document
    if problems:
        return problems
    proposed = {**current_documents(session), **seen}
    for document in documents:
        stored = in_books(document.code)
        if stored is not None and stored != (document.level, document.parent):
            problems.append(
                f"{document.source}: jurisdiction {document.code} is in the books as a {stored[0]} under "
                f"{stored[1] or 'no parent'}; the file makes it a {document.level} under "
                f"{document.parent or 'no parent'}"
            )
        if document.parent and document.parent not in proposed:
            problems.append(
                f"{document.source}: parent jurisdiction {document.parent} has no loaded policy; "
                "load its file first or in the same command"
            )
    if problems:
        return problems
    for code in sorted(_affected(proposed, set(seen))):
        try:
            EffectivePolicy.resolve(_chain(proposed, code))
        except Refusal as refusal:
            source = proposed[code].source
            problems += [p if p.startswith(source) else f"{source}: {p}" for p in refusal.messages]
    return problems


def _affected(documents: dict[str, PolicyDocument], changed: set[str]) -> set[str]:
    """The changed jurisdictions and every loaded jurisdiction below them."""
    affected = set()
    for code in documents:
        walk: str | None = code
        while walk is not None:
            if walk in changed:
                affected.add(code)
                break
            walk = documents[walk].parent if walk in documents else None
    return affected


def _chain(documents: dict[str, PolicyDocument], code: str) -> list[PolicyDocument]:
    chain = []
    walk: str | None = code
    while walk is not None:
        if walk not in documents:
            raise Refusal(f"jurisdiction {code}: no policy is loaded for {walk} in its chain")
        chain.append(documents[walk])
        walk = documents[walk].parent
    return list(reversed(chain))


def store_file(session: Session, document: PolicyDocument, *, user: str, now: datetime) -> LoadOutcome:
    """A new version of the jurisdiction's file (nothing when identical to the one in force), and its townships."""
    digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    latest = _latest_file(session, document.code)
    if latest is not None and latest.sha256 == digest:
        return LoadOutcome(document.code, document.name, latest.version, changed=False)
    version = (latest.version if latest else 0) + 1
    session.add(PolicyFile(
        jurisdiction_code=document.code, version=version, source=document.source, text=document.text,
        sha256=digest, loaded_by=user, loaded_at=now,
    ))
    for code, name in document.townships.items():
        township = session.get(Township, code)
        if township is None:
            session.add(Township(code=code, county_code=document.code, name=name))
        elif township.name != name:
            township.name = name
    session.flush()
    return LoadOutcome(document.code, document.name, version, changed=True)


POLICIES = "aidledger.policies"  # session.info: code → EffectivePolicy, in read-only sessions


def _latest_file(session: Session, code: str) -> PolicyFile | None:
    return session.scalar(
        select(PolicyFile).where(PolicyFile.jurisdiction_code == code).order_by(PolicyFile.version.desc()).limit(1)
    )


def current_documents(session: Session) -> dict[str, PolicyDocument]:
    """The policy document in force for every jurisdiction that has one."""
    latest = (
        select(PolicyFile.jurisdiction_code, func.max(PolicyFile.version).label("version"))
        .group_by(PolicyFile.jurisdiction_code)
        .subquery()
    )
    rows = session.execute(
        select(PolicyFile.jurisdiction_code, PolicyFile.text, PolicyFile.source).join(
            latest,
            (latest.c.jurisdiction_code == PolicyFile.jurisdiction_code) & (latest.c.version == PolicyFile.version),
        )
    )
    return {code: parse_policy(text, source) for code, text, source in rows}


def effective_policy(session: Session, code: str) -> EffectivePolicy:
    """The effective policy of a jurisdiction as currently loaded; a refusal when it has none. A read-only
    session keeps it (with the snapshots of the days it was asked for): a household's page explains twelve
    months, each of which asks for it, and the files cannot change under a read."""
    kept = session.info.setdefault(POLICIES, {}) if session.info.get(READ_ONLY) else None
    if kept is not None and code in kept:
        return kept[code]
    documents = current_documents(session)
    if code not in documents:
        raise Refusal(f"jurisdiction {code} has no loaded policy; an admin loads its policy file first")
    policy = EffectivePolicy.resolve(_chain(documents, code))
    if kept is not None:
        kept[code] = policy
    return policy


def townships_of(session: Session, county: str) -> dict[str, str]:
    return dict(session.execute(select(Township.code, Township.name).where(Township.county_code == county)).all())


def policy_as_loaded(session: Session, code: str, versions: dict[str, int]) -> EffectivePolicy:
    """The effective policy of a jurisdiction under the given file versions (what a cycle's inputs record).

    The files are append-only, so a past computation's policy can always be rebuilt.
    """
    documents = {}
    for jurisdiction, version in versions.items():
        row = session.execute(select(PolicyFile.text, PolicyFile.source).where(
            PolicyFile.jurisdiction_code == jurisdiction, PolicyFile.version == int(version))).first()
        if row is None:
            raise Refusal(f"policy file version {version} of {jurisdiction} is not in the store")
        documents[jurisdiction] = parse_policy(row.text, row.source)
    return EffectivePolicy.resolve(_chain(documents, code))
