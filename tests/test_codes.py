"""One vocabulary: the codes (aidledger/codes.py), their labels, and the database's CHECK constraints.

The enums are the one statement of each set: the old tuples derive from them as plain strings,
every member of a labelled set has its Chinese label, and the database itself refuses a code
outside its set, even one written with raw SQL behind the application's back, on each backend.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from enum import StrEnum

import pytest
from sqlalchemy import CheckConstraint, text
from sqlalchemy.exc import IntegrityError
from support import ADMIN, PREPARER, check_constraints

from aidledger import codes, labels, users
from aidledger.codes import (
    AccountType,
    ComponentKind,
    CycleStatus,
    EventKind,
    HandedOverStatus,
    ImportKind,
    JurisdictionLevel,
    Program,
    Role,
    values,
)
from aidledger.disbursement.registry import records
from aidledger.disbursement.rules import first_month
from aidledger.ledger import chart
from aidledger.ledger.service import accounts
from aidledger.models import metadata
from aidledger.policy import format as policy_format

NOW = datetime(2022, 6, 30, 12, 0, tzinfo=timezone.utc)
ENUMS = [member for member in vars(codes).values()
         if isinstance(member, type) and issubclass(member, StrEnum) and member is not StrEnum]


# --- The enums and what derives from them -------------------------------------------------------------

@pytest.mark.parametrize("codes_", ENUMS, ids=lambda e: e.__name__)
def test_a_code_is_its_string(codes_):
    """What lets the code base keep comparing, looking up and printing codes as strings."""
    for member in codes_:
        assert member == member.value and hash(member) == hash(member.value)
        assert f"{member}" == str(member) == "%s" % member == member.value
        assert json.dumps({member: [member]}) == json.dumps({member.value: [member.value]})
        assert re.fullmatch(r"[a-z_]+", member.value), member  # the CHECKs quote them without escaping
    assert len(set(values(codes_))) == len(codes_)


def test_the_old_tuples_derive_from_the_enums_as_plain_strings():
    """click's Choice matches Enum members by name, so the tuples hand it (and messages) plain `str`."""
    derived = [
        (records.AREAS, codes.Area), (records.PROGRAMS, Program), (records.INCOME_TYPES, codes.IncomeType),
        (records.TEKUN_SETTINGS, codes.TekunSetting), (records.RELATIONS, codes.Relation),
        (records.DISABILITY_KINDS, codes.DisabilityKind), (records.FLAGS, codes.MemberFlag),
        (records.CARE_LEVELS, codes.CareLevel), (chart.ACCOUNT_TYPES, AccountType), (users.ROLES, Role),
        (accounts.LEVELS, JurisdictionLevel), (policy_format.LEVELS, JurisdictionLevel),
        (policy_format.PROGRAMS, Program), (policy_format.AREAS, codes.Area),
        (policy_format.DISABILITY_KINDS, codes.DisabilityKind), (policy_format.MEMBER_FLAGS, codes.MemberFlag),
        (first_month.HANDED_OVER_STATUSES, HandedOverStatus),
    ]
    for plain, codes_ in derived:
        assert plain == values(codes_) and all(type(code) is str for code in plain), codes_
    # events.csv holds every kind but the two the application records itself.
    assert records.EVENT_KINDS == tuple(k for k in values(EventKind)
                                        if k not in (EventKind.BANK_ACCOUNT, EventKind.MEMBER_JOINED))
    assert set(chart.ROOT_OF_TYPE) == set(AccountType) and chart.DEBIT_NORMAL <= set(AccountType)


def test_the_old_tuples_and_labels_keep_their_order():
    """Messages list the codes in this order ("is not one of …"), reports the programmes; the enums state
    them the same way."""
    assert list(labels.PROGRAM_NAMES) == list(labels.PROGRAM_TITLES) == list(Program)
    assert records.PROGRAMS == ("dibao", "tekun", "low_income")
    assert records.EVENT_KINDS[:4] == ("income", "income_type", "tier", "death")
    assert records.EVENT_KINDS[-1] == "void"
    assert users.ROLES == ("admin", "preparer", "approver", "auditor")
    assert accounts.LEVELS == ("province", "city", "county")


