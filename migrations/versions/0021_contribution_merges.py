"""Merges of contributions that can be undone, with their history (issue 14)

Revision ID: 0021_contribution_merges
Revises: 0020_walk_in_registrations
Create Date: 2026-12-03 13:00:00

A new table only: each merge of a duplicate, what it moved, and when it was undone. Merges
made before it have no row and cannot be separated from the page. Downgrading drops the table
(the merges themselves stay, as ``contribution.merged_into_id``).
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_contribution_merges'
down_revision = '0020_walk_in_registrations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contribution_merge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('duplicate_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('merged_at', sa.DateTime(), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('previous_status',
                  sa.Enum('pending', 'published', 'rejected', name='contributionstatus',
                          native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('previous_published_at', sa.DateTime(), nullable=True),
        sa.Column('previous_rejection_reason', sa.String(length=500), nullable=False),
        sa.Column('previous_hidden_by_reports', sa.Boolean(), nullable=False),
        sa.Column('moved_support_ids', sa.JSON(), nullable=False),
        sa.Column('shared_supports', sa.JSON(), nullable=False),
        sa.Column('moved_duplicate_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['duplicate_id'], ['contribution.id'],
                                name=op.f('fk_contribution_merge_duplicate_id_contribution'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['contribution.id'],
                                name=op.f('fk_contribution_merge_target_id_contribution'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['merged_by_id'], ['user_account.id'],
                                name=op.f('fk_contribution_merge_merged_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['undone_by_id'], ['user_account.id'],
                                name=op.f('fk_contribution_merge_undone_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_merge')),
    )
    with op.batch_alter_table('contribution_merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_merge_duplicate_id'),
                              ['duplicate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_merge_target_id'), ['target_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('contribution_merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_merge_target_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_merge_duplicate_id'))
    op.drop_table('contribution_merge')
