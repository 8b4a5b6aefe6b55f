"""Ask for a document, build it in a worker, find it again.

Each kind of document names its builder (``BUILDERS``): a function of the document asked
for (its subject's id, its variant, who asked), returning the file (``Built``). A build is
claimed like a mail (a conditional UPDATE with a lease), so two workers never build the same
one, and one whose worker died is built again by the sweep. Documents are kept a day
(``KEEP``), then purged with their files: a sign-in sheet holds personal data. A computed
result (the writing help) is a document too, found again by its ``variant``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import storage
from app.accounts.models import User
from app.clock import wall_now
from app.database import affected_rows
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.jobs import enqueue

KEEP = timedelta(days=1)
LEASE = timedelta(minutes=10)  # longer than the slowest document (a regional PDF: seconds)

BUILDERS: dict[str, str] = {
    "synthesis.pdf": "app.syntheses.documents:synthesis_pdf",
    "synthesis.docx": "app.syntheses.documents:synthesis_docx",
    "synthesis.transmission": "app.syntheses.transmission:transmit_by_worker",
    "registrations.signin_sheet": "app.registrations.exports:signin_sheet",
    "synthesis.help": "app.syntheses.writing_help:computed_help",
}


@dataclass(frozen=True)
class Built:
    """A built file: its bytes to store, or the key of a file the builder stored itself."""

    content_type: str
    data: bytes = b""
    stored_key: str | None = None


class DocumentError(ValueError):
    """The message is for the person who asked for the document."""


def _builder(kind: str) -> Callable[[PreparedDocument], Built]:
    module, _, function = BUILDERS[kind].partition(":")
    builder: Callable[[PreparedDocument], Built] = getattr(importlib.import_module(module),
                                                           function)
    return builder


def ask(kind: str, subject_id: int, title: str, download_name: str, user: User,
        back_url: str = "", variant: str = "") -> PreparedDocument:
    """A document to prepare, queued in the caller's transaction (the caller commits)."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown kind of document: {kind!r}")
    document = PreparedDocument(kind=kind, subject_id=subject_id, title=title,
                                download_name=download_name, requested_by=user,
                                back_url=back_url, variant=variant)
    db.session.add(document)
    db.session.flush()
    enqueue("documents.build", document.id)
    return document


def in_preparation(kind: str, subject_id: int) -> PreparedDocument | None:
    return db.session.scalar(sa.select(PreparedDocument).where(
        PreparedDocument.kind == kind, PreparedDocument.subject_id == subject_id,
        PreparedDocument.status == PreparationStatus.PREPARING))


def latest(kind: str, subject_id: int, variant: str) -> PreparedDocument | None:
    """The newest document of this kind, subject and variant (a computed result to reuse)."""
    return db.session.scalar(sa.select(PreparedDocument).where(
        PreparedDocument.kind == kind, PreparedDocument.subject_id == subject_id,
        PreparedDocument.variant == variant).order_by(PreparedDocument.id.desc()).limit(1))


def ready_data(document: PreparedDocument) -> bytes:
    """The file built for a READY document, stored with it and purged with it."""
    stored = storage.get(document.stored_key, "document") if document.stored_key else None
    if stored is None:
        raise LookupError(f"Document {document.id} has no stored file")
    return stored.data


def by_token(token: str) -> PreparedDocument | None:
    return db.session.scalar(sa.select(PreparedDocument).where(PreparedDocument.token == token))


def _claimable(moment: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(PreparedDocument.status == PreparationStatus.PREPARING,
                   sa.or_(PreparedDocument.lease_until.is_(None),
                          PreparedDocument.lease_until < moment))


def build(document_id: int) -> bool:
    """The job: build the document if nobody else is; True if this call built it."""
    moment = wall_now()
    claimed = affected_rows(db.session.execute(
        sa.update(PreparedDocument).where(PreparedDocument.id == document_id,
                                          _claimable(moment))
        .values(lease_until=moment + LEASE, progress_done=0, progress_total=0,
                progress_label="")
        .execution_options(synchronize_session=False)))
    db.session.commit()
    if claimed != 1:
        return False
    document = db.session.get_one(PreparedDocument, document_id, populate_existing=True)
    try:
        built = _builder(document.kind)(document)
        document.stored_key = built.stored_key or storage.put("document", built.data,
                                                             built.content_type)
        document.status, document.ready_at = PreparationStatus.READY, wall_now()
        db.session.commit()
    except Exception as error:  # any failure is shown on the document's page
        db.session.rollback()
        known = isinstance(error, DocumentError)
        if not known:
            current_app.logger.exception("Préparation du document %s en échec", document_id)
        document = db.session.get_one(PreparedDocument, document_id, populate_existing=True)
        document.status = PreparationStatus.FAILED
        document.error = (str(error) if known else
                          "Erreur inattendue pendant la préparation (elle est notée au journal "
                          "du serveur). Redemandez le document dans quelques minutes ; si "
                          "l’erreur revient, prévenez l’administrateur du site.")[:500]
        db.session.commit()
    return True


Progress = Callable[[int, int, str], None]


def progress(document: PreparedDocument) -> Progress:
    """For a builder that can tell how far it is: ``report(done, total, label)`` (steps done,
    out of ``total``, and the one it starts, « regroupement des contributions »). Each report
    is saved at once, in a short transaction on a connection of its own, so that the page
    following the document reads it while the build goes on and the builder's session is left
    as it is. Saving it may fail (logged): the build goes on, only the bar does not move."""
    document_id = document.id

    def report(done: int, total: int, label: str) -> None:
        try:
            with db.engine.begin() as connection:
                connection.execute(
                    sa.update(PreparedDocument.__table__)
                    .where(PreparedDocument.__table__.c.id == document_id)
                    .values(progress_done=max(0, min(done, total)), progress_total=total,
                            progress_label=label[:120]))
        except sa.exc.SQLAlchemyError as error:
            current_app.logger.warning("Avancement du document %s non enregistré (%s)",
                                       document_id, type(error).__name__)

    return report


def state(document: PreparedDocument) -> dict:
    """What the page following a document asks every few seconds: its status, and while it is
    being built, how far it is when its builder tells."""
    answer: dict = {"status": document.status.value}
    if document.status is PreparationStatus.PREPARING and document.progress_total:
        answer["progress"] = {"done": document.progress_done,
                              "total": document.progress_total,
                              "label": document.progress_label,
                              "text": document.progress_text}
    return answer


def sweep() -> int:
    """Documents whose job was lost (Redis down) or whose worker died: queued again."""
    ids = list(db.session.scalars(sa.select(PreparedDocument.id).where(
        _claimable(wall_now()), PreparedDocument.created_at < wall_now() - timedelta(seconds=30))))
    for document_id in ids:
        enqueue("documents.build", document_id)
    db.session.commit()
    return len(ids)


def purge() -> int:
    """Documents older than KEEP go, with the files stored for them (a transmission's ZIP
    stays: it belongs to the transmission)."""
    old = list(db.session.scalars(sa.select(PreparedDocument).where(
        PreparedDocument.created_at < wall_now() - KEEP)))
    for document in old:
        if document.stored_key and document.kind != "synthesis.transmission":
            storage.delete(document.stored_key, "document")
        db.session.delete(document)
    db.session.commit()
    return len(old)
