"""a county's first month

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

启用月: the opening loads (first month, opening fund balances, township reserves carried over,
渐退 standings handed over), all append-only, and receivables that an opening load took over
from the old books instead of a cycle's approval (`cycle_id` may now be empty, `opening_id`
names the load).

On SQLite, making `receivables.cycle_id` nullable copies the table (batch mode), which drops
its triggers: they are dropped first and stated again after. `aidledger db upgrade` runs
migrations with foreign keys off on SQLite, as the table copy needs (db.py).
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('openings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('files', sa.Text(), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_openings_county_code_jurisdictions')),
    sa.ForeignKeyConstraint(['loaded_by'], ['users.name'], name=op.f('fk_openings_loaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_openings'))
    )
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openings_county_code'), ['county_code'], unique=False)

    op.create_table('opening_funds',
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('fund', sa.String(length=32), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_opening_funds_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_opening_funds_opening_id_openings')),
    sa.PrimaryKeyConstraint('opening_id', 'fund', name=op.f('pk_opening_funds'))
    )
    op.create_table('opening_reserves',
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('fund', sa.String(length=32), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_opening_reserves_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_opening_reserves_opening_id_openings')),
    sa.PrimaryKeyConstraint('opening_id', 'township', name=op.f('pk_opening_reserves'))
    )
    op.create_table('opening_reversals',
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reversed_by', sa.String(length=64), nullable=False),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_opening_reversals_opening_id_openings')),
    sa.ForeignKeyConstraint(['reversed_by'], ['users.name'], name=op.f('fk_opening_reversals_reversed_by_users')),
    sa.PrimaryKeyConstraint('opening_id', name=op.f('pk_opening_reversals'))
    )
    op.create_table('opening_states',
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('exit_started', sa.String(length=7), nullable=True),
    sa.Column('exit_base_fen', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_opening_states_opening_id_openings')),
    sa.PrimaryKeyConstraint('opening_id', 'household_id', name=op.f('pk_opening_states'))
    )
    drop_append_only_trigger('receivables')
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_id', sa.Integer(), nullable=True))
        batch_op.alter_column('cycle_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_receivables_opening_id_openings'), 'openings', ['opening_id'], ['id'])
    for table in APPEND_ONLY:
        add_append_only_trigger(table)


APPEND_ONLY = ('openings', 'opening_funds', 'opening_reserves', 'opening_states', 'opening_reversals', 'receivables')


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_receivables_opening_id_openings'), type_='foreignkey')
        batch_op.alter_column('cycle_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('opening_id')
    add_append_only_trigger('receivables')

    op.drop_table('opening_states')
    op.drop_table('opening_reversals')
    op.drop_table('opening_reserves')
    op.drop_table('opening_funds')
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_openings_county_code'))

    op.drop_table('openings')
