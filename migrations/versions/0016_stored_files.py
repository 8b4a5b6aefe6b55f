"""Stored files: press kits, import files and transmission ZIPs move into the database

Revision ID: 0016_stored_files
Revises: 0015_mail_outbox
Create Date: 2026-12-09 10:00:00

Files lived under UPLOAD_FOLDER (default <instance>/uploads) on one app server's disk; they now
live in the table ``stored_file`` (app.storage), shared by every app server and covered by the
database backup. The columns that named a file (``press_kit_file.stored_name``,
``synthesis_transmission.stored_name``) now hold its storage key: the old file name is kept as
the key, so no row changes.

Upgrade copies, best effort, every press-kit file and transmission ZIP still found in the old
folder (``UPLOAD_FOLDER`` from the app's config or the environment, else <instance>/uploads;
run it on the host that kept the files). A file not found is reported in the migration's log and
its row is left as it is: its download answers 404, as it already did. Import files are not
copied: they are transient (a day at most), an organiser in the middle of an import uploads
the file again. The old folder is left untouched; delete it once the upgrade is checked.

Downgrade writes the press-kit files and transmission ZIPs back into the old folder (and stops,
before dropping anything, if it cannot), then drops the table.
"""
import hashlib
import logging
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0016_stored_files'
down_revision = '0015_mail_outbox'
branch_labels = None
depends_on = None

logger = logging.getLogger('alembic.runtime.migration')

stored_file = sa.table(
    'stored_file', sa.column('key', sa.String), sa.column('kind', sa.String),
    sa.column('content_type', sa.String), sa.column('size', sa.Integer),
    sa.column('sha256', sa.String), sa.column('created_at', sa.DateTime),
    sa.column('data', sa.LargeBinary))
press_kit_file = sa.table(
    'press_kit_file', sa.column('stored_name', sa.String), sa.column('content_type', sa.String),
    sa.column('uploaded_at', sa.DateTime))
transmission = sa.table(
    'synthesis_transmission', sa.column('stored_name', sa.String),
    sa.column('transmitted_at', sa.DateTime))
# kind in stored_file -> (sub-folder of the old upload folder, query of the files to move)
MOVED = {
    'press': ('press', sa.select(press_kit_file.c.stored_name, press_kit_file.c.content_type,
                                 press_kit_file.c.uploaded_at)),
    'transmission': ('transmissions', sa.select(
        transmission.c.stored_name, sa.literal('application/zip', sa.String),
        transmission.c.transmitted_at)),
}


def _old_upload_folder() -> Path:
    configured = os.environ.get('UPLOAD_FOLDER', '')
    try:
        from flask import current_app
        configured = current_app.config.get('UPLOAD_FOLDER') or configured
        instance = current_app.instance_path
    except RuntimeError:  # alembic run outside the app
        instance = os.environ.get('CONCERTO_INSTANCE', 'instance')
    return Path(configured or Path(instance) / 'uploads')


def _old_path(folder: Path, name: str) -> Path | None:
    """The file's old place; None for a name that would leave the folder."""
    if not name or Path(name).name != name or name in ('.', '..'):
        return None
    return folder / name


def upgrade():
    op.create_table('stored_file',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_file'))
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index('ix_stored_file_kind_created_at', ['kind', 'created_at'],
                              unique=False)
    _copy_old_files()


def _copy_old_files() -> None:
    connection = op.get_bind()
    root = _old_upload_folder()
    for kind, (folder, query) in MOVED.items():
        copied, missing = 0, []
        for name, content_type, created_at in connection.execute(query):
            path = _old_path(root / folder, name)
            if path is None or not path.is_file():
                missing.append(name)
                continue
            data = path.read_bytes()  # one file at a time: at most 16 Mo in memory
            connection.execute(stored_file.insert().values(
                key=name, kind=kind, content_type=content_type, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), created_at=created_at, data=data))
            copied += 1
        if copied or missing:
            logger.info('stored_file: %d %s file(s) copied from %s', copied, kind, root / folder)
        if missing:
            logger.warning('stored_file: %d %s file(s) not found under %s (their downloads '
                           'answer 404): %s', len(missing), kind, root / folder,
                           ', '.join(missing[:20]))


def downgrade():
    connection = op.get_bind()
    root = _old_upload_folder()
    for kind, (folder, _query) in MOVED.items():
        target = root / folder
        rows = connection.execute(sa.select(stored_file.c.key).where(stored_file.c.kind == kind))
        for (key,) in rows.all():
            path = _old_path(target, key)
            if path is None:
                continue
            data = connection.execute(sa.select(stored_file.c.data)
                                      .where(stored_file.c.key == key)).scalar_one()
            target.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)  # an unwritable folder stops the downgrade here
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_file_kind_created_at')

    op.drop_table('stored_file')
