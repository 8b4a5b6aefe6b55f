"""A refused CSRF token (expired, or a session lost) never throws a public form away: the page
comes back with everything typed, a fresh token and « La page a expiré », and sending it
again works. Nothing is done by the refused POST."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import date
from datetime import time as day_time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.accounts.models import Role
from app.contributions.models import Contribution
from app.extensions import db
from app.forms import EMAIL_INVALID
from app.press.models import PressAccreditation
from app.registrations.models import Registration
from tests.contributions.support import contribution_form
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import CSRF_PATTERN, csrf_token, login_as
from tests.registrations.helpers import form as registration_form
from tests.registrations.helpers import open_step

TESTIMONY = ("Le centre de santé de Decazeville a fermé en 2021 ; depuis, je fais 45 minutes "
             "de route pour un généraliste & mes enfants n’ont plus de pédiatre. " * 30)[:4990]


@dataclass
class FormCase:
    url: str
    data: dict
    typed: list[str]  # what must come back in the page, as typed


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _contribution(request) -> FormCase:
    world = request.getfixturevalue("world")
    data = contribution_form(world, body=TESTIMONY, pseudonym="Mireille de Firmi")
    return FormCase("/demarches/cnr/contribuer", data, [TESTIMONY, "Mireille de Firmi"])


def _registration() -> FormCase:
    step = open_step()
    data = registration_form(step, first_name="Éloïse", accessibility_needs="Boucle magnétique")
    return FormCase(f"/etapes/{step.id}/inscription", data, ["Éloïse", "Boucle magnétique"])


def _accreditation() -> FormCase:
    campaign = make_campaign(title="CNR santé — Occitanie 2022")
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    step = make_step(campaign, lot, title="Concertation CNR santé — Lot", day=date(2022, 11, 18),
                     start_time=day_time(10), end_time=day_time(16))
    data = {"name": "Claire Martin-Ségur", "outlet": "La Dépêche du Midi",
            "email": "claire.martin@example.org", "phone": "05 65 00 00 00",
            "steps": [step.id], "consent": "y"}
    return FormCase("/presse/accreditation", data, ["Claire Martin-Ségur", "La Dépêche du Midi"])


def _link_request() -> FormCase:
    step = open_step()
    return FormCase(f"/etapes/{step.id}/inscription/lien",
                    {"email": "camille.durand@example.org"}, ["camille.durand@example.org"])


def _password_reset() -> FormCase:
    make_user(Role.ORGANISER, email="orga@ars.example")
    return FormCase("/mot-de-passe-oublie", {"email": "orga@ars.example"}, ["orga@ars.example"])


CASES = {
    "contribution": (_contribution, Contribution),
    "inscription": (lambda _request: _registration(), Registration),
    "accreditation": (lambda _request: _accreditation(), PressAccreditation),
    "lien-inscription": (lambda _request: _link_request(), None),
    "mot-de-passe": (lambda _request: _password_reset(), None),
}


@pytest.fixture(autouse=True)
def before_the_steps(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


def expired_token(app, client, url: str) -> str:
    """The client's own CSRF token, signed as if the page had been opened too long ago."""
    csrf_token(client, url)  # the session now holds its CSRF secret, as after opening the page
    with client.session_transaction() as session:
        secret = session["csrf_token"]

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - app.config["WTF_CSRF_TIME_LIMIT"] - 60

    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token",
                                        signer=LongAgo)
    return serializer.dumps(secret)


def assert_form_came_back(response, case: FormCase, sent_token: str | None) -> str:
    """The refused page: 400, the French message, what was typed, a fresh token; returned."""
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "La page a expiré : vérifiez puis renvoyez le formulaire." in page
    for typed in case.typed:
        assert typed in page
    fresh = CSRF_PATTERN.search(response.get_data(as_text=True)).group(1)
    assert fresh != sent_token
    return fresh


@pytest.mark.parametrize("name", list(CASES))
def test_an_expired_token_brings_the_form_back_filled_and_sending_again_works(
        app, client, smtp, request, name):
    build, model = CASES[name]
    case = build(request)
    sent = expired_token(app, client, case.url)
    response = client.post(case.url, data={**case.data, "csrf_token": sent})
    fresh = assert_form_came_back(response, case, sent)
    if model is not None:
        assert _count(model) == 0  # the refused POST did nothing
    again = client.post(case.url, data={**case.data, "csrf_token": fresh})
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    if model is not None:
        assert _count(model) == 1


@pytest.mark.parametrize("name", list(CASES))
def test_a_lost_session_brings_the_form_back_filled(app, client, request, name):
    build, model = CASES[name]
    case = build(request)
    response = client.post(case.url, data={**case.data, "csrf_token": "plus-valable"})
    assert_form_came_back(response, case, "plus-valable")
    if model is not None:
        assert _count(model) == 0


def test_a_refused_token_on_a_plain_button_explains_in_french(client, world):
    response = client.post("/contributions/1/soutenir", data={})
    assert response.status_code == 400
    assert "La page a expiré" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("address", ["pas-une-adresse@", "deux@@example.org", "sans-arobase"])
def test_every_public_form_refuses_the_same_bad_addresses_and_keeps_them(
        client, request, name, address):
    """One address rule everywhere (the password reset once accepted « pas-une-adresse@»)."""
    build, model = CASES[name]
    case = build(request)
    response = client.post(case.url, data={**case.data, "email": address,
                                           "csrf_token": csrf_token(client, case.url)})
    page = html.unescape(response.get_data(as_text=True))
    assert EMAIL_INVALID in page, name
    assert f'value="{address}"' in page
    if model is not None:
        assert _count(model) == 0


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_refused_token_on_a_back_office_form_of_someone_not_allowed_is_a_plain_refusal(
        client, signed_in):
    """The token is checked before the back office's own sign-in check: a form is shown
    again only to whom the back office would show it, everyone else gets the refusal."""
    if signed_in:
        login_as(client, make_user(Role.MODERATOR))  # signed in, but may not create a step
    response = client.post("/gestion/etapes/nouvelle", data={"title": "Réunion publique",
                                                             "csrf_token": "plus-valable"})
    assert response.status_code == 400  # was a 500: the view ran before the sign-in check
    assert "La page a expiré" in response.get_data(as_text=True)
    assert "Réunion publique" not in response.get_data(as_text=True)
