"""Commands killed at random moments leave no partial state and no file without its record (issue 15).

Real `aidledger` processes are SIGKILLed (the main process only, as the OOM killer would) at these points: before
the database is touched (the interpreter is still importing), as soon as their write transaction is seen open from
outside (`Probe`), and at 0.3, 0.6, 0.9 and 1.2 times a measured complete run of the same command, counted from the
moment its transaction opened (the way test_cycle_crash.py kills `cycle run`), stopping at the first kill that
finds the command's effect complete. The commands, on both backends:

* `cycle approve`, `cycle export-bank` and `cycle returns` on a county of 20,000 generated households: each is
  measured by a complete run on January's cycle, then killed on February's (which re-issues two of January's bank
  returns); an export is killed at its point or the moment its commit is seen, whichever comes first, so that the
  kill that finds it exported usually lands between the commit and the file's rename (the record, no file yet);
* `registry import` of those 20,000 households into a fresh county, measured by a complete import into a twin
  database;
* `report audit` on a county of 60 households (the pack recomputes every household's months: on 20,000 it takes
  minutes), killed also the moment its temporary file appears (half a PDF is being drawn into it), at every point
  whether or not an earlier run finished, and measured from the start of the process (it only reads: there is no
  write transaction to see).

After every kill:

* no partial state: the command's effect is all there or not at all (the cycle's status, its journal entry, its
  transition, its exports, returns or return resolutions; the households, members and import record; no pack);
* no file without its record: a bank file at the target has a `cycle_exports` row with its SHA-256, a pack at the
  target is a complete PDF with the same bytes as a complete run's; beside the target there may be only the
  `.aidledger-*.part` temporary file of the last killed run (each run sweeps those of dead runs first);
* `ledger verify` passes.

Then the command is done again to completion (or, when a kill landed after its commit, refused as already done
with nothing changed) and the next write into a folder has swept the killed runs' temporary files. A bank file
written again is a reprint with the same bytes as the export's record; two complete packs of the same books are
the same bytes. At least one kill of `cycle approve`, `cycle returns` and `registry import` must land inside the
open transaction (and roll it back), or the test would prove nothing about them.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Cli
from cycle_helpers import COUNTY, ok, scalar, sql, verify, write_returns
from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, PREPARER
from test_cycle_crash import PROJECT, Probe, generate_registry, group_gone, kill, wait_for_transaction

pytestmark = pytest.mark.slow

ENTRY = "import sys; from aidledger.cli import main; sys.exit(main())"  # the console script's entry point
EARLY = 0.3  # seconds after the start: the interpreter is still importing aidledger (about 0.6 s), no database yet
FRACTIONS = (0.3, 0.6, 0.9, 1.2)  # of a measured complete run, from the moment its transaction opened
NONE, ALL = "none", "all"  # a command's effect after a kill: not there at all, or all of it
TEMPORARY = ".aidledger-"  # files.py: the prefix of a file being written beside its target
PACK_HOUSEHOLDS = 60  # the audit pack's county (a pack recomputes each household's months: 20,000 take minutes)


def start(url: str, args: tuple[str, ...], user: str, logs: Path) -> subprocess.Popen:
    """`aidledger --db url --user user args…` in its own process group, its output in `logs`."""
    argv = [sys.executable, "-c", ENTRY, "--db", url, "--user", user, *args]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    with open(logs / "out.txt", "w") as out, open(logs / "err.txt", "w") as err:
        return subprocess.Popen(argv, cwd=PROJECT, stdout=out, stderr=err, env=env, start_new_session=True)


@dataclass(frozen=True)
class Command:
    """One `aidledger` command line, run as a separate process."""

    url: str
    user: str
    args: tuple[str, ...]
    logs: Path

    def start(self) -> subprocess.Popen:
        return start(self.url, self.args, self.user, self.logs)

    def output(self) -> str:
        return (self.logs / "out.txt").read_text().strip()

    def errors(self) -> str:
        return (self.logs / "err.txt").read_text()

    def complete(self, probe: Probe) -> tuple[str, float]:
        """Run to the end (it must succeed): its stdout, and the seconds from its write transaction opening (from its
        start, for a command that only reads) to its exit."""
        began = time.monotonic()
        proc = self.start()
        opened = wait_for_transaction(proc, probe)
        assert proc.wait(timeout=300) == 0, (self.args, self.errors())
        group_gone(proc)
        probe.quiet()
        return self.output(), time.monotonic() - (opened if opened is not None else began)

    def refused(self, probe: Probe) -> None:
        """Run to the end: refused (exit 3) with an error line."""
        proc = self.start()
        assert proc.wait(timeout=300) == 3, (self.args, proc.returncode, self.output(), self.errors())
        assert "error: " in self.errors()
        probe.quiet()


def command(url: str, user: str, logs: Path, *args) -> Command:
    logs.mkdir(exist_ok=True)
    return Command(url, user, tuple(str(a) for a in args), logs)


def kill_by(proc: subprocess.Popen, probe: Probe, at: float, committed=None) -> bool:
    """SIGKILL at the monotonic time `at`, or as soon as `committed()` says its transaction has committed if that
    comes first; True when it was killed."""
    if committed is not None:
        while time.monotonic() < at and proc.poll() is None and not committed():
            time.sleep(0.001)
        at = min(at, time.monotonic())
    return kill(proc, probe, at=at)


def attack(cmd: Command, probe: Probe, work: float, state, run: Cli, committed=None) -> list[tuple[str, bool, str]]:
    """Kill `cmd` at each point in turn, checking `state()` (NONE or ALL, asserting it is one of them) and `ledger
    verify` after each, until a run's effect is all there (later kills would hit a command with nothing left to do).
    With `committed`, a run whose commit is seen before its point is killed at once (kill_by). Returns (point,
    killed, state) for each attempt."""
    outcomes = []
    killed = kill(cmd.start(), probe, at=time.monotonic() + EARLY)
    outcomes.append(("before the database", killed, state()))
    assert outcomes[-1] == ("before the database", True, NONE), outcomes  # it cannot have done anything yet
    verify(run)
    for fraction in (0.0, *FRACTIONS):
        proc = cmd.start()
        opened = wait_for_transaction(proc, probe)
        if opened is None:  # it ended before the probe saw its transaction: it must have succeeded
            assert proc.wait() == 0, (cmd.args, cmd.errors())
            killed = False
        else:
            killed = kill_by(proc, probe, opened + fraction * work, committed)
        outcomes.append((f"{fraction} of a run", killed, state()))
        verify(run)
        if outcomes[-1][2] == ALL:
            break
    return outcomes


def rolled_back(outcomes: list[tuple[str, bool, str]]) -> int:
    """Kills after the transaction opened that left nothing: they landed inside it."""
    return sum(1 for point, killed, state in outcomes[1:] if killed and state == NONE)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path, *targets: Path) -> list[str]:
    """The temporary files in `folder`, after checking that nothing else but the targets is there."""
    names = sorted(p.name for p in folder.iterdir())
    strays = [n for n in names if not n.startswith(TEMPORARY) and n not in {t.name for t in targets}]
    assert not strays, strays  # a half-written file under any other name
    return [n for n in names if n.startswith(TEMPORARY)]


def counts(url: str, **tables: str) -> dict[str, int]:
    return {name: scalar(url, f"SELECT count(*) FROM {table}") for name, table in tables.items()}


def entries_keyed(url: str, key: str) -> list[int]:
    return [row[0] for row in sql(url, "SELECT seq FROM journal_entries WHERE idempotency_key = :k", k=key)]


def transitions(url: str, cycle_id: int, status: str) -> list[int | None]:
    return [row[0] for row in sql(url, "SELECT entry_seq FROM cycle_transitions WHERE cycle_id = :i AND status = :s",
                                  i=cycle_id, s=status)]


def cycle_status(url: str, cycle_id: int) -> str:
    return scalar(url, "SELECT status FROM cycles WHERE id = :i", i=cycle_id)


def journal(url: str) -> dict[str, int]:
    return counts(url, entries="journal_entries", lines="journal_lines")


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def returned_lines(url: str, cycle_id: int, offset: int) -> list[tuple[str, str, int]]:
    """Two of the cycle's lines as the bank would return them: (household id, account, amount in fen)."""
    return [tuple(row) for row in sql(
        url, "SELECT household_id, bank_account, amount_fen FROM cycle_lines WHERE cycle_id = :i "
             "ORDER BY household_id LIMIT 2 OFFSET :o", i=cycle_id, o=offset)]


