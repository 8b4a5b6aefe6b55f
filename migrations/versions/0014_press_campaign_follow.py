"""Press: follow every step of a démarche (« Toutes les étapes de cette démarche »)

Revision ID: 0014_press_campaign_follow
Revises: 0013_step_cancel_and_access
Create Date: 2026-12-02 18:00:00

A journalist who picks « Toutes les étapes » follows the démarche itself: its steps published
or dated later become followed too (app.press.services). A new table only: downgrading drops
it, and the steps already followed stay followed one by one.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_press_campaign_follow'
down_revision = '0013_step_cancel_and_access'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('press_campaign_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('accreditation_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['accreditation_id'], ['press_accreditation.id'], name=op.f('fk_press_campaign_follow_accreditation_id_press_accreditation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_press_campaign_follow_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_press_campaign_follow')),
    sa.UniqueConstraint('accreditation_id', 'campaign_id', name='uq_press_campaign_follow_accreditation_campaign')
    )
    with op.batch_alter_table('press_campaign_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_press_campaign_follow_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('press_campaign_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_press_campaign_follow_campaign_id'))

    op.drop_table('press_campaign_follow')
