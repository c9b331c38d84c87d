"""one vocabulary: every column holding a code is checked by the database

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

Each column that holds a code of a closed set (aidledger/codes.py) gets a CHECK that it is
one of the set, named ck_<table>_<column>, so that a code written behind the application's
back (raw SQL, another tool) is refused by the database itself. The sets are stated here as
they stood when this revision was written: migrations are frozen history, and a later change
to a set is a later revision. tests/test_codes.py checks that the database's constraints and
the enums agree.

Rows written by aidledger always hold codes of these sets. Should a database hold anything
else, the upgrade refuses before changing anything, naming each table, column and code,
instead of failing half-way through a table copy (or, worse, dropping what does not fit).

On SQLite adding (or dropping) a constraint copies the table (batch mode), which drops its
triggers: the append-only, draft-only and cycle guard triggers of the copied tables are
dropped first and stated again after (as in 0007), on PostgreSQL too, so that both backends
run the same steps. `aidledger db upgrade` runs migrations with foreign keys off on SQLite,
as the table copy needs (db.py).
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import (
    add_append_only_trigger,
    add_cycle_guard,
    add_draft_only_trigger,
    drop_append_only_trigger,
    drop_cycle_guard,
    drop_draft_only_trigger,
)


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


PROGRAMS = ('dibao', 'tekun', 'low_income')
AREAS = ('urban', 'rural')
TRACK_STATUSES = ('none', 'normal', 'exit', 'ended')
CYCLE_STATUSES = ('draft', 'approved', 'exported', 'settled', 'cancelled')

# table → column → the codes it may hold (NULL stays allowed where the column allows it).
CODES = {
    'users': {'role': ('admin', 'preparer', 'approver', 'auditor')},
    'jurisdictions': {'level': ('province', 'city', 'county')},
    'accounts': {'type': ('asset', 'liability', 'net_position', 'revenue', 'expense')},
    'registry_imports': {'kind': ('registry', 'events', 'command')},
    'households': {
        'area': AREAS,
        'program': PROGRAMS,
        'income_type': ('stable', 'variable'),
        'tekun_setting': ('dispersed', 'centralized'),
    },
    'members': {
        'relation': ('head', 'spouse', 'child', 'parent', 'grandchild', 'other'),
        'disability_kind': ('physical', 'visual', 'hearing', 'speech', 'intellectual', 'mental', 'multiple'),
        'care_level': ('self', 'semi', 'full'),
    },
    'registry_events': {
        'kind': ('income', 'death', 'remove_member', 'tier', 'care_level', 'terminate', 'bank_account'),
    },
    'cycles': {'status': CYCLE_STATUSES},
    'cycle_tracks': {'track_status': TRACK_STATUSES},
    'cycle_transitions': {'status': CYCLE_STATUSES},
    'bank_return_resolutions': {'kind': ('reissued', 'cancelled')},
    'cycle_adjustments': {'kind': ('arrears', 'recovery', 'note')},
    'receivables': {'program': PROGRAMS, 'area': AREAS},
    'recoveries': {'how': ('returned', 'set_off')},
    'opening_states': {'status': ('exit', 'ended')},
}

# The triggers of the tables above, which a table copy on SQLite drops. Every draft-only
# trigger goes too, on the tables copied or not: each reads cycles.status, and while `cycles`
# is copied (dropped, then the copy renamed) SQLite refuses the rename if any trigger names
# the table that is momentarily missing.
APPEND_ONLY = ('registry_imports', 'households', 'members', 'registry_events', 'cycle_transitions',
               'bank_return_resolutions', 'receivables', 'recoveries', 'opening_states')
DRAFT_ONLY = ('cycle_lines', 'cycle_tracks', 'cycle_reissues', 'cycle_instalments', 'cycle_adjustments',
              'cycle_set_offs')


def one_of(column: str, codes: tuple[str, ...]) -> str:
    # Comparisons, not an IN list: SQLite builds a table for a CHECK's IN list on every row (see orm.one_of).
    return " OR ".join(f"{column} = '{code}'" for code in codes)  # plain words: nothing to escape


def upgrade() -> None:
    refuse_codes_outside_the_sets()
    drop_triggers()
    for table, columns in CODES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, codes in columns.items():
                batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'), one_of(column, codes))
    add_triggers()


def downgrade() -> None:
    drop_triggers()
    for table, columns in CODES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(list(columns)):
                batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
    add_triggers()


def refuse_codes_outside_the_sets() -> None:
    """Stop, changing nothing, if any row holds a code its new constraint would refuse."""
    bind = op.get_bind()
    found = []
    for table, columns in CODES.items():
        for column, codes in columns.items():
            outside = bind.execute(sa.text(
                f'SELECT DISTINCT "{column}" FROM {table} WHERE NOT ({one_of(column, codes)}) '
                f'ORDER BY "{column}"')).scalars().all()
            if outside:
                found.append(f"{table}.{column}: {', '.join(repr(code) for code in outside)} "
                             f"(allowed: {', '.join(codes)})")
    if found:
        raise RuntimeError("migration 0008 refused: these rows hold codes outside their sets; correct them "
                           "(or restore a backup) before upgrading:\n  " + "\n  ".join(found))


def drop_triggers() -> None:
    drop_cycle_guard()
    for table in DRAFT_ONLY:
        drop_draft_only_trigger(table)
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)


def add_triggers() -> None:
    for table in APPEND_ONLY:
        add_append_only_trigger(table)
    for table in DRAFT_ONLY:
        add_draft_only_trigger(table)
    add_cycle_guard()
