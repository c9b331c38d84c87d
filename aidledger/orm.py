"""The declarative base every table shares, and the one money column type.

`Money` is where the database's integer fen meet Python's `Decimal` yuan: columns of
this type hold fen (`…_fen` in the schema) and read back as two-place Decimals.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from .ledger.money import from_fen, to_fen

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
