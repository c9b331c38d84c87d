"""Postings from several OS processes at once, and a poster killed mid-transaction, on every backend.

Each child is a separate Python interpreter (`python -c`) with its own
`aidledger.db.Database`, so the serialization under test is the database's (BEGIN
IMMEDIATE + busy_timeout on SQLite, the ledger head's row lock on PostgreSQL), not
anything shared inside one process.
"""

from __future__ import annotations

import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from support import PREPARER, snapshot

from aidledger.ledger.service.balances import trial_balance
from aidledger.ledger.service.posting import post_entries
from aidledger.ledger.service.verify import verify
from aidledger.ledger.tables import JournalEntry, JournalLine, LedgerHead

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
COUNTY = "230523"

# Shared by the children and the test: an entry spec (plain JSON) → an EntryDraft.
SPEC_CODE = r'''
from datetime import date
from decimal import Decimal
from aidledger.ledger.entries import EntryDraft, Line

ACCOUNTS = {"receipt": ("Assets:Treasury", "Income:Allocations"),
            "payment": ("Expenses:Dibao:Urban", "Assets:Treasury")}

def draft_of(spec):
    debit_account, credit_account = ACCOUNTS[spec["kind"]]
    amount = Decimal(spec["amount"])
    return EntryDraft(
        date=date.fromisoformat(spec["date"]), jurisdiction="230523", description=spec["description"],
        lines=(Line(debit_account, spec["fund"], debit=amount), Line(credit_account, spec["fund"], credit=amount)),
        reference=spec.get("reference", ""), idempotency_key=spec.get("key"))
'''
namespace: dict = {}
exec(SPEC_CODE, namespace)
draft_of = namespace["draft_of"]

POSTER = SPEC_CODE + r'''
import json, sys, time
from datetime import datetime, timezone
import aidledger.models  # every table, so the ORM can resolve foreign keys (users)
from aidledger.db import Database
from aidledger.ledger.service.posting import post_entries

url, user, batches = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
now = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
database = Database(url)
drafts = [[draft_of(spec) for spec in batch] for batch in batches]
with database.read() as session:  # connect before the start signal
    pass
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
results = []
for batch, batch_drafts in zip(batches, drafts):
    with database.write() as session:
        posted = post_entries(session, batch_drafts, user=user, now=now)
    results += [[spec.get("key"), p.seq, p.existing] for spec, p in zip(batch, posted)]
    time.sleep(0.005)  # a client's own work between postings: lets the other writers in
database.dispose()
print("results " + json.dumps(results), flush=True)
'''

BIG_POSTER = r'''
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from sqlalchemy import event
import aidledger.models  # every table, so the ORM can resolve foreign keys (users)
from aidledger.db import Database
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.posting import post_entries

url, user, n_entries, n_lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
database = Database(url)
half = n_lines // 2
drafts = [
    EntryDraft(
        date=date(2022, 5, 20), jurisdiction="230523", description=f"批量发放 {e}",
        lines=tuple(Line("Expenses:Dibao:Urban", "central_subsidy", debit=Decimal("1.23")) for _ in range(half))
        + tuple(Line("Assets:Treasury", "central_subsidy", credit=Decimal("1.23")) for _ in range(half)),
        idempotency_key=f"big-{e}")
    for e in range(n_entries)
]
announced = False

@event.listens_for(database.engine, "before_cursor_execute")
def announce(conn, cursor, statement, params, context, executemany):
    global announced
    if not announced and statement.lstrip().upper().startswith("INSERT INTO JOURNAL_LINES"):
        announced = True
        print("inserting lines", flush=True)

print("started", flush=True)
with database.write() as session:
    post_entries(session, drafts, user=user, now=datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc))
print("committed", flush=True)
'''


