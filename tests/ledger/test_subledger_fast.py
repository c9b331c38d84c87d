"""The sub-ledger checks of `ledger verify` at county scale: a row's hash by the plain path is the canonical one to
the byte, and a read hashes each cycle line once for both checks of it without missing what either finds.

The plain path (evidence/rows.py) builds a row's text from a template when its values are str, int or None; every
other row goes the canonical way. The two checks of a cycle's lines (the approval's digest in check_cycles, the
seal in check_evidence) share the lines' digest within one read: whichever runs second compares with it, and
falls back to reading the lines row by row when it does not match, so that each altered line is still named.
"""

from __future__ import annotations

import enum
import json
import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import NoneType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import APPROVER, EXAMPLES, PREPARER

from aidledger import db as dbmod
from aidledger.disbursement.checks import verify_books
from aidledger.disbursement.cycles.checks import check_cycles
from aidledger.evidence import service as evidence_service
from aidledger.evidence.checks import check_evidence
from aidledger.evidence.kinds import CYCLE_TABLES, KINDS
from aidledger.evidence.rows import _plain_text, canonical_hasher, hashes_of, row_hasher, rows_digest

COUNTY = "230523"
ODD = '收到"省级"资金 \\ 路径\t✓ é 🙂 \u2028 </script> %s %% %(x)s \x00\x1f\x7f'


class Level(enum.IntEnum):
    COUNTY = 3


class Code(str):
    pass


NAMES = ("payee_name", "amount_fen", "components", "收款人", 'odd "name" %s', "a", "z")
PLAIN_ROWS = [
    (ODD, 10**40, json.dumps([{"rule": ODD}], ensure_ascii=False), "", "%", -2**63, 0),
    (None, 1, None, None, None, None, None),
    (None,) * 7,
    ("\\", -1, '"', "'", "\n\r\b\f", 2**63, 7),
    ("宝清县社会福利院", 252900, "[]", "杨树林", "6217000000000002681", 0, 12),
]
ODD_ROWS = [
    (True, False, 1, "x", None, 2, 3),
    (Decimal("2529.00"), Decimal("-0.10"), Decimal("1E+3"), "x", None, 1, 2),
    (date(2022, 6, 30), datetime(2022, 6, 30, 8, 1, 2, 345678), datetime(2022, 6, 30, 8, 0,
     tzinfo=timezone(timedelta(hours=8))), "x", 1, 2, 3),
    (b"\x00\xff", memoryview(b"ab"), {"b": ODD, "a": [1, None]}, [3, "二"], None, 1, 2),
    (1.5, math.inf, math.nan, -0.0, 1e300, 1, 2),
    (Level.COUNTY, Code("230523"), 1, "x", None, 2, 3),
]


@pytest.mark.parametrize("row", PLAIN_ROWS)
def test_the_plain_path_takes_str_int_and_none_and_gives_the_canonical_hash(row):
    assert _plain_text(NAMES, tuple(map(type, row))) is not None  # the plain path, not the fallback, is proven
    assert row_hasher(NAMES)(row) == canonical_hasher(NAMES)(row)


@pytest.mark.parametrize("row", ODD_ROWS)
def test_any_other_value_goes_the_canonical_way(row):
    assert _plain_text(NAMES, tuple(map(type, row))) is None
    assert row_hasher(NAMES)(row) == canonical_hasher(NAMES)(row)


def test_one_hasher_keeps_each_pattern_of_types_apart():
    """One hasher meets rows of many patterns in turn (a None here, a bool there): each is hashed as its own."""
    hashed, canonical = row_hasher(NAMES), canonical_hasher(NAMES)
    rows = PLAIN_ROWS + ODD_ROWS
    assert [hashed(row) for row in rows + rows[::-1]] == [canonical(row) for row in rows + rows[::-1]]
    assert len({hashed(row) for row in rows}) == len(rows)


