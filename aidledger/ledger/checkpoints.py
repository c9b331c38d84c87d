"""Signed checkpoints of the journal's head: what an auditor keeps outside the database.

Pure (no database): a checkpoint states the head of the hash chain at a moment, (sequence, hash, time),
signed with the books' Ed25519 key, much as Certificate Transparency's signed tree heads (RFC 9162) state a
log's size and root; and the head of the evidence chain, whose seals cover every other record
(evidence/). Whoever holds a checkpoint can later ask `ledger verify --checkpoint FILE` whether the
books still extend it: the entry at that sequence must still be there with that hash, and the chain from the
first entry to the head must still verify. A book cut short, or rewritten and re-hashed from some entry on,
fails at the first entry that differs.

What it does not do: whoever holds both the database and the signing key can write a different history and
sign a checkpoint of it; only a checkpoint taken before, and kept by someone else (the auditor), shows it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aidledger.errors import Refusal
from aidledger.problems import Problem

FORMAT = "aidledger-checkpoint/2"


@dataclass(frozen=True)
class Checkpoint:
    seq: int  # the last entry's sequence number (0: an empty journal)
    hash: str  # its chained hash
    evidence_seq: int  # the last seal of the evidence chain (0: none yet)
    evidence_mac: str  # its keyed link
    at: str  # when the checkpoint was taken (ISO 8601, UTC)
    public_key: str  # the signer's Ed25519 public key, raw bytes in base64
    signature: str  # base64 Ed25519 signature of `statement()`

    def head(self) -> dict[str, object]:
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash, "evidence_seq": self.evidence_seq,
                "evidence_mac": self.evidence_mac, "at": self.at}

    def statement(self) -> bytes:
        """The bytes signed: the format, both heads and the time, in one canonical JSON line."""
        return json.dumps(self.head(), sort_keys=True, separators=(",", ":")).encode()

    def as_text(self) -> str:
        return json.dumps({**self.head(), "public_key": self.public_key, "signature": self.signature},
                          indent=2) + "\n"


def sign(seq: int, hash: str, evidence_seq: int, evidence_mac: str, at: datetime,
         key: Ed25519PrivateKey) -> Checkpoint:
    public = base64.b64encode(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
    unsigned = Checkpoint(seq, hash, evidence_seq, evidence_mac, at.isoformat(timespec="seconds"), public, "")
    signature = base64.b64encode(key.sign(unsigned.statement())).decode()
    return Checkpoint(seq, hash, evidence_seq, evidence_mac, unsigned.at, public, signature)


def read(text: str, source: str) -> Checkpoint:
    """A checkpoint file's content, its signature checked; a file that is not one, or altered, is refused."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"its format is {data.get('format')!r}, not {FORMAT}")
        checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), int(data["evidence_seq"]),
                                str(data["evidence_mac"]), str(data["at"]), str(data["public_key"]),
                                str(data["signature"]))
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key, validate=True))
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Refusal(Problem(f"{source} is not a ledger checkpoint ({exc})", "checkpoint.format")) from None
    try:
        key.verify(signature, checkpoint.statement())
    except InvalidSignature:
        raise Refusal(Problem(f"{source}: its signature does not match its content (seq {checkpoint.seq}): the "
                              "checkpoint was altered", "checkpoint.signature")) from None
    return checkpoint
