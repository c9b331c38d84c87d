"""Pure work over a county's year done by forked processes while this one goes on (the audit pack's recomputation).

Recomputing what the rules give for a million household-months is pure: it reads records already in memory and
nothing else. So it is cut into shares, each done by a child forked from this process, which has the records
already (copy-on-write: nothing is sent to it) and sends back only its result, pickled through a pipe, while this
process does the rest of the pack (`ledger verify`, above all, which must read the database). Each child counts
its steps in a word of memory shared with this process, so the progress bar moves with the children's work too
(`poll`). A child never touches the database connection it inherited and leaves by `os._exit`, so that no
finalizer of an inherited object runs in it (a PostgreSQL connection's would say goodbye to the server on this
process's behalf); its failure is raised here with its traceback. With no worker (a small county, one core, or
AIDLEDGER_REPORT_WORKERS=0) the work is done here when its results are asked for: the results are the same.
"""

from __future__ import annotations

import mmap
import os
import pickle
import selectors
import signal
import struct
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
Progress = Callable[[int], None]
Work = Callable[[int, int, Progress], T]  # (share, shares, progress) → the share's result

PARALLEL_FROM = 200_000  # lines: below that a fork costs more than it saves
WORKERS = "AIDLEDGER_REPORT_WORKERS"  # the environment variable that sets the number of worker processes
_WORD = struct.Struct("q")


class ShareFailed(RuntimeError):
    """A forked share raised, or died: its traceback, as the child formatted it."""


def _nothing(_count: int) -> None:
    pass


def worker_count(items: int) -> int:
    """How many forked workers share work over `items`: AIDLEDGER_REPORT_WORKERS when set (a number; 0: none, the
    work is done in this process), else, from PARALLEL_FROM items on, one per core but the one this process keeps
    busy meanwhile (at least one), else none."""
    setting = os.environ.get(WORKERS, "").strip()
    if setting.isdigit():
        return int(setting) if hasattr(os, "fork") else 0
    if items < PARALLEL_FROM or not hasattr(os, "fork"):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1)


class Shared(Generic[T]):
    """`work`'s shares begun in `workers` forked children now, their results collected by `results` (a context
    manager: leaving it early stops the children)."""

    def __init__(self, work: Work[T], workers: int, progress: Progress = _nothing):
        self.work, self.progress = work, progress
        self.children: list[tuple[int, int]] = []  # (pid, the pipe's readable end), in share order
        self.told = 0
        self.counter: mmap.mmap | None = None
        if workers >= 1:
            self.counter = mmap.mmap(-1, _WORD.size * workers)
            for number in range(workers):
                self.children.append(self._fork(number, workers))

    def _fork(self, number: int, count: int) -> tuple[int, int]:
        readable, writable = os.pipe()
        pid = os.fork()
        if pid != 0:
            os.close(writable)
            return pid, readable
        # The child: its share, its result down the pipe, and out without any clean-up.
        try:
            os.close(readable)
            counter, at, steps = self.counter, number * _WORD.size, 0

            def tell(count_: int) -> None:
                nonlocal steps
                steps += count_
                _WORD.pack_into(counter, at, steps)  # type: ignore[arg-type]

            try:
                result = pickle.dumps((True, self.work(number, count, tell)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                result = pickle.dumps((False, traceback.format_exc()))
            with os.fdopen(writable, "wb") as pipe:
                pipe.write(result)
        finally:
            os._exit(0)

    def poll(self) -> None:
        """Tell the progress of the steps the children have counted since the last poll."""
        if self.counter is None:
            return
        done = sum(_WORD.unpack_from(self.counter, i * _WORD.size)[0] for i in range(len(self.children)))
        if done > self.told:
            self.progress(done - self.told)
            self.told = done

    def results(self) -> list[T]:
        """Every share's result, in share order: the children's, waited for (polling the progress meanwhile), or,
        with no worker, the work done here now."""
        if not self.children:
            return [self.work(0, 1, self.progress)]
        received: dict[int, list[bytes]] = {readable: [] for _, readable in self.children}
        with selectors.DefaultSelector() as selector:
            for _, readable in self.children:
                selector.register(readable, selectors.EVENT_READ)
            while selector.get_map():
                for key, _ in selector.select(timeout=0.2):
                    chunk = os.read(key.fd, 1 << 20)
                    if chunk:
                        received[key.fd].append(chunk)
                    else:
                        selector.unregister(key.fd)
                self.poll()
        self.poll()  # each child counted its last step before it wrote its result
        children, self.children = self.children, []
        results = []
        for pid, readable in children:
            os.close(readable)
            os.waitpid(pid, 0)
            data = b"".join(received[readable])
            if not data:
                raise ShareFailed("a forked share ended without a result")
            ok, value = pickle.loads(data)
            if not ok:
                raise ShareFailed(f"a forked share failed:\n{value}")
            results.append(value)
        return results

    def close(self) -> None:
        """Stop any child still working (the pack failed before collecting them)."""
        for pid, readable in self.children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(readable)
        self.children = []
        if self.counter is not None:
            self.counter.close()
            self.counter = None

    def __enter__(self) -> Shared[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
