"""registry: imports, households, members, events, reviews

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

The beneficiary registry: imports, households, members, dated events and reviews, all
append-only (changes are new events, never edits).
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sources', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loaded_by'], ['users.name'], name=op.f('fk_registry_imports_loaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_imports'))
    )
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_imports_digest'), ['digest'], unique=False)

    op.create_table('households',
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('monthly_income_fen', sa.BigInteger(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('tier', sa.String(length=32), nullable=True),
    sa.Column('income_type', sa.String(length=16), nullable=True),
    sa.Column('tekun_setting', sa.String(length=16), nullable=True),
    sa.Column('payee_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=30), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_households_county_code_jurisdictions')),
    sa.ForeignKeyConstraint(['import_id'], ['registry_imports.id'], name=op.f('fk_households_import_id_registry_imports')),
    sa.ForeignKeyConstraint(['township'], ['townships.code'], name=op.f('fk_households_township_townships')),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_county_township', ['county_code', 'township'], unique=False)

    op.create_table('members',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('disability_grade', sa.SmallInteger(), nullable=True),
    sa.Column('disability_kind', sa.String(length=16), nullable=True),
    sa.Column('flags', sa.String(length=100), nullable=False),
    sa.Column('care_level', sa.String(length=8), nullable=True),
    sa.Column('single_person', sa.Boolean(), nullable=False),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_members_household_id_households')),
    sa.ForeignKeyConstraint(['import_id'], ['registry_imports.id'], name=op.f('fk_members_import_id_registry_imports')),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_household_id'), ['household_id'], unique=False)

    op.create_table('registry_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_registry_events_household_id_households')),
    sa.ForeignKeyConstraint(['import_id'], ['registry_imports.id'], name=op.f('fk_registry_events_import_id_registry_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_events'))
    )
    with op.batch_alter_table('registry_events', schema=None) as batch_op:
        batch_op.create_index('ix_registry_events_household_date', ['household_id', 'date'], unique=False)

    op.create_table('registry_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_registry_reviews_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.name'], name=op.f('fk_registry_reviews_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_reviews'))
    )
    with op.batch_alter_table('registry_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_reviews_household_id'), ['household_id'], unique=False)
    for table in APPEND_ONLY:
        add_append_only_trigger(table)


APPEND_ONLY = ("registry_imports", "households", "members", "registry_events", "registry_reviews")


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)
    with op.batch_alter_table('registry_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_reviews_household_id'))

    op.drop_table('registry_reviews')
    with op.batch_alter_table('registry_events', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_events_household_date')

    op.drop_table('registry_events')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_household_id'))

    op.drop_table('members')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_county_township')

    op.drop_table('households')
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_imports_digest'))

    op.drop_table('registry_imports')
