"""Questions' key words, for question suggestion (issue 16)

Revision ID: 0025_question_keywords
Revises: 0024_counts_by_question_index
Create Date: 2026-12-04 02:10:00

``challenge.keywords``: words people use for a question, which help suggest it for untagged
contributions (paper transcripts, imports). Empty for existing questions until `flask seed`
fills those of the seeded campaigns; downgrading drops the column.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_question_keywords'
down_revision = '0024_counts_by_question_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge') as batch:
        batch.add_column(sa.Column('keywords', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('challenge') as batch:
        batch.drop_column('keywords')
