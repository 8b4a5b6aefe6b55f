"""Where a prepared document's build stands (issue 16)

Revision ID: 0026_document_progress
Revises: 0025_question_keywords
Create Date: 2026-12-04 10:00:00

``prepared_document.progress_done``, ``progress_total`` and ``progress_label``: the steps a
builder has finished, out of how many, and the one it is at (« regroupement des
contributions »), saved by the builder as it goes so that the page following the document can
show a progress bar. Zero for existing documents (no progress told); downgrading drops them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_document_progress'
down_revision = '0025_question_keywords'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('prepared_document') as batch:
        batch.add_column(sa.Column('progress_done', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('progress_total', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('progress_label', sa.String(length=120), nullable=False,
                                   server_default=''))


def downgrade():
    with op.batch_alter_table('prepared_document') as batch:
        batch.drop_column('progress_label')
        batch.drop_column('progress_total')
        batch.drop_column('progress_done')
