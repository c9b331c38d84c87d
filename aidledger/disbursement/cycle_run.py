"""`cycle run`: compute a county's month and store it as a draft cycle, in one transaction.

One live cycle per county and month (a unique index). Running again while it is a draft
replaces the draft; once approved it can only be cancelled. Because the whole run is one
transaction, a run killed at any moment leaves either no new cycle or the complete draft.
"""

from __future__ import annotations

import json
import os
import pickle
import selectors
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from ..errors import Refusal
from ..ledger.accounts import require_jurisdiction
from ..ledger.money import from_fen, to_fen
from ..ledger.posting import lock_books
from ..policy.store import effective_policy
from ..policy.tables import PolicyFile
from ..users import require_role
from .cycle_compute import Computed, MonthComputer, head_of, previous_tracks, stream_county
from .cycle_tables import BankReturn, Cycle, CycleLine, CycleReissue, CycleTrack, CycleTransition, ReturnResolution
from .registry_store import count_households, load_household
from .registry_tables import EventRow, HouseholdRow, RegistryImport
from .rules import Component
from .rules.components import ZERO
from .rules.facts import counted_members, previous_month
from .rules.gradual_exit import ENDED

_BATCH = 5_000


@dataclass(frozen=True)
class RunOutcome:
    cycle_id: int
    count: int
    total: Decimal
    replaced_draft: bool


def live_cycle(session: Session, county: str, month: str) -> Cycle | None:
    return session.scalar(select(Cycle).where(Cycle.jurisdiction_code == county, Cycle.month == month,
                                              Cycle.status != "cancelled"))


def run_cycle(session: Session, county: str, month: str, *, user: str | None, now: datetime,
              progress: Callable[[int], None] | None = None, workers: int | None = None) -> RunOutcome:
    """Compute and store the county's month as a draft; `workers` as in `cycle_workers` (None: automatic)."""
    require_role(session, user, "preparer", action="run payment cycles")
    lock_books(session)
    place = require_jurisdiction(session, county)
    if place.level != "county":
        raise Refusal(f"{county} {place.name} is a {place.level}; payment cycles run per county")
    policy = effective_policy(session, county)
    cycle = live_cycle(session, county, month)
    replaced = cycle is not None
    if cycle is not None and cycle.status != "draft":
        raise Refusal(f"cycle {cycle.id} for {county} {month} is {cycle.status}; it cannot be re-run, "
                      "only cancelled by an approver (before export)")
    if cycle is None:
        cycle = Cycle(jurisdiction_code=county, month=month, status="draft", count=0, total=ZERO, inputs="{}",
                      run_by=user, run_at=now)
        session.add(cycle)
        session.flush()
    else:
        for table in (CycleLine, CycleTrack, CycleReissue):
            session.execute(delete(table).where(table.cycle_id == cycle.id))
    previous = live_cycle(session, county, previous_month(month))
    computer = MonthComputer(policy, month, price=None, carried=None)
    reissues = _reissues_due(session, county, computer)
    workers, parts = _parts(session, county, workers)
    if parts:
        with _in_workers(session, county, month, cycle.id, previous, reissues, workers, parts) as chunks:
            count, total = _store_lines(session, cycle.id, chunks, reissues, progress)
    else:
        carried = previous_tracks(session, previous.id) if previous is not None else None
        computer = MonthComputer(policy, month, price=None, carried=carried)
        count, total = _store_lines(session, cycle.id, _computed(cycle.id, stream_county(session, county), computer,
                                                                 reissues), reissues, progress)
    cycle.count, cycle.total, cycle.run_by, cycle.run_at = count, total, user, now
    cycle.inputs = json.dumps(_inputs(session, policy, previous), ensure_ascii=False, sort_keys=True)
    session.add(CycleTransition(cycle_id=cycle.id, status="draft", on=now.date(), entry_seq=None,
                                reason="re-run" if replaced else "run", user_name=user, at=now))
    session.flush()
    return RunOutcome(cycle.id, count, total, replaced)


