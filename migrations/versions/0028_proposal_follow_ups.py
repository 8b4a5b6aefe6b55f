"""Follow-ups of retained proposals (issue 18, item 5)

Revision ID: 0028_proposal_follow_ups
Revises: 0027_synthesis_theme_snapshots
Create Date: 2026-12-05 09:00:00

A retained proposal may get one follow-up (status, progress 0-100, the measure it became) and
dated updates. Downgrading drops both tables.
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_proposal_follow_ups'
down_revision = '0027_synthesis_theme_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('studying', 'committed', 'done', 'abandoned', name='followupstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('measure', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('progress >= 0 AND progress <= 100',
                           name=op.f('ck_follow_up_progress_range')),
        sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'],
                                name=op.f('fk_follow_up_contribution_id_contribution'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up')),
        sa.UniqueConstraint('contribution_id', name=op.f('uq_follow_up_contribution_id')),
    )
    op.create_table(
        'follow_up_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('follow_up_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['follow_up_id'], ['follow_up.id'],
                                name=op.f('fk_follow_up_update_follow_up_id_follow_up'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_follow_up_update_author_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_update')),
    )
    op.create_index(op.f('ix_follow_up_update_follow_up_id'), 'follow_up_update',
                    ['follow_up_id'])


def downgrade():
    op.drop_index(op.f('ix_follow_up_update_follow_up_id'), table_name='follow_up_update')
    op.drop_table('follow_up_update')
    op.drop_table('follow_up')
