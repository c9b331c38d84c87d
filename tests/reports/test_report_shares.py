"""Pure work shared out among forked processes (reports/shares.py): every share's result comes back in order, the
children's steps reach the progress while this process works, a child's failure is raised here with its
traceback, and the number of workers follows the environment."""

from __future__ import annotations

import os
import time

import pytest

from aidledger.reports.shares import PARALLEL_FROM, WORKERS, Shared, ShareFailed, worker_count


def test_every_share_runs_in_a_child_and_comes_back_in_order():
    told: list[int] = []

    def work(number, count, progress):
        progress(10 + number)
        return number, count, os.getpid()

    with Shared(work, 3, told.append) as shared:
        results = shared.results()
    assert [r[:2] for r in results] == [(0, 3), (1, 3), (2, 3)]
    pids = {r[2] for r in results}
    assert os.getpid() not in pids and len(pids) == 3
    assert sum(told) == 10 + 11 + 12


def test_the_childrens_steps_are_told_while_this_process_works():
    told: list[int] = []

    def work(number, count, progress):
        progress(5)
        time.sleep(0.5)
        return number

    with Shared(work, 1, told.append) as shared:
        deadline = time.monotonic() + 5
        while not told and time.monotonic() < deadline:  # this process busy with something else, polling
            time.sleep(0.05)
            shared.poll()
        assert told == [5]  # before the child has finished
        assert shared.results() == [0]
    assert told == [5]


def test_with_no_worker_the_work_is_done_here_when_asked():
    told: list[int] = []

    def work(number, count, progress):
        progress(3)
        return number, count, os.getpid()

    with Shared(work, 0, told.append) as shared:
        assert told == []
        assert shared.results() == [(0, 1, os.getpid())]
    assert told == [3]


def test_a_childs_failure_is_raised_with_its_traceback():
    def work(number, count, progress):
        if number == 1:
            raise ValueError("share 1 broke")
        return number

    with Shared(work, 2) as shared, pytest.raises(ShareFailed, match="share 1 broke"):
        shared.results()


def test_leaving_early_stops_the_children():
    with Shared(lambda number, count, progress: time.sleep(60), 2) as shared:
        pids = [pid for pid, _ in shared.children]
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: no longer a child of this process


def test_the_environment_sets_the_workers(monkeypatch):
    monkeypatch.setenv(WORKERS, "3")
    assert worker_count(10) == 3
    monkeypatch.setenv(WORKERS, "0")
    assert worker_count(10**7) == 0
    monkeypatch.delenv(WORKERS)
    assert worker_count(PARALLEL_FROM - 1) == 0
    assert worker_count(PARALLEL_FROM) == max(1, len(os.sched_getaffinity(0)) - 1)
