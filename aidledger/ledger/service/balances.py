"""Balances and the trial balance, read from the per-day running balances (not the lines).

`account_balances` holds one row per account, fund and day with activity, so a trial
balance as of any date sums a few thousand rows however many million lines the
journal holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.ledger.chart import DEBIT_NORMAL
from aidledger.ledger.tables import Account, AccountBalance

from .accounts import require_jurisdiction

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TrialBalanceRow:
    account: str
    title: str
    type: str
    fund: str
    debit: Decimal  # the net balance, on whichever side it falls
    credit: Decimal


@dataclass(frozen=True)
class TrialBalance:
    jurisdiction: str
    as_of: date
    rows: tuple[TrialBalanceRow, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)


def trial_balance(session: Session, jurisdiction: str, as_of: date) -> TrialBalance:
    """Every account and fund with a non-zero balance at the end of `as_of`."""
    require_jurisdiction(session, jurisdiction)
    rows = session.execute(
        select(
            Account.name,
            Account.title,
            Account.type,
            AccountBalance.fund_code,
            func.sum(AccountBalance.debit),
            func.sum(AccountBalance.credit),
        )
        .join(Account, Account.id == AccountBalance.account_id)
        .where(Account.jurisdiction_code == jurisdiction, AccountBalance.day <= as_of)
        .group_by(Account.name, Account.title, Account.type, AccountBalance.fund_code)
        .order_by(Account.name, AccountBalance.fund_code)
    )
    result = []
    for name, title, type_, fund, debit, credit in rows:
        net = debit - credit
        if net == 0:
            continue
        result.append(
            TrialBalanceRow(name, title, type_, fund, net if net > 0 else ZERO, -net if net < 0 else ZERO)
        )
    return TrialBalance(jurisdiction, as_of, tuple(result))


def balance(session: Session, jurisdiction: str, account: str, fund: str | None, as_of: date) -> Decimal:
    """One account's balance on its normal side (debit for assets and expenses), one fund or all."""
    stmt = (
        select(Account.type, func.sum(AccountBalance.debit), func.sum(AccountBalance.credit))
        .join(Account, Account.id == AccountBalance.account_id)
        .where(Account.jurisdiction_code == jurisdiction, Account.name == account, AccountBalance.day <= as_of)
        .group_by(Account.type)
    )
    if fund is not None:
        stmt = stmt.where(AccountBalance.fund_code == fund)
    row = session.execute(stmt).first()
    if row is None:
        return ZERO
    type_, debit, credit = row
    return debit - credit if type_ in DEBIT_NORMAL else credit - debit


@dataclass(frozen=True)
class Movement:
    account: str
    type: str
    fund: str
    debit: Decimal
    credit: Decimal


def movements(session: Session, jurisdiction: str, start: date | None, end: date) -> list[Movement]:
    """Debits and credits per account and fund over the days start..end (start None: from the beginning)."""
    stmt = (
        select(Account.name, Account.type, AccountBalance.fund_code,
               func.sum(AccountBalance.debit), func.sum(AccountBalance.credit))
        .join(Account, Account.id == AccountBalance.account_id)
        .where(Account.jurisdiction_code == jurisdiction, AccountBalance.day <= end)
        .group_by(Account.name, Account.type, AccountBalance.fund_code)
    )
    if start is not None:
        stmt = stmt.where(AccountBalance.day >= start)
    return [Movement(*row) for row in session.execute(stmt)]


def daily_movements(session: Session, jurisdiction: str, after: date) -> list[tuple[date, Movement]]:
    """Each later day's debits and credits per account and fund, in date order."""
    rows = session.execute(
        select(AccountBalance.day, Account.name, Account.type, AccountBalance.fund_code,
               AccountBalance.debit, AccountBalance.credit)
        .join(Account, Account.id == AccountBalance.account_id)
        .where(Account.jurisdiction_code == jurisdiction, AccountBalance.day > after)
        .order_by(AccountBalance.day)
    )
    return [(day, Movement(name, type_, fund, debit, credit)) for day, name, type_, fund, debit, credit in rows]
