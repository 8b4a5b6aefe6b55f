"""Synthesis texts saved one by one, with a version for conflict detection (issue 14)

Revision ID: 0018_synthesis_editing
Revises: 0017_prepared_documents
Create Date: 2026-12-03 13:00:00

Each editorial text (the introduction, and each question's section) gets a version number,
bumped at every save: a save based on an older version is refused, with both texts shown. Who
saved it last, and when, tell the person which colleague wrote in the meantime.

``recreate='never'``: SQLite adds and drops these plain columns in place (ALTER TABLE … ADD /
DROP COLUMN, SQLite ≥ 3.35); a batch copy of ``synthesis`` would end in DROP TABLE synthesis,
which under ``PRAGMA foreign_keys=ON`` deletes its sections, quotes and transmissions.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_synthesis_editing'
down_revision = '0017_prepared_documents'
branch_labels = None
depends_on = None

# (table, prefix of the new columns)
TEXTS = [('synthesis', 'introduction_'), ('synthesis_section', '')]


def _add_editor(table: str, prefix: str) -> None:
    """The account that saved the text last (kept NULL if the account goes)."""
    column = f'{prefix}updated_by_id'
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds no constraint to an existing table, but takes an inline reference.
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                   'REFERENCES user_account (id) ON DELETE SET NULL')
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(f'fk_{table}_{column}_user_account', table, 'user_account',
                          [column], ['id'], ondelete='SET NULL')


def upgrade():
    for table, prefix in TEXTS:
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.add_column(sa.Column(f'{prefix}version', sa.Integer(), nullable=False,
                                          server_default='0'))
            batch_op.add_column(sa.Column(f'{prefix}updated_at', sa.DateTime(), nullable=True))
        _add_editor(table, prefix)


def downgrade():
    for table, prefix in TEXTS:
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_{table}_{prefix}updated_by_id_user_account', table,
                               type_='foreignkey')
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column(f'{prefix}updated_by_id')
            batch_op.drop_column(f'{prefix}updated_at')
            batch_op.drop_column(f'{prefix}version')
