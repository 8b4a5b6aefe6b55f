"""The moderation queue reads a partial index (issue 15)

Revision ID: 0022_moderation_queue_index
Revises: 0021_contribution_merges
Create Date: 2026-12-03 17:30:00

The contributions awaiting moderation or hidden by reports, by id and territory: the queue's
pages and counts then cost what the queue holds, not the 100,000 contributions of a campaign.
An index only; downgrading drops it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_moderation_queue_index'
down_revision = '0021_contribution_merges'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_contribution_to_review', 'contribution', ['id', 'territory_id'],
        postgresql_where=sa.text("status = 'pending' OR hidden_by_reports"),
        sqlite_where=sa.text("status = 'pending' OR hidden_by_reports = 1"))


def downgrade():
    op.drop_index('ix_contribution_to_review', table_name='contribution')
