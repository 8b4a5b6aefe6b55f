"""Counts by question read a partial index (issue 15)

Revision ID: 0024_counts_by_question_index
Revises: 0023_content_revisions
Create Date: 2026-12-04 01:20:00

The published contributions that are not hidden, by campaign and question: the home and
campaign pages count each question's contributions in the index, without reading the
100,000 rows of a campaign. An index only; downgrading drops it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_counts_by_question_index'
down_revision = '0023_content_revisions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_contribution_published_by_challenge', 'contribution',
        ['campaign_id', 'challenge_id'],
        postgresql_where=sa.text("status = 'published' AND NOT hidden_by_reports"),
        sqlite_where=sa.text("status = 'published' AND hidden_by_reports = 0"))


def downgrade():
    op.drop_index('ix_contribution_published_by_challenge', table_name='contribution')
