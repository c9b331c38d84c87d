"""The policy store's tables: every loaded version of every policy file, and the townships.

`policy_files` is append-only (a trigger refuses UPDATE and DELETE): loading a new file
for a jurisdiction adds a version; the latest version is the one in force, and earlier
versions stay for the record and for recomputing what was paid under them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.ledger import tables as _ledger_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base


class PolicyFile(Base):
    __tablename__ = "policy_files"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Township(Base):
    """A township (乡镇/街道) of a county, as listed in the county's policy file."""

    __tablename__ = "townships"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    name: Mapped[str] = mapped_column(String(100))
