"""users changed only through audited records: a new role, disabled, enabled again

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

- user_changes (append-only, under the evidence chain): each change to a user after it was added, with who made
  it and when; a user's role and state are the fold of its changes (users.py).
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=64), nullable=True),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_user_changes_user_name_users')),
        sa.ForeignKeyConstraint(['changed_by'], ['users.name'], name=op.f('fk_user_changes_changed_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_changes')),
    )
    with op.batch_alter_table('user_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_changes_user_name'), ['user_name'], unique=False)
    add_append_only_trigger('user_changes')


def downgrade() -> None:
    drop_append_only_trigger('user_changes')
    with op.batch_alter_table('user_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_changes_user_name'))
    op.drop_table('user_changes')
