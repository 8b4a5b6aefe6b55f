"""Staff accounts: the ProConnect identity linked to each one (issue 18, item 1)

Revision ID: 0029_proconnect_identity
Revises: 0028_proposal_follow_ups
Create Date: 2026-12-05 10:00:00

A nullable `sub` per account, unique: set at the account's first ProConnect sign-in (the
invitation's email address links them). A unique index rather than a constraint, so that
SQLite adds it without copying the table (a copy would cascade to the accounts' territories).
Downgrading drops the links: those accounts sign in with ProConnect again and are linked anew.
"""
import sqlalchemy as sa
from alembic import op

revision = '0029_proconnect_identity'
down_revision = '0028_proposal_follow_ups'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('proconnect_sub', sa.String(length=255),
                                            nullable=True))
    op.create_index('ix_user_account_proconnect_sub', 'user_account', ['proconnect_sub'],
                    unique=True)


def downgrade():
    op.drop_index('ix_user_account_proconnect_sub', table_name='user_account')
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('proconnect_sub')
