"""files never half-written: every bank file written for a cycle is recorded with its SHA-256

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

`cycle_exports` (append-only): the export that posted the transfer, then any reprint, each with the hash of the
bytes written, so a reprint after a crash is shown to be the same file.

On PostgreSQL, TRUNCATE (which row triggers do not see) is refused on `cycles` and on every table of a cycle's
sub-ledger, as it already is on the append-only tables.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# The tables whose rows belong to a cycle (draft-only triggers), and `cycles` itself.
NO_TRUNCATE = ('cycles', 'cycle_lines', 'cycle_tracks', 'cycle_reissues', 'cycle_instalments', 'cycle_adjustments',
               'cycle_set_offs', 'cycle_held')


def upgrade() -> None:
    op.create_table(
        'cycle_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind = 'export' OR kind = 'reprint'", name=op.f('ck_cycle_exports_kind')),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_exports_cycle_id_cycles')),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_cycle_exports_user_name_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_exports')),
    )
    with op.batch_alter_table('cycle_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_exports_cycle_id'), ['cycle_id'], unique=False)
    add_append_only_trigger('cycle_exports')  # creates aidledger_append_only() on PostgreSQL, if need be
    if op.get_bind().dialect.name == "postgresql":
        for table in NO_TRUNCATE:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION aidledger_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NO_TRUNCATE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    drop_append_only_trigger('cycle_exports')
    with op.batch_alter_table('cycle_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_exports_cycle_id'))
    op.drop_table('cycle_exports')
