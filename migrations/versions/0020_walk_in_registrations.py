"""Walk-in registrations at the check-in desk (issue 14)

Revision ID: 0020_walk_in_registrations
Revises: 0019_registration_places
Create Date: 2026-12-03 13:00:00

``registration.walk_in``: registered at the door on the day (the desk counts them apart). A
walk-in may give no email: the one-active-registration-per-email index leaves empty emails out.

``recreate='never'``: SQLite adds and drops the plain column in place (a batch copy of
``registration`` is not needed, and would cost a table rewrite on the day's database).
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_walk_in_registrations'
down_revision = '0019_registration_places'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('pending', 'confirmed', 'waitlisted')"
WITH_EMAIL = ACTIVE + " AND email <> ''"


def _unique_email_index(where: str) -> None:
    op.drop_index('uq_registration_active_email', table_name='registration')
    op.create_index('uq_registration_active_email', 'registration', ['step_id', 'email'],
                    unique=True, postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def upgrade():
    with op.batch_alter_table('registration', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    _unique_email_index(WITH_EMAIL)


def downgrade():
    # Walk-ins without an email would break the stricter index: give each a distinct one.
    op.execute("UPDATE registration SET email = 'sur-place-' || id || '@invalid' "
               "WHERE email = '' AND " + ACTIVE)
    _unique_email_index(ACTIVE)
    with op.batch_alter_table('registration', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('walk_in')
