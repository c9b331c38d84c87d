"""价格临时补贴 declarations: CPI and food-price growth declared for a jurisdiction and month.

Append-only, one per jurisdiction and month. A declaration for a city or province applies
to every county below it that has none of its own; the growth figures are kept as the
decimal text the user gave (percentages are not money, and never binary floats).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aidledger.ledger import tables as _ledger_tables  # noqa: F401  (referred to by foreign keys)
from aidledger.orm import Base


class PriceDeclarationRow(Base):
    __tablename__ = "price_declarations"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    month: Mapped[str] = mapped_column(String(7))
    cpi_text: Mapped[str] = mapped_column("cpi", String(16))
    food_text: Mapped[str] = mapped_column("food", String(16))
    declared_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def cpi(self) -> Decimal:
        return Decimal(self.cpi_text)

    @property
    def food(self) -> Decimal:
        return Decimal(self.food_text)
