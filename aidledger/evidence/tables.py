"""The seals of the evidence chain, and its head (kinds.py says what is sealed, rows.py how).

`evidence` is append-only (the migration's triggers refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE);
`evidence_head` names the last seal and is the lock every write transaction takes before it seals, so seals are
numbered in the order their transactions commit.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.orm import Base


class Seal(Base):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_kind_subject", "kind", "subject"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))  # a table of kinds.KINDS, or kinds.CYCLE
    subject: Mapped[str] = mapped_column(String(40))  # a cycle's id; "" for a table's batch
    count: Mapped[int] = mapped_column(Integer)
    keys: Mapped[str] = mapped_column(Text)  # JSON: the key of each record sealed, in order
    hashes: Mapped[str] = mapped_column(Text)  # each record's content hash (rows.ROW_HASH_HEX hex digits)
    digest: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, as the link was computed over it
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), unique=True)


class EvidenceHead(Base):
    __tablename__ = "evidence_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    mac: Mapped[str] = mapped_column(String(64))
