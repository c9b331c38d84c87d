"""Posting entries to the journal: the one door through which money moves in the books.

A call posts a batch of drafts in the caller's transaction, or refuses the whole batch
with every problem listed and writes nothing. Under the ledger head's row lock (a
no-op on SQLite, where the write transaction already began IMMEDIATE) it:

  1. checks each draft (entries.check_entry), its jurisdiction, accounts, funds and
     periods;
  2. resolves idempotency keys: the same key with the same content returns the entry
     already posted; the same key with other content is refused, naming the key;
  3. numbers the new entries, chains their hashes, inserts entries and lines in bulk,
     adds the day's debits and credits to `account_balances` and moves the head.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import column, insert, select, table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.ledger.chain import entry_hash
from aidledger.ledger.entries import EntryDraft, Line, check_entry, reversal_of, sha256_json
from aidledger.ledger.tables import Account, JournalEntry, JournalLine, Jurisdiction, LedgerHead

from .accounts import accounts_of
from .periods import closed_through, month_of

_IN_CHUNK = 500  # bound on the size of an IN (...) list

# The same tables seen as integer fen, for the bulk inserts: posting has already turned
# every amount into fen, so the Money type's conversion would only undo and redo it.
_LINES_FEN = table("journal_lines", column("entry_seq"), column("line_no"), column("account_id"),
                   column("fund_code"), column("debit_fen"), column("credit_fen"))
_BALANCES_FEN = table("account_balances", column("account_id"), column("fund_code"), column("day"),
                      column("debit_fen"), column("credit_fen"))


@dataclass(frozen=True)
class Posted:
    """The outcome of posting one draft: its number and hash, and whether it already existed."""

    seq: int
    hash: str
    existing: bool = False


def post_entries(session: Session, drafts: Sequence[EntryDraft], *, user: str, now: datetime) -> list[Posted]:
    """Post `drafts` in order, all or nothing. Returns one Posted per draft."""
    head = lock_books(session)
    problems: list[str] = []
    for n, draft in enumerate(drafts, start=1):
        problems += check_entry(draft, _label(draft, n, len(drafts)))
    accounts = accounts_of(session, {d.jurisdiction for d in drafts})
    problems += _check_places(session, drafts, accounts)
    existing, key_problems = _resolve_keys(session, drafts)
    problems += key_problems
    if problems:
        raise Refusal(problems)

    seq, prev = head.seq, head.hash
    results: list[Posted] = []
    entry_rows: list[dict] = []
    line_rows: list[dict] = []
    day_totals: dict[tuple[int, str, date], list[int]] = defaultdict(lambda: [0, 0])
    batch_keys: dict[str, Posted] = {}
    for draft in drafts:
        key = draft.idempotency_key
        if key is not None and key in existing:
            results.append(existing[key])
            continue
        if key is not None and key in batch_keys:
            results.append(batch_keys[key])
            continue
        seq += 1
        prev_hash = prev
        content = draft.content()
        prev = entry_hash(prev_hash, seq, content, user, key)
        entry_rows.append(_entry_row(draft, seq, user, now, digest=sha256_json(content), prev_hash=prev_hash,
                                     hash_=prev))
        for line_no, line in enumerate(draft.lines, start=1):
            account_id = accounts[(draft.jurisdiction, line.account)].id
            debit, credit = line.debit_fen, line.credit_fen
            line_rows.append({"entry_seq": seq, "line_no": line_no, "account_id": account_id,
                              "fund_code": line.fund, "debit_fen": debit, "credit_fen": credit})
            totals = day_totals[(account_id, line.fund, draft.date)]
            totals[0] += debit
            totals[1] += credit
        posted = Posted(seq, prev)
        results.append(posted)
        if key is not None:
            batch_keys[key] = posted

    if entry_rows:
        # Core inserts of plain values: the ORM's per-row bookkeeping would cost more than the database.
        session.execute(insert(JournalEntry.__table__), entry_rows)
        session.execute(insert(_LINES_FEN), line_rows)
        _add_to_balances(session, day_totals)
        session.execute(update(LedgerHead).where(LedgerHead.id == 1).values(seq=seq, hash=prev))
    return results


def post_entry(session: Session, draft: EntryDraft, *, user: str, now: datetime) -> Posted:
    return post_entries(session, [draft], user=user, now=now)[0]


def reverse_entry(session: Session, seq: int, *, on: date, reason: str, user: str, now: datetime) -> Posted:
    """Post the correcting entry that cancels entry `seq`. An entry can be reversed once."""
    if not reason.strip():
        raise Refusal("a reversal needs a reason")
    lock_books(session)
    original = load_entry(session, seq)
    already = session.scalar(select(JournalEntry.seq).where(JournalEntry.reverses_seq == seq))
    if already is not None:
        raise Refusal(f"entry {seq} was already reversed by entry {already}; an entry can be reversed once")
    return post_entry(session, reversal_of(original, seq, on, reason.strip()), user=user, now=now)


def load_entry(session: Session, seq: int) -> EntryDraft:
    """A posted entry read back as the draft it was posted from."""
    entry = session.get(JournalEntry, seq)
    if entry is None:
        raise Refusal(f"entry {seq} is not in the journal")
    rows = session.execute(
        select(Account.name, JournalLine.fund_code, JournalLine.debit, JournalLine.credit)
        .join(Account, Account.id == JournalLine.account_id)
        .where(JournalLine.entry_seq == seq)
        .order_by(JournalLine.line_no)
    )
    return draft_from_row(entry, [Line(a, f, d, c) for a, f, d, c in rows])


def draft_from_row(entry: JournalEntry, lines: list[Line]) -> EntryDraft:
    return EntryDraft(
        date=entry.date,
        jurisdiction=entry.jurisdiction_code,
        description=entry.description,
        lines=tuple(lines),
        reference=entry.reference,
        idempotency_key=entry.idempotency_key,
        kind=entry.kind,
        fund_transfer=entry.fund_transfer,
        reverses=entry.reverses_seq,
    )


def lock_books(session: Session) -> LedgerHead:
    """Take the books' one write lock (the ledger head row) for the rest of the transaction.

    Every posting takes it first, and so must every service that reads a balance and then
    spends against it: with one lock taken in one order, two writers can never both see the
    same money as available.
    """
    stmt = select(LedgerHead).where(LedgerHead.id == 1).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def _label(draft: EntryDraft, n: int, count: int) -> str:
    where = f"entry {n} of {count}" if count > 1 else "entry"
    return f"{where} ({draft.idempotency_key})" if draft.idempotency_key else where


def _check_places(session: Session, drafts: Sequence[EntryDraft], accounts: dict) -> list[str]:
    problems: list[str] = []
    codes = {d.jurisdiction for d in drafts}
    known = set(session.scalars(select(Jurisdiction.code).where(Jurisdiction.code.in_(sorted(codes)))))
    closed = closed_through(session, known)
    for n, draft in enumerate(drafts, start=1):
        label = _label(draft, n, len(drafts))
        if draft.jurisdiction not in known:
            problems.append(f"{label}: jurisdiction {draft.jurisdiction} is not in the books")
            continue
        latest = closed.get(draft.jurisdiction)
        if latest is not None and month_of(draft.date) <= latest:
            problems.append(
                f"{label}: date {draft.date} falls in a closed period ({draft.jurisdiction} is closed through {latest})"
            )
        for line_no, line in enumerate(draft.lines, start=1):
            account = accounts.get((draft.jurisdiction, line.account))
            if account is None:
                problems.append(
                    f"{label} line {line_no}: unknown account {line.account!r} in the chart of {draft.jurisdiction}"
                )
            elif account.closed_on is not None and draft.date >= account.closed_on:
                problems.append(
                    f"{label} line {line_no}: account {line.account} of {draft.jurisdiction} "
                    f"was closed on {account.closed_on}"
                )
    if problems:
        return problems
    reversed_ = [d.reverses for d in drafts if d.reverses is not None]
    if reversed_:
        present = set(session.scalars(select(JournalEntry.seq).where(JournalEntry.seq.in_(reversed_))))
        problems += [f"entry {seq} to be reversed is not in the journal" for seq in reversed_ if seq not in present]
    return problems


def _resolve_keys(session: Session, drafts: Sequence[EntryDraft]) -> tuple[dict[str, Posted], list[str]]:
    keyed = [d for d in drafts if d.idempotency_key is not None]
    if not keyed:
        return {}, []
    problems: list[str] = []
    first_in_batch: dict[str, EntryDraft] = {}
    for draft in keyed:
        seen = first_in_batch.setdefault(draft.idempotency_key, draft)
        if seen is not draft and seen.digest() != draft.digest():
            problems.append(f"idempotency key {draft.idempotency_key!r} is used twice in one request with other "
                            "content")
    keys = sorted(first_in_batch)
    stored: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        rows = session.execute(
            select(JournalEntry.idempotency_key, JournalEntry.seq, JournalEntry.hash, JournalEntry.digest).where(
                JournalEntry.idempotency_key.in_(chunk)
            )
        )
        stored.update({k: (s, h, d) for k, s, h, d in rows})
    existing: dict[str, Posted] = {}
    for key, draft in first_in_batch.items():
        if key not in stored:
            continue
        seq, hash_, digest = stored[key]
        if digest != draft.digest():
            problems.append(
                f"idempotency key {key!r} was already used by entry {seq} with other content; "
                "the same key must carry the same entry"
            )
        else:
            existing[key] = Posted(seq, hash_, existing=True)
    return existing, problems


def _entry_row(draft: EntryDraft, seq: int, user: str, now: datetime, *, digest: str, prev_hash: str,
               hash_: str) -> dict:
    return {
        "seq": seq,
        "date": draft.date,
        "jurisdiction_code": draft.jurisdiction,
        "description": draft.description,
        "reference": draft.reference,
        "idempotency_key": draft.idempotency_key,
        "kind": draft.kind,
        "fund_transfer": draft.fund_transfer,
        "reverses_seq": draft.reverses,
        "user_name": user,
        "posted_at": now,
        "digest": digest,
        "prev_hash": prev_hash,
        "hash": hash_,
    }


def _add_to_balances(session: Session, day_totals: dict[tuple[int, str, date], list[int]]) -> None:
    rows = [{"account_id": a, "fund_code": f, "day": d, "debit_fen": dr, "credit_fen": cr}
            for (a, f, d), (dr, cr) in day_totals.items()]
    table = _BALANCES_FEN
    dialect = session.get_bind().dialect.name
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.fund_code, table.c.day],
        set_={
            "debit_fen": table.c.debit_fen + stmt.excluded.debit_fen,
            "credit_fen": table.c.credit_fen + stmt.excluded.credit_fen,
        },
    )
    session.execute(stmt, rows)
