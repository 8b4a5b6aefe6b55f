"""Waiting list order and separate on-site and online places for hybrid steps (issue 14)

Revision ID: 0019_registration_places
Revises: 0018_synthesis_editing
Create Date: 2026-12-03 13:00:00

``step.online_capacity``: a hybrid step's places to follow online (``capacity`` is then the
room's); NULL is unlimited. ``registration.attendance``: « sur place » or « en ligne », for
hybrid steps only; NULL elsewhere, and those registered before a step became hybrid count as
on site. The waiting list keeps its order (registration time, then id): the existing index
``ix_registration_step_status`` (step, status, created_at) serves it.

``recreate='never'``: SQLite adds and drops these plain columns in place. A batch copy of
``step`` would end in DROP TABLE step, which under ``PRAGMA foreign_keys=ON`` deletes the
step's programme and registrations (ON DELETE CASCADE). The CHECK constraints go with the
columns (a column constraint, which SQLite's ADD COLUMN accepts).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_registration_places'
down_revision = '0018_synthesis_editing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column(
            'online_capacity', sa.Integer(),
            sa.CheckConstraint('online_capacity IS NULL OR online_capacity > 0',
                               name=op.f('ck_step_online_capacity_positive')),
            nullable=True))
    with op.batch_alter_table('registration', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column(
            'attendance', sa.String(length=20),
            sa.CheckConstraint("attendance IN ('on_site', 'online')",
                               name=op.f('ck_registration_attendance')),
            nullable=True))


def downgrade():
    with op.batch_alter_table('registration', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('attendance')
    with op.batch_alter_table('step', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('online_capacity')
