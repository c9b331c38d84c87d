"""`ledger verify`'s plain path: at a million lines it builds each entry's canonical text straight from integer
fen (`_plain_texts`), which must be the long way's text to the byte; anything it cannot vouch for goes the long
way, tampered books included; and its progress moves through every phase and ends exactly where the caller's
bar ends.

The long way (`_content_text`, `_hash_text`, `_plainly_sound`) is itself checked against EntryDraft and
chain.entry_hash in test_properties.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from support import PREPARER

from aidledger.disbursement.checks import CHECKS, check_sizes, verify_books
from aidledger.ledger.chain import entry_hash
from aidledger.ledger.chart import FUND_CODES
from aidledger.ledger.entries import EntryDraft, Line, check_entry, sha256_json
from aidledger.ledger.money import MAX_LINE_FEN, from_fen
from aidledger.ledger.service import verify as verify_module
from aidledger.ledger.service.posting import post_entries
from aidledger.ledger.service.verify import (
    Size,
    _content_text,
    _hash_text,
    _line_heads,
    _plain_texts,
    _plainly_sound,
    _sha256,
    verify,
)
from aidledger.ledger.service.views import journal_size

NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
FUNDS = sorted(FUND_CODES)
NAMES = {7: "Assets:Treasury", 8: 'Expenses:"Quoted"\\Name', 9: "Income:Allocations"}
HEADS, SIDES = _line_heads(NAMES)

fen = st.one_of(st.integers(0, 3), st.integers(0, 100_000), st.integers(-5, MAX_LINE_FEN + 2))
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@st.composite
def stored_lines(draw) -> list[tuple]:
    """Lines as the driver returns them, mostly sound (one positive side, balanced per fund), sometimes not."""
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        fund = draw(st.one_of(st.sampled_from(FUNDS), st.sampled_from(["no_such_fund", "central_subsidy "])))
        account = draw(st.sampled_from([7, 8, 9, 99]))  # 99: an account the chart no longer has
        amount = draw(fen)
        if draw(st.booleans()):
            lines += [(5, account, fund, amount, 0), (5, 9, fund, 0, amount)]
        else:
            lines.append((5, account, fund, amount, draw(fen)))
    return lines


entries = st.tuples(
    st.integers(1, 10**6), st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.sampled_from(["230523", "2305\"23"]),
    st.one_of(st.sampled_from(["收到中央资金", " ", "a\x00b", "x" * 2001]), texts),
    st.one_of(texts, st.just("r" * 201)),
    st.one_of(st.none(), texts, st.just("k" * 201)), st.sampled_from(["manual", "reversal"]), st.booleans(),
    st.one_of(st.none(), st.integers(1, 10**9)), st.sampled_from([PREPARER, "用户\"名"]))


@settings(max_examples=500, deadline=None)
@given(entries, stored_lines(), st.booleans(), st.sampled_from(["0" * 64, "ab" * 32, "引号\"前"]))
def test_the_plain_path_builds_the_long_ways_text_to_the_byte(row, lines, on_sqlite, prev):
    seq, day, jurisdiction, description, reference, key, kind, transfer, reverses, user = row
    stored_day, stored_transfer = (day.isoformat(), int(transfer)) if on_sqlite else (day, transfer)
    entry = (seq, stored_day, jurisdiction, description, reference, key, kind, stored_transfer, reverses, user,
             "", "", "")
    named = [(NAMES.get(a, f"account {a}"), a, f, d, c) for _, a, f, d, c in lines]
    sums: dict[int, int] = {}
    odd: dict[tuple, list[int]] = {}
    plain = _plain_texts(entry, lines, prev, json.dumps(stored_day if on_sqlite else day.isoformat()), HEADS, sums,
                         odd)
    sound = _plainly_sound(entry, named) and all(a in NAMES for _, a, _, _, _ in lines)
    assert (plain is not None) == sound
    if plain is not None:
        content = _content_text(entry, named)
        assert plain[0] == content.encode("utf-8")
        assert plain[1] == _sha256(_hash_text(prev, seq, content, user, key))
    # Every line is summed once, whichever way it went.
    got: dict[tuple, list[int]] = {}
    for side, amount in sums.items():
        account, fund, column = SIDES[side]
        got.setdefault((account, fund), [0, 0])[column] += amount
    for pair, (debit, credit) in odd.items():
        both = got.setdefault(pair, [0, 0])
        both[0] += debit
        both[1] += credit
    want: dict[tuple, list[int]] = {}
    for _, account, fund, debit, credit in lines:
        both = want.setdefault((account, fund), [0, 0])
        both[0] += debit
        both[1] += credit
    assert {k: v for k, v in got.items() if v != [0, 0]} == {k: v for k, v in want.items() if v != [0, 0]}


odd_texts = st.one_of(
    st.sampled_from(["收到中央资金", '引号"与\\反斜杠', "\u2028\u2029 行分隔", "🙂𠀀 BMP 以外", "\t\n\r\x01\x7f\x1b",
                     "</script>&<>", " ", "\x00", "x" * 2001, "é" * 2000]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=16))
draft_fen = st.one_of(st.integers(1, 3), st.integers(1, 10**6), st.integers(MAX_LINE_FEN - 2, MAX_LINE_FEN + 1),
                      st.integers(-2, 0))


@st.composite
def drafts_with_rows(draw) -> tuple[EntryDraft, list[tuple]]:
    """An entry as posting sees it (EntryDraft) and its lines as the driver returns them: zero or more lines, mostly
    pairs balanced in their fund, sometimes a single side, an amount at or past the limit, zero or negative."""
    stored = []
    for _ in range(draw(st.integers(0, 3))):
        fund = draw(st.sampled_from(FUNDS))
        first, second = draw(st.sampled_from(sorted(NAMES))), draw(st.sampled_from(sorted(NAMES)))
        amount = draw(draft_fen)
        if draw(st.booleans()):
            stored += [(5, first, fund, amount, 0), (5, second, fund, 0, amount)]
        else:
            stored.append((5, first, fund, *((amount, 0) if draw(st.booleans()) else (0, amount))))
    draft = EntryDraft(
        draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))), draw(st.sampled_from(["230523", '23"05\\23'])),
        draw(odd_texts), tuple(Line(NAMES[a], f, from_fen(d), from_fen(c)) for _, a, f, d, c in stored),
        draw(st.one_of(st.just(""), odd_texts)), draw(st.one_of(st.none(), odd_texts)),
        draw(st.sampled_from(["manual", "reversal", "种类\""])), draw(st.booleans()),
        draw(st.one_of(st.none(), st.integers(1, 10**12))))
    return draft, stored


def plain_of(draft: EntryDraft, stored: list[tuple], seq: int, user: str, prev: str, on_sqlite: bool):
    """`_plain_texts` of the draft as either backend's driver returns its row, and the long way's text of it."""
    day, transfer = (draft.date.isoformat(), int(draft.fund_transfer)) if on_sqlite else \
        (draft.date, draft.fund_transfer)
    entry = (seq, day, draft.jurisdiction, draft.description, draft.reference, draft.idempotency_key, draft.kind,
             transfer, draft.reverses, user, "", "", "")
    plain = _plain_texts(entry, stored, prev, json.dumps(draft.date.isoformat()), HEADS, {}, {})
    return plain, _content_text(entry, [(NAMES[a], a, f, d, c) for _, a, f, d, c in stored])


@settings(max_examples=500, deadline=None)
@given(drafts_with_rows(), st.integers(1, 10**12), st.sampled_from([PREPARER, '用户"名\\', "🙂"]),
       st.sampled_from(["0" * 64, "ab" * 32]), st.booleans())
def test_the_plain_path_gives_entrydraft_contents_digest_and_the_chained_hash(drafted, seq, user, prev, on_sqlite):
    """Straight against what posting hashed (EntryDraft.content() through sha256_json and chain.entry_hash), not
    only against the long way: an entry check_entry accepts has the same digest and hash; one it refuses (no lines,
    one side, out of range, unbalanced, an empty or over-long text, a NUL) is not vouched for, and the long way's
    text of it is still EntryDraft's."""
    draft, stored = drafted
    plain, long_way = plain_of(draft, stored, seq, user, prev, on_sqlite)
    assert _sha256(long_way) == sha256_json(draft.content())
    if check_entry(draft):
        assert plain is None
    else:
        assert plain is not None
        assert hashlib.sha256(plain[0]).hexdigest() == sha256_json(draft.content())
        assert plain[1] == entry_hash(prev, seq, draft.content(), user, draft.idempotency_key)


