"""Documents prepared by a worker: the request only asks; one worker builds each document; a
failure says why; a day later the document and its file are gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import storage
from app.accounts.models import Role
from app.documents import services
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from tests.factories import make_user
from tests.helpers import login_as, post_form
from tests.jobs.queues import work_the_queue
from tests.registrations.helpers import open_step


@pytest.fixture
def step(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    return open_step()


def _document(step, user, **values) -> PreparedDocument:
    document = PreparedDocument(kind="registrations.signin_sheet", subject_id=step.id,
                                title="Liste", download_name="emargement.pdf",
                                requested_by=user, **values)
    db.session.add(document)
    db.session.commit()
    return document


def _reload(document_id: int) -> PreparedDocument:
    db.session.expire_all()
    return db.session.get(PreparedDocument, document_id)


def test_in_rq_mode_the_request_only_asks_and_a_worker_builds(app, client, step, rq_mode):
    organiser = make_user(Role.ORGANISER, [step.territory])
    login_as(client, organiser)
    response = post_form(client, f"/gestion/etapes/{step.id}/emargement.pdf", {},
                         token_from=f"/gestion/etapes/{step.id}/inscriptions")
    page = client.get(response.location).get_data(as_text=True)
    assert "en préparation" in page and "data-prepared-state" in page
    [document] = db.session.scalars(sa.select(PreparedDocument)).all()
    assert document.status is PreparationStatus.PREPARING
    state = client.get(f"/gestion/documents/{document.token}/etat").get_json()
    assert state == {"status": "preparing"}
    assert client.get(f"/gestion/documents/{document.token}/fichier").status_code == 404
    work_the_queue(app)
    assert _reload(document.id).status is PreparationStatus.READY
    assert client.get(f"/gestion/documents/{document.token}/etat").get_json() == {
        "status": "ready"}
    pdf = client.get(f"/gestion/documents/{document.token}/fichier")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    # Someone else, even an administrator, is told it does not exist.
    login_as(client, make_user(Role.ADMIN))
    assert client.get(f"/gestion/documents/{document.token}").status_code == 404


def test_one_worker_builds_it_and_a_dead_workers_document_is_built_again(app, step):
    organiser = make_user(Role.ORGANISER, [step.territory])
    held = _document(step, organiser,
                     lease_until=datetime.now(UTC) + timedelta(minutes=5))
    assert services.build(held.id) is False  # another worker holds it
    abandoned = _document(step, organiser, lease_until=datetime.now(UTC) - timedelta(seconds=1),
                          created_at=datetime.now(UTC) - timedelta(minutes=5))
    services.sweep()  # queues it again; in the tests the job runs at the commit
    built = _reload(abandoned.id)
    assert built.status is PreparationStatus.READY
    assert storage.get(built.stored_key, "document").data.startswith(b"%PDF")
    assert services.build(abandoned.id) is False  # done: nothing to build twice


def test_a_failure_is_told_on_the_documents_page(app, client, step):
    organiser = make_user(Role.ORGANISER, [step.territory])
    gone = _document(step, organiser)
    gone.subject_id = 999_999  # the step was deleted meanwhile
    db.session.commit()
    assert services.build(gone.id) is True
    login_as(client, organiser)
    page = client.get(f"/gestion/documents/{gone.token}").get_data(as_text=True)
    assert "Cette étape n’existe plus." in page
    assert _reload(gone.id).status is PreparationStatus.FAILED


def test_documents_go_after_a_day_with_their_files_but_not_a_transmissions_zip(app, step):
    organiser = make_user(Role.ORGANISER, [step.territory])
    old = datetime.now(UTC) - timedelta(days=2)
    pdf_key = storage.put("document", b"%PDF-1.4", "application/pdf")
    zip_key = storage.put("transmission", b"PK\x05\x06" + b"\0" * 18, "application/zip")
    _document(step, organiser, status=PreparationStatus.READY, stored_key=pdf_key,
              created_at=old)
    sent = PreparedDocument(kind="synthesis.transmission", subject_id=1, title="Envoi",
                            download_name="envoi.zip", requested_by=organiser,
                            status=PreparationStatus.READY, stored_key=zip_key,
                            created_at=old)
    db.session.add(sent)
    fresh = _document(step, organiser)
    db.session.commit()
    assert services.purge() == 2
    assert storage.get(pdf_key) is None and storage.get(zip_key) is not None
    assert [d.id for d in db.session.scalars(sa.select(PreparedDocument))] == [fresh.id]


def test_an_unexpected_failure_says_what_to_do(app, step, monkeypatch):
    organiser = make_user(Role.ORGANISER, [step.territory])
    broken = _document(step, organiser)

    def fail(_document):
        raise RuntimeError("WeasyPrint a planté")

    monkeypatch.setattr(services, "_builder", lambda kind: fail)
    assert services.build(broken.id) is True
    failed = _reload(broken.id)
    assert failed.status is PreparationStatus.FAILED
    assert "prévenez l’administrateur du site" in failed.error
    assert "WeasyPrint" not in failed.error  # the details go to the log, not to the page
