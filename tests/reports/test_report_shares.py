"""Pure work shared out among forked processes (reports/shares.py): every share's result comes back in order,
a child's failure is raised here with its traceback, and the number of shares follows the environment."""

from __future__ import annotations

import os

import pytest

from aidledger.reports.shares import PARALLEL_FROM, WORKERS, ShareFailed, in_shares, share_count


def test_every_share_but_the_first_runs_in_a_child_and_comes_back_in_order():
    results = in_shares(lambda number, count: (number, count, os.getpid()), 3)
    assert [r[:2] for r in results] == [(0, 3), (1, 3), (2, 3)]
    pids = [r[2] for r in results]
    assert pids[0] == os.getpid() and len(set(pids)) == 3


def test_one_share_runs_here():
    assert in_shares(lambda number, count: (number, count, os.getpid()), 1) == [(0, 1, os.getpid())]


def test_a_childs_failure_is_raised_with_its_traceback():
    def work(number: int, count: int) -> int:
        if number == 1:
            raise ValueError("share 1 broke")
        return number

    with pytest.raises(ShareFailed, match="share 1 broke"):
        in_shares(work, 2)


def test_the_environment_sets_the_shares(monkeypatch):
    monkeypatch.setenv(WORKERS, "3")
    assert share_count(10) == 3
    monkeypatch.setenv(WORKERS, "0")
    assert share_count(10) == 1
    monkeypatch.delenv(WORKERS)
    assert share_count(PARALLEL_FROM - 1) == 1
    assert share_count(PARALLEL_FROM) == len(os.sched_getaffinity(0))
