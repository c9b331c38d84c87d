"""background jobs: a long run started from a page runs in the server and the page polls its progress

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

- jobs: one row per background job (a county's month run; imports and reports later): its kind, county and month,
  who started it and through which channel, its state (queued, running, done, failed), the households done of how
  many, its result (the cycle) or the refusal's lines, and when it was created, started and finished.
  Operational state of the web application, like web_sessions (0013): a row is updated in place as the job moves,
  so it is neither append-only nor under the evidence chain. What the job did is its own transaction's records,
  sealed as the command line's.
- uq_jobs_live: at most one queued or running job of a kind, county and month (a partial unique index), so two
  posts at the same moment cannot both start a county's month.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

LIVE = "state = 'queued' OR state = 'running'"


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('parameters', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('errors', sa.Text(), nullable=True),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind = 'run' OR kind = 'import' OR kind = 'report'", name=op.f('ck_jobs_kind')),
        sa.CheckConstraint("state = 'queued' OR state = 'running' OR state = 'done' OR state = 'failed'",
                           name=op.f('ck_jobs_state')),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_jobs_user_name_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index(op.f('ix_jobs_jurisdiction_code'), 'jobs', ['jurisdiction_code'], unique=False)
    op.create_index('uq_jobs_live', 'jobs', ['kind', 'jurisdiction_code', 'month'], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index('uq_jobs_live', table_name='jobs', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    op.drop_index(op.f('ix_jobs_jurisdiction_code'), table_name='jobs')
    op.drop_table('jobs')
