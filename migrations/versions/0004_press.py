"""Press: accreditations, followed steps, press-kit files.

Revision ID: 0004_press
Revises: 0003_outbound_mail
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_press'
down_revision = '0003_outbound_mail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('press_accreditation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('outlet', sa.String(length=160), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('consented_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_press_accreditation_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_press_accreditation')),
    sa.UniqueConstraint('email', name=op.f('uq_press_accreditation_email')),
    sa.UniqueConstraint('token', name=op.f('uq_press_accreditation_token'))
    )
    op.create_table('press_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('accreditation_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['accreditation_id'], ['press_accreditation.id'], name=op.f('fk_press_follow_accreditation_id_press_accreditation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], name=op.f('fk_press_follow_step_id_step'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_press_follow')),
    sa.UniqueConstraint('accreditation_id', 'step_id', name='uq_press_follow_accreditation_step')
    )
    with op.batch_alter_table('press_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_press_follow_step_id'), ['step_id'], unique=False)

    op.create_table('press_kit_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_press_kit_file_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], name=op.f('fk_press_kit_file_step_id_step'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_press_kit_file_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_press_kit_file')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_press_kit_file_stored_name'))
    )
    with op.batch_alter_table('press_kit_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_press_kit_file_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_press_kit_file_step_id'), ['step_id'], unique=False)


def downgrade():
    with op.batch_alter_table('press_kit_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_press_kit_file_step_id'))
        batch_op.drop_index(batch_op.f('ix_press_kit_file_campaign_id'))

    op.drop_table('press_kit_file')
    with op.batch_alter_table('press_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_press_follow_step_id'))

    op.drop_table('press_follow')
    op.drop_table('press_accreditation')
