"""Documents prepared by a worker (synthesis PDF and DOCX, transmission ZIP, sign-in sheet,
writing help)

Revision ID: 0017_prepared_documents
Revises: 0016_stored_files
Create Date: 2026-12-03 08:00:00

A new table only; its files are in ``stored_file`` (kind ``document``). Downgrading drops the
table; the stored documents of the last day stay until their files are purged by hand
(``DELETE FROM stored_file WHERE kind = 'document'``), transmission ZIPs are not touched.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_prepared_documents'
down_revision = '0016_stored_files'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'prepared_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('variant', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('download_name', sa.String(length=200), nullable=False),
        sa.Column('back_url', sa.String(length=300), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum('preparing', 'ready', 'failed', name='preparationstatus',
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('stored_key', sa.String(length=80), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ready_at', sa.DateTime(), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                                name=op.f('fk_prepared_document_requested_by_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prepared_document')),
        sa.UniqueConstraint('token', name=op.f('uq_prepared_document_token')),
    )
    with op.batch_alter_table('prepared_document', schema=None) as batch_op:
        batch_op.create_index('ix_prepared_document_subject', ['kind', 'subject_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('prepared_document', schema=None) as batch_op:
        batch_op.drop_index('ix_prepared_document_subject')
    op.drop_table('prepared_document')
