"""A `cycle run` killed at any moment leaves either no new cycle or the complete draft.

The county gets a registry of 20,000 generated households (valid GB 11643 id numbers), so
that one run takes a few seconds. `cycle run` is started as a real process and SIGKILLed:
before it opens the database, as soon as its write transaction is open, and at fractions
of a measured run; first for a new cycle, then for a re-run replacing a draft (after
registry events that change the amounts, so that the old and the new draft differ). After
every kill: no live cycle row, or one whose lines add up to its recorded count and total
(the old draft or the new one, never a mix), and `ledger verify` passes. January is computed
in the run's own process; February in two worker processes (AIDLEDGER_CYCLE_WORKERS=2), which
must not outlive the killed run.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from cycle_helpers import COUNTY, ok, sql, verify
from sqlalchemy import text
from support import PREPARER

from aidledger import db as dbmod
from aidledger.idcard import check_character

pytestmark = pytest.mark.slow

HOUSEHOLDS = 20_000
CHANGED = 3_000  # households whose income changes on 2022-02-01 (so a re-run computes another draft)
TOWNSHIPS = ("230523100", "230523101", "230523102")
PROJECT = Path(__file__).resolve().parents[2]


def generate_registry(folder: Path) -> tuple[Path, Path, Path]:
    """households.csv, members.csv and events.csv for county 230523: 低保, 特困 and 低收入 households."""
    households, members, events = folder / "households.csv", folder / "members.csv", folder / "events.csv"
    person = 0
    with open(households, "w", encoding="utf-8", newline="") as hf, \
            open(members, "w", encoding="utf-8", newline="") as mf:
        h, m = csv.writer(hf), csv.writer(mf)
        h.writerow(["household_id", "county", "township", "area", "program", "monthly_income", "approved_on", "tier",
                    "income_type", "tekun_setting", "payee_name", "bank_account"])
        m.writerow(["household_id", "id_number", "name", "relation", "birth_date", "disability_grade",
                    "disability_kind", "flags", "care_level", "single_person", "death_date"])
        for n in range(HOUSEHOLDS):
            hid = f"G{n:06d}"
            township, area = TOWNSHIPS[n % 3], ("urban", "rural")[n % 2]
            program = "tekun" if n % 10 == 7 else "low_income" if n % 20 == 3 else "dibao"
            size = 1 if program == "tekun" else 1 + n % 3 if program == "dibao" else 2
            income = {"dibao": str(100 * (n % 4)), "low_income": "800", "tekun": ""}[program]
            h.writerow([hid, COUNTY, township, area, program, income, "2021-06-15", "",
                        "stable" if program == "dibao" else "variable" if program == "low_income" else "",
                        "dispersed" if program == "tekun" else "", f"户主{n}", f"62170000{n:011d}"])
            for k in range(size):
                person += 1
                born = date(1940, 1, 1) + timedelta(days=(person // 900) * 1)
                if k > 0 and program == "dibao":
                    born = date(2008, 1, 1) + timedelta(days=person // 900)  # a minor: an add-on
                body = f"230523{born:%Y%m%d}{person % 900 + 100:03d}"
                m.writerow([hid, body + check_character(body), f"成员{person}", "head" if k == 0 else "child", "",
                            "2" if n % 13 == 0 and k == 0 else "", "physical" if n % 13 == 0 and k == 0 else "",
                            "", "semi" if program == "tekun" else "",
                            "yes" if program == "low_income" and k == 1 else "", ""])
    with open(events, "w", encoding="utf-8", newline="") as ef:
        e = csv.writer(ef)
        e.writerow(["household_id", "kind", "date", "value", "id_number"])
        for n in range(0, HOUSEHOLDS, HOUSEHOLDS // CHANGED):
            if n % 10 != 7 and n % 20 != 3:  # 低保 households
                e.writerow([f"G{n:06d}", "income", "2022-02-01", str(100 * (n % 4) + 50), ""])
    return households, members, events


class Probe:
    """Looks at the database from outside the process under test."""

    def __init__(self, url: str):
        self.url = url
        self.pg = url.startswith("postgresql")
        self.database = dbmod.Database(url) if self.pg else None
        self.path = None if self.pg else url.removeprefix("sqlite:///")

    def close(self) -> None:
        if self.database is not None:
            self.database.dispose()

    def writer_open(self) -> bool:
        """Another process holds an open write transaction that has written (or locked) something."""
        if self.pg:
            with self.database.engine.connect() as connection:
                return connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                    "AND backend_xid IS NOT NULL")).scalar() > 0
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        finally:
            connection.close()

    def quiet(self, timeout: float = 60) -> None:
        """On PostgreSQL, wait until the killed client's backend is gone (its transaction rolled back)."""
        if not self.pg:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.database.engine.connect() as connection:
                others = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar()
            if others == 0:
                return
            time.sleep(0.05)
        raise AssertionError("the killed run's backend did not go away")


def start(url: str, month: str, folder: Path, workers: int = 0) -> subprocess.Popen:
    """`cycle run` in its own process group; computing in `workers` worker processes (0: in the process)."""
    # `python -m aidledger.cli` fails on a circular import (reported); the console script's entry point works.
    argv = [sys.executable, "-c", "import sys; from aidledger.cli import main; sys.exit(main())",
            "--db", url, "--user", PREPARER, "cycle", "run", "--jurisdiction", COUNTY, "--month", month]
    env = os.environ | {"PYTHONUNBUFFERED": "1", "AIDLEDGER_CYCLE_WORKERS": str(workers)}
    with open(folder / "out.txt", "w") as out, open(folder / "err.txt", "w") as err:
        return subprocess.Popen(argv, cwd=PROJECT, stdout=out, stderr=err, env=env, start_new_session=True)


