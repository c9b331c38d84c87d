"""Ledger benchmark: posting a million journal lines, against the raw driver's floor.

Never part of the test suite. For each backend (SQLite always; PostgreSQL when
--pg-url, AIDLEDGER_BENCH_PG_URL or AIDLEDGER_TEST_PG_URL names a server) it:

  1. posts N lines (entries of 10 lines, balanced within each fund) through the real
     posting service `post_entries`, one write transaction per batch of entries;
  2. measures the floor in the same run: the raw driver (stdlib sqlite3 / psycopg, no
     SQLAlchemy) inserting the same journal_entries and journal_lines rows, hashes and
     integer fen included, into a second fresh migrated database with executemany,
     in the same batches, one transaction per batch, alternating with the service
     batch by batch so that load from elsewhere on the machine falls on both alike;
  3. times a trial balance over those lines (target < 1 s) and `ledger verify` (verify_books: the journal's chain,
     digests and balances, every sub-ledger check, and the evidence chain: each seal's keyed link and every sealed
     record rehashed; target < 10 s at a million lines).

It prints lines/second for both and the ratio service time / floor time (target ≤ 3×).
Building the drafts (and, for the floor, their rows and hashes) is not timed.

    .venv/bin/python bench/ledger.py                      # 1,000,000 lines
    .venv/bin/python bench/ledger.py --lines 20000        # a quick run
    .venv/bin/python bench/ledger.py --dates random       # worst case for the per-day balances
    .venv/bin/python bench/ledger.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ledger.py --profile /tmp/post  # cProfile the service: /tmp/post.<backend>.prof

PostgreSQL databases are created fresh (named with the pid and a random suffix) through
the given URL's server and dropped at the end (bench/common.py's backends).
"""

from __future__ import annotations

import cProfile
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import click
from common import Backend, aidledger_source, echo_machine, on_each_backend, pg_url_option, scratch_folder
from sqlalchemy import text

import aidledger.models  # noqa: F401  (every table, so the ORM resolves every foreign key)
from aidledger import db as dbmod
from aidledger.disbursement.checks import verify_books
from aidledger.ledger.chain import GENESIS_HASH, entry_hash
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.money import from_fen
from aidledger.ledger.service.accounts import add_jurisdiction
from aidledger.ledger.service.balances import trial_balance
from aidledger.ledger.service.posting import post_entries
from aidledger.users import add_user

LINES_PER_ENTRY = 10  # two funds × (four debit lines + one credit line)
ADMIN, POSTER = "bench", "bench.preparer"
PROVINCE, CITY, COUNTY = "230000", "230500", "230523"
AS_OF = date(2022, 12, 31)
YEAR_START = date(2022, 1, 1)
NOW = datetime.now(timezone.utc).replace(microsecond=0)

FUNDS = ("central_subsidy", "provincial_subsidy", "city_subsidy", "county_subsidy", "working_funds", "lottery_welfare")
DEBIT_ACCOUNTS = (
    "Assets:Treasury", "Assets:Receivable:Recovery", "Expenses:Allocations:Transferred",
    "Expenses:Dibao:Urban", "Expenses:Dibao:Rural", "Expenses:Tekun:Urban", "Expenses:Tekun:Rural",
    "Expenses:LowIncome:Urban", "Expenses:LowIncome:Rural", "Expenses:Temporary",
    "Expenses:PurchasedServices", "Expenses:Administration",
)
CREDIT_ACCOUNTS = (
    "Assets:Treasury", "Liabilities:Payable:Beneficiaries", "Liabilities:BankClearing",
    "Liabilities:ReturnedPayments", "Income:Allocations", "Equity:NetPosition",
)

ENTRY_COLUMNS = (
    "seq", "date", "jurisdiction_code", "description", "reference", "idempotency_key", "kind", "fund_transfer",
    "reverses_seq", "user_name", "posted_at", "digest", "prev_hash", "hash",
)
LINE_COLUMNS = ("entry_seq", "line_no", "account_id", "fund_code", "debit_fen", "credit_fen")


# ---------------------------------------------------------------------------- workload