def _computed(cycle_id, households, computer: MonthComputer, reissues) -> Iterator[tuple[list, list, int]]:
    """The cycle's rows for the households, in chunks: (lines, tracks, households looked at)."""
    lines: list[tuple] = []
    tracks: list[tuple] = []
    done = 0
    for stored in households:
        computed = computer.compute(stored)
        extra = reissues.get(stored.household.household_id, ()) if reissues else ()
        if computed.benefit.paid or extra:
            lines.append(_line(cycle_id, computed, extra, computer))
        elif computed.track.status == ENDED:  # the next month must know it is not paid again
            tracks.append((cycle_id, stored.household.household_id, ENDED))
        done += 1
        if done == _PROGRESS_STEP:
            yield lines, tracks, done
            lines, tracks, done = [], [], 0
    if done:
        yield lines, tracks, done


def _store_lines(session, cycle_id, chunks, reissues, progress) -> tuple[int, Decimal]:
    count, total_fen = 0, 0
    lines: list[tuple] = []
    tracks: list[tuple] = []
    for new_lines, new_tracks, done in chunks:
        count += len(new_lines)
        total_fen += sum(line[_AMOUNT] for line in new_lines)
        lines += new_lines
        tracks += new_tracks
        while len(lines) >= _BATCH:
            _insert(session, _LINES, lines[:_BATCH])
            del lines[:_BATCH]
        while len(tracks) >= _BATCH:
            _insert(session, _TRACKS, tracks[:_BATCH])
            del tracks[:_BATCH]
        if progress:
            progress(done)
    if lines:
        _insert(session, _LINES, lines)
    if tracks:
        _insert(session, _TRACKS, tracks)
    if reissues:
        session.execute(insert(CycleReissue), [{"cycle_id": cycle_id, "return_id": r.id}
                                               for due in reissues.values() for r in due])
    return count, from_fen(total_fen)


# The lines and tracks are written as plain rows (money already in fen) with the driver's own
# executemany, in batches of _BATCH: for a million households the ORM's per-row work on
# insert would cost more than computing them.
_LINES = ("cycle_lines", ("cycle_id", "household_id", "program", "area", "township", "head_name", "head_id_number",
                          "members", "payee_name", "bank_account", "amount_fen", "components", "track_status",
                          "exit_month", "exit_base_fen", "dibao_amount_fen"))
_TRACKS = ("cycle_tracks", ("cycle_id", "household_id", "track_status"))
_AMOUNT = _LINES[1].index("amount_fen")
_PROGRESS_STEP = 1_000  # households per progress report (a terminal's bar redraws on each)
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
assert set(_LINES[1]) == {c.name for c in CycleLine.__table__.columns}
assert set(_TRACKS[1]) == {c.name for c in CycleTrack.__table__.columns}


def _insert(session: Session, target: tuple[str, tuple[str, ...]], rows: list[tuple]) -> None:
    table, columns = target
    connection = session.connection()
    mark = _MARKS[connection.dialect.paramstyle]
    connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
                               rows)


# ---- a large county on every core ------------------------------------------------------------
#
# Computing a household costs several times more than storing its line, so a large county is
# computed by worker processes, one per core, each taking shares of the households (ranges of
# household ids) read through its own read-only connection, while this process, inside the
# run's one transaction, stores the rows they send back: the run stays all or nothing. The
# workers read the registry as this transaction does: on PostgreSQL they import its snapshot;
# on SQLite this transaction holds the write lock from its start (BEGIN IMMEDIATE), so nothing
# can change under them, and WAL lets them read beside it.

PARALLEL_FROM = 50_000  # households: below that, starting the workers costs more than it saves
_PART = 25_000  # households per share at most (smaller for smaller counties: every worker busy to the end)
_MIN_PART = 1_000  # households per share at least
_WORKER: dict = {}  # in a worker process: its database, read transaction and the run's parameters


def cycle_workers(session: Session, households: int, workers: int | None = None) -> int:
    """How many worker processes compute a county of `households`: 0 means in this process.

    `workers` given: that many (0 or 1: in this process). None: the environment variable
    AIDLEDGER_CYCLE_WORKERS when set, else one per core available to this process when the
    county has PARALLEL_FROM households or more. Always 0 for an in-memory SQLite database,
    which other processes cannot open.
    """
    if workers is None:
        setting = os.environ.get("AIDLEDGER_CYCLE_WORKERS", "").strip()
        if setting:
            if not setting.isdigit():
                raise Refusal(f"AIDLEDGER_CYCLE_WORKERS must be a number of worker processes, not {setting!r}")
            workers = int(setting)
        elif households < PARALLEL_FROM:
            return 0
        else:
            workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and (url.database in (None, "", ":memory:") or "memory" in str(url)):
        return 0
    return workers if workers >= 2 else 0


