"""Sealing what a write transaction added, just before it commits (kinds.py says what, rows.py how).

Every write goes through `Database.write()`, which gives its connection a `Sealer`. The engine shows the sealer
each statement before the driver runs it; the first time a transaction writes a sealed table, the sealer notes
where that table stood (its largest key, its keys, or its rows' hashes). At commit, `seal` takes the evidence
head's lock, finds what lies beyond those marks, and appends one seal per kind (and one per cycle that left
draft), each linked to the one before it under the chain key.

What was written behind the application's back is never sealed by a later transaction: it lies below the mark
that transaction noted, so `ledger verify` finds it outside every seal. On PostgreSQL a write transaction takes
the head's lock when it begins (Database.write), so writers seal in the order they wrote.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aidledger.orm import READ_ONLY

from .kinds import BY_TABLE, CYCLE, CYCLE_COLUMNS, CYCLE_TABLES, KINDS, Kind
from .rows import GENESIS_MAC, key_text, row_hash, row_hasher, rows_digest, seal_digest, seal_mac
from .tables import EvidenceHead, Seal

SEALER = "aidledger_sealer"  # Connection.info: the open write transaction's Sealer (db.py sets it)
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_TRACKED = {kind.table for kind in KINDS if kind.how != "child"}


@dataclass
class Sealer:
    """Where each sealed table stood when this transaction first wrote it; and the hashes of a cycle's rows the
    transaction already computed (an approval's digest), kept until anything writes a cycle's tables again."""

    marks: dict[str, object] = field(default_factory=dict)
    hashed: dict[tuple[str, int], list[tuple[tuple, str]]] = field(default_factory=dict)

    def saw(self, cursor, statement: str) -> None:
        match = _WRITE.match(statement)
        if match is None:
            return
        table = match.group(1).lower()
        if table in CYCLE_TABLES:  # (a cycle's own row is hashed afresh at the seal: its status moves meanwhile)
            self.hashed.clear()
        if table in _TRACKED and table not in self.marks:
            self.marks[table] = _mark(cursor, BY_TABLE[table])


def _mark(cursor, kind: Kind) -> object:
    probe = cursor.connection.cursor()
    try:
        if kind.how == "serial":
            probe.execute(f"SELECT max({kind.key[0]}) FROM {kind.table}")
            return probe.fetchone()[0] or 0
        if kind.how == "keyset":
            probe.execute(f"SELECT {', '.join(kind.key)} FROM {kind.table}")
            return {_key(row) for row in probe.fetchall()}
        probe.execute(f"SELECT * FROM {kind.table}")
        names = [d[0] for d in probe.description]
        hashed = row_hasher(names)
        return {_key_of(kind, names, row): hashed(row) for row in probe.fetchall()}
    finally:
        probe.close()


def _key(values) -> object:
    return values[0] if len(values) == 1 else tuple(values)


def _key_of(kind: Kind, names: list[str], row) -> object:
    return _key([row[names.index(column)] for column in kind.key])


def lock_head(session: Session) -> EvidenceHead:
    stmt = select(EvidenceHead).where(EvidenceHead.id == 1).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


@dataclass(frozen=True)
class Batch:
    kind: str
    subject: str
    keys: list
    hashes: list[str]


@dataclass(frozen=True)
class Sealed:
    count: int  # seals appended
    first: bool  # the book's first seals (all it held)


def seal(session: Session, sealer: Sealer, chain_key: Callable[[bool], bytes], now: datetime | None = None) -> Sealed:
    """Append the seals of what this transaction added. `chain_key(create)` gives the key (made only for a book's
    first seal)."""
    session.flush()
    head = lock_head(session)
    baseline = head.seq == 0  # the first seal of a book (or of one upgraded from before the chain): all of it
    if not sealer.marks and not baseline:
        return Sealed(0, False)
    batches = list(_batches(session, sealer, baseline))
    if not batches:
        return Sealed(0, False)
    key = chain_key(baseline)
    at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="microseconds")
    seq, prev = head.seq, head.mac
    rows = []
    for batch in batches:
        seq += 1
        keys, hashes = key_text(batch.keys), "".join(batch.hashes)
        digest = seal_digest(keys, hashes)
        mac = seal_mac(key, prev, seq, batch.kind, batch.subject, len(batch.keys), digest, at)
        rows.append({"seq": seq, "kind": batch.kind, "subject": batch.subject, "count": len(batch.keys),
                     "keys": keys, "hashes": hashes, "digest": digest, "sealed_at": at, "prev_mac": prev,
                     "mac": mac})
        prev = mac
    session.execute(Seal.__table__.insert(), rows)
    session.execute(update(EvidenceHead).where(EvidenceHead.id == 1).values(seq=seq, mac=prev))
    return Sealed(len(rows), baseline)


def _batches(session: Session, sealer: Sealer, baseline: bool) -> Iterator[Batch]:
    for kind in KINDS:
        if baseline:
            found = list(table_rows(session, kind))
        elif kind.how == "child":
            if kind.parent not in sealer.marks:
                continue
            found = list(table_rows(session, kind, f"{kind.group} > {int(sealer.marks[kind.parent])}"))
        elif kind.table not in sealer.marks:
            continue
        elif kind.how == "serial":
            found = list(table_rows(session, kind, f"{kind.key[0]} > {int(sealer.marks[kind.table])}"))
        elif kind.how == "keyset":
            before = sealer.marks[kind.table]
            found = [(key, hash_) for key, hash_ in table_rows(session, kind) if key not in before]
        else:
            start = sealer.marks[kind.table]
            found = [(key, hash_) for key, hash_ in table_rows(session, kind) if start.get(key) != hash_]
        if found:
            yield Batch(kind.table, "", [k for k, _ in found], [h for _, h in found])
    for cycle_id in _cycles_leaving_draft(session, sealer, baseline):
        keys, hashes = [], []
        for key, hash_ in cycle_rows(session, cycle_id):
            keys.append(key)
            hashes.append(hash_)
        yield Batch(CYCLE, str(cycle_id), keys, hashes)


def table_rows(session: Session, kind: Kind, where: str = "") -> Iterator[tuple[object, str]]:
    """(key, content hash) of each row of `kind` (matching `where`), in key order."""
    found: list[tuple[object, str]] = []
    with _driver_rows(session, f"SELECT * FROM {kind.table}{' WHERE ' + where if where else ''}") as (names, batches):
        at = [names.index(column) for column in kind.key]
        hashed = row_hasher(names)
        for batch in batches:
            if len(at) == 1:
                first = at[0]
                found += [(row[first], hashed(row)) for row in batch]
            else:
                found += [(tuple(row[i] for i in at), hashed(row)) for row in batch]
    found.sort(key=lambda pair: _order(pair[0]))
    return iter(found)


def _order(key: object) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def cycle_table_rows(session: Session, table: str, cycle_id: int) -> Iterator[tuple[tuple, str]]:
    """((table, *key), content hash) of each row of one table of a cycle's sub-ledger, streamed in key order.
    Within a write transaction the hashes are kept for the seal at commit, which then need not read them again."""
    sealer = session.connection().info.get(SEALER)
    if sealer is not None and (table, cycle_id) in sealer.hashed:
        yield from sealer.hashed[(table, cycle_id)]
        return
    key = CYCLE_TABLES[table]
    kept: list[tuple[tuple, str]] | None = [] if sealer is not None else None
    with _driver_rows(session, f"SELECT * FROM {table} WHERE cycle_id = {int(cycle_id)} "
                               f"ORDER BY {', '.join(key)}") as (names, batches):
        at = [names.index(column) for column in key]
        hashed = row_hasher(names)
        for batch in batches:
            if len(at) == 1:
                first = at[0]
                found = [((table, row[first]), hashed(row)) for row in batch]
            else:
                found = [((table, *[row[i] for i in at]), hashed(row)) for row in batch]
            if kept is not None:
                kept += found
            yield from found
    if sealer is not None and kept is not None:
        sealer.hashed[(table, cycle_id)] = kept


_FETCH = 5_000  # rows a fetch from the driver
_opened = itertools.count(1)


@contextmanager
def _driver_rows(session: Session, sql: str) -> Iterator[tuple[list[str], Iterator[list]]]:
    """The column names of `sql` and its rows as the driver returns them (tuples, the values a row's hash is taken
    of: SQLAlchemy's Row adds nothing to them but time), `_FETCH` at a time through the driver's own cursor on the
    session's connection, so inside its transaction; on PostgreSQL a named (server-side) cursor, so that a
    county's lines are never held at once."""
    connection = session.connection()
    driver = connection.connection.dbapi_connection
    assert driver is not None
    postgresql = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name=f"aidledger_evidence_rows_{next(_opened)}") if postgresql else driver.cursor()
    try:
        cursor.execute(sql)
        fetch = cursor.fetchmany
        yield [d[0] for d in cursor.description], iter(lambda: fetch(_FETCH), [])
    finally:
        cursor.close()


def cycle_rows(session: Session, cycle_id: int, skip: Iterable[str] = ()) -> Iterator[tuple[tuple, str]]:
    """A cycle's sealed content: its frozen columns, then every row of its sub-ledger (but the tables in `skip`),
    each with its hash."""
    result = session.connection().exec_driver_sql(
        f"SELECT {', '.join(CYCLE_COLUMNS)} FROM cycles WHERE id = {int(cycle_id)}")
    for row in result.all():
        yield ("cycles", int(cycle_id)), row_hash(CYCLE_COLUMNS, row)
    for table in CYCLE_TABLES:
        if table not in skip:
            yield from cycle_table_rows(session, table, cycle_id)


# What a cycle's approval commits to (disbursement/cycles/checks.py): its lines and held lines, by their hashes.
LINE_TABLES = ("cycle_lines", "cycle_held")
_LINES_DIGESTS = "aidledger.lines_digests"  # Session.info of a read: {cycle id: its lines' digest}


def lines_digest(session: Session, cycle_id: int) -> str:
    """rows_digest of the cycle's lines and held lines, as they are now. A read (which writes nothing) keeps it,
    so that `ledger verify` reads and hashes them once for its two checks of them (the approval's digest, the
    cycle's seal), whichever runs first."""
    known = kept_lines_digests(session)
    if known is not None and cycle_id in known:
        return known[cycle_id]
    digest = rows_digest(row for table in LINE_TABLES for row in cycle_table_rows(session, table, cycle_id))
    if known is not None:
        known[cycle_id] = digest
    return digest


def kept_lines_digests(session: Session) -> dict[int, str] | None:
    """The lines' digests a read session took so far (None in a write: there the lines may change)."""
    return session.info.setdefault(_LINES_DIGESTS, {}) if session.info.get(READ_ONLY) else None


def _cycles_leaving_draft(session: Session, sealer: Sealer, baseline: bool) -> Iterable[int]:
    connection = session.connection()
    if baseline:
        query = "SELECT DISTINCT cycle_id FROM cycle_transitions WHERE status <> 'draft'"
    elif "cycle_transitions" in sealer.marks:
        query = ("SELECT DISTINCT cycle_id FROM cycle_transitions WHERE status <> 'draft' AND id > "
                 f"{int(sealer.marks['cycle_transitions'])}")
    else:
        return []
    candidates = sorted(row[0] for row in connection.exec_driver_sql(query))
    if not candidates:
        return []
    sealed = set(session.scalars(select(Seal.subject).where(Seal.kind == CYCLE,
                                                           Seal.subject.in_([str(c) for c in candidates]))))
    return [c for c in candidates if str(c) not in sealed]


def genesis() -> dict:
    return {"id": 1, "seq": 0, "mac": GENESIS_MAC}
