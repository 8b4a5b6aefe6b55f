"""Registering for a step: seats, waiting list, mails, management link, bad input."""

import time as clock_time

import icalendar
import pytest
import sqlalchemy as sa

from app.campaigns.models import StepStatus
from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.helpers import post_form
from tests.registrations.helpers import form, open_step


@pytest.fixture(autouse=True)
def before_the_step(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


def registrations() -> list[Registration]:
    db.session.expire_all()  # the app changed them in its own session
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def register(client, step, **kw):
    return post_form(client, f"/etapes/{step.id}/inscription", form(step, **kw),
                     token_from="/connexion")


def test_registration_confirms_a_seat_and_mails_the_invitation_and_code(client, smtp):
    step = open_step()
    response = register(client, step)
    assert response.status_code == 302
    [registration] = registrations()
    assert registration.status is RegistrationStatus.CONFIRMED
    assert (registration.first_name, registration.category, registration.subcategory) == (
        "Camille", "professionnels", "exercice_coordonne")
    assert registration.consented_at is not None
    [message] = smtp.to("camille.durand@example.org")
    assert message["Subject"] == "Inscription confirmée : Concertation CNR santé — Lot"
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/calendar", "image/png"} <= parts
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert ics.get_param("method") == "REQUEST"
    event = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["uid"]) == f"{step.uid}@concerto"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "/inscriptions/" in text
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirmée" in page and "Camille" in page


def test_full_step_puts_people_on_the_waiting_list_in_order(client, smtp):
    step = open_step(capacity=2)
    for number in range(4):
        register(client, step, email=f"p{number}@example.org")
    assert [r.status for r in registrations()] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED]
    [notice] = smtp.to("p3@example.org")
    assert notice["Subject"].startswith("Inscription en liste d’attente")
    assert "en position 2" in notice.get_body(preferencelist=("plain",)).get_content()
    assert any(part.get_content_type() == "text/calendar" for part in notice.walk())


def test_cancelling_promotes_the_first_on_the_waiting_list(client, smtp):
    step = open_step(capacity=1)
    register(client, step, email="first@example.org")
    register(client, step, email="second@example.org")
    register(client, step, email="third@example.org")
    first = registrations()[0]
    smtp.messages.clear()
    token = tokens.make(first.uuid)
    response = post_form(client, f"/inscriptions/{token}/annuler", {},
                         token_from=f"/inscriptions/{token}")
    assert response.status_code == 302
    statuses = {r.email: r.status for r in registrations()}
    assert statuses == {"first@example.org": RegistrationStatus.CANCELLED,
                        "second@example.org": RegistrationStatus.CONFIRMED,
                        "third@example.org": RegistrationStatus.WAITLISTED}
    [promotion] = smtp.to("second@example.org")
    assert promotion["Subject"].startswith("Une place s’est libérée")
    [cancellation] = smtp.to("first@example.org")
    ics = next(p for p in cancellation.walk() if p.get_content_type() == "text/calendar")
    assert ics.get_param("method") == "CANCEL"


def test_seats_reserved_for_a_category_are_kept_for_it(client):
    step = open_step(capacity=3, category_quotas={"usagers": 2})
    register(client, step, email="pro1@example.org")
    register(client, step, email="pro2@example.org")  # only 1 seat is not reserved
    register(client, step, email="usager1@example.org", category="usagers", subcategory="")
    register(client, step, email="usager2@example.org", category="usagers", subcategory="")
    register(client, step, email="usager3@example.org", category="usagers", subcategory="")
    assert {r.email: r.status.value for r in registrations()} == {
        "pro1@example.org": "confirmed", "pro2@example.org": "waitlisted",
        "usager1@example.org": "confirmed", "usager2@example.org": "confirmed",
        "usager3@example.org": "waitlisted"}


def test_same_email_cannot_register_twice_and_is_offered_its_link(client, smtp):
    step = open_step()
    register(client, step)
    smtp.messages.clear()
    response = register(client, step, email="Camille.Durand@Example.org")
    html = response.get_data(as_text=True)
    assert "Vous êtes déjà inscrit(e)" in html
    assert "M’envoyer le lien de mon inscription" in html
    assert len(registrations()) == 1
    post_form(client, f"/etapes/{step.id}/inscription/lien",
              {"email": "camille.durand@example.org"},
              token_from=f"/etapes/{step.id}/inscription/lien")
    [message] = smtp.to("camille.durand@example.org")
    assert message["Subject"].startswith("Votre lien d’inscription")


