"""A cycle computed by worker processes stores exactly what the same cycle computed in process stores.

Large counties are computed in shares of households by worker processes (cycle_workers.py);
here the shares are made tiny so that the example county is split into many, each month
is run in process and then re-run (a draft re-run replaces its lines) by two workers, and
every stored row is compared — including months that carry the 低保 tracks of the month
before, which each worker reads for its own share only.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, text
from support import EXAMPLES, PREPARER

from aidledger.disbursement.cycles.service import run as cycle_run
from aidledger.disbursement.entitlement import workers as cycle_workers
from aidledger.disbursement.payments.tables import Cycle, CycleLine, CycleTrack

NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
MONTHS = ("2021-12", "2022-01", "2022-02", "2022-03")


@pytest.fixture
def registry(county):
    registry = EXAMPLES / "registry"
    for args in (("registry", "import", "--households", registry / "households.csv",
                  "--members", registry / "members.csv"),
                 ("registry", "events", registry / "events.csv")):
        result = county(*args, user=PREPARER)
        assert result.exit_code == 0, result.output
    return county


def _stored(database, cycle_id: int) -> tuple[list, list, tuple]:
    with database.read() as session:
        lines = [tuple(row) for row in session.execute(
            select(*[c for c in CycleLine.__table__.columns if c.name != "cycle_id"])
            .where(CycleLine.cycle_id == cycle_id).order_by(CycleLine.household_id))]
        tracks = [tuple(row) for row in session.execute(
            select(CycleTrack.household_id, CycleTrack.track_status)
            .where(CycleTrack.cycle_id == cycle_id).order_by(CycleTrack.household_id))]
        cycle = session.get(Cycle, cycle_id)
        return lines, tracks, (cycle.count, cycle.total)


def _run(database, month: str, workers: int) -> cycle_run.RunOutcome:
    with database.write() as session:
        return cycle_run.run_cycle(session, "230523", month, user=PREPARER, now=NOW, workers=workers,
                                   on=min(date.fromisoformat(f"{month}-01"), NOW.date()))


def test_workers_store_what_the_process_stores(registry, database, monkeypatch):
    monkeypatch.setattr(cycle_workers, "_MIN_PART", 2)
    steps = []
    for month in MONTHS:
        alone = _run(database, month, workers=0)
        expected = _stored(database, alone.cycle_id)
        assert expected[0], f"the example pays nobody in {month}"
        shared = _run(database, month, workers=2)
        assert (shared.cycle_id, shared.replaced_draft) == (alone.cycle_id, True)
        assert (shared.count, shared.total) == (alone.count, alone.total)
        assert _stored(database, shared.cycle_id) == expected
        steps.append(month)
    assert steps == list(MONTHS)


def test_the_shares_cover_every_household_once(registry, database, monkeypatch):
    monkeypatch.setattr(cycle_workers, "_MIN_PART", 2)
    with database.read() as session:
        workers, parts = cycle_workers.parts_of(session, "230523", 2)
        households = cycle_workers.count_households(session, "230523")
    assert workers == 2 and len(parts) > 2
    assert parts[0][0] is None and parts[-1][1] is None
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    assert len(parts) == -(-households // max(2, -(-households // 16)))


def test_a_small_county_is_computed_in_process(registry, database, monkeypatch):
    monkeypatch.delenv("AIDLEDGER_CYCLE_WORKERS", raising=False)
    with database.read() as session:
        assert cycle_workers.parts_of(session, "230523", None) == (0, [])
        assert cycle_workers.cycle_workers(session, cycle_workers.PARALLEL_FROM, 1) == 0
        assert cycle_workers.cycle_workers(session, 10, 3) == 3


def test_workers_add_what_the_process_adds(registry, database, monkeypatch, tmp_path):
    """Instalments, arrears, a price subsidy and a set-off reach the workers' lines as they reach the process's."""
    from support import ADMIN, APPROVER, EXAMPLE_POLICIES

    monkeypatch.setattr(cycle_workers, "_MIN_PART", 2)
    run = registry
    assert run("budget", "allocate", "--jurisdiction", "230523", "--fund", "central_subsidy", "--amount",
               "200000", "--date", "2021-12-01", user=PREPARER).exit_code == 0
    for month in ("2022-01", "2022-02"):
        cycle_id = _run(database, month, workers=0).cycle_id
        assert run("cycle", "approve", str(cycle_id), "--date", f"{month}-05", user=APPROVER).exit_code == 0
    grant = run("temporary", "grant", "--household", "H003", "--total", "900", "--instalments", "3",
                "--first-month", "2022-03", "--reason", "住院", user=PREPARER).stdout.strip()
    assert run("temporary", "approve", grant, user=APPROVER).exit_code == 0
    assert run("subsidy", "declare", "--jurisdiction", "230500", "--month", "2022-04", "--cpi", "4", "--food", "1",
               user=PREPARER).exit_code == 0
    events = tmp_path / "late.csv"
    events.write_text("household_id,kind,date,value,id_number\nH002,death,2022-01-10,,230523195903050525\n",
                      encoding="utf-8")
    assert run("registry", "events", str(events), user=PREPARER).exit_code == 0
    cycle_id = _run(database, "2022-03", workers=0).cycle_id  # finds H002's February receivable
    assert run("cycle", "approve", str(cycle_id), "--date", "2022-03-05", user=APPROVER).exit_code == 0
    files = []
    for source in EXAMPLE_POLICIES:
        body = source.read_text(encoding="utf-8")
        if source.name.startswith("230500"):
            body = body.replace("2022-01-01 = 680\n", "2022-01-01 = 680\n2022-02-01 = 700\n")
        if source.name.startswith("230523"):
            body += "\n[recovery]\nset_off_ratio = 0.5\n"
        files.append(tmp_path / source.name)
        files[-1].write_text(body, encoding="utf-8")
    assert run("policy", "load", *map(str, files), user=ADMIN).exit_code == 0
    alone = _run(database, "2022-04", workers=0)
    expected = _stored(database, alone.cycle_id)
    with database.read() as session:
        found_alone = [tuple(r) for r in session.execute(text(
            "SELECT cycle_id, household_id, month, kind, amount_fen, paid_before_fen, entitled_fen, reason "
            "FROM cycle_adjustments WHERE cycle_id = :c ORDER BY month, household_id, kind"),
            {"c": alone.cycle_id})]
    kinds = {part["kind"] for line in expected[0] for part in json.loads(line[10])}
    assert {"temporary", "arrears", "recovery", "price_subsidy"} <= kinds, kinds
    from aidledger.disbursement.arrears import service as recompute

    recomputed = []
    in_workers = recompute._entitled_in_workers
    monkeypatch.setattr(recompute, "_entitled_in_workers",
                        lambda *a: recomputed.append(a[2]) or in_workers(*a))
    shared = _run(database, "2022-04", workers=2)
    assert recomputed == ["2022-02", "2022-03"]  # the months the raise changed, by the workers
    assert (shared.count, shared.total) == (alone.count, alone.total)
    assert _stored(database, shared.cycle_id) == expected
    with database.read() as session:
        found = [tuple(r) for r in session.execute(text(
            "SELECT cycle_id, household_id, month, kind, amount_fen, paid_before_fen, entitled_fen, reason "
            "FROM cycle_adjustments WHERE cycle_id = :c ORDER BY month, household_id, kind"),
            {"c": alone.cycle_id})]
    assert found == found_alone and {r[3] for r in found} >= {"arrears"}
