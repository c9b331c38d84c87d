"""policy store: policy files and townships

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Every loaded version of every policy file (append-only) and the counties' townships.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_policy_files_jurisdiction_code_jurisdictions')),
    sa.ForeignKeyConstraint(['loaded_by'], ['users.name'], name=op.f('fk_policy_files_loaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_files')),
    sa.UniqueConstraint('jurisdiction_code', 'version', name=op.f('uq_policy_files_jurisdiction_code'))
    )
    op.create_table('townships',
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_townships_county_code_jurisdictions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_townships'))
    )
    add_append_only_trigger("policy_files")


def downgrade() -> None:
    drop_append_only_trigger("policy_files")
    op.drop_table('townships')
    op.drop_table('policy_files')