def test_odd_entries_named_one_by_one():
    """The cases the brief names, each stated (hypothesis may or may not draw them in a run)."""
    big = from_fen(MAX_LINE_FEN)
    pair = (Line(NAMES[7], "central_subsidy", debit=big), Line(NAMES[8], "central_subsidy", credit=big))
    rows = [(5, 7, "central_subsidy", MAX_LINE_FEN, 0), (5, 8, "central_subsidy", 0, MAX_LINE_FEN)]
    for description, lines, stored, vouched in (
        ('收到"省级"资金 \\ 🙂\u2028', pair, rows, True),  # quotes, a backslash, beyond the BMP, a line separator
        ("最大金额", pair, rows, True),
        ("没有分录行", (), [], False),  # an entry of no lines: never vouched for, its text still EntryDraft's
        ("一行", pair[:1], rows[:1], False),
    ):
        draft = EntryDraft(date(2022, 12, 31), "230523", description, lines, '文号"1"\\', "键🙂", "manual")
        for on_sqlite in (False, True):
            plain, long_way = plain_of(draft, stored, 9, PREPARER, "ab" * 32, on_sqlite)
            assert _sha256(long_way) == draft.digest()
            assert (plain is not None) == vouched == (not check_entry(draft))
            if plain is not None:
                assert hashlib.sha256(plain[0]).hexdigest() == draft.digest()
                assert plain[1] == entry_hash("ab" * 32, 9, draft.content(), PREPARER, "键🙂")


