"""a cycle's lines in the register's order: an index on (cycle_id, township, household_id)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

The web application's cycle page shows 50 lines at a time, in the order of the payment register (township, then
household), filtered by township. Without this index each page sorted the cycle's 70,000 lines of a county of
100,000 households; with it a page is read from the index, and the lines before it are skipped in the index alone
(docs/benchmarks.md, the web application). An index holds no history: nothing to seal.
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cycle_lines_register', 'cycle_lines', ['cycle_id', 'township', 'household_id'])


def downgrade() -> None:
    op.drop_index('ix_cycle_lines_register', table_name='cycle_lines')
