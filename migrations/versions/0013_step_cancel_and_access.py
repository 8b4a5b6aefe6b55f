"""Step: the public cancellation notice (reason, moment) and « Comment venir »

Revision ID: 0013_step_cancel_and_access
Revises: 0012_audit_append_only
Create Date: 2026-11-26 10:00:00

The step page tells why and when a step was cancelled, and how to get there. Steps cancelled
before this revision get their ``cancelled_at`` from the audit log's ``step.cancel`` entry; their
reason stays empty: it was typed for the audit log, not announced as public.

``recreate='never'``: SQLite adds and drops these plain columns in place (ALTER TABLE … ADD /
DROP COLUMN, SQLite ≥ 3.35). A batch copy of ``step`` would end in DROP TABLE step, which under
``PRAGMA foreign_keys=ON`` deletes the step's programme and registrations (ON DELETE CASCADE).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_step_cancel_and_access'
down_revision = '0012_audit_append_only'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('access_info', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
    op.execute("""
UPDATE step SET cancelled_at = (
    SELECT MAX(audit_entry.at) FROM audit_entry
    WHERE audit_entry.action = 'step.cancel' AND audit_entry.object_type = 'step'
      AND audit_entry.object_id = step.id)
WHERE status = 'cancelled'""")


def downgrade():
    with op.batch_alter_table('step', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('access_info')
