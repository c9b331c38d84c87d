"""Taking a checkpoint of the journal's head, and proving the books still extend one (ledger/checkpoints.py)."""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from aidledger.ledger.checkpoints import Checkpoint, sign
from aidledger.ledger.tables import JournalEntry, LedgerHead
from aidledger.problems import Problem


def take(session: Session, now: datetime, key: Ed25519PrivateKey) -> Checkpoint:
    """The head as it stands, signed."""
    head = session.get(LedgerHead, 1)
    return sign(head.seq, head.hash, now, key)


def extension_problems(session: Session, checkpoint: Checkpoint, source: str) -> list[Problem]:
    """Why the books do not extend `checkpoint`, if they do not: its entry is gone (a book cut short), or holds
    another hash (rewritten, and re-hashed, from that entry or before). `ledger verify` checks the chain itself."""
    if checkpoint.seq == 0:
        return []
    figures = (("checkpoint_seq", str(checkpoint.seq)), ("checkpoint_hash", checkpoint.hash))
    entry = session.get(JournalEntry, checkpoint.seq)
    if entry is None:
        head = session.get(LedgerHead, 1)
        return [Problem(f"{source}: the books end at entry {head.seq}, before entry {checkpoint.seq} of the "
                        f"checkpoint taken {checkpoint.at}: they were cut short", "checkpoint.extends",
                        figures=figures)]
    if entry.hash != checkpoint.hash:
        return [Problem(f"{source}: entry {checkpoint.seq} now has hash {entry.hash[:16]}…, the checkpoint taken "
                        f"{checkpoint.at} says {checkpoint.hash[:16]}…: the books were rewritten at or before "
                        f"entry {checkpoint.seq}", "checkpoint.extends", figures=figures)]
    return []