# --- Labels --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("table, codes_", [
    (labels.PROGRAM_NAMES, values(Program)),
    (labels.PROGRAM_TITLES, values(Program)),
    (labels.PROGRAM_PAYMENTS, values(Program)),
    (labels.COMPONENT_NAMES, values(ComponentKind)),
    (labels.CYCLE_STATUS_NAMES, values(CycleStatus)),
    (labels.HANDED_OVER_NAMES, values(HandedOverStatus)),
    (labels.EVENT_NAMES, values(EventKind)),
    # a receivable's reasons are the late events' kinds: every kind that can change an amount
    (labels.RECOVERY_REASONS, [k for k in values(EventKind) if k not in ("bank_account", "payee")]),
    (labels.MATCH_KIND_NAMES, values(codes.MatchKind)),
], ids=["programs", "program titles", "program payments", "components", "cycle statuses", "handed over",
        "event kinds", "recovery reasons", "match kinds"])
def test_every_code_of_a_labelled_set_has_a_chinese_label_and_no_label_is_stray(table, codes_):
    assert set(table) == set(codes_)
    for code, label in table.items():
        assert label.strip() and re.search(r"[\u4e00-\u9fff]", label), (code, label)
        assert table.get(str(code)) == label  # found by the plain string the database gives back


# --- The database's CHECK constraints --------------------------------------------------------------------

def coded_columns() -> dict[str, tuple[str, str, type[StrEnum]]]:
    """constraint name → (table, column, enum) for every CHECK the models build with orm.one_of."""
    return {c.name: (table.name, c.info["column"], c.info["codes"]) for table in metadata.tables.values()
            for c in table.constraints if isinstance(c, CheckConstraint) and "codes" in c.info}


def test_the_models_check_the_code_columns():
    found = coded_columns()
    assert {"ck_cycles_status", "ck_cycle_transitions_status", "ck_accounts_type", "ck_households_program",
            "ck_registry_events_kind", "ck_cycle_adjustments_kind", "ck_recoveries_how", "ck_opening_states_status",
            "ck_bank_return_resolutions_kind", "ck_cycle_tracks_track_status", "ck_users_role"} <= set(found)
    for name, (table, column, _) in found.items():
        assert name == f"ck_{table}_{column}" and column in metadata.tables[table].columns


def test_the_database_checks_every_code_column_against_its_enum(database):
    """Migration 0008 states the sets as frozen literals; the migrated database must say what the enums say."""
    reflected = check_constraints(database.url)
    expected = coded_columns()
    assert set(reflected) - {"ck_journal_lines_one_side"} == set(expected)
    for name, (_, _, codes_) in expected.items():
        assert set(re.findall(r"'([^']*)'", reflected[name])) == set(values(codes_)), name


# (constraint, statement writing :code, a code of the set, a code outside it)
BEHIND_THE_BACK = [
    ("ck_users_role", "INSERT INTO users (name, role, created_at, created_by) VALUES ('eve', :code, :at, :admin)",
     Role.AUDITOR, "superuser"),
    ("ck_jurisdictions_level", "INSERT INTO jurisdictions (code, name, level, parent_code, created_at, created_by) "
     "VALUES ('240000', 'x', :code, NULL, :at, :admin)", JurisdictionLevel.PROVINCE, "township"),
    ("ck_accounts_type", "UPDATE accounts SET type = :code WHERE name = 'Assets:Treasury' "
     "AND jurisdiction_code = '230523'", AccountType.ASSET, "equity"),
    ("ck_cycles_status", "INSERT INTO cycles (jurisdiction_code, month, status, count, total_fen, inputs, run_by, "
     "run_at) VALUES ('230523', '2022-01', :code, 0, 0, '{}', :preparer, :at)", CycleStatus.DRAFT, "paid"),
    ("ck_registry_imports_kind", "INSERT INTO registry_imports (kind, sources, digest, loaded_by, loaded_at) "
     "VALUES (:code, 'x', 'x', :preparer, :at)", ImportKind.EVENTS, "Events"),
]


@pytest.mark.parametrize("constraint, statement, good, bad", BEHIND_THE_BACK, ids=[b[0] for b in BEHIND_THE_BACK])
def test_a_bad_code_written_behind_the_applications_back_is_refused(books, database, constraint, statement,
                                                                    good, bad):
    params = {"at": NOW, "admin": ADMIN, "preparer": PREPARER}
    with database.engine.connect() as connection:
        # The same statement with a code of the set goes in (so the refusal below is the CHECK's) …
        transaction = connection.begin()
        assert connection.execute(text(statement), params | {"code": good.value}).rowcount == 1
        transaction.rollback()
        # … and with any other code the database refuses it, naming the constraint.
        with pytest.raises(IntegrityError, match=constraint):
            with connection.begin():
                connection.execute(text(statement), params | {"code": bad})
