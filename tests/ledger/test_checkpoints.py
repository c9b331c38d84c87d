"""Signed checkpoints (issue 15): an auditor's copy of the head proves the books were not cut short or rewritten.

A book whose chain verifies can still be a different history: one cut short (the last entries removed and the
head moved back) or written anew and every hash recomputed. Here those are made the plainest way, as whole
databases with consistent chains of their own, and the checkpoint taken of the first catches each.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import Cli
from support import ADMIN, APPROVER, AUDITOR, PREPARER, assert_refused

JURISDICTIONS = (("230000", "黑龙江省", "province", None), ("230500", "双鸭山市", "city", "230000"),
                 ("230523", "宝清县", "county", "230500"))


def books_at(url: str) -> Cli:
    run = Cli(url)
    assert run("user", "add", ADMIN, "--role", "admin").exit_code == 0
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        assert run("user", "add", name, "--role", role, user=ADMIN).exit_code == 0
    for code, name, level, parent in JURISDICTIONS:
        assert run("jurisdiction", "add", code, "--name", name, "--level", level,
                   *(["--parent", parent] if parent else []), user=ADMIN).exit_code == 0
    return run


def post_receipts(run: Cli, folder, amounts: list[str]) -> None:
    for n, amount in enumerate(amounts):
        path = folder / f"receipt-{n}.json"
        path.write_text(json.dumps({
            "date": "2022-01-10", "jurisdiction": "230523", "description": "收到中央资金",
            "reference": f"黑财社〔2022〕{n + 1}号",
            "lines": [{"account": "Assets:Treasury", "fund": "central_subsidy", "debit": amount},
                      {"account": "Income:Allocations", "fund": "central_subsidy", "credit": amount}]},
            ensure_ascii=False), encoding="utf-8")
        result = run("ledger", "post", "--file", str(path), user=PREPARER)
        assert result.exit_code == 0, result.output


@pytest.fixture
def keys(tmp_path, monkeypatch):
    """A key folder of the test's own, holding only the run's chain key: the template books were sealed with it
    (their book setting), and the checkpoint key is made here, where the test can look at it."""
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    shutil.copy2(Path(os.environ["AIDLEDGER_KEYS"]) / "chain.hmac", folder / "chain.hmac")
    monkeypatch.setenv("AIDLEDGER_KEYS", str(folder))
    return folder


@pytest.fixture
def taken(templates, backend, tmp_path, keys):
    """Books of three receipts and a checkpoint of their head."""
    run = books_at(templates[backend]())
    post_receipts(run, tmp_path, ["1000.00", "2000.00", "3000.00"])
    out = tmp_path / "head.checkpoint"
    result = run("ledger", "checkpoint", "--out", str(out))
    assert result.exit_code == 0, result.output
    return run, out


def test_the_books_extend_their_own_checkpoint_as_they_grow(taken, tmp_path, keys):
    run, out = taken
    assert (keys / "checkpoint.ed25519").stat().st_mode & 0o077 == 0  # the key: its owner's alone
    checkpoint = json.loads(out.read_text(encoding="utf-8"))
    assert checkpoint["seq"] == 3 and len(checkpoint["hash"]) == 64
    post_receipts(run, tmp_path, ["50.00"])
    result = run("ledger", "verify", "--checkpoint", str(out))
    assert result.exit_code == 0, result.output
    assert f"checkpoint {out}: the books extend it (entry 3" in result.output


def test_a_book_cut_short_fails_its_checkpoint(taken, templates, backend, tmp_path):
    _, out = taken
    shorter = books_at(templates[backend]())
    post_receipts(shorter, tmp_path, ["1000.00", "2000.00"])  # the same first entries, the last one gone
    assert shorter("ledger", "verify").exit_code == 0  # its own chain is whole
    assert_refused(shorter("ledger", "verify", "--checkpoint", str(out)), "the books end at entry 2, before entry 3",
                   "cut short")


def test_a_history_written_anew_with_every_hash_recomputed_fails_its_checkpoint(taken, templates, backend, tmp_path):
    _, out = taken
    other = books_at(templates[backend]())
    post_receipts(other, tmp_path, ["1000.00", "2000.00", "3500.00"])  # entry 3 changed, the chain recomputed
    assert other("ledger", "verify").exit_code == 0
    assert_refused(other("ledger", "verify", "--checkpoint", str(out)), "entry 3 now has hash",
                   "rewritten at or before entry 3")


@pytest.mark.parametrize("change", [{"seq": 2}, {"hash": "0" * 64}, {"at": "2030-01-01T00:00:00+00:00"}])
def test_an_altered_checkpoint_is_refused(taken, tmp_path, change):
    run, out = taken
    altered = tmp_path / "altered.checkpoint"
    altered.write_text(json.dumps(json.loads(out.read_text(encoding="utf-8")) | change), encoding="utf-8")
    assert_refused(run("ledger", "verify", "--checkpoint", str(altered)), "its signature does not match")


def test_a_file_that_is_not_a_checkpoint_is_refused(taken, tmp_path):
    run, _ = taken
    other = tmp_path / "not.checkpoint"
    other.write_text("{}", encoding="utf-8")
    assert_refused(run("ledger", "verify", "--checkpoint", str(other)), "is not a ledger checkpoint")


def test_the_keys_live_beside_a_sqlite_file_or_where_aidledger_keys_says(books, db_url, backend, tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("AIDLEDGER_KEYS", raising=False)
    result = books("ledger", "checkpoint", "--out", str(tmp_path / "c.checkpoint"))
    if backend == "sqlite":
        assert result.exit_code == 0, result.output
        database_file = db_url.split(":///", 1)[1]
        assert (Path(f"{database_file}.keys") / "checkpoint.ed25519").exists()
    else:  # a PostgreSQL deployment names its key folder
        assert_refused(result, "AIDLEDGER_KEYS")
        assert not (tmp_path / "c.checkpoint").exists()


def test_other_records_rewritten_and_resealed_with_the_key_fail_the_checkpoint(taken, templates, backend, tmp_path):
    """The same journal, but a user's role written otherwise and every seal made anew with the chain key (whoever
    holds the database and the key can do it): the journal's head still matches; the evidence head does not."""
    _, out = taken
    other = Cli(templates[backend]())
    assert other("user", "add", ADMIN, "--role", "admin").exit_code == 0
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "approver")):  # not auditor
        assert other("user", "add", name, "--role", role, user=ADMIN).exit_code == 0
    for code, name, level, parent in JURISDICTIONS:
        assert other("jurisdiction", "add", code, "--name", name, "--level", level,
                     *(["--parent", parent] if parent else []), user=ADMIN).exit_code == 0
    post_receipts(other, tmp_path, ["1000.00", "2000.00", "3000.00"])
    assert other("ledger", "verify").exit_code == 0
    checkpoint = json.loads(out.read_text(encoding="utf-8"))
    result = other("ledger", "verify", "--checkpoint", str(out))
    assert_refused(result, f"seal {checkpoint['evidence_seq']} now has link", "resealed")
    assert "entry 3 now has hash" not in result.stderr  # the journal itself is the same


def test_an_evidence_chain_reset_behind_the_back_is_refused_and_never_resealed(taken, backend):
    run, out = taken
    from sqlalchemy import create_engine

    engine = create_engine(run.url)
    with engine.begin() as connection:
        if backend == "postgresql":
            connection.exec_driver_sql("SET session_replication_role = replica")
        else:
            connection.exec_driver_sql("DROP TRIGGER evidence_no_delete")
        connection.exec_driver_sql("DELETE FROM evidence")
        connection.exec_driver_sql(f"UPDATE evidence_head SET seq = 0, mac = '{'0' * 64}'")
    engine.dispose()
    # The next write would seal everything afresh, the altered with the rest: it is refused instead.
    assert_refused(run("user", "add", "mallory", "--role", "admin", user=ADMIN), "the chain was reset behind the "
                   "application's back")
    failed = run("ledger", "verify", "--checkpoint", str(out))
    assert_refused(failed, "journal_entries 1", "不在证据链上", "the evidence chain ends at seal 0", "cut short")