def returns_file(path: Path, lines: list[tuple[str, str, int]]) -> Path:
    return write_returns(path, [(account, yuan(fen), "账户已销户") for _, account, fen in lines])


def exported(probe: Probe, cycle_id: int) -> bool:
    """Whether an export of the cycle has committed: read afresh, cheaply enough to poll every millisecond."""
    query = f"SELECT count(*) FROM cycle_exports WHERE cycle_id = {int(cycle_id)}"
    if probe.pg:  # the probe's own pooled connection: Probe.quiet does not wait for it
        with probe.database.engine.connect() as connection:
            return connection.exec_driver_sql(query).scalar() > 0
    connection = sqlite3.connect(probe.path, timeout=60)  # WAL: reads the last commit, never waits for the writer
    try:
        return connection.execute(query).fetchone()[0] > 0
    finally:
        connection.close()


def approval_state(url: str, cycle_id: int, before: dict[str, int], reissues: int) -> str:
    """'draft' with no approval entry, transition or re-issued return resolved; or 'approved' with all of them."""
    status, entries = cycle_status(url, cycle_id), entries_keyed(url, f"cycle-{cycle_id}-approval")
    moved, now = transitions(url, cycle_id, "approved"), journal(url)
    resolved = scalar(url, "SELECT count(*) FROM bank_return_resolutions WHERE cycle_id = :i", i=cycle_id)
    if status == "draft":
        assert (entries, moved, resolved, now) == ([], [], 0, before), (entries, moved, resolved, now, before)
        return NONE
    assert status == "approved", status
    assert len(entries) == 1 and moved == entries, (entries, moved)
    assert resolved == reissues and now["entries"] == before["entries"] + 1, (resolved, now, before)
    return ALL


