"""the sign-off chain (审核、审批): one append-only, sealed row per approver's decision on a cycle or a grant

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

- signoffs (append-only, under the evidence chain): subject (cycle | grant) and its id, the round (the cycle's
  draft transition the sign-off was given on; 0 for a grant), the step of how many, signed or sent back with a
  reason, the authenticated user, the display name it showed, the date and the time. Unique per subject, round
  and step: two approvers signing at once can never both give the last sign-off.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signoffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=8), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('step', sa.SmallInteger(), nullable=False),
        sa.Column('of_steps', sa.SmallInteger(), nullable=False),
        sa.Column('action', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.String(length=64), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("subject = 'cycle' OR subject = 'grant'", name=op.f('ck_signoffs_subject')),
        sa.CheckConstraint("action = 'signed' OR action = 'sent_back'", name=op.f('ck_signoffs_action')),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_signoffs_user_name_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signoffs')),
        sa.UniqueConstraint('subject', 'subject_id', 'round', 'step', name='uq_signoffs_step'),
    )
    add_append_only_trigger('signoffs')


def downgrade() -> None:
    drop_append_only_trigger('signoffs')
    op.drop_table('signoffs')
