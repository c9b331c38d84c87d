"""Property tests of the ledger's promises, with hypothesis.

Against a database (both backends): a random sequence of operations (balanced entries
over random accounts and funds, fund transfers, reversals, invalid entries, repeated and
reused idempotency keys) keeps debits equal to credits, the hash chain valid, and every
balance equal to a small in-memory model of the journal kept here. Each example gets a
fresh database from the session's template (`templates[backend]()`), because fixtures are
not reset between hypothesis examples.

Pure: `check_entry` accepts every entry whose lines balance per fund and finds any one-fen
imbalance; `money` round-trips whole fen and refuses floats.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import ADMIN, PREPARER

from aidledger import db as dbmod
from aidledger.errors import Refusal
from aidledger.ledger.chart import DEBIT_NORMAL, FUND_CODES, STANDARD_CHART
from aidledger.ledger.entries import EntryDraft, Line, check_entry
from aidledger.ledger.money import MAX_LINE_FEN, MoneyError, format_amount, from_fen, parse_amount, to_fen
from aidledger.ledger.service import views as service
from aidledger.ledger.service.balances import balance, trial_balance
from aidledger.ledger.service.verify import verify
from aidledger.ledger.service.views import CONTROL_ACCOUNTS
from aidledger.models import metadata
from aidledger.users import add_user

NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
COUNTY = "230523"
# The county is where the random entries go; its parent city gets a few too, so that the
# trial balance of one jurisdiction is also checked not to see the other's lines.
JURISDICTIONS = (COUNTY, "230500")
# Manual entries may not touch the control accounts that cycles and returns keep.
ACCOUNTS = tuple(t.name for t in STANDARD_CHART if t.name not in CONTROL_ACCOUNTS)
TYPE_OF = {t.name: t.type for t in STANDARD_CHART}
FUNDS = tuple(sorted(FUND_CODES))
START = date(2022, 1, 1)
DAYS = 45  # a short span, so that many lines fall on the same day and per-day balances accumulate
FAR = date(2099, 12, 31)
EXAMPLES = {"sqlite": 25, "postgresql": 10}


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


# --- strategies ----------------------------------------------------------------------

amounts = st.one_of(st.integers(1, 100_000), st.integers(1, MAX_LINE_FEN))
days = st.integers(0, DAYS).map(lambda n: START + timedelta(days=n))
descriptions = st.one_of(
    st.sampled_from(["收到中央资金", "调整: 更正一月份科目", "拨付低保金", 'quote " and \\ backslash']),
    # Any text but NUL (which PostgreSQL text cannot hold): the hash chain must survive it.
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=20),
).filter(lambda s: s.strip())
references = st.one_of(st.just(""), st.text(max_size=20).filter(lambda s: "\x00" not in s))
# Few and short keys, so that a random key sometimes collides with one already used.
keys = st.one_of(st.none(), st.text("abc", min_size=1, max_size=2))


@st.composite
def split(draw, total: int, max_parts: int = 3) -> list[int]:
    """`total` fen as one to `max_parts` positive parts."""
    parts = draw(st.integers(1, min(max_parts, total)))
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True))) \
        if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:])]


@st.composite
def balanced_lines(draw, accounts=st.sampled_from(ACCOUNTS)) -> tuple[Line, ...]:
    """Lines whose debits equal their credits in every fund, in a random order."""
    lines = []
    for fund in draw(st.lists(st.sampled_from(FUNDS), min_size=1, max_size=3, unique=True)):
        total = draw(amounts)
        lines += [Line(draw(accounts), fund, debit=yuan(n)) for n in draw(split(total))]
        lines += [Line(draw(accounts), fund, credit=yuan(n)) for n in draw(split(total))]
    return tuple(draw(st.permutations(lines)))


@st.composite
def transfer_lines(draw, accounts=st.sampled_from(ACCOUNTS)) -> tuple[Line, ...]:
    """Lines balanced over the entry but (usually) not per fund: a declared fund transfer."""
    total = draw(amounts)
    funds = st.sampled_from(FUNDS)
    lines = [Line(draw(accounts), draw(funds), debit=yuan(n)) for n in draw(split(total))]
    lines += [Line(draw(accounts), draw(funds), credit=yuan(n)) for n in draw(split(total))]
    return tuple(draw(st.permutations(lines)))


@st.composite
def drafts(draw, jurisdiction=st.sampled_from(JURISDICTIONS)) -> EntryDraft:
    transfer = draw(st.booleans())
    return EntryDraft(
        date=draw(days),
        jurisdiction=draw(jurisdiction),
        description=draw(descriptions),
        lines=draw(transfer_lines() if transfer else balanced_lines()),
        reference=draw(references),
        idempotency_key=draw(keys),
        fund_transfer=transfer,
    )


def perturbed(draft: EntryDraft, index: int, up: bool) -> EntryDraft:
    """The draft with one line moved by one fen, staying inside 1 … MAX_LINE_FEN."""
    lines = list(draft.lines)
    line = lines[index % len(lines)]
    side = "debit" if line.debit else "credit"
    fen = to_fen(getattr(line, side))
    step = 1 if (up and fen < MAX_LINE_FEN) or fen == 1 else -1
    lines[index % len(lines)] = replace(line, **{side: yuan(fen + step)})
    return replace(draft, lines=tuple(lines))


@st.composite
def invalid_drafts(draw) -> tuple[str, EntryDraft]:
    """A draft broken in one way, and a fragment the refusal must contain."""
    draft = draw(drafts())
    index = draw(st.integers(0, len(draft.lines) - 1))
    kind = draw(st.sampled_from(["unbalanced", "zero", "unknown_account", "unknown_fund"]))
    lines = list(draft.lines)
    if kind == "unbalanced":
        return "unbalanced", perturbed(draft, index, draw(st.booleans()))
    if kind == "zero":
        lines[index] = Line(lines[index].account, lines[index].fund)
        return "exactly one positive amount", replace(draft, lines=tuple(lines))
    if kind == "unknown_account":
        name = draw(st.sampled_from(["Assets:Vault", "Expenses:Dibao", "Income", "assets:treasury"]))
        lines[index] = replace(lines[index], account=name)
        return "unknown account", replace(draft, lines=tuple(lines))
    lines[index] = replace(lines[index], fund=draw(st.sampled_from(["gold", "CENTRAL_SUBSIDY", ""])))
    return "unknown fund", replace(draft, lines=tuple(lines))


operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), drafts()),
        st.tuples(st.just("post"), drafts()),  # posting and reversing are the common cases
        st.tuples(st.just("reverse"), st.integers(0, 50), days),
        st.tuples(st.just("reverse"), st.integers(0, 50), days),
        st.tuples(st.just("reverse_again"), st.integers(0, 50), days),
        st.tuples(st.just("invalid"), invalid_drafts()),
        st.tuples(st.just("repeat"), st.integers(0, 50)),
        st.tuples(st.just("reuse_key"), st.integers(0, 50), drafts()),
    ),
    min_size=3,
    max_size=20,
)


# --- the model -----------------------------------------------------------------------


@dataclass
class Model:
    """What the journal should hold, kept by hand: every line, every entry, every key."""

    lines: list[tuple[str, date, str, str, int, int]] = field(default_factory=list)
    entries: dict[int, EntryDraft] = field(default_factory=dict)
    reversed: set[int] = field(default_factory=set)
    keys: dict[str, int] = field(default_factory=dict)

    def add(self, seq: int, draft: EntryDraft) -> None:
        assert seq == len(self.entries) + 1, f"entry numbered {seq}, expected {len(self.entries) + 1}"
        self.entries[seq] = draft
        if draft.idempotency_key is not None:
            self.keys[draft.idempotency_key] = seq
        if draft.reverses is not None:
            self.reversed.add(draft.reverses)
        for line in draft.lines:
            self.lines.append(
                (draft.jurisdiction, draft.date, line.account, line.fund, to_fen(line.debit), to_fen(line.credit))
            )

    def nets(self, jurisdiction: str, as_of: date) -> dict[tuple[str, str], int]:
        """(account, fund) → debit minus credit in fen, over the lines dated on or before `as_of`."""
        nets: dict[tuple[str, str], int] = defaultdict(int)
        for j, day, account, fund, debit, credit in self.lines:
            if j == jurisdiction and day <= as_of:
                nets[(account, fund)] += debit - credit
        return nets

    def trial_rows(self, jurisdiction: str, as_of: date) -> list[tuple[str, str, Decimal, Decimal]]:
        return sorted(
            (account, fund, from_fen(max(net, 0)), from_fen(max(-net, 0)))
            for (account, fund), net in self.nets(jurisdiction, as_of).items()
            if net != 0
        )

    def balance(self, jurisdiction: str, account: str, fund: str | None, as_of: date) -> Decimal:
        net = sum(n for (a, f), n in self.nets(jurisdiction, as_of).items() if a == account and fund in (None, f))
        return from_fen(net if TYPE_OF[account] in DEBIT_NORMAL else -net)

    def open_entries(self) -> list[int]:
        return [seq for seq in self.entries if seq not in self.reversed]


def snapshot(database: dbmod.Database) -> dict[str, list[tuple]]:
    """Every row of every table: 'the database exactly as it was'."""
    with database.read() as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))]
            for table in metadata.sorted_tables
        }


def set_up_books(database: dbmod.Database) -> None:
    with database.write() as session:
        add_user(session, ADMIN, "admin", acting=None, now=NOW)
        add_user(session, PREPARER, "preparer", acting=ADMIN, now=NOW)
        for code, name, level, parent in (
            ("230000", "黑龙江省", "province", None),
            ("230500", "双鸭山市", "city", "230000"),
            ("230523", "宝清县", "county", "230500"),
        ):
            service.add_jurisdiction(session, code, name, level, parent, user=ADMIN, now=NOW)


def post(database: dbmod.Database, draft: EntryDraft):
    with database.write() as session:
        return service.post_manual(session, draft, user=PREPARER, now=NOW)


def reverse(database: dbmod.Database, seq: int, on: date):
    with database.write() as session:
        return service.reverse(session, seq, on=on, reason="冲销测试", user=PREPARER, now=NOW)


def assert_refused_unchanged(database: dbmod.Database, action, fragment: str) -> None:
    before = snapshot(database)
    with pytest.raises(Refusal) as refused:
        action()
    assert any(fragment in p for p in refused.value.messages), (fragment, refused.value.messages)
    assert snapshot(database) == before


def check_books(database: dbmod.Database, model: Model, as_ofs=(FAR,)) -> None:
    with database.read() as session:
        report = verify(session)
        assert report.ok, report.problems
        assert report.entries == len(model.entries)
        for jurisdiction in JURISDICTIONS:
            for as_of in as_ofs:
                tb = trial_balance(session, jurisdiction, as_of)
                assert tb.total_debit == tb.total_credit, (jurisdiction, as_of)
                got = sorted((r.account, r.fund, r.debit, r.credit) for r in tb.rows)
                assert got == model.trial_rows(jurisdiction, as_of), (jurisdiction, as_of)
                assert all(TYPE_OF[r.account] == r.type for r in tb.rows)


def check_balances(database: dbmod.Database, model: Model, as_of: date) -> None:
    with database.read() as session:
        for jurisdiction in JURISDICTIONS:
            for account in ACCOUNTS:
                for fund in (None, *FUNDS):
                    got = balance(session, jurisdiction, account, fund, as_of)
                    assert got == model.balance(jurisdiction, account, fund, as_of), (jurisdiction, account, fund)


def apply(database: dbmod.Database, model: Model, op: tuple) -> None:
    kind = op[0]
    if kind == "post":
        draft = op[1]
        seq = model.keys.get(draft.idempotency_key)
        if seq is not None and model.entries[seq].digest() != draft.digest():
            assert_refused_unchanged(database, lambda: post(database, draft), "was already used by entry")
            return
        before = snapshot(database) if seq is not None else None
        posted = post(database, draft)
        if seq is not None:  # the same key with the same content: the entry already posted
            assert (posted.seq, posted.existing) == (seq, True)
            assert snapshot(database) == before
            return
        assert not posted.existing
        model.add(posted.seq, draft)
    elif kind == "reverse":
        candidates = model.open_entries()
        if not candidates:
            return
        target = candidates[op[1] % len(candidates)]
        posted = reverse(database, target, op[2])
        original = model.entries[target]
        model.add(posted.seq, replace(original, date=op[2], lines=tuple(ln.reversed() for ln in original.lines),
                                      reverses=target, idempotency_key=None, kind="reversal"))
    elif kind == "reverse_again":
        done = sorted(model.reversed)
        if not done:
            return
        target = done[op[1] % len(done)]
        assert_refused_unchanged(database, lambda: reverse(database, target, op[2]), "already reversed")
    elif kind == "invalid":
        fragment, draft = op[1]
        assert check_entry(draft) or fragment == "unknown account"
        assert_refused_unchanged(database, lambda: post(database, draft), fragment)
    elif kind == "repeat":
        if not model.keys:
            return
        key = sorted(model.keys)[op[1] % len(model.keys)]
        seq = model.keys[key]
        before = snapshot(database)
        posted = post(database, model.entries[seq])
        assert (posted.seq, posted.existing) == (seq, True)
        assert snapshot(database) == before
    elif kind == "reuse_key":
        if not model.keys:
            return
        key = sorted(model.keys)[op[1] % len(model.keys)]
        seq = model.keys[key]
        other = replace(op[2], idempotency_key=key)
        if other.digest() == model.entries[seq].digest():
            return
        assert_refused_unchanged(database, lambda: post(database, other), f"idempotency key {key!r} was already used")
    else:  # pragma: no cover
        raise AssertionError(kind)


def test_random_operations_keep_the_books_balanced_chained_and_equal_to_the_model(templates, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seed=st.lists(drafts(), min_size=1, max_size=3), ops=operations)
    def run(seed, ops):
        database = dbmod.Database(templates[backend]())
        try:
            set_up_books(database)
            model = Model()
            for n, op in enumerate([("post", draft) for draft in seed] + ops, start=1):
                note(f"operation {n}: {op[0]}")
                apply(database, model, op)
                check_books(database, model)
            dates = sorted({day for _, day, *_ in model.lines})
            as_ofs = [START - timedelta(days=1), *dates[:: max(1, len(dates) // 4)], FAR]
            check_books(database, model, as_ofs)
            for as_of in (dates[len(dates) // 2] if dates else START, FAR):
                check_balances(database, model, as_of)
        finally:
            database.dispose()

    run()


# --- pure properties: check_entry ----------------------------------------------------


@settings(max_examples=300)
@given(draft=drafts(jurisdiction=st.just(COUNTY)))
def test_entries_balanced_per_fund_pass_check_entry(draft):
    if draft.fund_transfer:
        # Balanced over the whole entry: passes as a declared transfer.
        assert check_entry(draft) == []
        per_fund = defaultdict(int)
        for line in draft.lines:
            per_fund[line.fund] += to_fen(line.debit) - to_fen(line.credit)
        if any(per_fund.values()):
            problems = check_entry(replace(draft, fund_transfer=False))
            assert problems and all("must declare fund_transfer" in str(p) for p in problems)
    else:
        assert check_entry(draft) == []
        assert check_entry(replace(draft, fund_transfer=True)) == []


@settings(max_examples=300)
@given(draft=drafts(jurisdiction=st.just(COUNTY)), index=st.integers(0, 20), up=st.booleans())
def test_one_fen_off_on_one_line_is_always_unbalanced(draft, index, up):
    problems = check_entry(perturbed(draft, index, up))
    assert problems
    assert any("unbalanced: debits" in str(p) for p in problems), problems
    assert all("unbalanced" in str(p) for p in problems), problems


@given(lines=balanced_lines(), index=st.integers(0, 20))
def test_a_zero_or_negative_line_is_refused_not_counted(lines, index):
    lines = list(lines)
    line = lines[index % len(lines)]
    for broken in (Line(line.account, line.fund), replace(line, debit=-line.debit, credit=-line.credit)):
        lines[index % len(lines)] = broken
        draft = EntryDraft(date=START, jurisdiction=COUNTY, description="x", lines=tuple(lines))
        problems = check_entry(draft)
        assert any("exactly one positive amount" in str(p) for p in problems), problems


# --- pure properties: money ----------------------------------------------------------

fen_values = st.integers(-(2**63) + 1, 2**63 - 1)


@given(n=fen_values)
def test_fen_round_trip_through_yuan_and_text(n):
    amount = from_fen(n)
    assert amount == Decimal(n) / 100
    assert amount.as_tuple().exponent == -2
    assert to_fen(amount) == n
    assert to_fen(Decimal(n) / 100) == n
    text = format_amount(amount)
    assert parse_amount(text) == amount
    assert to_fen(parse_amount(text)) == n
    if abs(n) >= 100_000:  # a thousands separator: refused, as a full-width digit, an exponent or an underscore
        with pytest.raises(MoneyError, match="not a plain decimal number"):
            parse_amount(f"{amount:,.2f}")
    assert parse_amount(f"  {text} ") == amount
    assert parse_amount(Decimal(n) / 100) == amount
    if n % 100 == 0:
        assert parse_amount(n // 100) == amount  # an int is a whole number of yuan


@given(n=fen_values, extra=st.integers(1, 9))
def test_sub_fen_amounts_are_refused(n, extra):
    amount = Decimal(n) / 100 + Decimal(extra) / 1000
    with pytest.raises(MoneyError):
        parse_amount(amount)
    with pytest.raises(MoneyError):
        parse_amount(f"{amount:f}")
    with pytest.raises(MoneyError):
        to_fen(amount)


@given(x=st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused(x):
    with pytest.raises(MoneyError, match="not a float"):
        parse_amount(x)


@given(b=st.booleans())
def test_booleans_are_refused(b):
    with pytest.raises(MoneyError):
        parse_amount(b)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(FUND_CODES)), amounts, st.booleans()), min_size=1, max_size=6),
       days, descriptions, references, keys, st.booleans(), st.one_of(st.none(), st.integers(1, 10**9)))
def test_verify_rebuilds_exactly_the_content_an_entry_was_hashed_over(lines, day, description, reference, key,
                                                                      transfer, reverses):
    """`ledger verify` rebuilds each entry's canonical content from raw rows (integers, the driver's dates) rather
    than through EntryDraft: the two must agree to the byte, or verify would call sound books altered."""
    from aidledger.ledger.chain import entry_hash
    from aidledger.ledger.entries import sha256_json
    from aidledger.ledger.service.verify import _content_text, _hash_text, _sha256

    draft = EntryDraft(day, "230523", description, tuple(
        Line("Assets:Treasury", fund, yuan(fen) if debit else Decimal(0), Decimal(0) if debit else yuan(fen))
        for fund, fen, debit in lines), reference, key, "manual", transfer, reverses)
    rows = [("Assets:Treasury", 7, fund, fen if debit else 0, 0 if debit else fen) for fund, fen, debit in lines]
    for stored_day, stored_transfer in ((day, transfer), (day.isoformat(), int(transfer))):  # PostgreSQL, SQLite
        entry = (5, stored_day, "230523", description, reference, key, "manual", stored_transfer, reverses,
                 PREPARER, "", "", "")
        content = _content_text(entry, rows)
        assert _sha256(content) == sha256_json(draft.content())
        assert _sha256(_hash_text("ab" * 32, 5, content, PREPARER, key)) == \
            entry_hash("ab" * 32, 5, draft.content(), PREPARER, key)