def export_state(url: str, cycle_id: int, target: Path, before: dict[str, int]) -> str:
    """'approved' with no export row, entry or file; or 'exported' with one export row, its entry and transition,
    and the file (if it is there yet) the bytes that row records."""
    status, entries = cycle_status(url, cycle_id), entries_keyed(url, f"cycle-{cycle_id}-export")
    exports = [tuple(row) for row in sql(url, "SELECT kind, sha256 FROM cycle_exports WHERE cycle_id = :i "
                                              "ORDER BY id", i=cycle_id)]
    moved, now = transitions(url, cycle_id, "exported"), journal(url)
    # Each run sweeps the temporaries of the dead before staging its own: at most the last killed run's is left.
    assert len(leftovers(target.parent, target)) <= 1
    if status == "approved":
        assert (exports, entries, moved, now) == ([], [], [], before), (exports, entries, moved, now, before)
        assert not target.exists()  # a bank file on disk for a cycle not marked exported
        return NONE
    assert status == "exported", status
    assert len(entries) == 1 and moved == entries and now["entries"] == before["entries"] + 1, (entries, moved, now)
    assert [kind for kind, _ in exports] == ["export"], exports
    if target.exists():
        assert sha256(target) == exports[0][1]  # the file on disk is the one the record describes
    return ALL


def returns_state(url: str, cycle_id: int, lines: list[tuple[str, str, int]], before: dict[str, int]) -> str:
    """'exported' with no bank return or settlement entry; or 'settled' with every returned line and the entry."""
    status, entries = cycle_status(url, cycle_id), entries_keyed(url, f"cycle-{cycle_id}-settlement")
    booked = sorted(tuple(row) for row in sql(url, "SELECT household_id, bank_account, amount_fen FROM bank_returns "
                                                   "WHERE cycle_id = :i", i=cycle_id))
    moved, now = transitions(url, cycle_id, "settled"), journal(url)
    if status == "exported":
        assert (booked, entries, moved, now) == ([], [], [], before), (booked, entries, moved, now, before)
        return NONE
    assert status == "settled", status
    assert booked == sorted(lines), booked
    assert len(entries) == 1 and moved == entries and now["entries"] == before["entries"] + 1, (entries, moved, now)
    return ALL


