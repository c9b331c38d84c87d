"""The ledger's business actions as users invoke them: each checks the acting user's role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.tables import JournalEntry, JournalLine
from aidledger.users import require_role

from . import accounts, periods, posting


def add_jurisdiction(session: Session, code: str, name: str, level: str, parent: str | None, *, user, now):
    require_role(session, user, "admin", action="add jurisdictions")
    return accounts.add_jurisdiction(session, code, name, level, parent, user=user, now=now)


# Accounts whose balance a sub-ledger explains (cycle lines, bank returns, reserve cases):
# only the commands that keep that sub-ledger may post to them.
CONTROL_ACCOUNTS = ("Liabilities:Payable:Beneficiaries", "Liabilities:BankClearing", "Liabilities:ReturnedPayments",
                    "Assets:Receivable:Recovery")
CONTROL_PREFIXES = ("Assets:Reserve:",)
# Entries that belong to a sub-ledger record; corrected through their own commands, not `ledger reverse`.
MANUALLY_REVERSIBLE = ("manual", "allocation", "allocation_out", "purchased_services", "reversal")


def _control_problems(draft: EntryDraft) -> list[str]:
    return [
        f"line {n} ({line.account}): a manual entry may not post to a control account; its balance is kept by "
        "the cycle, return and reserve commands"
        for n, line in enumerate(draft.lines, start=1)
        if line.account in CONTROL_ACCOUNTS or line.account.startswith(CONTROL_PREFIXES)
    ]


def post_manual(session: Session, draft: EntryDraft, *, user: str | None, now: datetime) -> posting.Posted:
    require_role(session, user, "preparer", action="post entries")
    problems = _control_problems(draft)
    if problems:
        raise Refusal(problems)
    return posting.post_entry(session, draft, user=user, now=now)


def reverse(session: Session, seq: int, *, on: date, reason: str, user: str | None, now: datetime):
    require_role(session, user, "preparer", action="reverse entries")
    entry = session.get(JournalEntry, seq)
    if entry is not None and entry.kind not in MANUALLY_REVERSIBLE:
        raise Refusal(f"entry {seq} is a {entry.kind} entry kept by its own records (cycles, returns, reserve "
                      "cases, the opening load); correct it with their commands (e.g. cycle cancel, opening "
                      "reverse), not ledger reverse")
    return posting.reverse_entry(session, seq, on=on, reason=reason, user=user, now=now)


def close_month(session: Session, jurisdiction: str, month: str, *, user: str | None, now: datetime):
    require_role(session, user, "approver", action="close a month")
    return periods.close_month(session, jurisdiction, month, user=user, now=now)


def close_account(session: Session, jurisdiction: str, name: str, on: date, *, user: str | None):
    require_role(session, user, "admin", action="close accounts")
    return accounts.close_account(session, jurisdiction, name, on)


@dataclass(frozen=True)
class EntryView:
    """One posted entry as `ledger show` prints it."""

    id: int
    date: date
    jurisdiction: str
    description: str
    reference: str
    kind: str
    idempotency_key: str | None
    reverses: int | None
    user: str
    hash: str
    lines: tuple[Line, ...]


def entry_view(session: Session, seq: int) -> EntryView:
    draft = posting.load_entry(session, seq)  # refuses an entry not in the journal
    row = session.get(JournalEntry, seq)
    assert row is not None
    return EntryView(seq, draft.date, draft.jurisdiction, draft.description, draft.reference, draft.kind,
                     draft.idempotency_key, draft.reverses, row.user_name, row.hash, draft.lines)


def journal_size(session: Session) -> tuple[int, int]:
    """How many entries and lines the journal holds (for a progress bar's length)."""
    entries = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    lines = session.scalar(select(func.count()).select_from(JournalLine)) or 0
    return entries, lines
