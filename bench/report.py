"""Report benchmark: the payment register (发放花名册) of a cycle of 100,000 households.

Never part of the test suite. The requirement (issue 8): a register of 100,000 households in
under 10 s. For each backend (SQLite always; PostgreSQL when --pg-url or AIDLEDGER_TEST_PG_URL
names a server) it:

  1. creates a fresh database (a temporary SQLite file; on PostgreSQL a database named with
     the pid and a random suffix, dropped at the end WITH (FORCE)), migrates it, adds the
     users, loads the three example policies (townships 230523100/101/102; bench/common.py's
     backends and prepare_books) and stores one
     approved cycle of --households lines straight into cycles / cycle_lines /
     cycle_transitions with the raw driver (set-up, not timed): generated names, GB 11643 id
     numbers, 19-digit accounts, 低保 / 特困 / 低收入, 1–5 members, amounts of 300–2,000 yuan;
  2. times, in this process, reading and building the register data (`register_data`:
     one ordered query, masking, grouping, subtotals) and drawing the PDF
     (`write_register`), and prints rows/s for each and for both;
  3. times the real command in a subprocess, interpreter start-up included:
         aidledger --db URL report register ID --out FILE
     and checks the PDF it wrote: the last page's grand total and 大写 (pdftotext, when
     poppler-utils is installed);
  4. for scale, draws --table-rows rows as one ReportLab Table flowable (the obvious way,
     about 800 rows/s when measured here) and prints its rows/s;
  5. ledger verify at a million lines (issue 18: `ledger verify` and the audit pack's cover over
     --verify-lines journal lines in under 10 s): a fresh book of that many lines posted through
     `post_entries` with bench/ledger.py's workload and helpers (set-up, not timed), then
     --verify-runs rounds of: the floor (the raw driver streaming the same entries and lines in the
     same order and one SHA-256 over their text), `verify_books` in process with a progress
     callback (and the journal's own checks alone), and the command `aidledger ledger verify` in a
     subprocess. It prints wall and CPU seconds, the ratio to the floor, and how long the progress
     callback went uncalled at most;
  6. with --audit-households N, the audit pack of a county of N households paid for a year (issue 18: 100,000
     in under 60 s), by running bench/audit.py, which builds the year through the real commands.

    .venv/bin/python bench/report.py                          # 100,000 households
    .venv/bin/python bench/report.py --households 10000       # a quick run
    .venv/bin/python bench/report.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/report.py --no-register --table-rows 0 --pg-url …   # the verify case only
    .venv/bin/python bench/report.py --verify-lines 0          # the register only
    .venv/bin/python bench/report.py --no-register --table-rows 0 --verify-lines 0 --audit-households 100000
                                                               # the audit pack of a county's year (bench/audit.py)
"""

from __future__ import annotations

