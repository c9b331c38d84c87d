"""a registry that follows households' real lives: every event kind, re-entry, shared accounts, held lines

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

- registry_events: every kind of registry-format.md's "Changes after loading" (and
  `member_joined`, a move's receiving half); `reason` (why a void voids) and `details` (the
  kind's other columns, JSON); indexes on id_number and value, which the checks of a file
  search (a person's other households, an account's other households, a voided event).
- members: keyed by (household_id, id_number), so that a person who left a household may be
  loaded into another one later; indexed by id_number (the key leads with household_id, so its
  own index goes).
- households: `shared_account`, and an index on bank_account (one account, one household).
- cycles: `run_on`, the day a run is booked (`cycle run --date`).
- cycle_held: the households a cycle computed but holds (a payee who died), draft-only.

As in 0008, the tables copied on SQLite lose their triggers, so every guard trigger is dropped
first and stated again after, on both backends.
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_draft_only_trigger, drop_draft_only_trigger


def _revision_0008():
    # 0008's trigger lists and its one_of, which never change (migrations are frozen history); its file name is
    # not a module name, so it is loaded from its path.
    spec = importlib.util.spec_from_file_location("aidledger_revision_0008", Path(__file__).with_name(
        "0008_codes_checked.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


previous = _revision_0008()


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_KINDS = ('income', 'death', 'remove_member', 'tier', 'care_level', 'terminate', 'bank_account')
KINDS = ('income', 'income_type', 'tier', 'death', 'add_member', 'remove_member', 'move_member', 'head',
         'disability', 'flags', 'single_person', 'care_level', 'payee', 'township', 'area', 'program',
         'tekun_setting', 'suspend', 'resume', 'terminate', 'reapprove', 'void', 'bank_account', 'member_joined')


def upgrade() -> None:
    previous.drop_triggers()
    with op.batch_alter_table('registry_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registry_events_kind'), type_='check')
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('details', sa.Text(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_registry_events_kind'), previous.one_of('kind', KINDS))
        batch_op.create_index('ix_registry_events_id_number', ['id_number'], unique=False)
        batch_op.create_index('ix_registry_events_value', ['value'], unique=False)
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('pk_members'), type_='primary')
        batch_op.create_primary_key(op.f('pk_members'), ['household_id', 'id_number'])
        batch_op.drop_index('ix_members_household_id')  # the key now leads with household_id
        batch_op.create_index('ix_members_id_number', ['id_number'], unique=False)
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_account', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_households_bank_account', ['bank_account'], unique=False)
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_on', sa.Date(), nullable=True))
    op.create_table(
        'cycle_held',
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.String(length=64), nullable=False),
        sa.Column('payee_name', sa.String(length=100), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('track_status', sa.String(length=8), nullable=False),
        sa.Column('exit_month', sa.SmallInteger(), nullable=False),
        sa.Column('exit_base_fen', sa.BigInteger(), nullable=False),
        sa.Column('dibao_amount_fen', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_held_cycle_id_cycles')),
        sa.PrimaryKeyConstraint('cycle_id', 'household_id', name=op.f('pk_cycle_held')),
    )
    previous.add_triggers()
    add_draft_only_trigger('cycle_held')


def downgrade() -> None:
    drop_draft_only_trigger('cycle_held')
    previous.drop_triggers()
    op.drop_table('cycle_held')
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_column('run_on')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_bank_account')
        batch_op.drop_column('shared_account')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_id_number')
        batch_op.drop_constraint(op.f('pk_members'), type_='primary')
        batch_op.create_primary_key(op.f('pk_members'), ['id_number'])
        batch_op.create_index('ix_members_household_id', ['household_id'], unique=False)
    with op.batch_alter_table('registry_events', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_events_value')
        batch_op.drop_index('ix_registry_events_id_number')
        batch_op.drop_constraint(op.f('ck_registry_events_kind'), type_='check')
        batch_op.drop_column('details')
        batch_op.drop_column('reason')
        batch_op.create_check_constraint(op.f('ck_registry_events_kind'), previous.one_of('kind', OLD_KINDS))
    previous.add_triggers()
