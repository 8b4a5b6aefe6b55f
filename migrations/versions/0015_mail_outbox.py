"""Mail outbox delivered by workers: claims with a lease, retries with a growing wait, mails
composed by the worker

Revision ID: 0015_mail_outbox
Revises: 0014_press_campaign_follow
Create Date: 2026-12-03 07:00:00

``sending`` joins the statuses (a worker holds the mail until ``lease_until``);
``next_attempt_at`` is the wait after a failure; ``message`` may be empty until the worker
composes it from ``params``. Downgrading composes nothing: mails still without a message are
marked failed, and ``sending`` ones go back to ``pending``.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_mail_outbox'
down_revision = '0014_press_campaign_follow'
branch_labels = None
depends_on = None

OLD = ('pending', 'sent', 'failed')
NEW = ('pending', 'sending', 'sent', 'failed')


def _status(values):
    return sa.Enum(*values, name='mailstatus', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.alter_column('message', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column('status', existing_type=_status(OLD), type_=_status(NEW),
                              existing_nullable=False)
        batch_op.create_index('ix_outbound_mail_due', ['status', 'next_attempt_at'],
                              unique=False)


def downgrade():
    mails = sa.table('outbound_mail', sa.column('status', sa.String),
                     sa.column('message', sa.LargeBinary))
    op.execute(mails.update().where(mails.c.message.is_(None))
               .values(status='failed', message=b''))
    op.execute(mails.update().where(mails.c.status == 'sending').values(status='pending'))
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_mail_due')
        batch_op.alter_column('status', existing_type=_status(NEW), type_=_status(OLD),
                              existing_nullable=False)
        batch_op.alter_column('message', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('lease_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('params')