import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import click
import reportlab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402  (bench/common.py: the set-up's constants and books, backends, the machine)
from common import AIDLEDGER, APPROVER, COUNTY, NOW, PREPARER, TOWNSHIPS, Backend, prepare_books  # noqa: E402

from aidledger import db as dbmod  # noqa: E402
from aidledger.idcard import check_character  # noqa: E402
from aidledger.masking import mask  # noqa: E402
from aidledger.reports.capitals import rmb_capitals  # noqa: E402
from aidledger.reports.pdf.register import write_register  # noqa: E402
from aidledger.reports.service.register import register_data  # noqa: E402

MONTH = "2022-01"
TARGET_S = 10.0
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜"
GIVEN = "建国秀英玉梅志强桂兰淑珍春华海明丽娟立新凤芝文军红霞永刚金凤德福晓东雪梅宝山丽华国庆振华淑华"
LINE_COLUMNS = ("cycle_id", "household_id", "program", "area", "township", "head_name", "head_id_number", "members",
                "payee_name", "bank_account", "amount_fen", "components", "track_status", "exit_month",
                "exit_base_fen", "dibao_amount_fen")


def components_of(amount_fen: int, rng: random.Random) -> str:
    """A line's stored components as a cycle writes them (the register splits the amount by them): a base, and for
    one household in three an add-on, adding up to the amount."""
    addon = rng.choice((0, 0, 6_900, 16_100)) if amount_fen > 20_000 else 0
    parts = [("base", amount_fen - addon, "保障金: (低保标准 680.00 - 人均收入 0.00) × 人数", "dibao.standard_urban")]
    if addon:
        parts.append(("addon", addon, "老年人 加发: 低保标准 680.00 × 0.1", "dibao.addons.elderly"))
    return "[" + ", ".join(f'{{"kind": "{kind}", "amount": "{fen // 100}.{fen % 100:02d}", "rule": "{rule}", '
                           f'"parameter": "{parameter}"}}' for kind, fen, rule, parameter in parts) + "]"


def generated_lines(cycle_id: int, households: int, seed: str = "aidledger-report-bench") -> tuple[list[tuple], int]:
    """The cycle_lines rows (money in fen) and their total in fen, deterministic for the seed."""
    rng = random.Random(seed)
    rows, total = [], 0
    for n in range(households):
        program = rng.choices(("dibao", "tekun", "low_income"), (6, 1, 3))[0]
        surname = SURNAMES[rng.randrange(len(SURNAMES))]
        name = surname + GIVEN[rng.randrange(0, len(GIVEN) - 1, 2)] + GIVEN[rng.randrange(1, len(GIVEN), 2)][:1]
        born = date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
        first17 = f"{COUNTY}{born:%Y%m%d}{rng.randrange(1000):03d}"
        amount = rng.randrange(30_000, 200_000, 50)
        total += amount
        rows.append((cycle_id, f"H{n:07d}", program, rng.choice(("urban", "rural")), rng.choice(TOWNSHIPS), name,
                     first17 + check_character(first17), 1 + rng.randrange(5), name,
                     f"621700{rng.randrange(10**13):013d}", amount, components_of(amount, rng), "normal", 0, 0,
                     amount))
    return rows, total


def set_up(url: str, households: int) -> tuple[int, Decimal]:
    """The bench's books (common.prepare_books) and one approved cycle stored; returns its id and total."""
    prepare_books(url)
    database = dbmod.Database(url)
    try:
        rows, total_fen = generated_lines(1, households)
        with database.engine.begin() as connection:
            mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            connection.exec_driver_sql(
                "INSERT INTO cycles (id, jurisdiction_code, month, status, count, total_fen, inputs, run_by, run_at) "
                f"VALUES ({', '.join([mark] * 9)})",
                (1, COUNTY, MONTH, "approved", households, total_fen, "{}", PREPARER, NOW))
            for status, on, user in (("draft", date(2022, 1, 4), PREPARER), ("approved", date(2022, 1, 5), APPROVER)):
                connection.exec_driver_sql(
                    "INSERT INTO cycle_transitions (cycle_id, status, \"on\", entry_seq, reason, user_name, at) "
                    f"VALUES ({', '.join([mark] * 7)})", (1, status, on, None, "bench", user, NOW))
            insert = f"INSERT INTO cycle_lines ({', '.join(LINE_COLUMNS)}) VALUES ({', '.join([mark] * 16)})"
            for start in range(0, len(rows), 10_000):
                connection.exec_driver_sql(insert, rows[start:start + 10_000])
        return 1, Decimal(total_fen) / 100
    finally:
        database.dispose()


@dataclass
class Timed:
    """Wall-clock and CPU seconds: on a shared machine the wall clock includes waiting for a core."""

    wall: float
    cpu: float


def in_process(url: str, cycle_id: int, out: str) -> tuple[Timed, Timed, int, int]:
    """(reading and building, drawing, rows, pages) of the register, in this process."""
    database = dbmod.Database(url)
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        with database.read() as session:
            data = register_data(session, cycle_id)
        built, built_cpu = time.perf_counter(), time.process_time()
        with open(out, "wb") as handle:
            pages = write_register(data, handle)
        drawn, drawn_cpu = time.perf_counter(), time.process_time()
    finally:
        database.dispose()
    return Timed(built - start, built_cpu - start_cpu), Timed(drawn - built, drawn_cpu - built_cpu), data.count, pages


def command(url: str, cycle_id: int, out: str) -> tuple[Timed, str]:
    """The real command in a child process; its CPU time (user + system) from os.wait4."""
    start = time.perf_counter()
    child = subprocess.Popen([AIDLEDGER, "--db", url, "report", "register", str(cycle_id), "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise click.ClickException(f"the command failed ({child.returncode}): {stderr.strip()}")
    return Timed(seconds, usage.ru_utime + usage.ru_stime), stdout.strip()


def check_pdf(path: str, households: int, total: Decimal, pages: int) -> str:
    """The last page says the cycle's count, total and 大写 (when pdftotext is installed)."""
    if shutil.which("pdftotext") is None:
        return "not checked (pdftotext missing: install poppler-utils)"
    last = subprocess.run(["pdftotext", "-layout", "-f", str(pages), "-l", str(pages), path, "-"], check=True,
                          capture_output=True, text=True).stdout
    wanted = (f"总计（{households}户）", f"{total:,.2f}", f"人民币{rmb_capitals(total)}",
              f"第 {pages} 页 共 {pages} 页")
    flat = last.replace(" ", "")
    missing = [w for w in wanted if w.replace(" ", "") not in flat]
    if missing:
        raise click.ClickException(f"{path}: the last page lacks {missing}")
    return f"checked: the last page carries {households:,} households, {total:,.2f} and its 大写"


def table_flowable(rows: int, out: str) -> float:
    """Seconds to draw `rows` register rows as one platypus Table (repeated header), for comparison."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from aidledger.reports.pdf.base import FONT

    lines, _ = generated_lines(1, rows)
    data = [["序号", "户编号", "户主", "身份证号", "乡镇", "人数", "项目", "金额", "银行账号"]]
    data += [[str(i + 1), ln[1], ln[5], mask(ln[6]), ln[4], str(ln[7]), ln[2], f"{ln[10] / 100:,.2f}", mask(ln[9])]
             for i, ln in enumerate(lines)]
    start = time.perf_counter()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), invariant=1)
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("LINEBELOW", (0, 0), (-1, -1), 0.2, "grey")]))
    doc.build([table])
    return time.perf_counter() - start


def measure(backend: Backend, households: int, directory: str) -> list[str]:
    name, url = backend.name, backend.new_database("register")
    start = time.perf_counter()
    cycle_id, total = set_up(url, households)
    click.echo(f"{name}: set-up (not timed) {time.perf_counter() - start:.1f} s: one approved cycle of "
               f"{households:,} lines, total {total:,.2f}")
    build, draw, rows, pages = in_process(url, cycle_id, f"{directory}/{name}-in-process.pdf")
    both = Timed(build.wall + draw.wall, build.cpu + draw.cpu)
    out = f"{directory}/{name}-register.pdf"
    whole, said = command(url, cycle_id, out)
    size = os.path.getsize(out) / 2**20
    checked = check_pdf(out, households, total, pages)
    verdict = "under" if whole.wall < TARGET_S else "OVER"

    def rate(t: Timed) -> str:
        return (f"{t.wall:6.2f} s wall {rows / t.wall:9,.0f} rows/s | {t.cpu:6.2f} s CPU "
                f"{rows / t.cpu:9,.0f} rows/s")

    lines = [
        f"{name}: register_data (read, mask, group)   {rate(build)}",
        f"{name}: write_register (draw {pages:,} pages) {rate(draw)}",
        f"{name}: both, in process                 {rate(both)}",
        f"{name}: `aidledger report register`      {rate(whole)} (a subprocess, start-up included): "
        f"{verdict} the {TARGET_S:.0f} s target; the PDF is {size:.1f} MiB",
        f"{name}: {checked}",
        f"{name}: the command said: {said}",
    ]
    for line in lines:
        click.echo(line)
    return lines


# ---------------------------------------------------------------------------- ledger verify at a million lines

VERIFY_TARGET_S = 10.0


def verify_book(url: str, lines: int) -> tuple[int, float]:
    """A book of `lines` journal lines (bench/ledger.py's workload: entries of 10 lines, two funds each, dates
    through 2022) posted through `post_entries` in write transactions of 1,000 entries, each sealed as every write
    is; set-up, not timed. Returns the entries and the seconds it took."""
    import ledger as ledger_bench  # bench/ledger.py: its books, drafts and batches, imported, not copied

    from aidledger.ledger.service.posting import post_entries

    start = time.perf_counter()
    entries = -(-lines // ledger_bench.LINES_PER_ENTRY)
    database = ledger_bench.set_up(url)
    try:
        for index, first, count in ledger_bench.batches(entries, 1_000):
            drafts = ledger_bench.batch_drafts(index, first, count, entries, "ordered")
            with database.write() as session:
                post_entries(session, drafts, user=ledger_bench.POSTER, now=ledger_bench.NOW)
    finally:
        database.dispose()
    return entries, time.perf_counter() - start


def verify_floor(backend: Backend, url: str, hashed: bool = True) -> tuple[Timed, int]:
    """The floor: the raw driver streaming the rows verify reads (every entry and every line, in the same order,
    10,000 a fetch; a server-side cursor on PostgreSQL) and, when `hashed`, one SHA-256 over all their text (each
    fetch's repr). No checks, no canonical form, no sums, no sub-ledgers or seals."""
    connection = backend.raw_connect(url)
    start, start_cpu = time.perf_counter(), time.process_time()
    sha, rows = hashlib.sha256(), 0
    try:
        for n, sql in enumerate(("SELECT seq, date, jurisdiction_code, description, reference, idempotency_key, "
                                 "kind, fund_transfer, reverses_seq, user_name, digest, prev_hash, hash "
                                 "FROM journal_entries ORDER BY seq",
                                 "SELECT entry_seq, account_id, fund_code, debit_fen, credit_fen FROM journal_lines "
                                 "ORDER BY entry_seq, line_no")):
            cursor = connection.cursor(name=f"floor{n}") if not backend.sqlite else connection.cursor()
            cursor.execute(sql)
            while chunk := cursor.fetchmany(10_000):
                if hashed:
                    sha.update(repr(chunk).encode("utf-8"))
                rows += len(chunk)
            cursor.close()
    finally:
        connection.close()
    return Timed(time.perf_counter() - start, time.process_time() - start_cpu), rows


@dataclass
class Verified:
    books: Timed  # verify_books: the journal, its balances and every sub-ledger check with the evidence chain
    journal: Timed  # verify alone: the journal's chain, digests, rules and balances
    ok: bool
    entries: int
    lines: int
    seals: int
    told: int  # what the progress callback was told, in all
    calls: int
    stood_still: float  # the longest wait between two progress calls (or from the start), seconds
    stood_at: float  # how far along the bar it stood then (0 to 1)


def verify_in_process(url: str) -> Verified:
    """verify_books with a progress callback, then the journal's own checks alone, in one read session each."""
    from aidledger.disbursement.checks import verify_books
    from aidledger.ledger.service.verify import verify

    database = dbmod.Database(url)
    try:
        ticks: list[tuple[float, int]] = []
        with database.read() as session:
            session.connection()
            start, start_cpu = time.perf_counter(), time.process_time()
            report = verify_books(session, lambda n: ticks.append((time.perf_counter(), n)))
            books = Timed(time.perf_counter() - start, time.process_time() - start_cpu)
        with database.read() as session:
            session.connection()
            begun, begun_cpu = time.perf_counter(), time.process_time()
            verify(session)
            journal = Timed(time.perf_counter() - begun, time.process_time() - begun_cpu)
    finally:
        database.dispose()
    moments, along = [start] + [at for at, _ in ticks], [0]
    for _, n in ticks:
        along.append(along[-1] + n)
    still, at = max((b - a, told) for a, b, told in zip(moments, moments[1:], along))
    return Verified(books, journal, report.ok, report.entries, report.lines, report.evidence_seq,
                    along[-1], len(ticks), still, at / max(report.lines, 1))


def verify_command(url: str) -> tuple[Timed, str]:
    """`aidledger ledger verify` in a child process, start-up included; its CPU time from the children's usage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([AIDLEDGER, "--db", url, "ledger", "verify"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise click.ClickException(f"ledger verify failed: {done.stderr.strip()}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Timed(seconds, cpu), done.stdout.strip().splitlines()[0]


def measure_verify(backend: Backend, lines: int, runs: int) -> list[str]:
    """The case "ledger verify at a million lines": the book built, then `runs` rounds of floor, verify_books
    (and the journal's checks alone) in process and the command, alternating so that load from elsewhere falls on
    all alike."""
    name, url = backend.name, backend.new_database("verify")
    entries, built = verify_book(url, lines)
    click.echo(f"{name}: set-up (not timed) {built:.1f} s: {entries:,} entries, {entries * 10:,} lines posted "
               "through post_entries, 1,000 entries a sealed write transaction")
    found = []
    for run in range(1, runs + 1):
        read, _ = verify_floor(backend, url, hashed=False)
        floor, rows = verify_floor(backend, url)
        verified = verify_in_process(url)
        whole, said = verify_command(url)
        if not verified.ok or verified.told != verified.lines:
            raise click.ClickException(f"{name}: verify found problems or its progress ended at {verified.told:,} "
                                       f"of {verified.lines:,}")
        b, j = verified.books, verified.journal
        verdict = "under" if b.wall < VERIFY_TARGET_S else "OVER"
        found += [
            f"{name}: run {run}: raw stream of {rows:,} rows alone            {read.wall:6.2f} s wall "
            f"{read.cpu:6.2f} s CPU",
            f"{name}: run {run}: floor (raw stream + sha256 of {rows:,} rows)  {floor.wall:6.2f} s wall "
            f"{floor.cpu:6.2f} s CPU",
            f"{name}: run {run}: verify_books (journal, balances, sub-ledgers, evidence) {b.wall:6.2f} s wall "
            f"{b.cpu:6.2f} s CPU {b.wall / floor.wall:5.2f}× the floor: {verdict} the {VERIFY_TARGET_S:.0f} s target "
            f"({verified.entries:,} entries, {verified.lines:,} lines, {verified.seals:,} seals)",
            f"{name}: run {run}: the journal's checks alone                  {j.wall:6.2f} s wall {j.cpu:6.2f} s CPU "
            f"{j.wall / floor.wall:5.2f}× the floor",
            f"{name}: run {run}: `aidledger ledger verify` (subprocess)      {whole.wall:6.2f} s wall "
            f"{whole.cpu:6.2f} s CPU: {said}",
            f"{name}: run {run}: progress: {verified.calls} calls, {verified.told:,} told in all, "
            f"still for at most {verified.stood_still:.2f} s (at {verified.stood_at:.0%} of the bar); load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        ]
        for line in found[-6:]:
            click.echo(line)
    return found


@click.command()
@click.option("--households", type=click.IntRange(min=10), default=100_000, show_default=True)
@common.pg_url_option()
@common.sqlite_option
@click.option("--table-rows", type=click.IntRange(min=0), default=2_000, show_default=True,
              help="Rows to draw as one Table flowable for comparison (0: skip).")
@click.option("--register/--no-register", "on_register", default=True, show_default=True,
              help="Time the payment register.")
@click.option("--verify-lines", type=click.IntRange(min=0), default=1_000_000, show_default=True,
              help="Time `ledger verify` over a book of this many journal lines (0: skip).")
@click.option("--verify-runs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Rounds of the verify case (floor, in process, command).")
@click.option("--audit-households", type=click.IntRange(min=0), default=0, show_default=True,
              help="Then time the audit pack of a county of this many households paid for a year, by bench/audit.py "
                   "(100000 for issue 18's target; 0: skip; its set-up takes minutes).")
def main(households: int, pg_url: str | None, on_sqlite: bool, table_rows: int, on_register: bool,
         verify_lines: int, verify_runs: int, audit_households: int) -> None:
    load = os.getloadavg()

    def on_backend(backend: Backend) -> list[str]:
        found = measure(backend, households, directory) if on_register else []
        return found + (measure_verify(backend, verify_lines, verify_runs) if verify_lines else [])

    with common.scratch_folder("aidledger-report-bench-") as directory:
        _, versions = common.on_each_backend(directory, "reportbench", on_sqlite, pg_url, on_backend)
        if table_rows:
            seconds = table_flowable(table_rows, f"{directory}/table.pdf")
            click.echo(f"for comparison: {table_rows:,} rows as one Table flowable {seconds:.2f} s, "
                       f"{table_rows / seconds:,.0f} rows/s")
    for line in common.machine_lines(versions, load, software=[f"ReportLab {reportlab.Version}"]):
        click.echo(line)
    if audit_households:  # its own script (its set-up builds a year through the commands), run as it is run alone
        audit = [sys.executable, str(Path(__file__).resolve().parent / "audit.py"), "--households",
                 str(audit_households)] + (["--pg-url", pg_url] if pg_url else []) + \
            ([] if on_sqlite else ["--no-sqlite"])
        done = subprocess.run(audit, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SystemExit(f"bench/audit.py failed (exit {done.returncode})")


if __name__ == "__main__":
    main()
