"""Stored files: press-kit uploads, import files kept between preview and confirmation, and
transmission ZIPs, in one place every app server shares.

Backend: the database (table ``stored_file``, the bytes in a ``bytea`` / BLOB column). Why not
the local disk: a second app server would answer 404, an import previewed on one host could
not be confirmed on another, and an unwritable folder was a 500. Why the database rather than an
object store:
- the files are small: uploads stop at MAX_CONTENT_LENGTH (16 Mo), press kits at
  PRESS_KIT_MAX_BYTES (10 Mo), imports at IMPORT_MAX_BYTES (2 Mo); a transmission ZIP is a few
  hundred kilobytes to a few megabytes (PostgreSQL's own ceiling for one value is 1 Go);
- they are covered by the database backup, and restored with it, consistent with the rows that
  name them (no second backup to run, nothing to reconcile after a restore);
- a file and the row that names it are written in ONE transaction: no orphan file when the row
  fails, no row without its file;
- no extra service to run, secure and monitor (`make run` still needs nothing more).
What it costs: a download reads the whole file into the worker's memory (at most 16 Mo), and
the bytes pass through the database connection and its backups. Should files grow (video,
large archives), an S3-compatible backend can implement the same functions (``put``, ``get``,
``delete``, ``purge``; ``send`` builds on ``get``) with the key as object name, callers keeping
only keys; it would lose the one-transaction guarantee (write the object before the row, and
sweep objects no row names).

A key is an opaque random string (32 hex characters, unguessable); each file has a ``kind``
(press, import, transmission) so that a key handed back by a browser (an import token) is only
looked up among files of its kind.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Response, abort, send_file
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Mapped, deferred, mapped_column, undefer

from app.clock import now
from app.database import affected_rows
from app.db_types import UTCDateTime
from app.extensions import Model, db

logger = logging.getLogger(__name__)

KINDS = ("press", "import", "transmission", "document")  # document: app.documents
FAILURE_MESSAGE = ("Le fichier n’a pas pu être enregistré : le stockage ne répond pas "
                   "correctement. Rien n’a été modifié ; réessayez dans quelques minutes et, si "
                   "le problème continue, prévenez l’administrateur du site.")


class StorageError(RuntimeError):
    """The file could not be stored; the message is for the person who sent it."""

    def __init__(self, message: str = FAILURE_MESSAGE) -> None:
        super().__init__(message)


class StoredFile(Model):
    """One stored file. ``data`` is deferred: listing files never loads their bytes."""

    __tablename__ = "stored_file"
    __table_args__ = (sa.Index("ix_stored_file_kind_created_at", "kind", "created_at"),)

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))


@dataclass(frozen=True)
class Stored:
    """A file read back: its bytes and what was recorded about them."""

    key: str
    kind: str
    data: bytes
    content_type: str
    size: int
    sha256: str
    created_at: datetime


@contextmanager
def storing() -> Iterator[None]:
    """Wrap the writes that store a file (``put`` up to the commit): a database error rolls the
    whole transaction back and becomes a StorageError, whose message goes on the form."""
    try:
        yield
    except sa_exc.SQLAlchemyError as error:
        logger.error("Fichier non enregistré (stockage) : %s", str(error).splitlines()[0][:300])
        try:
            db.session.rollback()
        except sa_exc.SQLAlchemyError:  # the connection may be gone
            logger.warning("Annulation impossible après l’échec du stockage", exc_info=True)
        raise StorageError() from error


def put(kind: str, data: bytes, content_type: str) -> str:
    """Add a file to the current transaction and return its key. The caller commits, with the
    row that names the file, inside ``storing()``: a refusal of the database shows there."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of stored file: {kind!r}")
    key = uuid.uuid4().hex
    db.session.add(StoredFile(key=key, kind=kind, content_type=content_type, size=len(data),
                              sha256=hashlib.sha256(data).hexdigest(), data=data))
    return key


def get(key: str, kind: str | None = None) -> Stored | None:
    """The file stored under ``key`` (among files of ``kind`` if given), or None."""
    query = sa.select(StoredFile).where(StoredFile.key == key).options(
        undefer(StoredFile.data))
    if kind is not None:
        query = query.where(StoredFile.kind == kind)
    row = db.session.scalar(query)
    if row is None:
        return None
    return Stored(key=row.key, kind=row.kind, data=row.data, content_type=row.content_type,
                  size=row.size, sha256=row.sha256, created_at=row.created_at)


def delete(key: str, kind: str | None = None) -> int:
    """Remove a file in the current transaction; the caller commits. Returns how many were
    removed (0 if there was none)."""
    query = sa.delete(StoredFile).where(StoredFile.key == key)
    if kind is not None:
        query = query.where(StoredFile.kind == kind)
    return affected_rows(
        db.session.execute(query, execution_options={"synchronize_session": False}))


def purge(kind: str, created_before: datetime) -> int:
    """Delete the files of ``kind`` stored before ``created_before``; the caller commits.
    Returns how many were deleted."""
    return affected_rows(db.session.execute(
        sa.delete(StoredFile).where(StoredFile.kind == kind,
                                    StoredFile.created_at < created_before),
        execution_options={"synchronize_session": False}))


def send(key: str, download_name: str, kind: str | None = None,
         mimetype: str | None = None) -> Response:
    """A stored file as a download, never inline: a file a browser would render (HTML, SVG)
    cannot run in our origin, and ``nosniff`` stops it guessing another type. 404 when there is
    no such file. Conditional and range requests are answered from the file's checksum
    (ETag)."""
    stored = get(key, kind)
    if stored is None:
        abort(404)
    response = send_file(io.BytesIO(stored.data), mimetype=mimetype or stored.content_type,
                         as_attachment=True, download_name=download_name, etag=stored.sha256,
                         last_modified=stored.created_at, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Some files are for staff only (transmissions): no shared cache keeps a copy.
    response.cache_control.private = True
    return response
