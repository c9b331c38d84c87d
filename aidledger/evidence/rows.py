"""A record's content hash, a seal's digest and its keyed link: the arithmetic of the evidence chain.

Pure. A row is hashed as the driver returns it (so the hash is taken and checked on the same database), in a
canonical form: its non-null columns by name, sorted, each name followed by its value, with dates and times in
ISO 8601 (instants in UTC) and JSON values with their keys sorted. A column added later with no value leaves old
rows' hashes as they were.

A seal covers the rows one transaction added to one kind: their keys (JSON) and their hashes (32 hex digits, the
first 128 bits of SHA-256, one after another), whose SHA-256 is the seal's digest. Its link is an HMAC-SHA-256,
under a key the database never holds, of the previous link, its number, kind, subject, count, digest and time:
whoever can edit the database but not read the key can change no record and no seal without breaking a link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from json.encoder import encode_basestring
from types import NoneType
from typing import Any

GENESIS_MAC = "0" * 64
ROW_HASH_HEX = 32


def canonical(value: object) -> object:
    """`value` as the same JSON on every read of the same stored row."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return value


def row_hasher(names: Sequence[str]) -> Callable[[Sequence[object]], str]:
    """The content hash of rows with these columns (ordered by name once, not per row: verify hashes millions):
    SHA-256 of the JSON list name, value, name, value… of the non-null columns, names sorted.

    A row whose values are all str, int or None (a cycle line's, as the drivers return it) takes a plain path:
    its text made by one template per pattern of types, in a few calls for the whole row; any other row the
    canonical one (`canonical_hasher`). Both give the same text to the byte (tests/ledger/test_subledger_fast.py)."""
    canonical_hashed = canonical_hasher(names)
    plans: dict[tuple[type, ...], Callable[[Sequence[object]], str] | None] = {}
    sha256 = hashlib.sha256

    def hashed(values: Sequence[object]) -> str:
        types = tuple(map(type, values))
        plan = plans.get(types, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = plans[types] = _plain_text(names, types)
        if plan is None:
            return canonical_hashed(values)
        return sha256(plan(values).encode("utf-8")).hexdigest()[:ROW_HASH_HEX]

    return hashed


def _picker(at: Sequence[int]) -> Callable[[Sequence[object]], tuple[object, ...]]:
    if len(at) == 1:
        only = at[0]
        return lambda values: (values[only],)
    return operator.itemgetter(*at) if at else (lambda values: ())


def _plain_text(names: Sequence[str], types: tuple[type, ...]) -> Callable[[Sequence[object]], str] | None:
    """The canonical text of rows whose values have exactly these types, when they are only str, int and None:
    the JSON the canonical path makes (its encoder quotes a str by encode_basestring and writes an int by
    int.__repr__, as here), from a template of the names of the non-null columns in order. None otherwise."""
    if len(types) != len(names) or not set(types) <= _PLAIN_TYPES:
        return None
    named = sorted((name, i) for i, name in enumerate(names) if types[i] is not NoneType)
    texts = [i for _, i in named if types[i] is str]
    numbers = [i for _, i in named if types[i] is int]
    place = {i: n for n, i in enumerate(texts + numbers)}  # where each value stands among the encoded ones
    order = _picker([place[i] for _, i in named])
    template = "[" + ",".join(f"{_quote(name).replace('%', '%%')},%s" for name, _ in named) + "]"
    pick_texts, pick_numbers, quote, number = _picker(texts), _picker(numbers), _quote, int.__repr__

    def text(values: Sequence[object]) -> str:
        return template % order((*map(quote, pick_texts(values)), *map(number, pick_numbers(values))))

    return text


def canonical_hasher(names: Sequence[str]) -> Callable[[Sequence[object]], str]:
    """The content hash, the long way: each value through `canonical`, the list through the JSON encoder."""
    named = sorted((name, i) for i, name in enumerate(names))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    sha256 = hashlib.sha256
    plain = (int, str)

    def hashed(values: Sequence[object]) -> str:
        flat: list[object] = []
        for name, i in named:
            value = values[i]
            if value is not None:
                flat.append(name)
                flat.append(value if type(value) in plain else canonical(value))
        return sha256(encode(flat).encode("utf-8")).hexdigest()[:ROW_HASH_HEX]

    return hashed


_PLAIN_TYPES = {str, int, NoneType}
_UNPLANNED: Callable[[Sequence[object]], str] = lambda values: ""  # noqa: E731 (a marker, never called)
_quote: Callable[[Any], str] = encode_basestring  # the JSON encoder's own quoting, with ensure_ascii=False


def row_hash(names: Sequence[str], values: Sequence[object]) -> str:
    return row_hasher(names)(values)


def key_text(keys: Iterable[object]) -> str:
    return json.dumps(list(keys), ensure_ascii=False, separators=(",", ":"))


def seal_digest(keys: str, hashes: str) -> str:
    return hashlib.sha256(f"{keys}\n{hashes}".encode()).hexdigest()


def seal_mac(chain_key: bytes, prev: str, seq: int, kind: str, subject: str, count: int, digest: str,
             at: str) -> str:
    message = json.dumps([prev, seq, kind, subject, count, digest, at], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(chain_key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def rows_digest(rows: Iterable[tuple[tuple[object, ...], str]]) -> str:
    """SHA-256 over `key!r<TAB>hash<NL>` of each (key, content hash), in order: what a cycle's approval commits to
    (its lines and held lines: disbursement/cycles/checks.py), taken alike from the rows and from their seal."""
    sha = hashlib.sha256()
    update = sha.update
    for key, hash_ in rows:
        update(f"{key!r}\t{hash_}\n".encode())
    return sha.hexdigest()


def hashes_of(hashes: str) -> list[str]:
    return [hashes[i:i + ROW_HASH_HEX] for i in range(0, len(hashes), ROW_HASH_HEX)]
