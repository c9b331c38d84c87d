"""`ledger verify`: recompute the hash chain and every stored balance from the journal.

The journal is read once, in sequence order. For each entry the check recomputes its
content digest and chained hash from the stored rows and re-runs the entry checks; the
debits and credits are summed per account, fund and day and compared with
`account_balances`; the head row must name the last entry. The report names the first
entry that fails, so an auditor knows where the books stop being trustworthy.

A million lines are read as the driver returns them (plain tuples through the driver's own cursor, in the
session's transaction: no ORM objects, no Decimals, no SQLAlchemy row per line), each entry's canonical text is
built straight from integer fen, and the progress callback is told of the work as it goes, the sub-ledger
checks after the journal included (`_Meter`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain, groupby
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) quotes a string with
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy.orm import Session

from aidledger.evidence.tables import EvidenceHead
from aidledger.ledger.chain import GENESIS_HASH
from aidledger.ledger.chart import FUND_CODES
from aidledger.ledger.entries import MAX_DESCRIPTION, MAX_REFERENCE, EntryDraft, Line, check_entry
from aidledger.ledger.money import MAX_LINE_FEN, format_amount, from_fen
from aidledger.ledger.tables import LedgerHead
from aidledger.problems import Problem, as_problems

# A further check (a sub-ledger against its control account, …) takes the session and returns
# its problems. The ledger knows none of them: `disbursement/checks.py` lists them all. A check that also takes a
# `progress` keyword is told to call it with the count of its items done as it goes (see Size).
Check = Callable[..., Sequence[str | Problem]]


class Size(NamedTuple):
    """What one check will do, estimated before it runs: how many items it reads (the rows it rehashes, say) and
    what each costs, in journal lines' worth. What lets a progress bar keep moving through the checks
    (disbursement/checks.py sizes its own)."""

    items: int
    weight: int = 1


Sizes = Callable[[Session], Sequence[Size]]


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
           checks: Sequence[Check] = (), sizes: Sizes | None = None, shown: int | None = None) -> VerifyReport:
    """The journal's own checks, then each of `checks` (the books' full list: disbursement.checks.verify_books).

    `progress` counts in `shown` units, by default the journal's lines (a caller's bar is as long as
    `journal_size` says), but over the whole
    of the work: the journal's lines move it, and so do the stored balances and each check, by its share of
    `sizes` (as it goes when it takes `progress`, else when it ends), so that the bar moves in every phase and
    reaches its end when verify does (and not when the last line is read).
    """
    report = VerifyReport()
    meter = _Meter.planned(session, progress, checks, sizes, shown) if progress else None
    totals, last_seq, last_hash = _verify_journal(session, report, meter)
    report.head_hash = last_hash
    evidence = session.get(EvidenceHead, 1)
    if evidence is not None:
        report.evidence_seq, report.evidence_mac = evidence.seq, evidence.mac
    _check_head(session, report, last_seq, last_hash)
    rows = _check_balances(session, report, totals)
    if meter:
        meter.add(rows, phase_ends=True)
    for n, check in enumerate(checks):
        report.problems += as_problems(meter.run(check, n, session) if meter else check(session))
    if meter:
        meter.finish()
    return report


def _fail(report: VerifyReport, seq: int, problems: list[Problem]) -> None:
    if report.first_failing_entry is None:
        report.first_failing_entry = seq
    report.problems += [replace(p, what=str(p), entity=f"entry {seq}") for p in problems]


# ---- progress ------------------------------------------------------------------------------------------------


class _Meter:
    """Tells `progress` of verify's work in the units its caller counts (`shown`: the journal's lines), spread over
    all of the work (`work`: the lines, the stored balances and the checks' sizes), so that it moves in every phase
    (by one at least, when there is room) and reaches `shown` exactly at the end, never before."""

    def __init__(self, progress: Callable[[int], None], shown: int, work: int, sizes: Sequence[Size]):
        self.progress, self.shown, self.work, self.sizes = progress, shown, max(work, 1), sizes
        self.done = self.told = 0

    @classmethod
    def planned(cls, session: Session, progress: Callable[[int], None], checks: Sequence[Check],
                sizes: Sizes | None, shown: int | None = None) -> _Meter:
        lines, balances = session.connection().exec_driver_sql(
            "SELECT (SELECT count(*) FROM journal_lines), (SELECT count(*) FROM account_balances)").one()
        of_checks = [Size(max(0, int(s.items)), max(0, int(s.weight))) for s in sizes(session)] if sizes else []
        of_checks += [Size(0, 0)] * (len(checks) - len(of_checks))
        return cls(progress, lines if shown is None else shown,
                   lines + balances + sum(s.items * s.weight for s in of_checks), of_checks)

    def add(self, work: int, phase_ends: bool = False) -> None:
        self.done += work
        at = min(self.done * self.shown // self.work, self.shown - 1)  # the end is told by finish() alone
        if phase_ends:
            at = max(at, min(self.told + 1, self.shown - 1))
        if at > self.told:
            self.progress(at - self.told)
            self.told = at

    def run(self, check: Check, n: int, session: Session) -> Sequence[str | Problem]:
        """Check `n`, moving the bar by its share: as it goes when it takes `progress`, the rest when it ends."""
        size = self.sizes[n]
        end = self.done + size.items * size.weight
        if "progress" not in inspect.signature(check).parameters:
            found = check(session)
        else:
            def items_done(items: int) -> None:
                self.add(max(0, min(items * size.weight, end - self.done)))  # never past the check's share

            found = check(session, progress=items_done)
        self.add(max(0, end - self.done), phase_ends=True)
        return found

    def finish(self) -> None:
        if self.shown > self.told:
            self.progress(self.shown - self.told)
            self.told = self.shown


_TELL_EVERY = 5_000  # journal lines between two reports to the meter


# ---- the journal -------------------------------------------------------------------------------------------------


_ENTRY_COLUMNS = ("seq, date, jurisdiction_code, description, reference, idempotency_key, kind, fund_transfer, "
                  "reverses_seq, user_name, digest, prev_hash, hash")
_LINES = ("SELECT entry_seq, account_id, fund_code, debit_fen, credit_fen FROM journal_lines "
          "ORDER BY entry_seq, line_no")
_FETCH = 10_000  # rows a fetch from the driver
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_CENTS = tuple(f"{n:02d}" for n in range(100))
_END = (None, iter(()))


def _verify_journal(session: Session, report: VerifyReport,
                    meter: _Meter | None) -> tuple[dict[tuple[object, object, object], list[int]], int, str]:
    """Every entry's sequence, link, digest, hash and rules; the lines summed per account, fund and day (the day
    as `_day` gives it). Returns those sums, and the last entry's number and hash."""
    connection = session.connection()
    names = dict(connection.exec_driver_sql("SELECT id, name FROM accounts").all())
    heads, sides = _line_heads(names)
    days: dict[object, tuple[str, dict[int, int], dict[tuple[object, object], list[int]]]] = {}
    by_day: dict[object, tuple[dict[int, int], dict[tuple[object, object], list[int]]]] = {}
    sha256, texts = hashlib.sha256, _plain_texts
    expected_seq, prev, lines_read, tell_at = 1, GENESIS_HASH, 0, _TELL_EVERY
    with streamed(session, f"SELECT {_ENTRY_COLUMNS} FROM journal_entries ORDER BY seq") as entries, \
            streamed(session, _LINES) as line_rows:
        groups = groupby(line_rows, itemgetter(0))
        line_seq, group = next(groups, _END)
        for entry in entries:
            seq = entry[0]
            while line_seq is not None and line_seq < seq:
                line_seq, group = next(groups, _END)  # lines of an entry that no longer exists: caught by balances
            if line_seq == seq:
                lines = list(group)
                line_seq, group = next(groups, _END)
            else:
                lines = []
            day = entry[1]
            known = days.get(day)
            if known is None:
                sums = by_day.setdefault(_day(day), ({}, {}))
                known = days[day] = (_dumps(day.isoformat() if isinstance(day, date) else day), *sums)
            plain = texts(entry, lines, prev, known[0], heads, known[1], known[2])
            if plain is None or seq != expected_seq or entry[11] != prev or entry[12] != plain[1] \
                    or entry[10] != sha256(plain[0]).hexdigest():
                problems = _entry_problems(entry, [(names.get(a, f"account {a}"), a, f, d, c)
                                                   for _, a, f, d, c in lines], expected_seq, prev)
                if problems:
                    _fail(report, seq, problems)
            lines_read += len(lines)
            report.entries += 1
            if meter and lines_read >= tell_at:
                meter.add(lines_read - tell_at + _TELL_EVERY)
                tell_at = lines_read + _TELL_EVERY
            prev, expected_seq = entry[12], seq + 1
    report.lines = lines_read
    if meter:
        meter.add(lines_read - tell_at + _TELL_EVERY, phase_ends=True)
    totals: dict[tuple[object, object, object], list[int]] = {}
    for on, (plain_sums, odd_sums) in by_day.items():
        for side, fen in plain_sums.items():
            account_id, fund, column = sides[side]
            totals.setdefault((account_id, fund, on), [0, 0])[column] += fen
        for (account_id, fund), (debit, credit) in odd_sums.items():
            both = totals.setdefault((account_id, fund, on), [0, 0])
            both[0] += debit
            both[1] += credit
    return totals, expected_seq - 1, prev


