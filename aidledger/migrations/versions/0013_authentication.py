"""users who authenticate: passwords and tokens, the book's setting, each write's user and channel, web sessions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

- users: display_name (李明) and scope (a township, county, city or province code; none: every jurisdiction).
  New columns, null on the users already there, whose rows' hashes under the evidence chain do not change.
- book_settings (append-only, sealed): whether the book authenticates (`db upgrade --no-auth` makes one that does
  not); a book without the setting authenticates.
- credentials (append-only, sealed): argon2id password hashes, API token hashes and their revocations.
- writes (append-only, sealed): each committed write transaction's authenticated user and channel.
- verify_runs (append-only, sealed): each `ledger verify` run from the web application or API, with who ran it
  and what it found (the ledger page shows the last).
- web_sessions, sign_ins: operational state of the web application (a session's last use, failed sign-ins for the
  growing delay): neither history nor sealed.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SEALED = ('book_settings', 'credentials', 'writes', 'verify_runs')


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy), so the append-only triggers on users stay as they are.
    op.add_column('users', sa.Column('display_name', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('scope', sa.String(length=12), nullable=True))
    op.create_table(
        'book_settings',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.String(length=64), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_book_settings')),
    )
    op.create_table(
        'credentials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('token_id', sa.String(length=16), nullable=True),
        sa.Column('secret_hash', sa.String(length=200), nullable=True),
        sa.Column('made_by', sa.String(length=64), nullable=True),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_credentials_user_name_users')),
        sa.ForeignKeyConstraint(['made_by'], ['users.name'], name=op.f('fk_credentials_made_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    )
    op.create_index(op.f('ix_credentials_user_name'), 'credentials', ['user_name'], unique=False)
    op.create_index(op.f('ix_credentials_token_id'), 'credentials', ['token_id'], unique=False)
    op.create_table(
        'writes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_writes')),
    )
    op.create_table(
        'verify_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ran_by', sa.String(length=64), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('seals', sa.Integer(), nullable=False),
        sa.Column('head', sa.String(length=64), nullable=False),
        sa.Column('problems', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['ran_by'], ['users.name'], name=op.f('fk_verify_runs_ran_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verify_runs')),
    )
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_web_sessions_user_name_users')),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions')),
    )
    op.create_index(op.f('ix_web_sessions_user_name'), 'web_sessions', ['user_name'], unique=False)
    op.create_table(
        'sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins')),
    )
    op.create_index(op.f('ix_sign_ins_user_name'), 'sign_ins', ['user_name'], unique=False)
    for table in SEALED:
        add_append_only_trigger(table)


def downgrade() -> None:
    for table in SEALED:
        drop_append_only_trigger(table)
    op.drop_index(op.f('ix_sign_ins_user_name'), table_name='sign_ins')
    op.drop_table('sign_ins')
    op.drop_index(op.f('ix_web_sessions_user_name'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_table('verify_runs')
    op.drop_table('writes')
    op.drop_index(op.f('ix_credentials_token_id'), table_name='credentials')
    op.drop_index(op.f('ix_credentials_user_name'), table_name='credentials')
    op.drop_table('credentials')
    op.drop_table('book_settings')
    op.drop_column('users', 'scope')
    op.drop_column('users', 'display_name')
