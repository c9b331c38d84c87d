"""The declarative base every table shares, the one money column type, and the check on codes.

`Money` is where the database's integer fen meet Python's `Decimal` yuan: columns of
this type hold fen (`…_fen` in the schema) and read back as two-place Decimals.
`one_of` is where a column holding a code meets its set in codes.py.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import BigInteger, CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from .codes import values
from .errors import Refusal
from .ledger.money import from_fen, to_fen

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


T = TypeVar("T")


# Set in a session's `info` by db.Database.read(): nothing the session reads can change before it ends (one
# snapshot on PostgreSQL, one read transaction on SQLite), so a service may keep what it derived from the
# database for the rest of the session (policy/store.effective_policy does).
READ_ONLY = "aidledger.read_only"


class Money(TypeDecorator):
    """Decimal yuan in Python, BIGINT fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_fen(Decimal(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_fen(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def existing(session: Session, table: type[T], key: object, what: str) -> T:
    """The row of `table` with primary key `key`, or a refusal naming it (`what`: "cycle", "bank return" …)."""
    row = session.get(table, key)
    if row is None:
        raise Refusal(f"{what} {key} does not exist")
    return row


def one_of(column: str, codes: type[StrEnum]) -> CheckConstraint:
    """A CHECK that `column` holds a code of `codes` (or NULL, where the column allows it).

    Named `ck_<table>_<column>` by the naming convention. Built from the enum, so the set is
    stated once; migration 0008 states the same text as frozen history, and tests/test_codes.py
    checks that the database's constraints and the enums agree.
    """
    # `column = 'a' OR column = 'b' …` rather than `column IN ('a', 'b' …)`: SQLite evaluates a CHECK's IN list
    # by building a little table for every row, which made inserting a million cycle lines seconds slower
    # (bench/cycle.py); the comparisons cost nothing measurable. The codes are plain words: nothing to escape.
    condition = " OR ".join(f"{column} = '{code}'" for code in values(codes))
    # `info` keeps the enum with the constraint, for the test that compares it with the database's.
    return CheckConstraint(condition, name=column, info={"codes": codes, "column": column})
