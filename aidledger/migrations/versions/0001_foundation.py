"""foundation: users, jurisdictions, funds, chart, journal

Revision ID: 0001
Revises: 
Create Date: 2026-11-23

The ledger's first schema. Journal entries, their lines and period closes are
append-only: triggers refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on them.
"""
from alembic import op
import sqlalchemy as sa

from aidledger.migrations.append_only import add_append_only_trigger, drop_append_only_trigger


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('funds',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('is_subsidy', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_funds'))
    )
    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_head'))
    )
    op.create_table('users',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.name'], name=op.f('fk_users_created_by_users')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_users'))
    )
    op.create_table('jurisdictions',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.name'], name=op.f('fk_jurisdictions_created_by_users')),
    sa.ForeignKeyConstraint(['parent_code'], ['jurisdictions.code'], name=op.f('fk_jurisdictions_parent_code_jurisdictions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_jurisdictions'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('classification', sa.String(length=16), nullable=True),
    sa.Column('program_area', sa.String(length=32), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_accounts_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('jurisdiction_code', 'name', name=op.f('uq_accounts_jurisdiction_code'))
    )
    op.create_table('journal_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('fund_transfer', sa.Boolean(), nullable=False),
    sa.Column('reverses_seq', sa.BigInteger(), nullable=True),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_journal_entries_jurisdiction_code_jurisdictions')),
    sa.ForeignKeyConstraint(['reverses_seq'], ['journal_entries.seq'], name=op.f('fk_journal_entries_reverses_seq_journal_entries')),
    sa.ForeignKeyConstraint(['user_name'], ['users.name'], name=op.f('fk_journal_entries_user_name_users')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_journal_entries_hash')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_journal_entries_idempotency_key')),
    sa.UniqueConstraint('reverses_seq', name=op.f('uq_journal_entries_reverses_seq'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index('ix_journal_entries_jurisdiction_date', ['jurisdiction_code', 'date'], unique=False)

    op.create_table('period_closes',
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by'], ['users.name'], name=op.f('fk_period_closes_closed_by_users')),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_period_closes_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('jurisdiction_code', 'month', name=op.f('pk_period_closes'))
    )
    op.create_table('account_balances',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('fund_code', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('debit_fen', sa.BigInteger(), nullable=False),
    sa.Column('credit_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_balances_account_id_accounts')),
    sa.ForeignKeyConstraint(['fund_code'], ['funds.code'], name=op.f('fk_account_balances_fund_code_funds')),
    sa.PrimaryKeyConstraint('account_id', 'fund_code', 'day', name=op.f('pk_account_balances'))
    )
    op.create_table('journal_lines',
    sa.Column('entry_seq', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('fund_code', sa.String(length=32), nullable=False),
    sa.Column('debit_fen', sa.BigInteger(), nullable=False),
    sa.Column('credit_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('(debit_fen > 0 AND credit_fen = 0) OR (debit_fen = 0 AND credit_fen > 0)', name=op.f('ck_journal_lines_one_side')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_journal_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['entry_seq'], ['journal_entries.seq'], name=op.f('fk_journal_lines_entry_seq_journal_entries')),
    sa.ForeignKeyConstraint(['fund_code'], ['funds.code'], name=op.f('fk_journal_lines_fund_code_funds')),
    sa.PrimaryKeyConstraint('entry_seq', 'line_no', name=op.f('pk_journal_lines'))
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index('ix_journal_lines_account_fund', ['account_id', 'fund_code'], unique=False)

    funds = sa.table("funds", sa.column("code"), sa.column("name"), sa.column("is_subsidy"))
    op.bulk_insert(funds, [
        {"code": "central_subsidy", "name": "中央困难群众救助补助资金", "is_subsidy": True},
        {"code": "provincial_subsidy", "name": "省级困难群众救助补助资金", "is_subsidy": True},
        {"code": "city_subsidy", "name": "市级困难群众救助补助资金", "is_subsidy": True},
        {"code": "county_subsidy", "name": "县级困难群众救助补助资金", "is_subsidy": True},
        {"code": "working_funds", "name": "工作经费", "is_subsidy": False},
        {"code": "lottery_welfare", "name": "福彩公益金", "is_subsidy": False},
    ])
    head = sa.table("ledger_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    for table in APPEND_ONLY:
        add_append_only_trigger(table)



APPEND_ONLY = ("journal_entries", "journal_lines", "period_closes")


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only_trigger(table)
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_lines_account_fund')

    op.drop_table('journal_lines')
    op.drop_table('account_balances')
    op.drop_table('period_closes')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entries_jurisdiction_date')

    op.drop_table('journal_entries')
    op.drop_table('accounts')
    op.drop_table('jurisdictions')
    op.drop_table('users')
    op.drop_table('ledger_head')
    op.drop_table('funds')