def test_killed_approve_export_and_returns_leave_all_or_nothing(county, db_url, tmp_path):
    run = county
    households, members, _ = generate_registry(tmp_path)
    ok(run("registry", "import", "--households", str(households), "--members", str(members), user=PREPARER))
    ok(run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "90000000",
           "--date", "2021-12-01", user=PREPARER))
    january = int(ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-01", "--date", "2022-01-03",
                         user=PREPARER)))
    logs, bank = tmp_path / "logs", tmp_path / "bank"
    bank.mkdir()
    probe = Probe(db_url)
    try:
        # January, run to completion, measures each command (its transaction open → exit). The books are verified
        # after every kill (the first kill of each command changes nothing: it verifies what came before).
        _, approving = command(db_url, APPROVER, logs, "cycle", "approve", january, "--date", "2022-01-05") \
            .complete(probe)
        first_export = tmp_path / "2022-01-bank.csv"
        _, exporting = command(db_url, PREPARER, logs, "cycle", "export-bank", january, "--out", first_export,
                               "--date", "2022-01-06").complete(probe)
        january_returns = returned_lines(db_url, january, 0)
        _, settling = command(db_url, PREPARER, logs, "cycle", "returns", january, "--file",
                              returns_file(tmp_path / "2022-01-returns.csv", january_returns),
                              "--date", "2022-01-20").complete(probe)
        # February re-issues January's two returns to corrected accounts: its approval resolves them, all or nothing
        # with the rest.
        for n, (household_id, _, _) in enumerate(january_returns):
            ok(run("registry", "account", household_id, "--account", f"6218000000000000{n:03d}", "--date", "2022-01-21",
                   user=PREPARER))
        february = int(ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-02", "--date", "2022-02-01",
                              user=PREPARER)))
        reissues = scalar(db_url, "SELECT count(*) FROM cycle_reissues WHERE cycle_id = :i", i=february)
        assert reissues == len(january_returns)

        # Approve.
        before = journal(db_url)
        approve = command(db_url, APPROVER, logs, "cycle", "approve", february, "--date", "2022-02-03")
        outcomes = attack(approve, probe, approving, lambda: approval_state(db_url, february, before, reissues), run)
        assert rolled_back(outcomes) >= 1, outcomes  # at least one kill landed inside the open transaction
        if outcomes[-1][2] == NONE:
            approve.complete(probe)
        else:  # a kill landed after the commit: approving again is refused, changing nothing
            approve.refused(probe)
        assert approval_state(db_url, february, before, reissues) == ALL

        # Export to the bank.
        target = bank / "2022-02-bank.csv"
        before = journal(db_url)
        export = command(db_url, PREPARER, logs, "cycle", "export-bank", february, "--out", target,
                         "--date", "2022-02-04")
        outcomes = attack(export, probe, exporting, lambda: export_state(db_url, february, target, before), run,
                          committed=lambda: exported(probe, february))
        committed = outcomes[-1][2] == ALL
        # Killed at its commit, the run most likely had not yet moved the file into place: the record, no file.
        written, _ = export.complete(probe)  # a fresh export, or (after a kill past the commit) a reprint
        assert ("reprinted (the same bytes as exported)" in written) == committed, (written, outcomes)
        assert leftovers(bank, target) == []  # the redo swept what the killed runs left beside the target
        [(export_sha,)] = sql(db_url, "SELECT sha256 FROM cycle_exports WHERE cycle_id = :i AND kind = 'export'",
                              i=february)
        assert sha256(target) == export_sha
        reprints = scalar(db_url, "SELECT count(*) FROM cycle_exports WHERE cycle_id = :i AND kind = 'reprint'",
                          i=february)
        assert reprints == (1 if committed else 0)
        # Exported once more: a reprint, the same bytes, recorded; nothing posted.
        exported_bytes = target.read_bytes()
        posted = journal(db_url)
        assert "reprinted" in export.complete(probe)[0]
        assert target.read_bytes() == exported_bytes and journal(db_url) == posted
        assert scalar(db_url, "SELECT count(*) FROM cycle_exports WHERE cycle_id = :i AND kind = 'reprint'",
                      i=february) == reprints + 1

        # Book the bank's returns.
        february_returns = returned_lines(db_url, february, 10)
        before = journal(db_url)
        settle = command(db_url, PREPARER, logs, "cycle", "returns", february, "--file",
                         returns_file(tmp_path / "2022-02-returns.csv", february_returns), "--date", "2022-02-20")
        outcomes = attack(settle, probe, settling,
                          lambda: returns_state(db_url, february, february_returns, before), run)
        assert rolled_back(outcomes) >= 1, outcomes
        if outcomes[-1][2] == NONE:
            assert "2 payment(s) returned" in settle.complete(probe)[0]
        else:
            settle.refused(probe)
        assert returns_state(db_url, february, february_returns, before) == ALL

        # January's file, written again after its cycle settled: the bytes of its first export.
        again = bank / "2022-01-again.csv"
        assert "reprinted" in command(db_url, PREPARER, logs, "cycle", "export-bank", january, "--out", again,
                                      "--date", "2022-02-20").complete(probe)[0]
        assert again.read_bytes() == first_export.read_bytes()
        assert [tuple(row) for row in sql(db_url, "SELECT kind, sha256 FROM cycle_exports WHERE cycle_id = :i "
                                                  "ORDER BY id", i=january)] \
            == [("export", sha256(first_export)), ("reprint", sha256(first_export))]
        verify(run)
    finally:
        probe.close()


