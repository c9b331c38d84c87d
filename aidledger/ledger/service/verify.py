"""`ledger verify`: recompute the hash chain and every stored balance from the journal.

The journal is read once, in sequence order. For each entry the check recomputes its
content digest and chained hash from the stored rows and re-runs the entry checks; the
debits and credits are summed per account, fund and day and compared with
`account_balances`; the head row must name the last entry. The report names the first
entry that fails, so an auditor knows where the books stop being trustworthy.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.evidence.tables import EvidenceHead
from aidledger.ledger.chain import GENESIS_HASH
from aidledger.ledger.chart import FUND_CODES
from aidledger.ledger.entries import MAX_DESCRIPTION, MAX_REFERENCE, EntryDraft, Line, check_entry
from aidledger.ledger.money import MAX_LINE_FEN, format_amount, from_fen, to_fen
from aidledger.ledger.tables import Account, AccountBalance, LedgerHead
from aidledger.problems import Problem, as_problems

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
    days: dict[object, date] = {}
    expected_seq, prev = 1, GENESIS_HASH
    for entry, lines in _entries_with_lines(session):
        seq, day, _, _, _, key, _, _, _, user, digest, prev_hash, stored_hash = entry
        problems: list[Problem] = []
        if seq != expected_seq:
            problems.append(Problem(f"sequence gap: expected entry {expected_seq}, found {seq}",
                                    "verify.sequence",
                                    figures=(("expected", str(expected_seq)), ("found", str(seq)))))
        if prev_hash != prev:
            problems.append(Problem("its previous-hash link does not match the entry before it", "verify.chain"))
        content = _content_text(entry, lines)
        if _sha256(content) != digest:
            problems.append(Problem("its content no longer matches the digest recorded when it was posted",
                                    "verify.digest"))
        computed = _sha256(_hash_text(prev, seq, content, user, key))
        if computed != stored_hash:
            problems.append(Problem(f"stored hash {stored_hash[:12]}… ≠ recomputed {computed[:12]}…", "verify.hash",
                                    figures=(("stored", stored_hash), ("recomputed", computed))))
        if not _plainly_sound(entry, lines):  # only then build the draft, for check_entry's messages
            problems += check_entry(_draft(entry, lines), "it")
        if problems:
            _fail(report, seq, problems)
        on = days.get(day)
        if on is None:
            on = days[day] = day if isinstance(day, date) else date.fromisoformat(day)
        for _, account_id, fund, debit, credit in lines:
            t = totals[(account_id, fund, on)]
            t[0] += debit
            t[1] += credit
        report.entries += 1
        report.lines += len(lines)
        if progress:
            progress(len(lines))
        prev, expected_seq = stored_hash, seq + 1
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


# The journal is read as the driver returns it (no ORM objects, no Decimals): `ledger verify` reads every line of
# the books, and at a million lines the conversions would cost more than the hashing. The content is rebuilt in
# exactly the canonical form EntryDraft.content() gives (tests/ledger/test_verify.py checks the two agree).
_ENTRY_COLUMNS = ("seq, date, jurisdiction_code, description, reference, idempotency_key, kind, fund_transfer, "
                  "reverses_seq, user_name, digest, prev_hash, hash")
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}" if fen >= 0 else format_amount(from_fen(fen))


def _content_text(entry: tuple, lines: list[tuple]) -> str:
    """EntryDraft.content() of the stored entry, as the canonical JSON its digest was taken of."""
    _, day, jurisdiction, description, reference, _, kind, fund_transfer, reverses, *_ = entry
    return _dumps({
        "date": day.isoformat() if isinstance(day, date) else day,
        "jurisdiction": jurisdiction, "description": description, "reference": reference, "kind": kind,
        "fund_transfer": bool(fund_transfer), "reverses": reverses,
        "lines": [[account, fund, _yuan(debit), _yuan(credit)] for account, _, fund, debit, credit in lines],
    })


def _hash_text(prev: str, seq: int, content: str, user: str, key: str | None) -> str:
    """The JSON chain.entry_hash hashes, built around the content's JSON rather than encoding it again."""
    return f'{{"content":{content},"key":{_dumps(key)},"prev":{_dumps(prev)},"seq":{seq},"user":{_dumps(user)}}}'


def _plainly_sound(entry: tuple, lines: list[tuple]) -> bool:
    """Whether the entry keeps every rule check_entry states, judged on integers; False sends it to check_entry."""
    description, reference, key, fund_transfer = entry[3], entry[4], entry[5] or "", entry[7]
    if len(lines) < 2 or not description.strip() or len(description) > MAX_DESCRIPTION \
            or len(reference) > MAX_REFERENCE or len(key) > MAX_REFERENCE \
            or "\x00" in description or "\x00" in reference or "\x00" in key:
        return False
    per_fund: dict[str, int] = {}
    for _, _, fund, debit, credit in lines:
        if fund not in FUND_CODES or (debit > 0) == (credit > 0) or debit < 0 or credit < 0 \
                or debit > MAX_LINE_FEN or credit > MAX_LINE_FEN:
            return False
        per_fund[fund] = per_fund.get(fund, 0) + debit - credit
    if fund_transfer:
        return sum(per_fund.values()) == 0
    return not any(per_fund.values())


def _draft(entry: tuple, lines: list[tuple]) -> EntryDraft:
    _, day, jurisdiction, description, reference, key, kind, fund_transfer, reverses, *_ = entry
    return EntryDraft(
        date=day if isinstance(day, date) else date.fromisoformat(day), jurisdiction=jurisdiction,
        description=description, reference=reference, idempotency_key=key, kind=kind,
        fund_transfer=bool(fund_transfer), reverses=reverses,
        lines=tuple(Line(account, fund, from_fen(debit), from_fen(credit))
                    for account, _, fund, debit, credit in lines))


def _entries_with_lines(session: Session) -> Iterator[tuple[tuple, list[tuple]]]:
    """Each entry's row with its lines (account name, account id, fund, debit fen, credit fen), streaming one
    ordered pass over each table."""
    connection = session.connection()
    names = dict(connection.exec_driver_sql("SELECT id, name FROM accounts").all())
    line_rows = connection.exec_driver_sql(
        "SELECT entry_seq, account_id, fund_code, debit_fen, credit_fen FROM journal_lines "
        "ORDER BY entry_seq, line_no", execution_options={"yield_per": 20_000})
    entries = connection.exec_driver_sql(f"SELECT {_ENTRY_COLUMNS} FROM journal_entries ORDER BY seq",
                                         execution_options={"yield_per": 5_000})
    pending = next(line_rows, None)
    for entry in entries:
        seq = entry[0]
        lines = []
        while pending is not None and pending[0] < seq:
            pending = next(line_rows, None)  # lines of an entry that no longer exists: caught by balances
        while pending is not None and pending[0] == seq:
            _, account_id, fund, debit, credit = pending
            lines.append((names.get(account_id, f"account {account_id}"), account_id, fund, debit, credit))
            pending = next(line_rows, None)
        yield tuple(entry), lines


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
