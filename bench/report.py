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
     about 800 rows/s when measured here) and prints its rows/s.

    .venv/bin/python bench/report.py                          # 100,000 households
    .venv/bin/python bench/report.py --households 10000       # a quick run
    .venv/bin/python bench/report.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import os
import random
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
                     f"621700{rng.randrange(10**13):013d}", amount, "[]", "normal", 0, 0, amount))
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


@click.command()
@click.option("--households", type=click.IntRange(min=10), default=100_000, show_default=True)
@common.pg_url_option()
@common.sqlite_option
@click.option("--table-rows", type=click.IntRange(min=0), default=2_000, show_default=True,
              help="Rows to draw as one Table flowable for comparison (0: skip).")
def main(households: int, pg_url: str | None, on_sqlite: bool, table_rows: int) -> None:
    load = os.getloadavg()
    with common.scratch_folder("aidledger-report-bench-") as directory:
        _, versions = common.on_each_backend(directory, "reportbench", on_sqlite, pg_url,
                                      lambda backend: measure(backend, households, directory))
        if table_rows:
            seconds = table_flowable(table_rows, f"{directory}/table.pdf")
            click.echo(f"for comparison: {table_rows:,} rows as one Table flowable {seconds:.2f} s, "
                       f"{table_rows / seconds:,.0f} rows/s")
    for line in common.machine_lines(versions, load, software=[f"ReportLab {reportlab.Version}"]):
        click.echo(line)


if __name__ == "__main__":
    main()
