"""A large county on every core: worker processes computing shares of a cycle run.

Computing a household costs several times more than storing its line, so a large county is
computed by worker processes, one per core, each taking shares of the households (ranges of
household ids) read through its own read-only connection, while this process, inside the
run's one transaction, stores the rows they send back: the run stays all or nothing. The
workers read the registry as this transaction does: on PostgreSQL they import its snapshot;
on SQLite this transaction holds the write lock from its start (BEGIN IMMEDIATE), so nothing
can change under them, and WAL lets them read beside it.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from aidledger.disbursement.opening.service import start_of
from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.registry.store import count_households
from aidledger.disbursement.registry.tables import HouseholdRow
from aidledger.errors import Refusal
from aidledger.ledger.money import to_fen
from aidledger.policy.store import effective_policy

from .compute import MonthComputer
from .rows import computed_rows
from .store import previous_tracks, stream_county

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


def parts_of(session: Session, county: str, workers: int | None) -> tuple[int, list[tuple[str | None, str | None]]]:
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
def in_workers(session: Session, county: str, month: str, cycle_id: int, previous: Cycle | None,
               additions: dict, price, workers: int, parts: list) -> Iterator[Iterator[tuple[list, list, int]]]:
    """The computed shares, as the workers finish them, from `workers` worker processes.

    Each worker is `python -m aidledger.disbursement.entitlement.workers`, fed pickled messages on its
    standard input (the run's parameters, then one share at a time, then None) and answering
    each share on its standard output. They are ended, whatever happens, when this exits.
    """
    with _pool(session, county, month, previous.id if previous is not None else None, additions, price, workers,
               [("rows", cycle_id, part) for part in parts]) as shares:
        yield shares


@contextmanager
def entitled_in_workers(session: Session, county: str, month: str, price, workers: int,
                        parts: list) -> Iterator[Iterator[list[tuple[str, int]]]]:
    """What the rules now give every household of the county for a month already paid, in shares:
    lists of (household id, amount in fen), computed by the workers (recompute.py)."""
    with _pool(session, county, month, None, {}, price, workers,
               [("entitled", month, price, part) for part in parts]) as shares:
        yield shares


@contextmanager
def _pool(session: Session, county: str, month: str, previous_id: int | None, additions: dict, price, workers: int,
          tasks: list) -> Iterator[Iterator]:
    connection = session.connection()
    snapshot = None
    if connection.dialect.name == "postgresql":
        snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
    start = ("start", connection.engine.url.render_as_string(hide_password=False), county, month,
             previous_id, additions, price, snapshot)
    processes = [subprocess.Popen([sys.executable, "-c", _BOOT, str(os.getpid())], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE) for _ in range(min(workers, len(tasks)))]
    try:
        yield _shares(processes, start, tasks)
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


# A worker's first statements, before any import: from then on the kernel ends it with its parent (Linux's
# parent-death signal), so a run killed while its workers still start leaves none behind.
_BOOT = ("import ctypes, os, sys\n"
         "try:\n    ctypes.CDLL(None).prctl(1, 9)\nexcept Exception:\n    pass\n"
         "if os.getppid() != int(sys.argv[1]):\n    os._exit(1)\n"
         "from aidledger.disbursement.entitlement.workers import _worker_main\n_worker_main()\n")


def _die_with(parent: int) -> None:
    """End this worker when the run that started it ends, however it ends (killed mid-run, the worker would
    otherwise compute its share for nothing): on Linux the kernel's parent-death signal, everywhere a watcher
    thread that notices the parent is gone."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the watcher below does it

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main() -> None:
    """A worker process of a parallel run (see in_workers): shares in, rows out."""
    if len(sys.argv) > 1:
        _die_with(int(sys.argv[1]))
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


def _start_worker(url: str, county: str, month: str, previous_id: int | None, additions: dict, price,
                  snapshot: str | None) -> None:
    from aidledger.db import Database

    database = Database(url)
    reading = database.read()
    _WORKER.update(database=database)
    session = reading.__enter__()
    _WORKER.update(reading=reading)
    if snapshot is not None:  # the first statement of the read: then it reads what the run reads
        if not all(c.isalnum() or c == "-" for c in snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
    policy = effective_policy(session, county)
    _WORKER.update(session=session, county=county, month=month, previous_id=previous_id, additions=additions,
                   price=price, policy=policy, start=start_of(session, county, policy))


def _stop_worker() -> None:
    reading, database = _WORKER.pop("reading", None), _WORKER.pop("database", None)
    try:
        if reading is not None:
            reading.__exit__(None, None, None)
    finally:
        if database is not None:
            database.dispose()


def _compute_part(task: tuple):
    """In a worker: the rows of one share of the households, or what the rules give them for a paid month."""
    if task[0] == "entitled":
        _, month, price, part = task
        computer = MonthComputer(_WORKER["policy"], month, price=price, carried=None, start=_WORKER["start"])
        return [(s.household.household_id, to_fen(computer.compute(s).benefit.amount))
                for s in stream_county(_WORKER["session"], _WORKER["county"], part)]
    _, cycle_id, part = task
    session, previous_id = _WORKER["session"], _WORKER["previous_id"]
    carried = previous_tracks(session, previous_id, part) if previous_id is not None else None
    computer = MonthComputer(_WORKER["policy"], _WORKER["month"], price=_WORKER["price"], carried=carried,
                             start=_WORKER["start"])
    # Plain tuples across the process boundary: a named tuple pickles and unpickles through Python code, a plain
    # tuple in C (seconds for a million lines, bench/cycle.py). The fields stay in LineRow's order.
    lines: list[tuple[object, ...]] = []
    tracks: list[tuple[object, ...]] = []
    held: list[tuple[object, ...]] = []
    done = 0
    for new_lines, new_tracks, new_held, n in computed_rows(
            cycle_id, stream_county(session, _WORKER["county"], part), computer, _WORKER["additions"]):
        lines += map(tuple, new_lines)
        tracks += map(tuple, new_tracks)
        held += map(tuple, new_held)
        done += n
    return lines, tracks, held, done


if __name__ == "__main__":
    _worker_main()