# Per account id and fund of the chart: the start of a line's JSON array on the debit side and on the credit side
# (`["Assets:Treasury","central_subsidy","` and `…,"0.00","`), the fund's place among the chart's funds, and a
# number for each side under which the day's sums keep that side's amounts.
_Head = tuple[str, str, int, int, int]
_FUNDS = tuple(sorted(FUND_CODES))


def _line_heads(names: dict) -> tuple[dict[tuple[object, object], _Head], list[tuple[object, object, int]]]:
    """Every account's heads (above) in each fund, and for each side's number its account id, fund and column."""
    heads: dict[tuple[object, object], _Head] = {}
    sides: list[tuple[object, object, int]] = []
    for account_id, name in names.items():
        if type(name) is not str:
            continue  # a name altered into something else: its lines go the long way
        for slot, fund in enumerate(_FUNDS):
            head = f"[{encode_basestring(name)},{encode_basestring(fund)},"
            heads[(account_id, fund)] = (head + '"', head + '"0.00","', slot, len(sides), len(sides) + 1)
            sides += [(account_id, fund, 0), (account_id, fund, 1)]
    return heads, sides


def _plain_texts(entry: tuple, lines: list[tuple], prev: str, day_json: str,
                 heads: dict[tuple[object, object], _Head], sums: dict[int, int],
                 odd: dict[tuple[object, object], list[int]]) -> tuple[bytes, str] | None:
    """Add the entry's lines (entry_seq, account id, fund, debit fen, credit fen) to its day's sums (`sums` by the
    heads' side numbers; `odd` by account id and fund, for a line the heads do not know); and when the entry plainly
    keeps every rule check_entry states and its values are of the plain types the driver gives for sound books,
    return its canonical content (the JSON `_content_text` gives, as UTF-8) and its chained hash. Otherwise None:
    the caller then goes the long way (`_entry_problems`), which says what is wrong.

    `day_json` is the entry's date as its content's JSON states it; `heads` come from `_line_heads`."""
    net = [0] * len(_FUNDS)
    parts: list[str] = []
    append = parts.append
    try:
        for _, account_id, fund, debit, credit in lines:
            head = heads[account_id, fund]  # KeyError: a fund not of the chart, an account gone
            # A float or a text where fen should be raises TypeError here (no tuple index, no order with ints).
            if credit == 0 and 0 < debit <= MAX_LINE_FEN:
                append(f'{head[0]}{debit // 100}.{_CENTS[debit % 100]}","0.00"]')
                net[head[2]] += debit
                sums[head[3]] = sums.get(head[3], 0) + debit
            elif debit == 0 and 0 < credit <= MAX_LINE_FEN:
                append(f'{head[1]}{credit // 100}.{_CENTS[credit % 100]}"]')
                net[head[2]] -= credit
                sums[head[4]] = sums.get(head[4], 0) + credit
            else:
                raise ValueError("not exactly one positive amount in range")
    except (KeyError, TypeError, ValueError):
        for _, account_id, fund, debit, credit in lines[len(parts):]:  # the line that failed and those after it
            both = odd.get((account_id, fund))
            if both is None:
                both = odd[(account_id, fund)] = [0, 0]
            both[0] += _summable(debit)
            both[1] += _summable(credit)
        return None
    seq, _, jurisdiction, description, reference, key, kind, fund_transfer, reverses, user, *_ = entry
    if len(lines) < 2 or (sum(net) if fund_transfer else any(net)):
        return None
    if type(description) is not str or type(reference) is not str or type(jurisdiction) is not str \
            or type(kind) is not str or type(user) is not str or type(prev) is not str or type(seq) is not int \
            or not (key is None or type(key) is str) or not (reverses is None or type(reverses) is int):
        return None
    if not description.strip() or len(description) > MAX_DESCRIPTION or len(reference) > MAX_REFERENCE \
            or "\x00" in description or "\x00" in reference \
            or (key is not None and (len(key) > MAX_REFERENCE or "\x00" in key)):
        return None
    content = (f'{{"date":{day_json},"description":{encode_basestring(description)},"fund_transfer":'
               f'{"true" if fund_transfer else "false"},"jurisdiction":{encode_basestring(jurisdiction)},'
               f'"kind":{encode_basestring(kind)},"lines":[{",".join(parts)}],'
               f'"reference":{encode_basestring(reference)},"reverses":{"null" if reverses is None else reverses}}}')
    chained = (f'{{"content":{content},"key":{"null" if key is None else encode_basestring(key)},'
               f'"prev":{encode_basestring(prev)},"seq":{seq},"user":{encode_basestring(user)}}}')
    return content.encode("utf-8"), hashlib.sha256(chained.encode("utf-8")).hexdigest()