class Child:
    """A `python -c` child whose stdout lines arrive on a queue, so the test can wait for one."""

    def __init__(self, code: str, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *args], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.stderr = ""
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self._err = threading.Thread(target=self._pump_stderr, daemon=True)
        self._err.start()

    def _pump_stdout(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _pump_stderr(self) -> None:
        self.stderr = self.proc.stderr.read()

    def expect(self, prefix: str, timeout: float) -> str:
        """Wait for a stdout line starting with `prefix`; fail (with the child's stderr) otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {prefix!r} from the child within {timeout}s; saw {self.seen}")
            if line is None:
                self.proc.wait()
                self._err.join(5)
                pytest.fail(f"child exited ({self.proc.returncode}) before {prefix!r}; saw {self.seen}\n{self.stderr}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"child still running after {timeout}s; saw {self.seen}")
        self._err.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture
def children():
    made: list[Child] = []

    def start(code: str, *args: str) -> Child:
        child = Child(code, *args)
        made.append(child)
        return child

    yield start
    for child in made:  # whatever the outcome, no child outlives its test
        child.kill()


# ---------------------------------------------------------------------------------------
# 1. Several processes posting at once


WORKERS, PER_WORKER = 6, 30
SHARED_AT = (4, 14, 24)  # positions whose entry every worker posts under one shared key
BATCHED = (20, 21, 22)  # positions one worker posts together, in one post_entries call
RETRIED = 0  # the position each worker posts again at the end, as a client retry would


def spec_of(worker: int, n: int) -> dict:
    if n in SHARED_AT:
        k = SHARED_AT.index(n)
        return {"kind": "receipt", "fund": "central_subsidy", "amount": f"{5000 + k}.50", "date": "2022-03-15",
                "description": f"共享拨款 {k}", "reference": f"黑财社〔2022〕{k}号", "key": f"shared-{k}"}
    kind = "payment" if n % 4 == 3 else "receipt"
    fund = "central_subsidy" if n % 2 == 0 else "county_subsidy"
    amount = Decimal(1000 + 100 * worker + n) + Decimal(worker + 1) / 100 if kind == "receipt" \
        else Decimal(10 + worker) + Decimal(n) / 100
    spec = {"kind": kind, "fund": fund, "amount": f"{amount:.2f}",
            "date": date(2022, 1 + n % 6, 1 + worker).isoformat(), "description": f"worker {worker} entry {n}"}
    if n % 3 == 0:
        spec["key"] = f"w{worker}-e{n}"
    return spec


def batches_of(worker: int) -> list[list[dict]]:
    batches: list[list[dict]] = []
    for n in range(PER_WORKER):
        if n in BATCHED[1:]:
            batches[-1].append(spec_of(worker, n))
        else:
            batches.append([spec_of(worker, n)])
    # A batch that repeats a shared entry (already posted, or posted by another worker meanwhile)
    # and retries this worker's first keyed entry.
    batches.append([spec_of(worker, SHARED_AT[0]), spec_of(worker, RETRIED)])
    return batches


def test_concurrent_posters_keep_the_chain_valid_and_the_books_balanced(books, database, children):
    plans = {w: batches_of(w) for w in range(WORKERS)}
    workers = {w: children(POSTER, books.url, PREPARER, json.dumps(plans[w])) for w in range(WORKERS)}
    for child in workers.values():
        child.expect("ready", timeout=30)
    for child in workers.values():  # all connected: start together
        child.send("go")
    # Meanwhile an auditor verifies the books again and again: every read sees a consistent
    # journal (one snapshot), never a half-posted entry or a head ahead of its entries.
    audits = []
    while any(child.proc.poll() is None for child in workers.values()):
        with database.read() as session:
            report = verify(session)
        assert report.ok, report.problems
        audits.append(report.entries)
    assert audits, "the auditor never read the books while they were being posted to"
    assert audits == sorted(audits)
    results = {}
    for w, child in workers.items():
        line = child.expect("results ", timeout=60)
        assert child.finish(timeout=30) == 0, child.stderr
        results[w] = [tuple(r) for r in json.loads(line[len("results "):])]

    # What should be in the books: every distinct entry once.
    distinct: dict[str, dict] = {}  # identity → spec
    for w in range(WORKERS):
        for n in range(PER_WORKER):
            spec = spec_of(w, n)
            distinct.setdefault(spec.get("key") or spec["description"], spec)
    expected_count = WORKERS * (PER_WORKER - len(SHARED_AT)) + len(SHARED_AT)
    assert len(distinct) == expected_count

    # What each process was told.
    new_seqs = [seq for rs in results.values() for _, seq, existing in rs if not existing]
    owner = {seq: w for w, rs in results.items() for _, seq, existing in rs if not existing}
    switches = sum(1 for seq in range(2, len(owner) + 1) if owner[seq] != owner[seq - 1])
    assert switches > WORKERS, f"the posters ran one after another ({switches} switches), not concurrently"
    assert sorted(new_seqs) == list(range(1, expected_count + 1))  # every number handed out exactly once
    for w, rs in results.items():
        assert len(rs) == PER_WORKER + 2
        own = [seq for key, seq, _ in rs[:PER_WORKER] if not (key or "").startswith("shared-")]
        assert own == sorted(own), f"worker {w}'s entries are out of order in the chain"
        first_shared, retried = rs[-2], rs[-1]
        assert first_shared[2] and retried[2], "re-posting a key must return the entry already posted"
        assert retried[1] == rs[RETRIED][1]
    for k in range(len(SHARED_AT)):
        key = f"shared-{k}"
        outcomes = [(seq, existing) for rs in results.values() for rkey, seq, existing in rs if rkey == key]
        assert len({seq for seq, _ in outcomes}) == 1, (key, outcomes)  # everyone got the same entry…
        assert sum(not existing for _, existing in outcomes) == 1, (key, outcomes)  # …and exactly one posted it

    with database.read() as session:
        report = verify(session)
        assert report.ok, report.problems
        assert report.entries == expected_count
        seqs = list(session.scalars(select(JournalEntry.seq).order_by(JournalEntry.seq)))
        assert seqs == list(range(1, expected_count + 1))
        assert session.get(LedgerHead, 1).seq == expected_count
        keys = Counter(session.scalars(select(JournalEntry.idempotency_key)
                                       .where(JournalEntry.idempotency_key.is_not(None))))
        assert {keys[f"shared-{k}"] for k in range(len(SHARED_AT))} == {1}
        assert sum(keys.values()) == sum(1 for spec in distinct.values() if spec.get("key"))
        assert session.scalar(select(func.count()).select_from(JournalLine)) == 2 * expected_count
        tb = trial_balance(session, COUNTY, date(2022, 12, 31))

    net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)  # debit-positive
    receipts = Decimal(0)
    for spec in distinct.values():
        amount = Decimal(spec["amount"])
        if spec["kind"] == "receipt":
            net[("Assets:Treasury", spec["fund"])] += amount
            net[("Income:Allocations", spec["fund"])] -= amount
            receipts += amount
        else:
            net[("Expenses:Dibao:Urban", spec["fund"])] += amount
            net[("Assets:Treasury", spec["fund"])] -= amount
    assert {(r.account, r.fund): r.debit - r.credit for r in tb.rows} == {k: v for k, v in net.items() if v}
    assert tb.total_debit == tb.total_credit == receipts


# ---------------------------------------------------------------------------------------
# 2. A poster killed in the middle of a large posting


def _wal_of(url: str) -> Path:
    return Path(f"{make_url(url).database}-wal")


def _assert_write_lock_is_free(url: str) -> None:
    """SQLite: a stale lock from the dead process would make BEGIN IMMEDIATE time out here."""
    conn = sqlite3.connect(make_url(url).database, timeout=10, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@pytest.mark.parametrize("shape", ["one entry of 200,000 lines", "2,000 entries of 100 lines"])
def test_a_poster_killed_mid_transaction_leaves_nothing_behind(books, database, children, backend, shape):
    n_entries, n_lines = (1, 200_000) if shape.startswith("one") else (2_000, 100)
    with database.write() as session:
        for n in range(3):
            post_entries(session, [draft_of(spec_of(0, n))], user=PREPARER, now=NOW)
    before = snapshot(database.url)
    wal_before = _wal_of(database.url).stat().st_size if backend == "sqlite" else 0

    child = children(BIG_POSTER, database.url, PREPARER, str(n_entries), str(n_lines))
    child.expect("started", timeout=30)
    child.expect("inserting lines", timeout=60)
    with database.read() as session:  # meanwhile, readers see the books as they were
        assert session.get(LedgerHead, 1).seq == 3
    # Inserting the 200,000 lines takes about 0.5 s on SQLite and several seconds on PostgreSQL;
    # then come the balances, the head and the commit. Kill well inside the insert: on SQLite
    # once the uncommitted pages spilled into the WAL run past a megabyte (so a stale WAL is
    # left behind), on PostgreSQL 50 ms in.
    if backend == "sqlite":
        deadline = time.monotonic() + 10
        while _wal_of(database.url).stat().st_size < wal_before + 2**20 and time.monotonic() < deadline:
            time.sleep(0.002)
    else:
        time.sleep(0.05)
    assert child.proc.poll() is None, f"the child finished by itself ({child.proc.returncode}): {child.seen}"
    child.proc.send_signal(signal.SIGKILL)
    assert child.finish(timeout=10) == -signal.SIGKILL
    assert "committed" not in child.seen

    if backend == "sqlite":
        assert _wal_of(database.url).stat().st_size >= wal_before + 2**20  # the dead posting's frames
        _assert_write_lock_is_free(database.url)
    # Exactly the books as they were before: no entry, line, balance or head move of the dead posting.
    assert snapshot(database.url) == before
    with database.read() as session:
        report = verify(session)
        assert report.ok, report.problems
        assert report.entries == 3

    # The books accept the next posting, even one reusing the dead posting's idempotency key with
    # other content (the key was never recorded).
    retry = draft_of({"kind": "receipt", "fund": "county_subsidy", "amount": "88.80", "date": "2022-05-21",
                      "description": "after the crash", "key": "big-0"})
    with database.write() as session:
        if backend == "postgresql":  # the dead backend's row lock must go, not hang us
            session.execute(text("SET LOCAL lock_timeout = '20s'"))
        posted = post_entries(session, [retry], user=PREPARER, now=NOW)
    assert (posted[0].seq, posted[0].existing) == (4, False)
    with database.read() as session:
        report = verify(session)
        assert report.ok, report.problems
        assert report.entries == 4
        tb = trial_balance(session, COUNTY, date(2022, 12, 31))
    expected = sum(Decimal(spec_of(0, n)["amount"]) for n in range(3)) + Decimal("88.80")
    assert tb.total_debit == tb.total_credit == expected