def test_asking_the_link_for_an_unknown_address_reveals_nothing(client, smtp):
    step = open_step()
    response = post_form(client, f"/etapes/{step.id}/inscription/lien",
                         {"email": "inconnu@example.org"},
                         token_from=f"/etapes/{step.id}/inscription/lien",
                         follow_redirects=True)
    assert "Si une inscription à cette étape correspond" in response.get_data(as_text=True)
    assert smtp.messages == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"email": "pas-une-adresse"}, "Indiquez une adresse électronique valide"),
    ({"last_name": "D" * 5000}, "Le nom ne doit pas dépasser 100 caractères."),
    ({"first_name": "Cam\x00ille"}, "caractères invisibles non autorisés"),
    ({"organisation": "Maison\x1bde santé"}, "caractères invisibles non autorisés"),
    ({"consent": ""}, "Votre accord est nécessaire pour vous inscrire."),
    ({"category": ""}, "Choisissez à quel titre vous participez."),
    ({"category": "martiens"}, "choix valide"),
    ({"phone": "pas de téléphone"}, "Indiquez un numéro de téléphone valide"),
])
def test_bad_input_is_explained_and_keeps_what_was_typed(client, overrides, message):
    step = open_step()
    response = register(client, step, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "Maison de santé de Figeac" in html or "organisation" in overrides
    assert registrations() == []


@pytest.mark.parametrize(("change", "message"), [
    ({"status": StepStatus.CANCELLED}, "Cette étape est annulée"),
    ({"day": __import__("datetime").date(2022, 10, 1)}, "Cette étape a eu lieu"),
])
def test_closed_or_cancelled_steps_refuse_registrations(client, change, message):
    step = open_step(**change)
    response = register(client, step)
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert registrations() == []


def test_registration_window_is_respected(client, app):
    from datetime import UTC, datetime

    step = open_step(registration_opens_at=datetime(2022, 11, 10, 8, tzinfo=UTC))
    response = register(client, step)
    assert "pas encore ouvertes" in response.get_data(as_text=True)
    app.config["CONCERTO_NOW"] = "2022-11-10T12:00"
    assert register(client, step).status_code == 302


@pytest.mark.parametrize("token", ["forged-token", "eyJmYWtlIjoxfQ.AAAA.BBBB"])
def test_forged_management_links_are_refused_and_change_nothing(client, token):
    step = open_step()
    register(client, step)
    before = [(r.status, r.first_name) for r in registrations()]
    page = client.get(f"/inscriptions/{token}")
    assert page.status_code == 403
    assert "Ce lien n’est pas valide" in page.get_data(as_text=True)
    response = post_form(client, f"/inscriptions/{token}/annuler", {}, token_from="/connexion")
    assert response.status_code == 403
    assert [(r.status, r.first_name) for r in registrations()] == before


def test_expired_management_link_is_explained(client, app, monkeypatch):
    step = open_step()
    register(client, step)
    token = tokens.make(registrations()[0].uuid)
    app.config["REGISTRATION_LINK_DAYS"] = 1
    real_time = clock_time.time
    monkeypatch.setattr(clock_time, "time", lambda: real_time() + 3 * 86400)
    page = client.get(f"/inscriptions/{token}")
    assert page.status_code == 403
    assert "Ce lien a expiré" in page.get_data(as_text=True)


def test_management_link_modifies_what_does_not_touch_seats(client):
    step = open_step()
    register(client, step)
    token = tokens.make(registrations()[0].uuid)
    data = form(step, first_name="Camille-Anne", accessibility_needs="Boucle magnétique")
    response = post_form(client, f"/inscriptions/{token}", data)
    assert response.status_code == 302
    [registration] = registrations()
    assert registration.first_name == "Camille-Anne"
    assert registration.accessibility_needs == "Boucle magnétique"
    assert client.get(f"/inscriptions/{token}/code.svg").headers["Content-Type"] == (
        "image/svg+xml")


def test_step_page_offers_registration_and_shows_seats_left(client):
    step = open_step(capacity=2)
    html = client.get(f"/etapes/{step.id}").get_data(as_text=True)
    assert f'href="/etapes/{step.id}/inscription"' in html and "2 places disponibles" in html
    register(client, step, email="a@example.org")
    register(client, step, email="b@example.org")
    assert "Complet" in client.get(f"/etapes/{step.id}").get_data(as_text=True)


def test_registrants_are_told_when_the_step_moves(client, smtp, app):
    from app.accounts.models import Role
    from tests.factories import make_user
    from tests.helpers import login_as

    step = open_step()
    register(client, step)
    smtp.messages.clear()
    login_as(client, make_user(Role.ADMIN))
    post_form(client, f"/gestion/etapes/{step.id}/reprogrammer",
              {"schedule": "timed", "day": "2022-11-25", "start_time": "14:00",
               "end_time": "17:00"})
    [notice] = smtp.to("camille.durand@example.org")
    assert notice["Subject"].startswith("Changement de date ou de lieu")
    ics = next(p for p in notice.walk() if p.get_content_type() == "text/calendar")
    event = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert event["sequence"] == 1


def test_more_seats_promote_the_waiting_list(client, smtp):
    from app.accounts.models import Role
    from tests.factories import make_user
    from tests.helpers import login_as

    step = open_step(capacity=1)
    register(client, step, email="first@example.org")
    register(client, step, email="second@example.org")
    login_as(client, make_user(Role.ADMIN))
    edit = client.get(f"/gestion/etapes/{step.id}/modifier").get_data(as_text=True)
    assert 'name="capacity"' in edit
    post_form(client, f"/gestion/etapes/{step.id}/modifier", {
        "campaign_id": step.campaign_id, "territory_id": step.territory_id, "title": step.title,
        "city": step.city, "venue": step.venue, "schedule": "timed", "day": "2022-11-18",
        "start_time": "10:00", "end_time": "16:00", "format": "in_person", "capacity": "2"})
    assert [r.status for r in registrations()] == [RegistrationStatus.CONFIRMED,
                                                   RegistrationStatus.CONFIRMED]
    assert smtp.to("second@example.org")[-1]["Subject"].startswith("Une place s’est libérée")


def test_the_step_page_sets_no_cookie_for_visitors(client):
    step = open_step()
    response = client.get(f"/etapes/{step.id}")
    assert "Set-Cookie" not in response.headers
    assert f'href="/etapes/{step.id}/inscription/lien"' in response.get_data(as_text=True)


def test_asking_the_link_with_a_bad_address_is_explained(client):
    step = open_step()
    response = post_form(client, f"/etapes/{step.id}/inscription/lien", {"email": "nope"})
    assert "Indiquez une adresse électronique valide" in response.get_data(as_text=True)