def _parts(session: Session, county: str, workers: int | None) -> tuple[int, list[tuple[str | None, str | None]]]:
    """The workers and shares of a parallel run, as (low, high) household ids; (0, []) to compute in this process."""
    households = count_households(session, county)
    workers = cycle_workers(session, households, workers)
    if not workers:
        return 0, []
    size = max(_MIN_PART, min(_PART, -(-households // (8 * workers))))
    # The column's own order (not code-point order): then the ranges use its indexes.
    ids = session.execute(select(HouseholdRow.household_id).where(HouseholdRow.county_code == county)
                          .order_by(HouseholdRow.household_id).execution_options(yield_per=50_000)).scalars()
    bounds = [household_id for n, household_id in enumerate(ids) if n and n % size == 0]
    return workers, list(zip([None, *bounds], [*bounds, None]))


@contextmanager
def _in_workers(session: Session, county: str, month: str, cycle_id: int, previous: Cycle | None,
                reissues: dict, workers: int, parts: list) -> Iterator[Iterator[tuple[list, list, int]]]:
    """The computed shares, as the workers finish them, from `workers` worker processes.

    Each worker is `python -m aidledger.disbursement.cycle_run`, fed pickled messages on its
    standard input (the run's parameters, then one share at a time, then None) and answering
    each share on its standard output. They are ended, whatever happens, when this exits.
    """
    connection = session.connection()
    snapshot = None
    if connection.dialect.name == "postgresql":
        snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
    start = ("start", connection.engine.url.render_as_string(hide_password=False), county, month,
             previous.id if previous is not None else None, reissues, snapshot)
    processes = [subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                 for _ in range(min(workers, len(parts)))]
    try:
        yield _shares(processes, start, [(cycle_id, part) for part in parts])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass


def _shares(processes, start: tuple, tasks: list) -> Iterator[tuple[list, list, int]]:
    waiting = iter(tasks)
    selector = selectors.DefaultSelector()

    def send(process, message) -> None:
        pickle.dump(message, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        process.stdin.flush()

    def next_task(process) -> None:
        task = next(waiting, None)
        send(process, task)
        if task is None:
            selector.unregister(process.stdout)
            process.stdin.close()

    for process in processes:
        selector.register(process.stdout, selectors.EVENT_READ, process)
        send(process, start)
        next_task(process)
    while selector.get_map():
        for key, _ in selector.select():
            process = key.data
            try:
                kind, *answer = pickle.load(process.stdout)
            except EOFError:
                raise RuntimeError(f"a cycle worker (pid {process.pid}) ended without answering "
                                   f"(exit status {process.wait()})") from None
            if kind == "refusal":
                raise Refusal(answer[0])
            if kind != "share":
                raise RuntimeError(f"a cycle worker (pid {process.pid}) failed:\n{answer[0]}")
            yield answer[0]
            next_task(process)
    for process in processes:
        if process.wait() != 0:
            raise RuntimeError(f"a cycle worker (pid {process.pid}) exited with status {process.returncode}")


def _worker_main() -> None:
    """A worker process of a parallel run (see _in_workers): shares in, rows out."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # only the answers go to the parent's pipe
    try:
        _start_worker(*pickle.load(stdin)[1:])
        while (task := pickle.load(stdin)) is not None:
            pickle.dump(("share", _compute_part(task)), stdout, protocol=pickle.HIGHEST_PROTOCOL)
            stdout.flush()
    except Refusal as refusal:
        pickle.dump(("refusal", refusal.problems), stdout)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        pickle.dump(("error", traceback.format_exc()), stdout)
    finally:
        _stop_worker()
        stdout.flush()


def _start_worker(url: str, county: str, month: str, previous_id: int | None, reissues: dict,
                  snapshot: str | None) -> None:
    from ..db import Database

    database = Database(url)
    reading = database.read()
    _WORKER.update(database=database)
    session = reading.__enter__()
    _WORKER.update(reading=reading)
    if snapshot is not None:  # the first statement of the read: then it reads what the run reads
        if not all(c.isalnum() or c == "-" for c in snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
    _WORKER.update(session=session, county=county, month=month, previous_id=previous_id, reissues=reissues,
                   policy=effective_policy(session, county))


def _stop_worker() -> None:
    reading, database = _WORKER.pop("reading", None), _WORKER.pop("database", None)
    try:
        if reading is not None:
            reading.__exit__(None, None, None)
    finally:
        if database is not None:
            database.dispose()


def _compute_part(task: tuple[int, tuple[str | None, str | None]]) -> tuple[list, list, int]:
    """In a worker: the rows of one share of the households."""
    cycle_id, part = task
    session, previous_id = _WORKER["session"], _WORKER["previous_id"]
    carried = previous_tracks(session, previous_id, part) if previous_id is not None else None
    computer = MonthComputer(_WORKER["policy"], _WORKER["month"], price=None, carried=carried)
    lines: list[tuple] = []
    tracks: list[tuple] = []
    done = 0
    for new_lines, new_tracks, n in _computed(cycle_id, stream_county(session, _WORKER["county"], part), computer,
                                              _WORKER["reissues"]):
        lines += new_lines
        tracks += new_tracks
        done += n
    return lines, tracks, done


@dataclass(frozen=True)
class Reissue:
    """A bank return to pay again: its id, amount, when it came back and the month it paid for."""

    id: int
    amount: Decimal
    returned_on: object
    month: str


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) would build one per line


def _line(cycle_id: int, computed: Computed, reissues: list[Reissue], computer: MonthComputer) -> tuple:
    """The cycle_lines row of a paid household, in _LINES's column order."""
    stored, state, benefit, track = computed.stored, computed.state, computed.benefit, computed.track
    household = stored.household
    amount = benefit.amount
    if reissues:
        components = [c.as_dict() for c in benefit.components]
        for r in reissues:
            components.append(Component(
                "arrears", r.amount, f"退票重发: {r.returned_on} 退回的 {r.amount:.2f} 元改付至更正后的账号",
                "bank return", month=r.month).as_dict() | {"return_id": r.id})
            amount += r.amount
        components_json = _JSON.encode(components)
    else:  # the same text, without building the dicts
        components_json = "[" + ", ".join([c.as_json() for c in benefit.components]) + "]"
    head = head_of(stored.members)
    return (
        cycle_id, household.household_id, household.program, household.area, household.township, head.name,
        head.id_number, len(counted_members(state)), household.payee_name, state.household.bank_account,
        to_fen(amount), components_json, track.status, track.exit_month, to_fen(track.exit_base),
        to_fen(track.amount),
    )


def _reissues_due(session: Session, county: str, computer: MonthComputer) -> dict[str, list[Reissue]]:
    """Unresolved returns whose household's account has been corrected since: paid again this month."""
    resolved = select(ReturnResolution.return_id)
    rows = session.execute(
        select(BankReturn, Cycle.month).join(Cycle, Cycle.id == BankReturn.cycle_id)
        .where(Cycle.jurisdiction_code == county, BankReturn.id.not_in(resolved))
        .order_by(BankReturn.id))
    due: dict[str, list[Reissue]] = {}
    for bank_return, cycle_month in rows:
        if cycle_month >= computer.month:
            continue
        account = load_household(session, bank_return.household_id).on(computer.day).household.bank_account
        if account != bank_return.bank_account:
            due.setdefault(bank_return.household_id, []).append(
                Reissue(bank_return.id, bank_return.amount, bank_return.returned_on, cycle_month))
    return due


def _inputs(session: Session, policy, previous: Cycle | None) -> dict:
    versions = dict(session.execute(
        select(PolicyFile.jurisdiction_code, func.max(PolicyFile.version))
        .where(PolicyFile.jurisdiction_code.in_([d.code for d in policy.chain]))
        .group_by(PolicyFile.jurisdiction_code)).all())
    return {
        "policy_versions": versions,
        "registry_import_max": session.scalar(select(func.max(RegistryImport.id))),
        "registry_event_max": session.scalar(select(func.max(EventRow.id))),
        "previous_cycle": previous.id if previous is not None else None,
    }


if __name__ == "__main__":
    _worker_main()