def county_books(url: str) -> Cli:
    """What the `county` fixture makes, in another database: the users and the example policies."""
    run = Cli(url)
    ok(run("user", "add", ADMIN, "--role", "admin"))
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        ok(run("user", "add", name, "--role", role, user=ADMIN))
    ok(run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN))
    return run


def csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def registry_state(url: str, households: int, members: int) -> str:
    """No household, member or import record; or every household and member of the files, under one import."""
    found = counts(url, households="households", members="members", imports="registry_imports")
    if found == {"households": 0, "members": 0, "imports": 0}:
        return NONE
    assert found == {"households": households, "members": members, "imports": 1}, found
    return ALL


def test_a_killed_registry_import_stores_every_household_or_none(county, db_url, templates, backend, tmp_path):
    run = county
    households, members, _ = generate_registry(tmp_path)
    expected = csv_rows(households), csv_rows(members)
    logs = tmp_path / "logs"
    args = ("registry", "import", "--households", households, "--members", members)
    # Measured on a twin database: an import done here would leave nothing to kill.
    twin = templates[backend]()
    county_books(twin)
    twin_probe, probe = Probe(twin), Probe(db_url)
    try:
        _, work = command(twin, PREPARER, logs, *args).complete(twin_probe)
        assert registry_state(twin, *expected) == ALL
        before = journal(db_url)
        registry = command(db_url, PREPARER, logs, *args)
        outcomes = attack(registry, probe, work, lambda: registry_state(db_url, *expected), run)
        assert rolled_back(outcomes) >= 1, outcomes
        redone, _ = registry.complete(probe)  # importing the same files again after a complete import changes nothing
        assert redone == ("these files were imported before: nothing changed" if outcomes[-1][2] == ALL
                          else f"stored {expected[0]} households, {expected[1]} members"), (redone, outcomes)
        assert registry_state(db_url, *expected) == ALL
        assert journal(db_url) == before  # an import posts nothing
        verify(run)
    finally:
        probe.close()
        twin_probe.close()


def first_households(households: Path, members: Path, count: int, folder: Path) -> tuple[Path, Path]:
    """The first `count` households of a generated registry, with their members."""
    folder.mkdir()
    kept: set[str] = set()
    for source, limit in ((households, count), (members, None)):
        with open(source, encoding="utf-8", newline="") as handle, \
                open(folder / source.name, "w", encoding="utf-8", newline="") as out:
            reader, writer = csv.reader(handle), csv.writer(out)
            writer.writerow(next(reader))
            for row in reader:
                if limit is not None and len(kept) < limit:
                    kept.add(row[0])
                if row[0] in kept:
                    writer.writerow(row)
    return folder / households.name, folder / members.name


