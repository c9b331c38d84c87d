"""cross-checks before payment (数据比对): other departments' lists, findings raised by cycle runs, resolutions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

- match_lists (append-only, sealed): one list of another department as loaded: kind (death | payroll | vehicle |
  business | other), source, the list's date, the file's name, the SHA-256 of its rows, how many, who, when;
- match_rows (append-only, sealed with their list): id number, name, optional date and detail, by file line;
  indexed by id number (a run joins a county's members to a million rows);
- match_findings (append-only, sealed): a counted member of a household a cycle pays, found on a list in force by
  a run of the cycle; unique per cycle, household, person and list row;
- match_sightings (append-only, sealed): each run of the cycle that found the finding;
- match_resolutions (append-only, sealed): an approver's decision, once per finding: confirmed or dismissed.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

KINDS = "kind = 'death' OR kind = 'payroll' OR kind = 'vehicle' OR kind = 'business' OR kind = 'other'"
TABLES = ('match_lists', 'match_rows', 'match_findings', 'match_sightings', 'match_resolutions')


def upgrade() -> None:
    op.create_table(
        'match_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('listed_on', sa.Date(), nullable=False),
        sa.Column('file_name', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('loaded_by', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f('ck_match_lists_kind')),
        sa.ForeignKeyConstraint(['loaded_by'], ['users.name'], name=op.f('fk_match_lists_loaded_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_lists')),
    )
    op.create_index('ix_match_lists_kind_source', 'match_lists', ['kind', 'source'])
    op.create_table(
        'match_rows',
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('on', sa.Date(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['list_id'], ['match_lists.id'], name=op.f('fk_match_rows_list_id_match_lists')),
        sa.PrimaryKeyConstraint('list_id', 'line', name=op.f('pk_match_rows')),
    )
    op.create_index('ix_match_rows_id_number', 'match_rows', ['id_number'])
    op.create_table(
        'match_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.String(length=64), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('row_on', sa.Date(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('raised_in', sa.Integer(), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f('ck_match_findings_kind')),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_match_findings_cycle_id_cycles')),
        sa.ForeignKeyConstraint(['list_id'], ['match_lists.id'], name=op.f('fk_match_findings_list_id_match_lists')),
        sa.ForeignKeyConstraint(['raised_in'], ['cycle_transitions.id'],
                                name=op.f('fk_match_findings_raised_in_cycle_transitions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_findings')),
        sa.UniqueConstraint('cycle_id', 'household_id', 'id_number', 'list_id', 'line', name='uq_match_findings_row'),
    )
    op.create_index(op.f('ix_match_findings_cycle_id'), 'match_findings', ['cycle_id'])
    op.create_table(
        'match_sightings',
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['finding_id'], ['match_findings.id'],
                                name=op.f('fk_match_sightings_finding_id_match_findings')),
        sa.ForeignKeyConstraint(['run_id'], ['cycle_transitions.id'],
                                name=op.f('fk_match_sightings_run_id_cycle_transitions')),
        sa.PrimaryKeyConstraint('finding_id', 'run_id', name=op.f('pk_match_sightings')),
    )
    op.create_table(
        'match_resolutions',
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.String(length=64), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action = 'confirmed' OR action = 'dismissed'", name=op.f('ck_match_resolutions_action')),
        sa.ForeignKeyConstraint(['finding_id'], ['match_findings.id'],
                                name=op.f('fk_match_resolutions_finding_id_match_findings')),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_match_resolutions_user_name_users')),
        sa.PrimaryKeyConstraint('finding_id', name=op.f('pk_match_resolutions')),
    )
    for table in TABLES:
        add_append_only_trigger(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_append_only_trigger(table)
        op.drop_table(table)
