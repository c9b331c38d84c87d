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
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal

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
    SHA-256 of the JSON list name, value, name, value… of the non-null columns, names sorted."""
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


def hashes_of(hashes: str) -> list[str]:
    return [hashes[i:i + ROW_HASH_HEX] for i in range(0, len(hashes), ROW_HASH_HEX)]