def batch_drafts(batch: int, first: int, count: int, entries: int, dates: str) -> list[EntryDraft]:
    """Entries first … first+count-1 of `entries` (numbered from 1), the same on every call and backend.

    dates "ordered": the entries run through 2022 in posting order, so a batch covers a
    few days (as a cycle's or a month's postings do); "random": every entry on a random
    day of the year, so a batch touches thousands of (account, fund, day) balance rows.
    """
    rng = random.Random(f"aidledger-bench-{batch}")
    drafts = []
    for n in range(first, first + count):
        offset = rng.randrange(365) if dates == "random" else (n - 1) * 365 // entries
        day = YEAR_START + timedelta(days=offset)
        lines: list[Line] = []
        for fund in rng.sample(FUNDS, 2):
            credit_account = rng.choice(CREDIT_ACCOUNTS)
            debit_accounts = rng.sample([a for a in DEBIT_ACCOUNTS if a != credit_account], 4)
            amounts = [rng.randrange(100, 5_000_000) for _ in debit_accounts]  # fen
            lines += [Line(a, fund, debit=from_fen(fen)) for a, fen in zip(debit_accounts, amounts)]
            lines.append(Line(credit_account, fund, credit=from_fen(sum(amounts))))
        drafts.append(
            EntryDraft(
                date=day,
                jurisdiction=COUNTY,
                description=f"{day.month}月救助资金支付 第{n}笔",
                lines=tuple(lines),
                reference=f"BENCH-{n:08d}",
                idempotency_key=f"bench-{n:08d}",
            )
        )
    return drafts


def batches(entries: int, per_batch: int) -> Iterator[tuple[int, int, int]]:
    """(batch index, first entry number, entry count) for every batch."""
    for index, start in enumerate(range(0, entries, per_batch)):
        yield index, start + 1, min(per_batch, entries - start)


# ---------------------------------------------------------------------------- measurements


@dataclass
class Result:
    backend: str
    lines: int
    service_s: float
    floor_s: float
    tb_first_s: float
    tb_best_s: float
    tb_rows: int
    verify_s: float
    verify_ok: bool

    @property
    def ratio(self) -> float:
        return self.service_s / self.floor_s


