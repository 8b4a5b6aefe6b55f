"""A hybrid step has on-site and online places apart, each with its own waiting list."""

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.campaigns.models import StepFormat
from app.extensions import db
from app.registrations import seats, services
from app.registrations.models import Attendance, Registration, RegistrationStatus
from tests.factories import make_step, make_user
from tests.helpers import login_as, post_form
from tests.registrations.helpers import form, open_step


@pytest.fixture
def step(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    return open_step(capacity=1, online_capacity=1, format=StepFormat.HYBRID,
                     meeting_url="https://visio.example/cnr")


def register(client, step, email: str, attendance: str | None):
    data = form(step, email=email, **({"attendance": attendance} if attendance else {}))
    return post_form(client, f"/etapes/{step.id}/inscription", data, token_from="/connexion")


def registration(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def test_the_form_asks_how_to_attend_with_the_places_of_each(client, step):
    html = client.get(f"/etapes/{step.id}/inscription").get_data(as_text=True)
    assert "Vous participez" in html
    assert "Sur place — 1 place disponible" in html
    assert "En ligne — 1 place disponible" in html
    in_person = make_step(step.campaign, step.territory, capacity=10)
    assert 'name="attendance"' not in client.get(
        f"/etapes/{in_person.id}/inscription").get_data(as_text=True)


def test_without_a_choice_the_form_says_so_in_french_and_keeps_what_was_typed(client, step):
    response = register(client, step, "sans.choix@example.org", None)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choisissez de participer sur place ou en ligne." in html
    assert "Not a valid choice" not in html
    assert 'value="sans.choix@example.org"' in html
    assert registration("sans.choix@example.org") is None


def test_each_kind_of_place_has_its_own_seats_and_waiting_list(client, step):
    register(client, step, "en.ligne@example.org", "online")
    register(client, step, "aussi.en.ligne@example.org", "online")
    register(client, step, "sur.place@example.org", "on_site")
    first, second, room = (registration(e) for e in (
        "en.ligne@example.org", "aussi.en.ligne@example.org", "sur.place@example.org"))
    assert (first.attendance, first.status) == (Attendance.ONLINE, RegistrationStatus.CONFIRMED)
    assert (second.attendance, second.status) == (Attendance.ONLINE,
                                                  RegistrationStatus.WAITLISTED)
    assert seats.waitlist_position(second) == 1
    # The room had its own seat, although the online places were full.
    assert (room.attendance, room.status) == (Attendance.ON_SITE, RegistrationStatus.CONFIRMED)

    register(client, step, "salle.pleine@example.org", "on_site")
    late = registration("salle.pleine@example.org")
    assert late.status is RegistrationStatus.WAITLISTED
    assert seats.waitlist_position(late) == 1  # first of the on-site list

    # A freed online seat goes to the online list, not to the room's.
    services.cancel(first)
    assert registration("aussi.en.ligne@example.org").status is RegistrationStatus.CONFIRMED
    assert registration("salle.pleine@example.org").status is RegistrationStatus.WAITLISTED


def test_category_quotas_hold_seats_in_the_room_only(step):
    step.category_quotas = {"usagers": 1}
    db.session.commit()
    assert not seats.has_seat(step, "citoyens", {}, Attendance.ON_SITE)
    assert seats.has_seat(step, "citoyens", {}, Attendance.ONLINE)


def test_public_step_page_shows_the_places_left_of_each_kind(client, step):
    register(client, step, "en.ligne@example.org", "online")
    html = client.get(f"/etapes/{step.id}").get_data(as_text=True)
    assert "Sur place : 1 place disponible" in html
    assert "En ligne : complet, inscription en liste d’attente" in html
    assert "1 sur place, 1 en ligne" in html


def test_organisers_see_each_waiting_list_apart(client, step):
    register(client, step, "en.ligne@example.org", "online")
    register(client, step, "aussi.en.ligne@example.org", "online")
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions").get_data(as_text=True)
    online = html.split('id="places-online"', 1)[1].split("</section>", 1)[0]
    on_site = html.split('id="places-on_site"', 1)[1].split("</section>", 1)[0]
    assert "1 inscription confirmée pour 1 place (complet)" in online
    assert "1 personne en liste d’attente" in online
    assert "personne en liste d’attente" in on_site and "concerto-waiting-item" not in on_site


def test_step_form_sets_online_places_and_more_places_promote_the_online_list(client, step):
    register(client, step, "en.ligne@example.org", "online")
    register(client, step, "aussi.en.ligne@example.org", "online")
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    edit = f"/gestion/etapes/{step.id}/modifier"
    page = client.get(edit).get_data(as_text=True)
    assert "Places en ligne" in page and 'name="online_capacity"' in page
    data = {"campaign_id": step.campaign_id, "territory_id": step.territory_id,
            "title": step.title, "city": step.city, "venue": step.venue, "schedule": "timed",
            "day": "2022-11-18", "start_time": "10:00", "end_time": "16:00",
            "format": "hybrid", "meeting_url": "https://visio.example/cnr", "capacity": "1",
            "online_capacity": "2"}
    response = post_form(client, edit, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert step.online_capacity == 2
    assert registration("aussi.en.ligne@example.org").status is RegistrationStatus.CONFIRMED
