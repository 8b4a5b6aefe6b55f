"""Signing in and out of the organiser space."""

import pytest

from app.accounts.models import Role
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, post_form


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, email="orga@ars.example")


def test_login_with_the_right_password_opens_the_back_office(client, organiser):
    response = post_form(client, "/connexion", {"email": " ORGA@ars.example ",
                                                "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/gestion/"
    assert "Gestion des étapes" in client.get("/gestion/").get_data(as_text=True)


def test_wrong_password_gets_a_french_error_and_keeps_the_email(client, organiser):
    response = post_form(client, "/connexion", {"email": "orga@ars.example",
                                                "password": "faux"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in html
    assert 'value="orga@ars.example"' in html
    assert client.get("/gestion/").status_code == 302


def test_empty_login_form_explains_what_is_missing(client):
    html = post_form(client, "/connexion", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Indiquez votre adresse électronique." in html
    assert "Indiquez votre mot de passe." in html


def test_disabled_account_cannot_log_in(client):
    make_user(Role.ORGANISER, email="parti@ars.example", active=False)
    response = post_form(client, "/connexion", {"email": "parti@ars.example",
                                                "password": PASSWORD})
    assert "incorrect" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_login_never_redirects_to_another_site(client, organiser, target):
    token = csrf_token(client)
    response = client.post(f"/connexion?next={target}",
                           data={"email": "orga@ars.example", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/gestion/"


def test_login_returns_to_the_page_asked_for(client, organiser):
    token = csrf_token(client)
    response = client.post("/connexion?next=/gestion/journal",
                           data={"email": "orga@ars.example", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/gestion/journal"


def test_post_without_csrf_token_is_refused(client, organiser):
    response = client.post("/connexion", data={"email": "orga@ars.example",
                                                "password": PASSWORD})
    assert response.status_code == 400
    assert "a expiré" in response.get_data(as_text=True)
    assert client.get("/gestion/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, organiser):
    post_form(client, "/connexion", {"email": "orga@ars.example", "password": PASSWORD})
    assert client.get("/deconnexion").status_code == 405
    response = post_form(client, "/deconnexion", {}, token_from="/gestion/")
    assert response.status_code == 302
    assert client.get("/gestion/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, organiser):
    response = post_form(client, "/connexion", {"email": "orga@ars.example",
                                                "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_next_address_that_is_not_a_url_is_ignored(client, organiser):
    token = csrf_token(client)
    response = client.post("/connexion?next=//[", data={
        "email": "orga@ars.example", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/gestion/"
