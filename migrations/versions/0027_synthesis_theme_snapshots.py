"""What the writing help said of each question when a synthesis was last validated (issue 16)

Revision ID: 0027_synthesis_theme_snapshots
Revises: 0026_document_progress
Create Date: 2026-12-04 10:10:00

One row per synthesis and question, replaced at each validation (kept when the synthesis is
reopened): when it was validated, the published contributions then, and the themes of the
writing help then (label, size, contribution ids; NULL until a worker has computed them). The
help page marks the themes that grew since. Syntheses validated before have no row: nothing is
marked until their next validation. Downgrading drops the table.
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_synthesis_theme_snapshots'
down_revision = '0026_document_progress'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'synthesis_theme_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('synthesis_id', sa.Integer(), nullable=False),
        sa.Column('challenge_id', sa.Integer(), nullable=False),
        sa.Column('validated_at', sa.DateTime(), nullable=False),
        sa.Column('variant', sa.String(length=120), nullable=False),
        sa.Column('contributions', sa.JSON(), nullable=False),
        sa.Column('themes', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['synthesis_id'], ['synthesis.id'],
                                name=op.f('fk_synthesis_theme_snapshot_synthesis_id_synthesis'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'],
                                name=op.f('fk_synthesis_theme_snapshot_challenge_id_challenge'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_synthesis_theme_snapshot')),
        sa.UniqueConstraint('synthesis_id', 'challenge_id',
                            name=op.f('uq_synthesis_theme_snapshot_question')),
    )


def downgrade():
    op.drop_table('synthesis_theme_snapshot')
