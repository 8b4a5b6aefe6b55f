"""/dev/courriels: in development, the mails of the outbox as their recipients read them
(Decidim's letter opener); never registered outside DevelopmentConfig."""

from __future__ import annotations

import re

import icalendar
import pytest

from app import create_app
from app.extensions import db
from config import CONFIGS
from tests.helpers import post_form
from tests.registrations.helpers import form, open_step


@pytest.fixture
def viewer(app):
    """An app on the same test database with the viewer on, as DevelopmentConfig has it."""
    same = ("SQLALCHEMY_DATABASE_URI", "MAIL_FOLDER", "MAIL_SERVER", "MAIL_PORT")
    server = create_app("testing", {**{key: app.config.get(key) for key in same},
                                    "DEV_MAIL_VIEWER": True,
                                    "CONCERTO_NOW": "2022-11-03T12:00"})  # before the step
    server.test_client_class = app.test_client_class
    with server.app_context():
        yield server
        db.session.remove()


def test_only_development_turns_the_viewer_on():
    assert {name: bool(config.DEV_MAIL_VIEWER) for name, config in CONFIGS.items()} == {
        name: name == "development" for name in CONFIGS}


def test_without_the_setting_there_is_no_such_page(client):
    assert client.get("/dev/courriels/").status_code == 404


def test_a_registration_mail_is_listed_and_read_with_its_invitation(viewer):
    step = open_step()
    db.session.commit()
    client = viewer.test_client()
    response = post_form(client, f"/etapes/{step.id}/inscription", form(step),
                         token_from="/connexion")
    assert response.status_code == 302

    listing = client.get("/dev/courriels/").get_data(as_text=True)
    assert "camille.durand@example.org" in listing
    assert "Inscription confirmée : Concertation CNR santé — Lot" in listing
    mail_id = re.search(r'href="/dev/courriels/(\d+)"', listing).group(1)

    page = client.get(f"/dev/courriels/{mail_id}").get_data(as_text=True)
    assert "/inscriptions/" in page  # the personal link, one click away
    assert "invitation.ics" in page
    html_body = client.get(f"/dev/courriels/{mail_id}/html")
    assert "sandbox" in html_body.headers["Content-Security-Policy"]
    assert "Concertation CNR santé — Lot" in html_body.get_data(as_text=True)

    number = re.findall(r'href="/dev/courriels/\d+/pieces/(\d+)"', page)[
        re.findall(r">([^<]+)</a> \(", page).index("invitation.ics")]
    download = client.get(f"/dev/courriels/{mail_id}/pieces/{number}")
    event = icalendar.Calendar.from_ical(download.data).walk("VEVENT")[0]
    assert str(event["uid"]) == f"{step.uid}@concerto"
    assert client.get(f"/dev/courriels/{mail_id}/pieces/99").status_code == 404


def test_the_setting_turned_off_after_start_up_answers_404(viewer):
    viewer.config["DEV_MAIL_VIEWER"] = False
    assert viewer.test_client().get("/dev/courriels/").status_code == 404
