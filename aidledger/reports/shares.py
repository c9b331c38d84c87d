"""Pure work over a county's year shared out among forked processes, one per core (the audit pack's recomputation).

Recomputing what the rules give for a million household-months is pure: it reads records already in memory and
nothing else. So the work is cut into shares, and every share but the first is done by a child forked from this
process, which has the records already (copy-on-write: nothing is sent to it) and sends back only its result,
pickled through a pipe. The first share is done here meanwhile. A child never touches the database connection it
inherited and leaves by `os._exit`, so that no finalizer of an inherited object runs in it (a PostgreSQL
connection's would say goodbye to the server on the parent's behalf); its failure is raised here with its
traceback. Where there is no fork (or one core) every share is done here, in turn: the results are the same.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

PARALLEL_FROM = 200_000  # lines: below that a fork costs more than it saves
WORKERS = "AIDLEDGER_REPORT_WORKERS"  # the environment variable that sets the number of shares (1: no fork)


class ShareFailed(RuntimeError):
    """A forked share raised: its traceback, as the child formatted it."""


def share_count(items: int) -> int:
    """How many shares work over `items` is cut into: the environment's AIDLEDGER_REPORT_WORKERS when set (a
    number), else one per core available to this process from PARALLEL_FROM items on, else 1."""
    setting = os.environ.get(WORKERS, "").strip()
    if setting.isdigit():
        return max(1, int(setting))
    if items < PARALLEL_FROM or not hasattr(os, "fork"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores)


def in_shares(work: Callable[[int, int], T], shares: int) -> list[T]:
    """[work(0, shares), work(1, shares), …]: share 0 here, the others in forked children at the same time."""
    if shares <= 1 or not hasattr(os, "fork"):
        return [work(i, max(shares, 1)) for i in range(max(shares, 1))]
    children = []
    try:
        for i in range(1, shares):
            readable, writable = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: its share, its result down the pipe, and out without any clean-up
                os.close(readable)
                try:
                    result = pickle.dumps((True, work(i, shares)), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:
                    result = pickle.dumps((False, traceback.format_exc()))
                try:
                    with os.fdopen(writable, "wb") as pipe:
                        pipe.write(result)
                finally:
                    os._exit(0)
            os.close(writable)
            children.append((pid, readable))
        results = [work(0, shares)]
    finally:
        received = []
        for pid, readable in children:
            with os.fdopen(readable, "rb") as pipe:
                data = pipe.read()
            os.waitpid(pid, 0)
            received.append(data)
    for data in received:
        if not data:
            raise ShareFailed("a forked share ended without a result")
        ok, value = pickle.loads(data)
        if not ok:
            raise ShareFailed(f"a forked share failed:\n{value}")
        results.append(value)
    return results