def _readable(fen: object) -> bool:
    """An integer, or a real SQLite kept in an integer column that still reads as fen (within a 64-bit integer)."""
    return type(fen) is int or (type(fen) is float and math.isfinite(fen) and abs(fen) < 2 ** 63)


def _summable(fen: object) -> int | float:
    """A line's amount as the day's sums add it: a number as stored (a fraction SQLite kept included); what is no
    number at all (text or bytes SQLite kept where fen should be) as nothing, so that the day's stored balance
    disagrees with the sums and says so, beside the entry's own problems."""
    return fen if _readable(fen) else 0  # type: ignore[return-value]


def _day(value: object) -> object:
    """An entry's or a balance's day as one value on every backend (a date; what cannot be read as one, as read)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value


def _entry_problems(entry: tuple, lines: list[tuple], expected_seq: int, prev: str) -> list[Problem]:
    """The long way, for an entry the plain path could not vouch for: every check, each saying what is wrong."""
    seq, _, _, _, _, key, _, _, _, user, digest, prev_hash, stored_hash = entry
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
    unreadable = [(n, side, value) for n, (_, _, _, debit, credit) in enumerate(lines, start=1)
                  for side, value in (("debit", debit), ("credit", credit)) if not _readable(value)]
    if unreadable:  # text, bytes or a huge real SQLite kept where fen should be: no rule can be judged on it
        problems += [Problem(f"line {n}'s {side} is not an amount: {value!r} is stored", "entry.amount",
                             figures=((side, repr(value)),)) for n, side, value in unreadable]
    elif not _plainly_sound(entry, lines):  # only then build the draft, for check_entry's messages
        problems += check_entry(_draft(entry, lines), "it")
    return problems


# The canonical form, the long way: the content rebuilt exactly as EntryDraft.content() gives it, from the stored
# row and its lines (account name, account id, fund, debit fen, credit fen). tests/ledger/test_properties.py checks
# that the two agree, and tests/ledger/test_verify_plain.py that `_plain_texts` agrees with these to the byte.


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _yuan(fen: int) -> str:
    if type(fen) is not int:  # (SQLite keeps 1.5 in an integer column) written as no amount is: the digest fails
        return f"<{fen!r}>"
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


# ---- reading --------------------------------------------------------------------------------------------------


class streamed:
    """The rows of one query as the driver returns them (tuples), fetched `_FETCH` at a time through the driver's
    own cursor on the session's connection, so inside its transaction (its snapshot). On PostgreSQL a named
    (server-side) cursor, so that a million rows are never held at once."""

    _opened = 0

    def __init__(self, session: Session, sql: str):
        self.connection = session.connection()
        self.sql = sql

    def __enter__(self) -> Iterator[tuple]:
        driver = self.connection.connection.dbapi_connection
        assert driver is not None
        if self.connection.dialect.name == "postgresql":
            streamed._opened += 1
            self.cursor = driver.cursor(name=f"aidledger_verify_{streamed._opened}")
        else:
            self.cursor = driver.cursor()
        self.cursor.execute(self.sql)
        fetch = self.cursor.fetchmany
        return chain.from_iterable(iter(lambda: fetch(_FETCH), []))

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()


# ---- the head and the balances ---------------------------------------------------------------------------------


def _check_head(session: Session, report: VerifyReport, last_seq: int, last_hash: str) -> None:
    head = session.get(LedgerHead, 1)
    if head is None:
        report.problems.append(Problem("the ledger head row is missing", "verify.head"))
    elif head.seq != last_seq or head.hash != last_hash:
        report.problems.append(Problem(
            f"the ledger head names entry {head.seq} ({head.hash[:12]}…) but the journal ends at entry "
            f"{last_seq} ({last_hash[:12]}…)", "verify.head",
            figures=(("head", str(head.seq)), ("journal", str(last_seq)))))


def _check_balances(session: Session, report: VerifyReport, totals: dict) -> int:
    """The stored balances against the journal's sums, in integer fen as stored; returns how many rows it read."""
    connection = session.connection()
    stored = {(a, f, _day(d)): (dr, cr) for a, f, d, dr, cr in connection.exec_driver_sql(
        "SELECT account_id, fund_code, day, debit_fen, credit_fen FROM account_balances")}
    wrong = [key for key, sums in totals.items() if tuple(sums) != stored.get(key, (0, 0))]
    wrong += [key for key, have in stored.items() if key not in totals and have != (0, 0)]
    if not wrong:
        return len(stored)
    names = dict(connection.exec_driver_sql("SELECT id, name FROM accounts").all())
    try:
        wrong.sort(key=lambda k: (k[2], k[0], k[1]))
    except TypeError:  # a day or an id altered into something else: still listed, in an order of their text
        wrong.sort(key=lambda k: (str(k[2]), str(k[0]), str(k[1])))
    mismatches = []
    for key in wrong:
        want = tuple(totals.get(key, (0, 0)))
        have = stored.get(key, (0, 0))
        account_id, fund, day = key
        mismatches.append(Problem(
            f"stored balance of {names.get(account_id, account_id)} / {fund} on {day} is "
            f"{have[0]} / {have[1]} fen (debit / credit) but the journal sums to {want[0]} / {want[1]}",
            "verify.balance",
            figures=(("stored_fen", f"{have[0]}/{have[1]}"), ("journal_fen", f"{want[0]}/{want[1]}"))))
    report.problems += mismatches[:20]
    if len(mismatches) > 20:
        report.problems.append(Problem(f"… and {len(mismatches) - 20} more balance mismatches", "verify.balance"))
    return len(stored)
