"""A cycle's payment files when the county's policy names its paying banks (`[[bank]]`): each line routed to its
bank by account prefix, one file per bank in the bank's layout, and the payment order's figures.

Which layouts: those of the policy files the cycle was run under (its `inputs` record their versions, as for the
reports), so that a reprint after a later change of a bank's layout still gives the exported bytes, and the
returns are read in the layout the bank was sent. A new layout applies from the next run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.banks.layout import Bank, Router, banks_of
from aidledger.disbursement.banks.order import PaymentOrder, order_of
from aidledger.disbursement.banks.writer import Payment, PaymentFile, payment_file
from aidledger.disbursement.payments.tables import Cycle, CycleLine, CycleTransition
from aidledger.errors import Refusal
from aidledger.labels import PROGRAM_PAYMENTS
from aidledger.masking import mask
from aidledger.policy.store import effective_policy, policy_as_loaded


def cycle_banks(session: Session, cycle: Cycle) -> tuple[tuple[Bank, ...], str]:
    """The paying banks of a cycle (() for none), and the county's name as the payment order shows it."""
    versions = json.loads(cycle.inputs or "{}").get("policy_versions")
    policy = policy_as_loaded(session, cycle.jurisdiction_code, versions) if versions else \
        effective_policy(session, cycle.jurisdiction_code)
    return banks_of(policy.body.get("bank")), f"{policy.jurisdiction.name} ({policy.code})"


def approved_on(session: Session, cycle_id: int) -> date:
    """The day of the cycle's approval: the date every file of the export carries (the same on a reprint)."""
    day = session.scalar(select(CycleTransition.on).where(CycleTransition.cycle_id == cycle_id,
                                                          CycleTransition.status == "approved")
                         .order_by(CycleTransition.id.desc()))
    if day is None:
        raise Refusal(f"cycle {cycle_id} was never approved")
    return day


def bank_files(session: Session, cycle: Cycle, banks: tuple[Bank, ...], county_name: str
               ) -> tuple[list[PaymentFile], PaymentOrder]:
    """One file per bank (banks paying nobody this month get none), in the policy's order of banks, and the order.

    Every line must route to a bank: an account no prefix covers is refused before anything is written or posted,
    naming the household and the account (masked: the refusal may be read by more people than the file)."""
    router = Router(banks)
    payments: dict[str, list[Payment]] = defaultdict(list)
    unrouted = []
    year, mon = cycle.month.split("-")
    rows = session.execute(
        select(CycleLine.household_id, CycleLine.payee_name, CycleLine.bank_account, CycleLine.amount,
               CycleLine.program).where(CycleLine.cycle_id == cycle.id)
        .order_by(CycleLine.township, CycleLine.household_id))
    for household_id, payee, account, amount, program in rows:
        bank = router.bank_of(account)
        if bank is None:
            unrouted.append(f"cycle {cycle.id}: household {household_id}'s account {mask(account)} starts with no "
                            "prefix of the policy's banks ([[bank]] prefixes); add its bank or correct the account")
            continue
        payments[bank.code].append(Payment(household_id, payee, account, amount,
                                           f"{year}年{mon}月{PROGRAM_PAYMENTS.get(program, program)}"))
    if unrouted:
        raise Refusal(unrouted)
    day = approved_on(session, cycle.id)
    stamp = datetime(day.year, day.month, day.day)
    files = [payment_file(bank, payments[bank.code], cycle.month, cycle.id, stamp) for bank in banks
             if payments.get(bank.code)]
    return files, order_of(cycle.id, cycle.month, county_name, day, files)
