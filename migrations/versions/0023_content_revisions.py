"""Content revisions by scope, in place of the one calendar revision (issue 15)

Revision ID: 0023_content_revisions
Revises: 0022_moderation_queue_index
Create Date: 2026-12-03 17:30:00

One row per scope of what cached pages and calendar files show (``calendar``, ``step:12``,
``campaign:3``...; app.revisions), created the first time the scope changes: an empty table
only means nothing changed since, and every process builds its files afresh after the
upgrade. Downgrading restores the single counter, at zero (caches rebuild at the next change).
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_content_revisions'
down_revision = '0022_moderation_queue_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'content_revision',
        sa.Column('scope', sa.String(length=80), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_content_revision')),
    )
    with op.batch_alter_table('content_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_revision_changed_at'), ['changed_at'],
                              unique=False)
    op.drop_table('calendar_revision')


def downgrade():
    op.create_table(
        'calendar_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_revision')),
    )
    op.execute("INSERT INTO calendar_revision (id, revision, changed_at) "
               "VALUES (1, 0, CURRENT_TIMESTAMP)")
    with op.batch_alter_table('content_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_revision_changed_at'))
    op.drop_table('content_revision')
