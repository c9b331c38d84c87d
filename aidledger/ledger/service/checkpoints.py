"""Taking a checkpoint of the journal's head, and proving the books still extend one (ledger/checkpoints.py)."""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from aidledger.evidence.tables import EvidenceHead, Seal
from aidledger.ledger.checkpoints import Checkpoint, sign
from aidledger.ledger.tables import JournalEntry, LedgerHead
from aidledger.problems import Problem


def take(session: Session, now: datetime, key: Ed25519PrivateKey) -> Checkpoint:
    """The head as it stands, signed."""
    head = session.get(LedgerHead, 1)
    evidence = session.get(EvidenceHead, 1)
    return sign(head.seq, head.hash, evidence.seq, evidence.mac, now, key)


def extension_problems(session: Session, checkpoint: Checkpoint, source: str) -> list[Problem]:
    """Why the books do not extend `checkpoint`, if they do not: its entry is gone (a book cut short), or holds
    another hash (rewritten, and re-hashed, from that entry or before). `ledger verify` checks the chain itself."""
    problems = _evidence_problems(session, checkpoint, source)
    if checkpoint.seq == 0:
        return problems
    figures = (("checkpoint_seq", str(checkpoint.seq)), ("checkpoint_hash", checkpoint.hash))
    entry = session.get(JournalEntry, checkpoint.seq)
    if entry is None:
        head = session.get(LedgerHead, 1)
        problems.append(Problem(f"{source}: the books end at entry {head.seq}, before entry {checkpoint.seq} of the "
                                f"checkpoint taken {checkpoint.at}: they were cut short", "checkpoint.extends",
                                figures=figures))
    elif entry.hash != checkpoint.hash:
        problems.append(Problem(f"{source}: entry {checkpoint.seq} now has hash {entry.hash[:16]}…, the checkpoint "
                                f"taken {checkpoint.at} says {checkpoint.hash[:16]}…: the books were rewritten at or "
                                f"before entry {checkpoint.seq}", "checkpoint.extends", figures=figures))
    return problems


def _evidence_problems(session: Session, checkpoint: Checkpoint, source: str) -> list[Problem]:
    """The same for the evidence chain: the seal the checkpoint names is still there, with its link."""
    if checkpoint.evidence_seq == 0:
        return []
    figures = (("checkpoint_seal", str(checkpoint.evidence_seq)), ("checkpoint_mac", checkpoint.evidence_mac))
    seal = session.get(Seal, checkpoint.evidence_seq)
    if seal is None:
        head = session.get(EvidenceHead, 1)
        return [Problem(f"{source}: the evidence chain ends at seal {head.seq if head else 0}, before seal "
                        f"{checkpoint.evidence_seq} of the checkpoint taken {checkpoint.at}: it was cut short",
                        "checkpoint.extends", figures=figures)]
    if seal.mac != checkpoint.evidence_mac:
        return [Problem(f"{source}: seal {checkpoint.evidence_seq} now has link {seal.mac[:16]}…, the checkpoint "
                        f"taken {checkpoint.at} says {checkpoint.evidence_mac[:16]}…: the records were rewritten and "
                        f"resealed at or before seal {checkpoint.evidence_seq}", "checkpoint.extends",
                        figures=figures)]
    return []