VALUES = st.one_of(st.none(), st.text(), st.integers(), st.integers(min_value=-10**60, max_value=10**60),
                   st.booleans(), st.decimals(allow_nan=False), st.dates(), st.floats())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=6, unique=True).flatmap(
    lambda names: st.tuples(st.just(names), st.lists(st.tuples(*[VALUES] * len(names)), min_size=1, max_size=4))))
def test_any_rows_hash_alike_both_ways(case):
    names, rows = case
    hashed, canonical = row_hasher(names), canonical_hasher(names)
    assert [hashed(row) for row in rows] == [canonical(row) for row in rows]


def test_the_lines_digest_is_the_one_approvals_carry():
    """rows_digest: each key's repr, a tab, its hash and a newline, in order, as approvals' references were always
    taken (so that theirs still verify)."""
    import hashlib

    rows = [(("cycle_lines", "H001"), "a" * 32), (("cycle_held", "H002"), "b" * 32)]
    expected = hashlib.sha256(b"('cycle_lines', 'H001')\t" + b"a" * 32 + b"\n('cycle_held', 'H002')\t" + b"b" * 32
                              + b"\n").hexdigest()
    assert rows_digest(rows) == expected


# ---- on books -----------------------------------------------------------------------------------------------


def _ok(result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout.strip()


@pytest.fixture
def approved(county) -> tuple[object, int]:
    """The example county with January's cycle approved: (the CLI, the cycle's id)."""
    registry = EXAMPLES / "registry"
    _ok(county("registry", "import", "--households", str(registry / "households.csv"),
               "--members", str(registry / "members.csv"), user=PREPARER))
    _ok(county("registry", "events", str(registry / "events.csv"), user=PREPARER))
    _ok(county("budget", "allocate", "--jurisdiction", COUNTY, "--fund", "central_subsidy", "--amount",
               "200000.00", "--date", "2021-12-01", user=PREPARER))
    cycle_id = int(_ok(county("cycle", "run", "--jurisdiction", COUNTY, "--month", "2022-01", "--date",
                              "2022-01-01", user=PREPARER)))
    _ok(county("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    _ok(county("ledger", "verify"))
    return county, cycle_id


def test_every_stored_row_hashes_alike_both_ways_and_as_its_seal_says(approved, db_url):
    _, cycle_id = approved
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            connection = session.connection()
            for table in [kind.table for kind in KINDS] + list(CYCLE_TABLES):
                result = connection.exec_driver_sql(f"SELECT * FROM {table}")
                names = list(result.keys())
                hashed, canonical = row_hasher(names), canonical_hasher(names)
                rows = result.all()
                assert [hashed(row) for row in rows] == [canonical(row) for row in rows], table
            for kind in KINDS:  # and as read through the driver's own cursor, keyed
                result = connection.exec_driver_sql(f"SELECT * FROM {kind.table}")
                names = list(result.keys())
                canonical = canonical_hasher(names)
                at = [names.index(column) for column in kind.key]
                expected = {row[at[0]] if len(at) == 1 else tuple(row[i] for i in at): canonical(row)
                            for row in result.all()}
                assert dict(evidence_service.table_rows(session, kind)) == expected, kind.table
            keys, hashes = connection.exec_driver_sql(
                f"SELECT keys, hashes FROM evidence WHERE kind = 'cycle' AND subject = '{cycle_id}'").one()
            result = connection.exec_driver_sql(
                f"SELECT * FROM cycle_lines WHERE cycle_id = {cycle_id} ORDER BY household_id")
            canonical = canonical_hasher(list(result.keys()))
            lines = [canonical(row) for row in result.all()]
            sealed = [h for key, h in zip(json.loads(keys), hashes_of(hashes)) if key[0] == "cycle_lines"]
            assert len(lines) > 3 and sealed == lines  # the seal written at approval: the canonical hashes
    finally:
        database.dispose()


def test_a_read_hashes_each_line_once_for_both_checks(approved, db_url, monkeypatch):
    _, cycle_id = approved
    hashed_lines = []

    def counting(names):
        hashed = row_hasher(names)
        if not {"payee_name", "dibao_amount_fen"} <= set(names):  # a cycle line's columns
            return hashed
        return lambda row: hashed_lines.append(row) or hashed(row)

    monkeypatch.setattr(evidence_service, "row_hasher", counting)
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            count = session.connection().exec_driver_sql("SELECT count(*) FROM cycle_lines").scalar()
            report = verify_books(session)
        assert report.ok, report.messages()
        assert count > 3 and len(hashed_lines) == count
    finally:
        database.dispose()


def _behind_the_back(db_url: str, statement: str) -> None:
    database = dbmod.Database(db_url)
    try:
        with database.engine.begin() as connection:
            if db_url.startswith("postgresql"):
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no trigger fires
            else:
                for trigger in ("cycle_lines_no_update", "cycle_lines_draft_delete"):
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            connection.exec_driver_sql(statement)
    finally:
        database.dispose()


COPY = ("INSERT INTO cycle_lines SELECT cycle_id, 'H999', program, area, township, head_name, head_id_number, "
        "members, payee_name, bank_account, amount_fen, components, track_status, exit_month, exit_base_fen, "
        "dibao_amount_fen, price_subsidy_fen, heating_fen, temporary_fen, arrears_fen, set_off_fen FROM cycle_lines "
        "WHERE cycle_id = {cycle} AND household_id = 'H001'")
ALTERATIONS = {
    "altered": ("UPDATE cycle_lines SET bank_account = '6222020000000000001' WHERE cycle_id = {cycle} "
                "AND household_id = 'H001'", "verify.altered", "cycle {cycle}: cycle_lines / H001"),
    "removed": ("DELETE FROM cycle_lines WHERE cycle_id = {cycle} AND household_id = 'H001'", "verify.removed",
                "cycle {cycle}: cycle_lines / H001"),
    "added": (COPY, "verify.unsealed", "cycle {cycle}: cycle_lines / H999"),
}


@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
@pytest.mark.parametrize("order", ["cycles first", "evidence first"])
def test_a_line_altered_behind_the_back_is_named_by_both_checks_in_either_order(approved, db_url, alteration,
                                                                                 order):
    _, cycle_id = approved
    statement, rule, entity = (part.format(cycle=cycle_id) for part in ALTERATIONS[alteration])
    _behind_the_back(db_url, statement)
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            checks = [check_cycles, check_evidence] if order == "cycles first" else [check_evidence, check_cycles]
            found = [(p.rule, p.entity) for check in checks for p in check(session)]
            assert evidence_service.kept_lines_digests(session)  # the digest was shared
    finally:
        database.dispose()
    assert ("cycles.lines_digest", f"cycle {cycle_id}") in found
    assert (rule, entity) in found
    assert [f for f in found if f[0].startswith("verify.") and f[0] != "verify.trigger"] == [(rule, entity)]
    # (that line alone is named; on SQLite the triggers dropped to make the change are named too)


def test_a_write_keeps_no_digest(approved, db_url):
    """Within a write the lines may change: their digest is taken afresh each time."""
    _, cycle_id = approved
    database = dbmod.Database(db_url)
    try:
        with database.write() as session:
            assert evidence_service.kept_lines_digests(session) is None
            assert evidence_service.lines_digest(session, cycle_id) == evidence_service.lines_digest(session,
                                                                                                      cycle_id)
            assert evidence_service.kept_lines_digests(session) is None
    finally:
        database.dispose()


def test_the_types_the_drivers_give_a_cycle_line_take_the_plain_path(approved, db_url):
    _, cycle_id = approved
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            result = session.connection().exec_driver_sql(f"SELECT * FROM cycle_lines WHERE cycle_id = {cycle_id}")
            names, rows = list(result.keys()), result.all()
    finally:
        database.dispose()
    assert {t for row in rows for t in map(type, row)} <= {str, int, NoneType}
    assert all(_plain_text(names, tuple(map(type, row))) is not None for row in rows)