def complete_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def kill_when_staged(proc: subprocess.Popen, probe: Probe, folder: Path, limit: float = 120) -> bool:
    """SIGKILL the moment a temporary file appears in `folder` (the pack is being drawn into it); True if it was
    killed while that file was there."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(TEMPORARY) for p in folder.iterdir()):
            return kill(proc, probe, at=0)
        time.sleep(0.002)
    kill(proc, probe, at=0)  # it ended without being seen drawing (it must have succeeded), or never began to
    return False


def pack_state(target: Path, reference: bytes) -> str:
    """No file at the target, or the complete pack (the bytes of a complete run's); only temporary files beside."""
    assert len(leftovers(target.parent, target)) <= 1  # each run swept those of the runs killed before it
    if not target.exists():
        return NONE
    data = target.read_bytes()
    assert complete_pdf(data) and data == reference, len(data)
    return ALL


def test_a_killed_audit_pack_leaves_no_pack_or_the_complete_one(county, db_url, tmp_path):
    run = county
    households, members = first_households(*generate_registry(tmp_path)[:2], PACK_HOUSEHOLDS, tmp_path / "small")
    ok(run("registry", "import", "--households", str(households), "--members", str(members), user=PREPARER))
    ok(run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount", "9000000",
           "--date", "2021-12-01", user=PREPARER))
    cycle = ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-01", "--date", "2022-01-03",
                   user=PREPARER))
    ok(run("cycle", "approve", cycle, "--date", "2022-01-05", user=APPROVER))
    ok(run("cycle", "export-bank", cycle, "--out", str(tmp_path / "bank.csv"), "--date", "2022-01-06", user=PREPARER))
    lines = returned_lines(db_url, int(cycle), 0)
    ok(run("cycle", "returns", cycle, "--file", str(returns_file(tmp_path / "returns.csv", lines)),
           "--date", "2022-01-20", user=PREPARER))
    logs, packs, first = tmp_path / "logs", tmp_path / "packs", tmp_path / "first"
    packs.mkdir()
    first.mkdir()
    options = ("--jurisdiction", COUNTY, "--year", "2022", "--as-of", "2022-12-31", "--created", "2022-12-31")
    target = packs / "230523-2022-audit.pdf"
    probe = Probe(db_url)
    try:
        # A complete pack: the reference bytes, and how long a whole run takes from the process's start (the pack
        # only reads: `complete` sees no write transaction and measures from the start).
        _, whole = command(db_url, AUDITOR, logs, "report", "audit", *options, "--out", first / target.name) \
            .complete(probe)
        reference = (first / target.name).read_bytes()
        assert complete_pdf(reference)
        audit = command(db_url, AUDITOR, logs, "report", "audit", *options, "--out", target)
        outcomes = [("before the database", kill(audit.start(), probe, at=time.monotonic() + EARLY))]
        assert outcomes[-1][1] and pack_state(target, reference) == NONE, outcomes
        verify(run)
        outcomes.append(("drawing", kill_when_staged(audit.start(), probe, packs)))
        assert outcomes[-1][1], outcomes  # killed half-way through writing the pack …
        assert pack_state(target, reference) == NONE and leftovers(packs, target)  # … which left only its temporary
        verify(run)
        # Later points, whether or not an earlier run finished: a pack written over an existing one is never half
        # there either (the old pack stays until the new one replaces it whole).
        for fraction in FRACTIONS:
            began = time.monotonic()
            outcomes.append((f"{fraction} of a run", kill(audit.start(), probe, at=began + fraction * whole)))
            pack_state(target, reference)
            verify(run)
        audit.complete(probe)
        assert leftovers(packs, target) == []  # the redo swept what the killed runs left
        assert target.read_bytes() == reference  # two complete packs of the same books: the same bytes
        verify(run)
    finally:
        probe.close()
