"""township reserves: cases, documentation, replenishments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Township reserve cases, their documentation and replenishments (all append-only).
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reserve_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_reserve_cases_county_code_jurisdictions')),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_reserve_cases_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.name'], name=op.f('fk_reserve_cases_recorded_by_users')),
    sa.ForeignKeyConstraint(['township'], ['townships.code'], name=op.f('fk_reserve_cases_township_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reserve_cases'))
    )
    with op.batch_alter_table('reserve_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reserve_cases_township'), ['township'], unique=False)

    op.create_table('reserve_replenishments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('replenished_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_reserve_replenishments_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.name'], name=op.f('fk_reserve_replenishments_recorded_by_users')),
    sa.ForeignKeyConstraint(['township'], ['townships.code'], name=op.f('fk_reserve_replenishments_township_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reserve_replenishments'))
    )
    op.create_table('reserve_documentations',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('documented_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['reserve_cases.id'], name=op.f('fk_reserve_documentations_case_id_reserve_cases')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.name'], name=op.f('fk_reserve_documentations_recorded_by_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_reserve_documentations'))
    )
    op.create_table('reserve_replenished_cases',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('replenishment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['reserve_cases.id'], name=op.f('fk_reserve_replenished_cases_case_id_reserve_cases')),
    sa.ForeignKeyConstraint(['replenishment_id'], ['reserve_replenishments.id'], name=op.f('fk_reserve_replenished_cases_replenishment_id_reserve_replenishments')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_reserve_replenished_cases'))
    )
    for table in APPEND_ONLY:
        add_append_only_trigger(table)


APPEND_ONLY = ("reserve_cases", "reserve_documentations", "reserve_replenishments", "reserve_replenished_cases")


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)
    op.drop_table('reserve_replenished_cases')
    op.drop_table('reserve_documentations')
    op.drop_table('reserve_replenishments')
    with op.batch_alter_table('reserve_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reserve_cases_township'))

    op.drop_table('reserve_cases')
