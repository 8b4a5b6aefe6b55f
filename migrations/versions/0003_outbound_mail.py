"""Outbound mail queue: every mail is stored, then delivered, and retried on failure.

Revision ID: 0003_outbound_mail
Revises: 0002_calendar_revision
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_outbound_mail'
down_revision = '0002_calendar_revision'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.String(length=60), nullable=False),
    sa.Column('related_type', sa.String(length=60), nullable=True),
    sa.Column('related_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='mailstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_mail'))
    )
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_mail_related', ['related_type', 'related_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_mail_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_mail_status'))
        batch_op.drop_index('ix_outbound_mail_related')

    op.drop_table('outbound_mail')