def set_up(url: str) -> dbmod.Database:
    """A migrated database with two users and the province > city > county chain."""
    database = dbmod.Database(url)
    dbmod.upgrade(database, authentication=False)
    with database.write() as session:
        add_user(session, ADMIN, "admin", acting=None, now=NOW)
        add_user(session, POSTER, "preparer", acting=ADMIN, now=NOW)
        add_jurisdiction(session, PROVINCE, "黑龙江省", "province", None, user=ADMIN, now=NOW)
        add_jurisdiction(session, CITY, "双鸭山市", "city", PROVINCE, user=ADMIN, now=NOW)
        add_jurisdiction(session, COUNTY, "宝清县", "county", CITY, user=ADMIN, now=NOW)
    return database


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; elsewhere a line to stderr every tenth of the way."""
    if sys.stderr.isatty():
        with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
            yield bar.update
        return
    done, shown = 0, 0

    def update(n: int) -> None:
        nonlocal done, shown
        done += n
        while done * 10 >= (shown + 1) * total and shown < 10:
            shown += 1
            click.echo(f"  {label} {shown * 10}%", err=True)

    yield update


def floor_rows(drafts: list[EntryDraft], first: int, prev: str, account_ids: dict[str, int],
               dialect: str) -> tuple[list[tuple], list[tuple], str]:
    """The journal_entries and journal_lines rows the service writes for `drafts`, as the driver takes them.

    Values as SQLAlchemy binds them: on SQLite dates and timestamps as its ISO strings
    and booleans as 0/1; on PostgreSQL the Python objects themselves.
    """
    entry_rows, line_rows = [], []
    posted_at = NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else NOW
    for seq, draft in enumerate(drafts, start=first):
        content = draft.content()
        hash_ = entry_hash(prev, seq, content, POSTER, draft.idempotency_key)
        entry_rows.append((
            seq, draft.date.isoformat() if dialect == "sqlite" else draft.date, draft.jurisdiction,
            draft.description, draft.reference, draft.idempotency_key, draft.kind,
            int(draft.fund_transfer) if dialect == "sqlite" else draft.fund_transfer, draft.reverses,
            POSTER, posted_at, draft.digest(), prev, hash_,
        ))
        for line_no, line in enumerate(draft.lines, start=1):
            line_rows.append((seq, line_no, account_ids[line.account], line.fund, line.debit_fen, line.credit_fen))
        prev = hash_
    return entry_rows, line_rows, prev


class Floor:
    """The raw driver inserting prepared rows into the floor database, one transaction per batch."""

    def __init__(self, backend: Backend, url: str):
        self.backend = backend
        self.insert_entries = backend.insert_sql("journal_entries", ENTRY_COLUMNS)
        self.insert_lines = backend.insert_sql("journal_lines", LINE_COLUMNS)
        self.connection = backend.raw_connect(url)
        self.cursor = self.connection.cursor()
        self.cursor.execute(f"SELECT name, id FROM accounts WHERE jurisdiction_code = {backend.mark}", (COUNTY,))
        self.account_ids = dict(self.cursor.fetchall())
        if backend.name == "postgresql":
            self.connection.commit()
        self.prev = GENESIS_HASH

    def rows(self, drafts: list[EntryDraft], first: int) -> tuple[list[tuple], list[tuple]]:
        entry_rows, line_rows, self.prev = floor_rows(drafts, first, self.prev, self.account_ids, self.backend.name)
        return entry_rows, line_rows

    def insert(self, entry_rows: list[tuple], line_rows: list[tuple]) -> None:
        cursor = self.cursor
        if self.backend.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(self.insert_entries, entry_rows)
            cursor.executemany(self.insert_lines, line_rows)
            cursor.execute("COMMIT")
        else:
            cursor.executemany(self.insert_entries, entry_rows)
            cursor.executemany(self.insert_lines, line_rows)
            self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def post_both(service: dbmod.Database, floor: Floor, entries: int, per_batch: int, dates: str, label: str,
              profiler: cProfile.Profile | None) -> tuple[float, float]:
    """Each batch through the posting service and through the floor; their seconds, summed.

    The two alternate batch by batch (which goes first alternating too), so that load from
    elsewhere on the machine falls on both alike. Building drafts and rows is not timed.
    """
    service_s = floor_s = 0.0

    def timed_service(drafts: list[EntryDraft]) -> float:
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        with service.write() as session:
            post_entries(session, drafts, user=POSTER, now=NOW)
        elapsed = time.perf_counter() - start
        if profiler:
            profiler.disable()
        return elapsed

    def timed_floor(rows: tuple[list[tuple], list[tuple]]) -> float:
        start = time.perf_counter()
        floor.insert(*rows)
        return time.perf_counter() - start

    with progress(label, entries * LINES_PER_ENTRY) as advance:
        for index, first, count in batches(entries, per_batch):
            drafts = batch_drafts(index, first, count, entries, dates)
            rows = floor.rows(drafts, first)
            if index % 2 == 0:
                service_s += timed_service(drafts)
                floor_s += timed_floor(rows)
            else:
                floor_s += timed_floor(rows)
                service_s += timed_service(drafts)
            advance(count * LINES_PER_ENTRY)
    return service_s, floor_s


def same_rows(service: dbmod.Database, backend: Backend, floor_url: str, entries: int) -> list[str]:
    """Differences between the two databases' first and last entries and line totals (expected: none)."""
    queries = [
        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM journal_entries WHERE seq IN (1, {entries}) ORDER BY seq",
        f"SELECT {', '.join(LINE_COLUMNS)} FROM journal_lines WHERE entry_seq IN (1, {entries}) "
        "ORDER BY entry_seq, line_no",
        "SELECT count(*), sum(debit_fen), sum(credit_fen) FROM journal_lines",
    ]
    with service.engine.connect() as connection:
        theirs = [[tuple(r) for r in connection.exec_driver_sql(q)] for q in queries]
    raw = backend.raw_connect(floor_url)
    try:
        ours = [[tuple(r) for r in raw.cursor().execute(q).fetchall()] for q in queries]
    finally:
        raw.close()
    return [f"service {t} ≠ floor {o}" for t, o in zip(theirs, ours) if t != o]


