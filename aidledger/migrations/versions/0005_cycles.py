"""payment cycles

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Payment cycles: lines (the sub-ledger), 低保 tracks, transitions, bank returns and re-issues.
Lines change only while their cycle is a draft; transitions and returns are append-only.
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


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=False),
    sa.Column('run_by', sa.String(length=64), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_cycles_jurisdiction_code_jurisdictions')),
    sa.ForeignKeyConstraint(['run_by'], ['users.name'], name=op.f('fk_cycles_run_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycles'))
    )
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.create_index('uq_cycles_live_month', ['jurisdiction_code', 'month'], unique=True, sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"))

    op.create_table('bank_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('bank_account', sa.String(length=30), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_bank_returns_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.name'], name=op.f('fk_bank_returns_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_returns'))
    )
    with op.batch_alter_table('bank_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_returns_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('cycle_lines',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('head_name', sa.String(length=100), nullable=False),
    sa.Column('head_id_number', sa.String(length=18), nullable=False),
    sa.Column('members', sa.SmallInteger(), nullable=False),
    sa.Column('payee_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=30), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('components', sa.Text(), nullable=False),
    sa.Column('track_status', sa.String(length=8), nullable=False),
    sa.Column('exit_month', sa.SmallInteger(), nullable=False),
    sa.Column('exit_base_fen', sa.BigInteger(), nullable=False),
    sa.Column('dibao_amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_lines_cycle_id_cycles')),
    sa.PrimaryKeyConstraint('cycle_id', 'household_id', name=op.f('pk_cycle_lines'))
    )
    op.create_table('cycle_tracks',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('track_status', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_tracks_cycle_id_cycles')),
    sa.PrimaryKeyConstraint('cycle_id', 'household_id', name=op.f('pk_cycle_tracks'))
    )
    op.create_table('cycle_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_transitions_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_cycle_transitions_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_cycle_transitions_user_name_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_transitions'))
    )
    with op.batch_alter_table('cycle_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_transitions_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('bank_return_resolutions',
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('entry_seq', sa.BigInteger(), nullable=True),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_bank_return_resolutions_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_bank_return_resolutions_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['return_id'], ['bank_returns.id'], name=op.f('fk_bank_return_resolutions_return_id_bank_returns')),
    sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_bank_return_resolutions_user_name_users')),
    sa.PrimaryKeyConstraint('return_id', name=op.f('pk_bank_return_resolutions'))
    )
    op.create_table('cycle_reissues',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_reissues_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['return_id'], ['bank_returns.id'], name=op.f('fk_cycle_reissues_return_id_bank_returns')),
    sa.PrimaryKeyConstraint('cycle_id', 'return_id', name=op.f('pk_cycle_reissues'))
    )
    for table in APPEND_ONLY:
        add_append_only_trigger(table)
    for table in DRAFT_ONLY:
        add_draft_only_trigger(table)
    add_cycle_guard()


APPEND_ONLY = ("cycle_transitions", "bank_returns", "bank_return_resolutions")
DRAFT_ONLY = ("cycle_lines", "cycle_tracks", "cycle_reissues")


def downgrade() -> None:
    drop_cycle_guard()
    for table in DRAFT_ONLY:
        drop_draft_only_trigger(table)
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)
    op.drop_table('cycle_reissues')
    op.drop_table('bank_return_resolutions')
    with op.batch_alter_table('cycle_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_transitions_cycle_id'))

    op.drop_table('cycle_transitions')
    op.drop_table('cycle_tracks')
    op.drop_table('cycle_lines')
    with op.batch_alter_table('bank_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_returns_cycle_id'))

    op.drop_table('bank_returns')
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_index('uq_cycles_live_month', sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"))

    op.drop_table('cycles')
