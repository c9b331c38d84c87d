"""Writing the journal as a beancount file, so that `bean-check` can check our books.

Each aidledger account and fund becomes one beancount account:
`Assets:Treasury` of 230523 in fund central_subsidy → `Assets:C230523:Treasury:CentralSubsidy`.
Amounts are in CNY. Every account is opened on the date of the first entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.ledger.money import format_amount
from aidledger.ledger.tables import Account, JournalEntry, JournalLine

CURRENCY = "CNY"


def beancount_account(jurisdiction: str, account: str, fund: str) -> str:
    root, rest = account.split(":", 1)
    fund_part = "".join(part.capitalize() for part in fund.split("_"))
    return f"{root}:C{jurisdiction}:{rest}:{fund_part}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_beancount(session: Session, out: TextIO, progress: Callable[[int], None] | None = None) -> int:
    """Write the whole journal; returns the number of transactions written."""
    first_date = session.scalar(select(func.min(JournalEntry.date)))
    out.write('option "title" "aidledger"\n')
    out.write(f'option "operating_currency" "{CURRENCY}"\n\n')
    if first_date is None:
        return 0
    used = session.execute(
        select(Account.jurisdiction_code, Account.name, JournalLine.fund_code)
        .join(JournalLine, JournalLine.account_id == Account.id)
        .distinct()
    ).all()
    for name in sorted(beancount_account(j, a, f) for j, a, f in used):
        out.write(f"{first_date.isoformat()} open {name} {CURRENCY}\n")
    out.write("\n")
    count = 0
    for entry, postings in _transactions(session):
        narration = entry.description
        out.write(f"{entry.date.isoformat()} * {_quote(entry.reference)} {_quote(narration)}\n")
        out.write(f"  seq: {entry.seq}\n")
        out.write(f"  hash: {_quote(entry.hash)}\n")
        for name, amount in postings:
            out.write(f"  {name}  {amount} {CURRENCY}\n")
        out.write("\n")
        count += 1
        if progress:
            progress(1)
    return count


def _transactions(session: Session) -> Iterator[tuple[JournalEntry, list[tuple[str, str]]]]:
    rows = session.execute(
        select(JournalEntry, Account.name, JournalLine.fund_code, JournalLine.debit, JournalLine.credit)
        .join(JournalLine, JournalLine.entry_seq == JournalEntry.seq)
        .join(Account, Account.id == JournalLine.account_id)
        .order_by(JournalEntry.seq, JournalLine.line_no)
        .execution_options(yield_per=20_000)
    )
    current, postings = None, []
    for entry, account, fund, debit, credit in rows:
        if current is not None and entry.seq != current.seq:
            yield current, postings
            postings = []
        current = entry
        amount = format_amount(debit) if debit else format_amount(-credit)
        postings.append((beancount_account(entry.jurisdiction_code, account, fund), amount))
    if current is not None:
        yield current, postings
