"""beyond the monthly base

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Arrears, recoveries, temporary grants in instalments, price-subsidy declarations: their
tables, and the parts of a cycle line charged to other accounts than the program's.
Declarations, grants, approvals, receivables and recoveries are append-only; a cycle's
instalments and adjustments change only while it is a draft, like its lines.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import (
    add_append_only_trigger,
    add_draft_only_trigger,
    drop_append_only_trigger,
    drop_draft_only_trigger,
)


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('price_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('cpi', sa.String(length=16), nullable=False),
    sa.Column('food', sa.String(length=16), nullable=False),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declared_by'], ['users.name'], name=op.f('fk_price_declarations_declared_by_users')),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_price_declarations_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_declarations')),
    sa.UniqueConstraint('jurisdiction_code', 'month', name=op.f('uq_price_declarations_jurisdiction_code'))
    )
    op.create_table('cycle_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_before_fen', sa.BigInteger(), nullable=False),
    sa.Column('entitled_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_adjustments_cycle_id_cycles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_adjustments'))
    )
    with op.batch_alter_table('cycle_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_adjustments_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('receivables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_receivables_county_code_jurisdictions')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_receivables_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_receivables_entry_seq_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables'))
    )
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivables_county_code'), ['county_code'], unique=False)

    op.create_table('receivable_parts',
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('fund', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_receivable_parts_receivable_id_receivables')),
    sa.PrimaryKeyConstraint('receivable_id', 'fund', name=op.f('pk_receivable_parts'))
    )
    op.create_table('recoveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('how', sa.String(length=10), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('entry_seq', sa.BigInteger(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_recoveries_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_recoveries_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_recoveries_receivable_id_receivables')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.name'], name=op.f('fk_recoveries_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recoveries'))
    )
    with op.batch_alter_table('recoveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recoveries_receivable_id'), ['receivable_id'], unique=False)

    op.create_table('temporary_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('instalments', sa.SmallInteger(), nullable=False),
    sa.Column('first_month', sa.String(length=7), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('committee_ref', sa.String(length=100), nullable=True),
    sa.Column('granted_by', sa.String(length=64), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_temporary_grants_county_code_jurisdictions')),
    sa.ForeignKeyConstraint(['granted_by'], ['users.name'], name=op.f('fk_temporary_grants_granted_by_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_temporary_grants_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_temporary_grants'))
    )
    with op.batch_alter_table('temporary_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_temporary_grants_county_code'), ['county_code'], unique=False)

    op.create_table('cycle_instalments',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_instalments_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['grant_id'], ['temporary_grants.id'], name=op.f('fk_cycle_instalments_grant_id_temporary_grants')),
    sa.PrimaryKeyConstraint('cycle_id', 'grant_id', 'number', name=op.f('pk_cycle_instalments'))
    )
    op.create_table('temporary_grant_approvals',
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by'], ['users.name'], name=op.f('fk_temporary_grant_approvals_approved_by_users')),
    sa.ForeignKeyConstraint(['grant_id'], ['temporary_grants.id'], name=op.f('fk_temporary_grant_approvals_grant_id_temporary_grants')),
    sa.PrimaryKeyConstraint('grant_id', name=op.f('pk_temporary_grant_approvals'))
    )
    op.create_table('cycle_set_offs',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_set_offs_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_cycle_set_offs_receivable_id_receivables')),
    sa.PrimaryKeyConstraint('cycle_id', 'receivable_id', name=op.f('pk_cycle_set_offs'))
    )
    # Plain ALTER TABLE … ADD COLUMN (no batch copy on SQLite, which would drop the table's triggers).
    for name in LINE_PARTS:
        op.add_column('cycle_lines', sa.Column(name, sa.BigInteger(), server_default='0', nullable=False))
    for table in APPEND_ONLY:
        add_append_only_trigger(table)
    for table in DRAFT_ONLY:
        add_draft_only_trigger(table)


LINE_PARTS = ('price_subsidy_fen', 'heating_fen', 'temporary_fen', 'arrears_fen', 'set_off_fen')
APPEND_ONLY = ('price_declarations', 'temporary_grants', 'temporary_grant_approvals', 'receivables',
               'receivable_parts', 'recoveries')
DRAFT_ONLY = ('cycle_instalments', 'cycle_adjustments', 'cycle_set_offs')


def downgrade() -> None:
    for table in DRAFT_ONLY:
        drop_draft_only_trigger(table)
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)
    for name in reversed(LINE_PARTS):
        op.drop_column('cycle_lines', name)

    op.drop_table('cycle_set_offs')
    op.drop_table('temporary_grant_approvals')
    op.drop_table('cycle_instalments')
    with op.batch_alter_table('temporary_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_temporary_grants_county_code'))

    op.drop_table('temporary_grants')
    with op.batch_alter_table('recoveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recoveries_receivable_id'))

    op.drop_table('recoveries')
    op.drop_table('receivable_parts')
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivables_county_code'))

    op.drop_table('receivables')
    with op.batch_alter_table('cycle_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_adjustments_cycle_id'))

    op.drop_table('cycle_adjustments')
    op.drop_table('price_declarations')
