"""a background job's file: the PDF a report job drew, kept for the user who asked for it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

- jobs.output: the bytes of the file a finished report job made (a payment register or an audit pack as PDF),
  answered to the job's own user only (it was drawn with that reader's masking). Empty for runs and imports (what
  they did is in the books; an import's problems are in jobs.result).
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('jobs', sa.Column('output', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('output')
