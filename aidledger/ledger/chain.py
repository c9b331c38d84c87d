"""The tamper-evident chain: each posted entry's SHA-256 covers its content and the previous hash.

Pure. `ledger verify` recomputes these from the stored rows; any edit made behind the
application's back changes a hash and breaks every link after it.
"""

from __future__ import annotations

from .entries import sha256_json

GENESIS_HASH = "0" * 64


def entry_hash(prev_hash: str, seq: int, content: dict, user: str, idempotency_key: str | None) -> str:
    """The hash of entry `seq`, chained to `prev_hash`."""
    return sha256_json(
        {"prev": prev_hash, "seq": seq, "content": content, "user": user, "key": idempotency_key}
    )