def measure(backend: Backend, entries: int, per_batch: int, dates: str, profile: str | None) -> Result:
    lines = entries * LINES_PER_ENTRY
    floor_url = backend.new_database("floor")
    service = set_up(backend.new_database("service"))
    set_up(floor_url).dispose()
    try:
        profiler = cProfile.Profile() if profile else None
        floor = Floor(backend, floor_url)
        try:
            service_s, floor_s = post_both(service, floor, entries, per_batch, dates, backend.name, profiler)
        finally:
            floor.close()
        floor_head = floor.prev
        if profiler:
            path = f"{profile}.{backend.name}.prof"
            profiler.dump_stats(path)
            click.echo(f"{backend.name}: cProfile of the service written to {path}")
        report_rate(backend.name, "service", lines, service_s, "post_entries via SQLAlchemy")
        report_rate(backend.name, "floor", lines, floor_s, f"{backend.driver} executemany")
        click.echo(f"{backend.name}: ratio   {service_s / floor_s:.2f}× service time / floor time (target ≤ 3×)")

        with service.read() as session:
            head = session.execute(text("SELECT seq, hash FROM ledger_head")).one()
        if (head.seq, head.hash) != (entries, floor_head):
            raise SystemExit(
                f"{backend.name}: the floor's chain ({entries}, {floor_head}) ≠ the service's {tuple(head)}"
            )
        differences = same_rows(service, backend, floor_url, entries)
        if differences:
            raise SystemExit(f"{backend.name}: the floor did not write the service's rows: {differences}")

        timings, rows = [], 0
        for _ in range(5):
            with service.read() as session:
                start = time.perf_counter()
                tb = trial_balance(session, COUNTY, AS_OF)
                timings.append(time.perf_counter() - start)
            assert tb.total_debit == tb.total_credit, "trial balance does not balance"
            rows = len(tb.rows)
        click.echo(
            f"{backend.name}: trial balance of {COUNTY} as of {AS_OF}: {timings[0]:.3f} s first call, "
            f"{min(timings):.3f} s best, {statistics.median(timings):.3f} s median of 5 "
            f"({rows} rows; target < 1 s)"
        )

        with service.read() as session:
            start = time.perf_counter()
            report = verify_books(session)
            verify_s = time.perf_counter() - start
        click.echo(
            f"{backend.name}: verify  {verify_s:.1f} s, {'ok' if report.ok else 'FAILED'}: "
            f"{report.entries:,} entries, {report.lines:,} lines, {report.evidence_seq:,} seals (target < 10 s)"
            + ("" if report.ok else f"; {report.messages[:3]}")
        )
        return Result(backend.name, lines, service_s, floor_s, timings[0], min(timings), rows, verify_s, report.ok)
    finally:
        service.dispose()


def report_rate(backend: str, what: str, lines: int, seconds: float, how: str) -> None:
    click.echo(f"{backend}: {what:<7} {lines:,} lines in {seconds:.2f} s = {lines / seconds:,.0f} lines/s ({how})")


@click.command()
@click.option("--lines", "lines", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Journal lines to post (rounded up to whole entries of 10 lines).")
@click.option("--batch", "per_batch", type=click.IntRange(min=1), default=1_000, show_default=True,
              help="Entries per transaction.")
@click.option("--dates", type=click.Choice(["ordered", "random"]), default="ordered", show_default=True,
              help="Entries in date order through 2022 (a batch covers a few days) or each on a random day.")
@pg_url_option("AIDLEDGER_BENCH_PG_URL", "AIDLEDGER_TEST_PG_URL")
@click.option("--profile", default=None, metavar="PREFIX",
              help="cProfile the posting service; writes PREFIX.<backend>.prof.")
def main(lines: int, per_batch: int, dates: str, pg_url: str | None, profile: str | None) -> None:
    """Post LINES journal lines through the posting service and through the raw driver; compare."""
    entries = -(-lines // LINES_PER_ENTRY)
    load_at_start, source = os.getloadavg(), aidledger_source()
    click.echo(f"aidledger ledger benchmark: {entries * LINES_PER_ENTRY:,} lines = {entries:,} entries of "
               f"{LINES_PER_ENTRY} lines, batches of {per_batch:,} entries, one county, dates in 2022 ({dates})")
    with scratch_folder("aidledger-bench-") as directory:
        results, versions = on_each_backend(directory, "ledgerbench", True, pg_url,
                                            lambda backend: measure(backend, entries, per_batch, dates, profile))
    echo_machine(versions, load_at_start, extra=[f"aidledger: {source}"])
    click.echo("| backend | dates | lines | service lines/s | floor lines/s | ratio | trial balance s | verify s |")
    click.echo("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        click.echo(
            f"| {r.backend} | {dates} | {r.lines:,} | {r.lines / r.service_s:,.0f} | {r.lines / r.floor_s:,.0f} | "
            f"{r.ratio:.2f}× | {r.tb_first_s:.3f} | {r.verify_s:.1f} |"
        )
    if not all(r.verify_ok for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
