"""The payment order (支付令 / 拨款通知) of a cycle exported to several banks, as data (pure): each bank's file,
count and total, the grand total and the total in capitals. reports/pdf/payment_order.py draws it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aidledger.ledger.capitals import rmb_capitals

from .writer import PaymentFile


@dataclass(frozen=True)
class BankPart:
    name: str
    code: str
    file_name: str
    count: int
    total: Decimal
    sha256: str


@dataclass(frozen=True)
class PaymentOrder:
    cycle_id: int
    month: str
    county: str  # the county's name and code
    approved_on: date
    parts: tuple[BankPart, ...]
    count: int
    total: Decimal

    @property
    def total_in_capitals(self) -> str:
        return rmb_capitals(self.total)


def files_digest(files: Sequence[tuple[str, bytes]]) -> str:
    """One SHA-256 over several files: of the lines "<name> <sha256 of its bytes>\\n", sorted by name."""
    listing = "".join(f"{name} {hashlib.sha256(data).hexdigest()}\n" for name, data in sorted(files))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def order_of(cycle_id: int, month: str, county: str, approved_on: date, files: Sequence[PaymentFile]) -> PaymentOrder:
    parts = tuple(BankPart(f.bank.name, f.bank.code, f.name, f.count, f.total, hashlib.sha256(f.data).hexdigest())
                  for f in files)
    return PaymentOrder(cycle_id, month, county, approved_on, parts, sum(p.count for p in parts),
                        sum((p.total for p in parts), Decimal("0.00")))
