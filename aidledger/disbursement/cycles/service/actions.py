"""A cycle after its run: approve (signing.py, approval.py), export to the bank, book the returns, cancel.

The books, per cycle (all in the county's journal, per fund):
  approve   Dr Expenses:<Program>:<Area>        Cr Liabilities:Payable:Beneficiaries
            (price subsidies, heating and instalments: Dr Expenses:PriceSubsidy, :Heating,
            :Temporary; a re-issued return: Dr Liabilities:ReturnedPayments instead of an
            expense; receivables for overpaid months: Dr Assets:Receivable:Recovery, Cr the
            program's expense, see recovery.py)
  export    Dr Liabilities:Payable:Beneficiaries  Cr Liabilities:BankClearing
  returns   Dr Liabilities:BankClearing          Cr Assets:Treasury (paid)
                                                 Cr Liabilities:ReturnedPayments (returned)
  cancel a return back to the fund:  Dr Liabilities:ReturnedPayments  Cr the line's expense account
The lines of the cycle are the sub-ledger of these control accounts; `ledger verify` checks
that they agree (cycle_checks.py).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.budget.rules import charge_in_order
from aidledger.disbursement.banks.order import PaymentOrder, files_digest
from aidledger.disbursement.banks.writer import PaymentFile
from aidledger.disbursement.cycles.bank_file import PaymentRow, ReturnRow, payment_file
from aidledger.disbursement.payments.accounts import ONE_OFF_ACCOUNTS, expense_account
from aidledger.disbursement.payments.tables import BankReturn, Cycle, CycleExport, CycleLine, ReturnResolution
from aidledger.disbursement.recovery.service import recoveries_blocking_cancel
from aidledger.errors import Refusal
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.posting import lock_books, post_entry, reverse_entry
from aidledger.orm import existing
from aidledger.policy.store import effective_policy
from aidledger.users import require_role, require_whole

from .bank_export import bank_files, cycle_banks
from .returns import parse_bank_returns
from .signing import approve  # noqa: F401  (a step of the cycle, as the commands call it)
from .steps import (
    CLEARING,
    PAYABLE,
    RETURNED,
    ZERO,
    cycle_of,
    fund_split,
    not_before_last_posting,
    reissued_returns,
    returned_by_fund,
    transition,
    transition_entry,
)


def cancel(session: Session, cycle_id: int, reason: str, on: date, *, user: str | None, now: datetime) -> int | None:
    """Cancel a cycle before export (approver); an approved one's posting is reversed."""
    approver = require_role(session, user, "approver", action="cancel payment cycles")
    lock_books(session)
    cycle = cycle_of(session, cycle_id, "draft", "approved")
    require_whole(session, approver.name, cycle.jurisdiction_code,
                  what=f"cycle {cycle_id} of {cycle.jurisdiction_code}")
    if not reason.strip():
        raise Refusal("a cancellation needs a reason")
    reversal = None
    if cycle.status == "approved":
        if reissued_returns(session, cycle_id):
            raise Refusal(f"cycle {cycle_id} re-issues bank returns; settle it and cancel those payments instead")
        recovered = recoveries_blocking_cancel(session, cycle_id)
        if recovered:
            raise Refusal(f"cycle {cycle_id} created receivables against which {len(recovered)} recoveries are "
                          "recorded; it cannot be cancelled")
        not_before_last_posting(session, cycle, on, "cancellation", now.date())
        approval = transition_entry(session, cycle_id, "approved")
        reversal = reverse_entry(session, approval, on=on, reason=f"撤销发放批次 {cycle_id}: {reason}",
                                 user=approver.name, now=now).seq
    transition(session, cycle, "cancelled", on, reversal, reason.strip(), approver.name, now)
    return reversal


@dataclass(frozen=True)
class BankFile:
    """A cycle's bank file: its bytes, count and total, and whether it reprints an earlier export."""

    data: bytes
    count: int
    total: Decimal
    reprint: bool
    # With banks in the policy (`order` set): one file per bank paying anyone (`data` is then empty) and the payment
    # order's figures.
    files: tuple[PaymentFile, ...] = ()
    order: PaymentOrder | None = None