def group_gone(proc: subprocess.Popen, timeout: float = 5) -> None:
    """Every process the run started (its workers) ends at once when the run itself is killed (their parent-death
    signal, workers.py), not seconds later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the run's own leftovers, so that the test can go on
    except ProcessLookupError:
        return  # gone just now
    raise AssertionError("processes started by the killed cycle run are still running")


def wait_for_transaction(proc: subprocess.Popen, probe: Probe, limit: float = 60) -> float | None:
    """The moment the run's write transaction is seen open (None if it ended first)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        if probe.writer_open():
            return time.monotonic()
        time.sleep(0.01)
    raise AssertionError("cycle run never opened its transaction")


def kill(proc: subprocess.Popen, probe: Probe, *, at: float) -> bool:
    """SIGKILL at the monotonic time `at` unless it ended before; True when it was killed."""
    try:
        proc.wait(timeout=max(0.0, at - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)  # the run's main process only, as the OOM killer would
        proc.wait()
        group_gone(proc)
        probe.quiet()
        return True
    assert proc.returncode == 0, proc.returncode
    return False


def live(url: str, month: str):
    """(id, count, total) of the month's live cycle, after checking its lines add up to it; or None."""
    rows = sql(url, "SELECT id, status, count, total_fen FROM cycles WHERE jurisdiction_code = :c AND month = :m "
                    "AND status <> 'cancelled'", c=COUNTY, m=month)
    if not rows:
        return None
    [(cycle_id, status, count, total)] = rows
    assert status == "draft"
    [(lines, line_total)] = sql(url, "SELECT count(*), coalesce(sum(amount_fen), 0) FROM cycle_lines "
                                     "WHERE cycle_id = :i", i=cycle_id)
    assert (lines, line_total) == (count, total), (cycle_id, lines, line_total, count, total)
    assert count > 0
    transitions = sql(url, "SELECT count(*) FROM cycle_transitions WHERE cycle_id = :i", i=cycle_id)[0][0]
    assert transitions >= 1
    return cycle_id, count, total


def complete_run(url: str, month: str, folder: Path, probe: Probe, workers: int = 0) -> tuple[int, float]:
    """Run to completion; (cycle id printed, seconds from transaction open to exit)."""
    proc = start(url, month, folder, workers)
    opened = wait_for_transaction(proc, probe)
    assert proc.wait(timeout=120) == 0, (folder / "err.txt").read_text()
    work = time.monotonic() - opened if opened is not None else 1.0
    return int((folder / "out.txt").read_text().strip()), work


def test_a_killed_cycle_run_leaves_no_cycle_or_the_complete_draft(county, db_url, tmp_path):
    run = county
    households, members, events = generate_registry(tmp_path)
    ok(run("registry", "import", "--households", str(households), "--members", str(members), user=PREPARER))
    probe = Probe(db_url)
    try:
        # A new cycle: killed before the database is touched, then while its transaction is open.
        assert kill(start(db_url, "2022-01", tmp_path), probe, at=time.monotonic() + 0.3)
        assert live(db_url, "2022-01") is None
        rolled_back = 0
        for delay in (0.0, 0.6, 1.5):
            proc = start(db_url, "2022-01", tmp_path)
            opened = wait_for_transaction(proc, probe)
            assert opened is not None
            killed = kill(proc, probe, at=opened + delay)
            state = live(db_url, "2022-01")
            if killed and state is None:
                rolled_back += 1
            elif state is not None:  # it finished (or committed) before the kill: the whole draft
                break
            verify(run)
        assert rolled_back >= 1  # at least one kill landed inside the open transaction
        assert sql(db_url, "SELECT count(*) FROM cycle_lines")[0][0] == (live(db_url, "2022-01") or (0, 0, 0))[1]

        january, work = complete_run(db_url, "2022-01", tmp_path, probe)
        first = live(db_url, "2022-01")
        assert first is not None and first[0] == january and first[1] == HOUSEHOLDS
        verify(run)

        # A new cycle carrying the previous month's tracks, killed mid-way through its work.
        for fraction in (0.5, 0.9):
            proc = start(db_url, "2022-02", tmp_path, workers=2)
            opened = wait_for_transaction(proc, probe)
            if opened is not None:
                kill(proc, probe, at=opened + fraction * work)
            else:
                assert proc.wait() == 0
            live(db_url, "2022-02")  # None, or complete
            verify(run)
        february, _ = complete_run(db_url, "2022-02", tmp_path, probe, workers=2)
        old = live(db_url, "2022-02")
        assert old[0] == february
        verify(run)

        # Re-running the draft after the registry changed: killed, it leaves the old draft whole.
        ok(run("registry", "events", str(events), user=PREPARER))
        outcomes = set()
        for fraction in (0.0, 0.5, 1.0, 1.5, 2.5):  # the re-run walks the changed households: it takes longer
            proc = start(db_url, "2022-02", tmp_path, workers=2)
            opened = wait_for_transaction(proc, probe)
            killed = kill(proc, probe, at=opened + fraction * work) if opened is not None else False
            state = live(db_url, "2022-02")
            assert state is not None and state[0] == february
            outcomes.add("old" if state == old else "new")
            if killed:
                assert state == old or state[2] != old[2]
            verify(run)
            if state != old:
                break
        assert "old" in outcomes
        assert complete_run(db_url, "2022-02", tmp_path, probe, workers=2)[0] == february
        new = live(db_url, "2022-02")
        assert new[0] == february and new[1] == old[1] and new[2] < old[2]
        assert sql(db_url, "SELECT count(*) FROM cycles")[0][0] == 2
        verify(run)
    finally:
        probe.close()
