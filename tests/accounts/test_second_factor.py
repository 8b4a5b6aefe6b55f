"""Two-factor authentication (TOTP): turning it on, signing in with it, and its rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest

from app.accounts.models import Role
from app.extensions import db
from tests.factories import PASSWORD, make_user
from tests.helpers import login_as, post_form

SECRET = re.compile(r'class="concerto-secret">([A-Z2-7]+)<')


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, email="orga@ars.example")


# A fixed 30-second time step, so that codes do not change under a running test.
STEP = int(datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()) // 30


def _at_step(app, step: int) -> None:
    app.config["CONCERTO_NOW"] = datetime.fromtimestamp(step * 30 + 1, UTC).isoformat()


def _code(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * 30)


def _turn_on(app, client, user) -> str:
    _at_step(app, STEP)
    login_as(client, user)
    page = client.get("/gestion/compte/double-facteur").get_data(as_text=True)
    assert "<svg" in page  # the QR code
    secret = SECRET.search(page).group(1)
    response = post_form(client, "/gestion/compte/double-facteur",
                         {"code": _code(secret, STEP)})
    assert response.headers["Location"] == "/gestion/compte/double-facteur/codes-de-secours"
    return secret


def _password_step(client):
    return post_form(client, "/connexion", {"email": "orga@ars.example", "password": PASSWORD})


def test_a_wrong_first_code_does_not_turn_it_on(client, organiser):
    login_as(client, organiser)
    client.get("/gestion/compte/double-facteur")
    html = post_form(client, "/gestion/compte/double-facteur", {"code": "000000"}
                     ).get_data(as_text=True)
    assert "Ce code ne correspond pas" in html
    html = post_form(client, "/gestion/compte/double-facteur", {"code": "12ab"}
                     ).get_data(as_text=True)
    assert "Le code compte 6 chiffres" in html
    db.session.refresh(organiser)
    assert not organiser.has_second_factor


def test_sign_in_asks_for_the_code_after_the_password(app, client, organiser):
    secret = _turn_on(app, client, organiser)
    browser = app.test_client()
    response = _password_step(browser)
    assert response.headers["Location"] == "/connexion/verification"
    assert browser.get("/gestion/").status_code == 302  # not signed in yet

    html = post_form(browser, "/connexion/verification", {"code": "123456"}
                     ).get_data(as_text=True)
    assert "Ce code n’est pas valable" in html
    # The code that turned 2FA on was seen: it cannot open a session.
    post_form(browser, "/connexion/verification", {"code": _code(secret, STEP)})
    assert browser.get("/gestion/").status_code == 302
    # The next one, 30 seconds later, does.
    _at_step(app, STEP + 1)
    response = post_form(browser, "/connexion/verification", {"code": _code(secret, STEP + 1)})
    assert response.headers["Location"] == "/gestion/"
    assert browser.get("/gestion/").status_code == 200


def test_a_code_cannot_be_used_twice(app, client, organiser):
    secret = _turn_on(app, client, organiser)
    _at_step(app, STEP + 1)
    code = _code(secret, STEP + 1)
    first, second = app.test_client(), app.test_client()
    _password_step(first)
    assert post_form(first, "/connexion/verification", {"code": code}
                     ).headers["Location"] == "/gestion/"
    _password_step(second)
    html = post_form(second, "/connexion/verification", {"code": code}).get_data(as_text=True)
    assert "Ce code n’est pas valable" in html
    assert second.get("/gestion/").status_code == 302


def test_a_code_from_the_previous_step_is_accepted_for_clock_drift(app, client, organiser):
    secret = _turn_on(app, client, organiser)
    _at_step(app, STEP + 5)
    browser = app.test_client()
    _password_step(browser)
    assert post_form(browser, "/connexion/verification", {"code": _code(secret, STEP + 4)}
                     ).headers["Location"] == "/gestion/"


def test_the_code_step_cannot_be_reached_without_the_password(client, organiser):
    response = post_form(client, "/connexion/verification", {"code": "123456"},
                         token_from="/connexion")
    assert response.headers["Location"] == "/connexion"
    assert client.get("/gestion/").status_code == 302


def test_wrong_codes_count_towards_the_lock(app, client, organiser):
    _turn_on(app, client, organiser)
    browser = app.test_client()
    _password_step(browser)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        html = post_form(browser, "/connexion/verification", {"code": "000000"}
                         ).get_data(as_text=True)
    assert "ce compte est verrouillé" in html
    db.session.refresh(organiser)
    assert organiser.is_locked


def test_admins_must_turn_it_on_when_the_setting_says_so(app, client):
    app.config["REQUIRE_ADMIN_2FA"] = True
    admin = make_user(Role.ADMIN, email="admin@ars.example")
    response = post_form(client, "/connexion", {"email": "admin@ars.example",
                                                "password": PASSWORD})
    assert response.headers["Location"] == "/gestion/compte/double-facteur"
    for url in ("/gestion/", "/gestion/journal", "/gestion/comptes/"):
        assert client.get(url).headers["Location"] == "/gestion/compte/double-facteur"
    html = client.get("/gestion/compte/double-facteur").get_data(as_text=True)
    assert "obligatoire pour les administrateurs" in html
    _turn_on(app, client, admin)
    assert client.get("/gestion/").status_code == 200
    # ...and cannot turn it off again.
    post_form(client, "/gestion/compte/double-facteur/desactiver", {},
              token_from="/gestion/compte/")
    db.session.refresh(admin)
    assert admin.has_second_factor


def test_an_admin_can_remove_a_lost_second_factor(app, client, organiser):
    _turn_on(app, client, organiser)
    admin = make_user(Role.ADMIN, email="admin@ars.example")
    login_as(client, admin)
    post_form(client, f"/gestion/comptes/{organiser.id}/reinitialiser-double-facteur", {},
              token_from=f"/gestion/comptes/{organiser.id}")
    db.session.refresh(organiser)
    assert not organiser.has_second_factor
    browser = app.test_client()
    assert _password_step(browser).headers["Location"] == "/gestion/"


def _recovery_codes_shown(client) -> list[str]:
    page = client.get("/gestion/compte/double-facteur/codes-de-secours")
    assert page.headers["Cache-Control"] == "no-store"
    return re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", page.get_data(as_text=True))


def test_turning_it_on_shows_ten_recovery_codes_once(app, client, organiser):
    _turn_on(app, client, organiser)
    codes = _recovery_codes_shown(client)
    assert len(set(codes)) == 10
    # Shown once: the page does not show them again.
    again = client.get("/gestion/compte/double-facteur/codes-de-secours")
    assert again.headers["Location"] == "/gestion/compte/"
    db.session.refresh(organiser)
    assert len(organiser.recovery_hashes) == 10
    assert not any(code in str(organiser.recovery_hashes) for code in codes)


def test_a_recovery_code_opens_the_account_once(app, client, organiser):
    _turn_on(app, client, organiser)
    code = _recovery_codes_shown(client)[3]
    first = app.test_client()
    _password_step(first)
    response = post_form(first, "/connexion/verification", {"code": code.upper()})
    assert response.headers["Location"] == "/gestion/"
    second = app.test_client()
    _password_step(second)
    html = post_form(second, "/connexion/verification", {"code": code}).get_data(as_text=True)
    assert "Ce code n’est pas valable" in html
    db.session.refresh(organiser)
    assert len(organiser.recovery_hashes) == 9
    assert "<strong>9</strong> sur 10" in first.get("/gestion/compte/").get_data(as_text=True)


def test_new_recovery_codes_replace_the_old_ones(app, client, organiser):
    _turn_on(app, client, organiser)
    old = _recovery_codes_shown(client)
    post_form(client, "/gestion/compte/double-facteur/codes-de-secours", {},
              token_from="/gestion/compte/")
    new = _recovery_codes_shown(client)
    assert len(new) == 10 and not set(old) & set(new)
    browser = app.test_client()
    _password_step(browser)
    assert "pas valable" in post_form(browser, "/connexion/verification",
                                      {"code": old[0]}).get_data(as_text=True)
    assert post_form(browser, "/connexion/verification", {"code": new[0]}
                     ).headers["Location"] == "/gestion/"