def export_bank(session: Session, cycle_id: int, on: date, *, user: str | None, now: datetime) -> BankFile:
    """The bank file of an approved cycle, moving the payable to bank clearing (posted), or of an exported or
    settled one again (a reprint: the same bytes, recorded, nothing posted). The caller writes the file once the
    transaction has committed (files.py): a file on disk always has its record."""
    exporter = require_role(session, user, "preparer", "approver", action="export bank files")
    lock_books(session)
    cycle = cycle_of(session, cycle_id, "approved", "exported", "settled")
    # The county pays: a bank file holds every account of the county, not for a township's clerk.
    require_whole(session, exporter.name, cycle.jurisdiction_code,
                  what=f"cycle {cycle_id} of {cycle.jurisdiction_code}")
    banks, county_name = cycle_banks(session, cycle)
    files: tuple[PaymentFile, ...] = ()
    order = None
    if banks:  # one file per paying bank, in its layout; one digest over them all (order.files_digest)
        per_bank, order = bank_files(session, cycle, banks, county_name)
        files, data, count, total = tuple(per_bank), b"", order.count, order.total
        digest = files_digest([(f.name, f.data) for f in files])
    else:
        rows = session.execute(
            select(CycleLine.household_id, CycleLine.payee_name, CycleLine.bank_account, CycleLine.amount,
                   CycleLine.program).where(CycleLine.cycle_id == cycle_id)
            .order_by(CycleLine.township, CycleLine.household_id))
        text, count, total = payment_file((PaymentRow(*row) for row in rows), cycle.month)
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
    if (count, total) != (cycle.count, cycle.total):
        raise Refusal(f"cycle {cycle_id}: the bank file's control totals {count} / {total:.2f} differ from the "
                      f"cycle's {cycle.count} / {cycle.total:.2f}")
    if cycle.status != "approved":
        first = session.scalar(select(CycleExport).where(CycleExport.cycle_id == cycle_id,
                                                         CycleExport.kind == "export"))
        if first is not None and first.sha256 != digest:
            raise Refusal(f"cycle {cycle_id}: its bank file would differ from the one exported on {first.at:%Y-%m-%d} "
                          f"(SHA-256 {first.sha256[:12]}…, now {digest[:12]}…): the cycle's lines have changed "
                          "behind the application's back; run ledger verify")
        session.add(CycleExport(cycle_id=cycle_id, kind="reprint", sha256=digest, user_name=user, at=now))
        session.flush()
        return BankFile(data, count, total, reprint=True, files=files, order=order)
    not_before_last_posting(session, cycle, on, "export", now.date())
    split = fund_split(session, transition_entry(session, cycle_id, "approved"), PAYABLE, "credit")
    lines = [Line(PAYABLE, fund, debit=part) for fund, part in split]
    lines += [Line(CLEARING, fund, credit=part) for fund, part in split]
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=cycle.jurisdiction_code, kind="cycle_export", reference=f"cycle {cycle_id}",
        idempotency_key=f"cycle-{cycle_id}-export",
        description=f"{cycle.month} 救助金提交银行代发 ({count}户)", lines=tuple(lines)), user=user, now=now)
    transition(session, cycle, "exported", on, posted.seq, "", user, now)
    session.add(CycleExport(cycle_id=cycle_id, kind="export", sha256=digest, user_name=user, at=now))
    session.flush()
    return BankFile(data, count, total, reprint=False, files=files, order=order)


