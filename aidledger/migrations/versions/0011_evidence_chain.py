"""evidence that holds: the keyed evidence chain over every record, and a cycle's status that follows its records

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

- evidence (append-only): one seal per kind of record a write transaction added (evidence/kinds.py), each an
  HMAC-SHA-256 link under a key kept outside the database; evidence_head names the last seal and is the lock
  writers take. A book upgraded from before this revision is sealed whole by its first write after it.
- users: append-only (a user is added, never rewritten behind the audit trail).
- cycles: run_by, run_at and run_on frozen past draft; the status may change only to its last transition's.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import (
    add_append_only_trigger,
    add_cycle_guard,
    add_cycle_guard_2,
    drop_append_only_trigger,
    drop_cycle_guard,
    drop_cycle_guard_2,
)


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evidence',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('keys', sa.Text(), nullable=False),
        sa.Column('hashes', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', sa.String(length=32), nullable=False),
        sa.Column('prev_mac', sa.String(length=64), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_evidence')),
        sa.UniqueConstraint('mac', name=op.f('uq_evidence_mac')),
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_kind_subject', ['kind', 'subject'], unique=False)
    head = op.create_table(
        'evidence_head',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_head')),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "mac": "0" * 64}])
    add_append_only_trigger('evidence')
    add_append_only_trigger('users')
    drop_cycle_guard()
    add_cycle_guard_2()


def downgrade() -> None:
    drop_cycle_guard_2()
    add_cycle_guard()
    drop_append_only_trigger('users')
    drop_append_only_trigger('evidence')
    op.drop_table('evidence_head')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_kind_subject')
    op.drop_table('evidence')
