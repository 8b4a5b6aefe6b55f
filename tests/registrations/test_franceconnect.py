"""FranceConnect on the registration form, optional, against a real OpenID Connect provider on
loopback (tests/oidc_provider.py): it asks for the first name, last name and email address
and nothing more, pre-fills them once, ends the FranceConnect session at once, and leaves the
form as it was when it is not configured or when the participant does without it."""

from __future__ import annotations

import lxml.html
import pytest

from app.registrations.franceconnect import PREFILL_KEY
from tests import oidc_provider as loopback
from tests.oidc_provider import configure, query
from tests.registrations.helpers import open_step

# The loopback provider's fixtures, used here.
_loopback_provider, oidc_provider = loopback._loopback_provider, loopback.oidc_provider
CITIZEN = "citoyen-fc-0001"


@pytest.fixture(autouse=True)
def before_the_step(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


@pytest.fixture
def franceconnect(app, oidc_provider):
    configure(app, "FRANCECONNECT", oidc_provider)
    # More than the three claims: the provider must release only what is asked.
    oidc_provider.add_user(CITIZEN, email="angela.dubois@example.fr", given_name="Angela Claire",
                           family_name="Dubois", birthdate="1962-08-24",
                           phone_number="0612345678")
    return oidc_provider


def values(client, step) -> dict[str, str]:
    document = lxml.html.fromstring(client.get(f"/etapes/{step.id}/inscription")
                                    .get_data(as_text=True))
    return {name: (document.xpath(f"//input[@id='{name}']/@value") or [""])[0]
            for name in ("first_name", "last_name", "email", "phone")}


def through_franceconnect(client, provider, step) -> str:
    """Click « S’identifier avec FranceConnect », sign in there, come back: the address the
    browser lands on at last."""
    response = client.get(f"/etapes/{step.id}/inscription/franceconnect")
    assert response.status_code == 302
    callback = provider.sign_in(response.headers["Location"], CITIZEN)
    response = client.get(callback)
    assert response.status_code == 302
    end_session = response.headers["Location"]
    assert end_session.startswith(f"{provider.url}/oauth2/end_session?")
    response = client.get(provider.end_session(end_session))
    assert response.status_code == 302
    return response.headers["Location"]


def test_without_franceconnect_the_form_is_as_before(client):
    step = open_step()
    html = client.get(f"/etapes/{step.id}/inscription").get_data(as_text=True)
    assert "FranceConnect" not in html
    assert client.get(f"/etapes/{step.id}/inscription/franceconnect").status_code == 404


def test_the_button_is_offered_beside_the_form(client, franceconnect):
    step = open_step()
    html = client.get(f"/etapes/{step.id}/inscription").get_data(as_text=True)
    assert "S’identifier avec" in html and "fr-connect__brand" in html
    assert "Vous pouvez aussi remplir le formulaire vous-même" in html
    assert values(client, step) == {"first_name": "", "last_name": "", "email": "",
                                    "phone": ""}


def test_franceconnect_fills_the_three_fields_once(client, franceconnect):
    step = open_step()
    response = client.get(f"/etapes/{step.id}/inscription/franceconnect")
    params = query(response.headers["Location"])
    assert params["scope"] == "openid given_name family_name email"  # nothing more
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://localhost/franceconnect/retour"

    landing = through_franceconnect(client, franceconnect, step)
    assert landing == f"/etapes/{step.id}/inscription"
    with client.session_transaction() as session:
        assert session[PREFILL_KEY] == {"first_name": "Angela Claire", "last_name": "Dubois",
                                        "email": "angela.dubois@example.fr"}
    html = client.get(landing).get_data(as_text=True)
    assert "viennent de FranceConnect" in html
    document = lxml.html.fromstring(html)
    assert document.xpath("//input[@id='first_name']/@value") == ["Angela Claire"]
    assert document.xpath("//input[@id='last_name']/@value") == ["Dubois"]
    assert document.xpath("//input[@id='email']/@value") == ["angela.dubois@example.fr"]
    assert document.xpath("//input[@id='phone']/@value") in ([], [""])  # not asked
    # Shown once: the values are gone from the session.
    with client.session_transaction() as session:
        assert PREFILL_KEY not in session
    assert values(client, step)["first_name"] == ""


def test_a_forged_state_fills_nothing(client, franceconnect):
    step = open_step()
    response = client.get(f"/etapes/{step.id}/inscription/franceconnect")
    callback = franceconnect.sign_in(response.headers["Location"], CITIZEN)
    forged = callback.replace(query(callback)["state"], "x" * 43)
    page = client.get(forged)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "FranceConnect n’a pas pu remplir le formulaire" in html
    assert "Cette demande de connexion n’est plus valable" in html
    assert f'href="/etapes/{step.id}/inscription"' in html  # the form, without FranceConnect
    assert values(client, step)["email"] == ""


def test_an_expired_id_token_fills_nothing(client, franceconnect):
    step = open_step()
    franceconnect.rewrite_id_token = lambda claims: {**claims, "exp": claims["iat"] - 3600}
    response = client.get(f"/etapes/{step.id}/inscription/franceconnect")
    page = client.get(franceconnect.sign_in(response.headers["Location"], CITIZEN))
    assert page.status_code == 400
    assert "Le jeton d’identité envoyé par FranceConnect a expiré" in page.get_data(
        as_text=True)
    assert values(client, step)["email"] == ""