def book_returns(session: Session, cycle_id: int, text: str | bytes, source: str, on: date, *, user: str | None,
                 now: datetime, bank: str | None = None) -> tuple[int, Decimal]:
    """Book the bank's returns file and settle the cycle; returns (returned count, returned total).

    `text`: the file as read (bytes: in a bank's layout when the policy names banks, returns.py; text: UTF-8).
    `bank`: the code of the bank whose returns layout the file is in (else inferred from its titles)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return _settle(session, cycle_id, on, user, now,
                   lambda cycle: parse_bank_returns(session, cycle, data, source, bank), source)


def settle(session: Session, cycle_id: int, on: date, *, user: str | None, now: datetime) -> tuple[int, Decimal]:
    """Settle an exported cycle the bank returned nothing of (`cycle settle`: as an empty returns file)."""
    return _settle(session, cycle_id, on, user, now, lambda cycle: ([], []), "settle")


def _settle(session: Session, cycle_id: int, on: date, user: str | None, now: datetime, read, source: str
            ) -> tuple[int, Decimal]:
    preparer = require_role(session, user, "preparer", action="book bank returns")
    lock_books(session)
    cycle = cycle_of(session, cycle_id, "exported")
    require_whole(session, preparer.name, cycle.jurisdiction_code,
                  what=f"cycle {cycle_id} of {cycle.jurisdiction_code}")
    not_before_last_posting(session, cycle, on, "settlement", now.date())
    rows, problems = read(cycle)
    matched = _match_returns(session, cycle_id, rows, source, problems)
    if problems:
        raise Refusal(problems)
    returned = sum((r.amount for _, r in matched), ZERO)
    split = fund_split(session, transition_entry(session, cycle_id, "exported"), CLEARING, "credit")
    order = effective_policy(session, cycle.jurisdiction_code).on(on).budget.funding_order
    returned_split, _ = charge_in_order(returned, dict(split), order + tuple(f for f, _ in split if f not in order),
                                        "returns") if returned else ([], [])
    back = dict(returned_split)
    lines = [Line(CLEARING, fund, debit=part) for fund, part in split]
    lines += [Line("Assets:Treasury", fund, credit=part - back.get(fund, ZERO)) for fund, part in split
              if part - back.get(fund, ZERO) > 0]
    lines += [Line(RETURNED, fund, credit=part) for fund, part in returned_split]
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=cycle.jurisdiction_code, kind="cycle_settlement", reference=f"cycle {cycle_id}",
        idempotency_key=f"cycle-{cycle_id}-settlement",
        description=(f"{cycle.month} 银行代发结算: 成功 {cycle.total - returned:.2f}, 退回 {returned:.2f} "
                     f"({len(matched)}笔)"),
        lines=tuple(lines)), user=user, now=now)
    for household_id, row in matched:
        session.add(BankReturn(cycle_id=cycle_id, household_id=household_id, bank_account=row.account,
                               amount=row.amount, reason=row.reason, returned_on=on, recorded_by=user,
                               recorded_at=now))
    transition(session, cycle, "settled", on, posted.seq, f"{len(matched)} returned", user, now)
    return len(matched), returned


def _match_returns(session, cycle_id: int, rows: list[ReturnRow], source: str, problems: list[str]):
    lines = session.execute(select(CycleLine.household_id, CycleLine.bank_account, CycleLine.amount)
                            .where(CycleLine.cycle_id == cycle_id)).all()
    by_account: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for household_id, account, amount in lines:
        by_account[account].append((household_id, amount))
    taken: set[str] = set()
    matched = []
    for row in rows:
        candidates = [(h, a) for h, a in by_account.get(row.account, [])
                      if h not in taken and (row.household_id is None or row.household_id == h)]
        if not candidates:
            problems.append(f"{source} line {row.line}: account {row.account} matches no payment of cycle {cycle_id}"
                            + (f" for household {row.household_id}" if row.household_id else ""))
            continue
        exact = [(h, a) for h, a in candidates if a == row.amount]
        if not exact:
            paid = ", ".join(f"{a:.2f}" for _, a in candidates)
            problems.append(f"{source} line {row.line}: account {row.account} was paid {paid} in cycle {cycle_id}, "
                            f"not {row.amount:.2f}")
            continue
        taken.add(exact[0][0])
        matched.append((exact[0][0], row))
    return matched


def cancel_return(session: Session, return_id: int, reason: str, on: date, *, user: str | None,
                  now: datetime) -> int:
    """An approver sends a returned payment back to the fund instead of re-issuing it."""
    approver = require_role(session, user, "approver", action="cancel returned payments")
    lock_books(session)
    bank_return = existing(session, BankReturn, return_id, "bank return")
    county = cycle_of(session, bank_return.cycle_id).jurisdiction_code
    require_whole(session, approver.name, county, what=f"bank return {return_id} of {county}")
    done = session.get(ReturnResolution, return_id)
    if done is not None:
        raise Refusal(f"bank return {return_id} was already {done.kind} on {done.on}")
    if not reason.strip():
        raise Refusal("cancelling a returned payment needs a reason")
    if on < bank_return.returned_on:
        raise Refusal(f"bank return {return_id} came back on {bank_return.returned_on}; "
                      f"it cannot be cancelled on {on}, before that")
    cycle = session.get(Cycle, bank_return.cycle_id)
    line = session.get(CycleLine, (cycle.id, bank_return.household_id))
    held = returned_by_fund(session, cycle.jurisdiction_code, on)
    order = effective_policy(session, cycle.jurisdiction_code).on(on).budget.funding_order
    charges, problems = charge_in_order(bank_return.amount, held, order + tuple(f for f in held if f not in order),
                                        f"bank return {return_id}")
    if problems:
        raise Refusal(problems)
    lines = [Line(RETURNED, fund, debit=part) for fund, part in charges]
    lines += [Line(account, fund, credit=part) for account, fund, part in _pair(_line_accounts(line), charges)]
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=cycle.jurisdiction_code, kind="return_cancelled", reference=f"return {return_id}",
        description=f"退票 {return_id} ({bank_return.household_id}, {cycle.month}) 核销退回资金: {reason.strip()}",
        lines=tuple(lines)), user=approver.name, now=now)
    session.add(ReturnResolution(return_id=return_id, kind="cancelled", cycle_id=None, entry_seq=posted.seq, on=on,
                                 reason=reason.strip(), user_name=approver.name, at=now))
    session.flush()
    return posted.seq


def _line_accounts(line: CycleLine) -> list[tuple[str, Decimal]]:
    """A line's amount by the expense account it was charged to."""
    one_off = [(ONE_OFF_ACCOUNTS[k], v) for k, v in (("price_subsidy", line.price_subsidy), ("heating", line.heating),
                                                     ("temporary", line.temporary)) if v > 0]
    return [(expense_account(line.program, line.area), line.amount - sum((v for _, v in one_off), ZERO))] + one_off


def _pair(accounts: list[tuple[str, Decimal]], funds: list[tuple[str, Decimal]]) -> list[tuple[str, str, Decimal]]:
    """Lay the account amounts over the fund amounts (both add up to the same): (account, fund, amount)."""
    out, accounts, funds = [], [list(a) for a in accounts if a[1] > 0], [list(f) for f in funds if f[1] > 0]
    while accounts and funds:
        take = min(accounts[0][1], funds[0][1])
        out.append((accounts[0][0], funds[0][0], take))
        for queue in (accounts, funds):
            queue[0][1] -= take
            if queue[0][1] == 0:
                queue.pop(0)
    return out