def test_values_altered_into_other_types_go_the_long_way():
    """SQLite keeps what it is given where it cannot convert it to the column's type: a fraction where fen were, a
    text or bytes where a number or a text was (0.0 or 5.0 in an integer column it stores as the integer). (A text
    where fen were stops verify with an error, as it always has: the sums cannot add it.)"""
    sound = [(5, 7, "central_subsidy", 100, 0), (5, 9, "central_subsidy", 0, 100)]
    entry = (5, "2022-01-05", "230523", "收到", "", None, "manual", 0, None, PREPARER, "", "", "")
    assert _plain_texts(entry, sound, "0" * 64, '"2022-01-05"', HEADS, {}, {}) is not None
    for lines, altered in (
        ([(5, 7, "central_subsidy", 100.5, 0), (5, 9, "central_subsidy", 0, 100)], entry),
        ([(5, 7, "central_subsidy", 100, 0), (5, 9, "central_subsidy", 0, 99.5)], entry),
        ([(5, 7, b"central_subsidy", 100, 0), (5, 9, "central_subsidy", 0, 100)], entry),
        (sound, entry[:3] + (17,) + entry[4:]),
        (sound, entry[:8] + ("3",) + entry[9:]),
        (sound, entry[:9] + (7,) + entry[10:]),
        (sound, ("5",) + entry[1:]),
    ):
        odd: dict[tuple, list] = {}
        assert _plain_texts(altered, lines, "0" * 64, '"2022-01-05"', HEADS, {}, odd) is None, (lines, altered)
    # A float amount is no amount the canonical form writes: the long way's digest can never match it.
    assert '"<100.5>"' in _content_text(entry, [("Assets:Treasury", 7, "central_subsidy", 100.5, 0)])


def receipts_in(database, count: int) -> None:
    drafts = [EntryDraft(date(2022, 1, 1) + timedelta(days=n % 40), "230523", f"收到资金{n}", (
        Line("Assets:Treasury", "central_subsidy", debit=from_fen(100 + n)),
        Line("Income:Allocations", "central_subsidy", credit=from_fen(100 + n)))) for n in range(count)]
    with database.write() as session:
        post_entries(session, drafts, user=PREPARER, now=NOW)


def test_progress_moves_in_every_phase_and_ends_exactly_with_the_work(books, database, monkeypatch):
    receipts_in(database, 6_000)  # 12,000 lines: the journal tells its progress every 5,000
    seen: list[tuple[str, int]] = []
    phase = ["journal"]

    def told(n: int) -> None:
        assert n > 0
        seen.append((phase[0], n))

    def so_far() -> int:
        return sum(n for _, n in seen)

    balances = verify_module._check_balances

    def the_balances(*args):
        phase[0] = "balances"
        return balances(*args)

    monkeypatch.setattr(verify_module, "_check_balances", the_balances)

    def check(name: str):
        def run(session):
            assert so_far() < lines  # the bar is short of its end while work remains
            phase[0] = name
            return []
        return run

    def telling(session, progress):
        """A check that tells its items as it goes: more than its size said, and the bar still waits for the end."""
        phase[0] = "telling"
        for _ in range(12):
            progress(1)
            assert so_far() < lines
        phase[0] = "after telling"
        return []

    with database.read() as session:
        _, lines = journal_size(session)
        report = verify(session, told, [check("first"), check("second"), check("small"), telling],
                        lambda session: [Size(lines), Size(1, lines), Size(0, 0), Size(10, lines // 5)])
    assert report.ok and report.lines == lines == 12_000
    assert so_far() == lines  # exactly the caller's bar, reached at the end and not before
    done = {name: sum(n for p, n in seen if p == name) for name in (
        "journal", "balances", "first", "second", "small", "telling")}
    assert all(done.values()), done  # every phase moved the bar, the small check and the balances too
    assert sum(1 for p, _ in seen if p == "journal") >= 3  # and the journal as it went, not once at its end
    # The journal is a fifth of the work (the balances a little more), each of the first two checks a fifth, the
    # small one nothing but its step, the last two fifths, told as it went.
    assert 0.15 * lines < done["journal"] < 0.25 * lines
    assert 0.15 * lines < done["first"] < 0.25 * lines and 0.15 * lines < done["second"] < 0.25 * lines
    assert done["small"] < 0.01 * lines and done["balances"] < 0.05 * lines
    assert 0.35 * lines < done["telling"] < 0.45 * lines


def test_the_books_checks_are_sized_and_verify_books_ends_its_progress_exactly(books, database):
    receipts_in(database, 300)
    with database.read() as session:
        sizes = check_sizes(session)
        assert len(sizes) == len(CHECKS) and sizes[-1].items > 0  # the evidence chain's records
        _, lines = journal_size(session)
        steps: list[int] = []
        report = verify_books(session, steps.append)
    assert report.ok, report.messages
    assert sum(steps) == lines == 600 and all(n > 0 for n in steps)
    assert len(steps) >= 2 + len(CHECKS)  # the journal, the balances and each check moved it
