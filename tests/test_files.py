"""Files never half-written (files.py): staged beside the target, published by a rename, leftovers swept."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aidledger.errors import Refusal
from aidledger.files import PREFIX, staged, sweep


def temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(PREFIX))


def test_a_published_file_replaces_the_target_whole(tmp_path):
    target = tmp_path / "bank.csv"
    target.write_bytes(b"old")
    with staged(target) as file:
        file.write(b"new ")
        assert target.read_bytes() == b"old" and len(temporaries(tmp_path)) == 1  # written beside, not over
        file.write(b"bytes")
        file.publish()
    assert target.read_bytes() == b"new bytes" and temporaries(tmp_path) == []


def test_a_file_not_published_leaves_nothing(tmp_path):
    target = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError), staged(target) as file:
        file.write(b"half a report")
        raise RuntimeError("the transaction failed")
    assert not target.exists() and temporaries(tmp_path) == []


def test_the_leftovers_of_a_killed_process_are_swept_and_a_running_one_s_kept(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{PREFIX}{int(ended.stdout)}-abcd1234-bank.csv.part"
    alive = tmp_path / f"{PREFIX}1-abcd1234-bank.csv.part"  # pid 1 always runs
    dead.write_bytes(b"killed half-way")
    alive.write_bytes(b"still being written")
    with staged(tmp_path / "bank.csv") as file:
        file.publish()
    assert temporaries(tmp_path) == [alive.name]
    assert sweep(tmp_path) == []


def test_an_unwritable_folder_is_refused(tmp_path):
    with pytest.raises(Refusal, match="cannot be written"), staged(tmp_path / "missing" / "bank.csv"):
        pass
