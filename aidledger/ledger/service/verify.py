"""`ledger verify`: recompute the hash chain and every stored balance from the journal.

The journal is read once, in sequence order. For each entry the check recomputes its
content digest and chained hash from the stored rows and re-runs the entry checks; the
debits and credits are summed per account, fund and day and compared with
`account_balances`; the head row must name the last entry. The report names the first
entry that fails, so an auditor knows where the books stop being trustworthy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.evidence.tables import EvidenceHead
from aidledger.ledger.chain import GENESIS_HASH, entry_hash
from aidledger.ledger.entries import Line, check_entry
from aidledger.ledger.money import to_fen
from aidledger.ledger.tables import Account, AccountBalance, JournalEntry, JournalLine, LedgerHead
from aidledger.problems import Problem, as_problems

from .posting import draft_from_row

# A further check (a sub-ledger against its control account, …) takes the session and returns
# its problems. The ledger knows none of them: `disbursement/checks.py` lists them all.
Check = Callable[[Session], Sequence[str | Problem]]


@dataclass
class VerifyReport:
    entries: int = 0
    lines: int = 0
    head_hash: str = GENESIS_HASH
    evidence_seq: int = 0  # the evidence chain's last seal (evidence/), and its keyed link
    evidence_mac: str = GENESIS_HASH
    first_failing_entry: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


def verify(session: Session, progress: Callable[[int], None] | None = None,
           checks: Sequence[Check] = ()) -> VerifyReport:
    """The journal's own checks, then each of `checks` (the books' full list: verify_checks.verify_books)."""
    report = VerifyReport()
    totals: dict[tuple[int, str, date], list[int]] = defaultdict(lambda: [0, 0])
    expected_seq, prev = 1, GENESIS_HASH
    for entry, lines, line_accounts in _entries_with_lines(session):
        problems: list[Problem] = []
        if entry.seq != expected_seq:
            problems.append(Problem(f"sequence gap: expected entry {expected_seq}, found {entry.seq}",
                                    "verify.sequence",
                                    figures=(("expected", str(expected_seq)), ("found", str(entry.seq)))))
        if entry.prev_hash != prev:
            problems.append(Problem("its previous-hash link does not match the entry before it", "verify.chain"))
        draft = draft_from_row(entry, lines)
        if draft.digest() != entry.digest:
            problems.append(Problem("its content no longer matches the digest recorded when it was posted",
                                    "verify.digest"))
        computed = entry_hash(prev, entry.seq, draft.content(), entry.user_name, entry.idempotency_key)
        if computed != entry.hash:
            problems.append(Problem(f"stored hash {entry.hash[:12]}… ≠ recomputed {computed[:12]}…", "verify.hash",
                                    figures=(("stored", entry.hash), ("recomputed", computed))))
        problems += check_entry(draft, "it")
        if problems:
            _fail(report, entry.seq, problems)
        for line, account_id in zip(lines, line_accounts):
            t = totals[(account_id, line.fund, entry.date)]
            t[0] += line.debit_fen
            t[1] += line.credit_fen
        report.entries += 1
        report.lines += len(lines)
        if progress:
            progress(len(lines))
        prev, expected_seq = entry.hash, entry.seq + 1
    report.head_hash = prev
    evidence = session.get(EvidenceHead, 1)
    if evidence is not None:
        report.evidence_seq, report.evidence_mac = evidence.seq, evidence.mac
    _check_head(session, report, expected_seq - 1, prev)
    _check_balances(session, report, totals)
    for check in checks:
        report.problems += as_problems(check(session))
    return report


def _fail(report: VerifyReport, seq: int, problems: list[Problem]) -> None:
    if report.first_failing_entry is None:
        report.first_failing_entry = seq
    report.problems += [replace(p, what=str(p), entity=f"entry {seq}") for p in problems]


def _entries_with_lines(session: Session) -> Iterator[tuple[JournalEntry, list[Line], list[int]]]:
    """Each entry with its lines, streaming one ordered pass over the lines."""
    line_rows = session.execute(
        select(
            JournalLine.entry_seq, Account.name, JournalLine.account_id, JournalLine.fund_code,
            JournalLine.debit, JournalLine.credit,
        )
        .join(Account, Account.id == JournalLine.account_id)
        .order_by(JournalLine.entry_seq, JournalLine.line_no)
        .execution_options(yield_per=20_000)
    )
    entries = session.scalars(select(JournalEntry).order_by(JournalEntry.seq).execution_options(yield_per=5_000))
    pending = next(line_rows, None)
    for entry in entries:
        lines, account_ids = [], []
        while pending is not None and pending[0] < entry.seq:
            pending = next(line_rows, None)  # lines of an entry that no longer exists: caught by balances
        while pending is not None and pending[0] == entry.seq:
            _, name, account_id, fund, debit, credit = pending
            lines.append(Line(name, fund, debit, credit))
            account_ids.append(account_id)
            pending = next(line_rows, None)
        yield entry, lines, account_ids


def _check_head(session: Session, report: VerifyReport, last_seq: int, last_hash: str) -> None:
    head = session.get(LedgerHead, 1)
    if head is None:
        report.problems.append(Problem("the ledger head row is missing", "verify.head"))
    elif head.seq != last_seq or head.hash != last_hash:
        report.problems.append(Problem(
            f"the ledger head names entry {head.seq} ({head.hash[:12]}…) but the journal ends at entry "
            f"{last_seq} ({last_hash[:12]}…)", "verify.head",
            figures=(("head", str(head.seq)), ("journal", str(last_seq)))))


def _check_balances(session: Session, report: VerifyReport, totals: dict) -> None:
    stored = {
        (a, f, d): (to_fen(dr), to_fen(cr))
        for a, f, d, dr, cr in session.execute(
            select(
                AccountBalance.account_id, AccountBalance.fund_code, AccountBalance.day,
                AccountBalance.debit, AccountBalance.credit,
            )
        )
    }
    names = dict(session.execute(select(Account.id, Account.name)).all())
    mismatches = []
    for key in sorted(set(stored) | set(totals), key=lambda k: (k[2], k[0], k[1])):
        want = tuple(totals.get(key, (0, 0)))
        have = stored.get(key, (0, 0))
        if want != have:
            account_id, fund, day = key
            mismatches.append(Problem(
                f"stored balance of {names.get(account_id, account_id)} / {fund} on {day} is "
                f"{have[0]} / {have[1]} fen (debit / credit) but the journal sums to {want[0]} / {want[1]}",
                "verify.balance",
                figures=(("stored_fen", f"{have[0]}/{have[1]}"), ("journal_fen", f"{want[0]}/{want[1]}"))))
    report.problems += mismatches[:20]
    if len(mismatches) > 20:
        report.problems.append(Problem(f"… and {len(mismatches) - 20} more balance mismatches", "verify.balance"))
