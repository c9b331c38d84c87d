"""What the web application's ledger page reads and records beside `ledger verify`: the verify runs (the
`verify_runs` table: who ran the check from the web or the API, when, and what it found) and the journal listed a
page at a time.

`record_run` records one run (a write; the roles that may verify: admin, approver, auditor); `last_run` reads the
latest. `journal_page` lists a jurisdiction's entries newest first, each with its lines and the accounts' titles
(`entry_view` shows one entry; nothing listed many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.tables import VerifyRun
from aidledger.errors import Refusal
from aidledger.ledger.tables import Account, JournalEntry, JournalLine
from aidledger.users import require_role

from .accounts import require_jurisdiction
from .verify import VerifyReport

VERIFY_ROLES = ("admin", "approver", "auditor")
PER_PAGE = 50
_IN_CHUNK = 500  # bound on the size of an IN (...) list


# ---- verify runs --------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyRunView:
    id: int
    ran_at: datetime
    ran_by: str
    ok: bool
    entries: int
    seals: int  # the evidence chain's last seal when the run checked it
    head: str  # the journal's head hash
    problems: tuple[str, ...]


def _view(row: VerifyRun) -> VerifyRunView:
    return VerifyRunView(row.id, row.ran_at, row.ran_by, row.ok, row.entries, row.seals, row.head,
                         tuple(line for line in row.problems.split("\n") if line))


def record_run(session: Session, report: VerifyReport, *, user: str, now: datetime) -> VerifyRunView:
    """Record what a `verify_books` run found (run in a read transaction before this write), by `user`."""
    require_role(session, user, *VERIFY_ROLES, action="record a ledger verify run")
    problems = [" ".join(message.split("\n")) for message in report.messages]  # one problem a line
    if report.first_failing_entry is not None:
        problems.insert(0, f"first failing entry: {report.first_failing_entry}")
    row = VerifyRun(ran_at=now, ran_by=user, ok=report.ok, entries=report.entries, seals=report.evidence_seq,
                    head=report.head_hash, problems="\n".join(problems))
    session.add(row)
    session.flush()
    return _view(row)


def last_run(session: Session) -> VerifyRunView | None:
    """The latest verify run recorded, or None."""
    row = session.scalar(select(VerifyRun).order_by(VerifyRun.id.desc()).limit(1))
    return _view(row) if row is not None else None


# ---- the journal, a page at a time -------------------------------------------------------


@dataclass(frozen=True)
class JournalLineView:
    account: str  # the account's name in the chart (Assets:Treasury); pages show the title
    title: str  # its Chinese title (国库存款)
    fund: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class JournalEntryView:
    seq: int
    date: date
    jurisdiction: str
    description: str
    reference: str
    kind: str
    reverses: int | None
    user: str
    posted_at: datetime
    hash: str
    lines: tuple[JournalLineView, ...]


@dataclass(frozen=True)
class JournalPage:
    jurisdiction: str
    page: int  # from 1
    per_page: int
    total: int  # entries matching, over all pages
    entries: tuple[JournalEntryView, ...]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def journal_page(session: Session, jurisdiction: str, *, page: int = 1, per_page: int = PER_PAGE,
                 kinds: Sequence[str] | None = None, start: date | None = None,
                 end: date | None = None) -> JournalPage:
    """A jurisdiction's journal entries, newest first (by number), `per_page` a page; optionally only entries of
    `kinds` (allocation, cycle_approval…) dated start..end."""
    require_jurisdiction(session, jurisdiction)
    if page < 1 or per_page < 1:
        raise Refusal(f"page {page} of {per_page} entries: pages are numbered from 1")
    where = [JournalEntry.jurisdiction_code == jurisdiction]
    if kinds is not None:
        where.append(JournalEntry.kind.in_(tuple(kinds)))
    if start is not None:
        where.append(JournalEntry.date >= start)
    if end is not None:
        where.append(JournalEntry.date <= end)
    total = session.scalar(select(func.count()).select_from(JournalEntry).where(*where)) or 0
    entries = list(session.scalars(select(JournalEntry).where(*where).order_by(JournalEntry.seq.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    lines: dict[int, list[JournalLineView]] = {e.seq: [] for e in entries}
    seqs = list(lines)
    for n in range(0, len(seqs), _IN_CHUNK):
        for seq, name, title, fund, debit, credit in session.execute(
                select(JournalLine.entry_seq, Account.name, Account.title, JournalLine.fund_code, JournalLine.debit,
                       JournalLine.credit)
                .join(Account, Account.id == JournalLine.account_id)
                .where(JournalLine.entry_seq.in_(seqs[n:n + _IN_CHUNK]))
                .order_by(JournalLine.entry_seq, JournalLine.line_no)):
            lines[seq].append(JournalLineView(name, title, fund, debit, credit))
    return JournalPage(jurisdiction, page, per_page, total, tuple(
        JournalEntryView(e.seq, e.date, e.jurisdiction_code, e.description, e.reference, e.kind, e.reverses_seq,
                         e.user_name, e.posted_at, e.hash, tuple(lines[e.seq])) for e in entries))
