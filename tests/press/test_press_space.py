"""The public press space, press kits, and the organiser's view of followers."""

import hashlib
import io
from datetime import date, time

import pytest
import sqlalchemy as sa

from app import storage
from app.accounts.models import Role
from app.extensions import db
from app.press.models import PressAccreditation, PressFollow, PressKitFile
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import login_as, post_form

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a1e2d2c4"
                    "0000000049454e44ae426082")



@pytest.fixture(autouse=True)
def before_the_steps(app):
    """The press release's day: the CNR steps are to come."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"

@pytest.fixture
def lot():
    campaign = make_campaign(slug="cnr", title="CNR santé — Occitanie 2022")
    territory = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    return make_step(campaign, territory, title="Concertation CNR santé — Lot",
                     day=date(2022, 11, 18), press_point_time=time(12, 30))


def follow(step, email="journaliste@media.example") -> PressFollow:
    person = PressAccreditation(name="Jean Presse", outlet="La Dépêche", email=email,
                                phone="05 00 00 00 00")
    db.session.add(PressFollow(accreditation=person, step=step))
    db.session.commit()
    return db.session.scalar(sa.select(PressFollow))


def test_press_space_shows_contacts_press_points_feeds_and_accreditation(app, client, lot):
    app.config.update(PRESS_CONTACT_EMAIL="presse@ars.example", PRESS_CONTACT_PHONE="05 34 30")
    html = client.get("/presse/").get_data(as_text=True)
    assert "presse@ars.example" in html and "05 34 30" in html
    assert "Concertation CNR santé — Lot" in html and "12 h 30" in html
    assert "webcal://localhost/demarches/cnr.ics" in html
    assert "webcal://localhost/calendrier.ics" in html
    assert 'href="/presse/accreditation"' in html


def test_press_page_never_shows_journalists(client, lot):
    follow(lot)
    for url in ("/presse/", f"/etapes/{lot.id}", "/calendrier"):
        html = client.get(url).get_data(as_text=True)
        assert "journaliste@media.example" not in html and "Jean Presse" not in html


def test_organiser_sees_followers_and_resends_the_invitation(client, smtp, lot):
    followed = follow(lot)
    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    html = client.get(f"/gestion/etapes/{lot.id}/presse").get_data(as_text=True)
    assert "Jean Presse" in html and "La Dépêche" in html and "05 00 00 00 00" in html
    response = post_form(client, f"/gestion/etapes/{lot.id}/presse/renvoyer",
                         {"follow_id": followed.id}, token_from=f"/gestion/etapes/{lot.id}/presse")
    assert response.status_code == 302
    [message] = smtp.to("journaliste@media.example")
    assert message["Subject"] == "Invitation presse (rappel) : Concertation CNR santé — Lot"
    html = client.get(f"/gestion/etapes/{lot.id}/presse").get_data(as_text=True)
    assert "Envoyé" in html


def test_organiser_of_another_departement_cannot_see_followers(client, lot):
    follow(lot)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=lot.campaign.territory)
    login_as(client, make_user(Role.ORGANISER, [aveyron]))
    assert client.get(f"/gestion/etapes/{lot.id}/presse").status_code == 403
    response = post_form(client, f"/gestion/etapes/{lot.id}/presse/renvoyer", {})
    assert response.status_code == 403


def upload(client, url: str, data: bytes, name: str, title: str = "Communiqué"):
    return post_form(client, url, {"title": title, "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def test_press_kit_pdf_is_stored_outside_static_and_downloaded_as_attachment(app, client, lot):
    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    response = upload(client, f"/gestion/etapes/{lot.id}/presse", PDF, "../../communiqué lot.pdf")
    assert response.status_code == 302
    kit_file = db.session.scalar(sa.select(PressKitFile))
    assert kit_file.content_type == "application/pdf"
    assert kit_file.original_name == "communiqué lot.pdf"
    assert kit_file.step_id == lot.id
    # Stored in the database (shared by every app server), nowhere under static/.
    stored = storage.get(kit_file.stored_name, kind="press")
    assert stored.data == PDF and stored.size == len(PDF) == kit_file.size
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert client.get(f"/presse/fichiers/{kit_file.id}/..%2F..%2Fetc%2Fpasswd").status_code == 404
    download = client.get(f"/presse/fichiers/{kit_file.id}/communiqué lot.pdf")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/pdf"
    assert "Communiqué" in client.get(f"/etapes/{lot.id}").get_data(as_text=True)


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"<script>alert(1)</script>", "faux.pdf", "Ce type de fichier n’est pas accepté"),
    (b"MZ\x90\x00" + b"\x00" * 100, "outil.exe", "Ce type de fichier n’est pas accepté"),
    (b"", "vide.pdf", "Le fichier est vide."),
])
def test_press_kit_refuses_files_by_their_real_type(client, lot, data, name, message):
    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    response = upload(client, f"/gestion/etapes/{lot.id}/presse", data, name)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressKitFile)) == 0


def test_press_kit_refuses_files_over_the_limit(app, client, lot):
    app.config["PRESS_KIT_MAX_BYTES"] = 1024
    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    response = upload(client, f"/gestion/etapes/{lot.id}/presse", PNG + b"\0" * 2000, "a.png")
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)


def test_request_over_the_global_limit_is_413(app, client, lot):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    response = upload(client, f"/gestion/etapes/{lot.id}/presse", PNG + b"\0" * 20_000, "a.png")
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def test_campaign_press_kit_for_region_organisers_only(client, lot):
    region_organiser = make_user(Role.ORGANISER, [lot.campaign.territory])
    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    assert client.get("/gestion/demarches/cnr/presse").status_code == 403
    login_as(client, region_organiser)
    response = upload(client, "/gestion/demarches/cnr/presse", PNG, "affiche.png", "Affiche")
    assert response.status_code == 302
    kit_file = db.session.scalar(sa.select(PressKitFile))
    assert kit_file.step_id is None and kit_file.content_type == "image/png"
    assert "Affiche" in client.get("/presse/").get_data(as_text=True)
    key = kit_file.stored_name
    assert storage.get(key, kind="press").data == PNG
    post_form(client, f"/gestion/presse/fichiers/{kit_file.id}/supprimer", {},
              token_from="/gestion/demarches/cnr/presse")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressKitFile)) == 0
    assert storage.get(key) is None  # the file went with its row


def test_press_kit_of_a_draft_step_stays_private(client, lot):
    from app.campaigns.models import StepStatus

    login_as(client, make_user(Role.ORGANISER, [lot.territory]))
    upload(client, f"/gestion/etapes/{lot.id}/presse", PDF, "brouillon.pdf")
    kit_file = db.session.scalar(sa.select(PressKitFile))
    lot.status = StepStatus.DRAFT
    db.session.commit()
    anonymous = client.application.test_client()
    assert anonymous.get(f"/presse/fichiers/{kit_file.id}/brouillon.pdf").status_code == 404
