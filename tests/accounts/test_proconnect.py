"""ProConnect sign-in for staff, against a real OpenID Connect provider on loopback
(tests/oidc_provider.py): an invitation decides who may sign in, the first sign-in links the
identity to the invited account, and every broken or hostile answer (replayed or forged state,
wrong nonce, another key's signature, an expired token, PKCE left out) ends on a French page
without a session. Logout ends the session at the provider too."""

from __future__ import annotations

import json
import secrets
import time

import pyotp
import pytest
import requests
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from joserfc.jwk import RSAKey
from joserfc.jws import extract_compact

from app import create_app
from app.accounts import services
from app.accounts.models import Role, User
from app.audit import AuditEntry
from app.extensions import db
from tests import oidc_provider as loopback
from tests.factories import PASSWORD, make_region, make_user
from tests.helpers import csrf_token, login_as, migration_app, post_form
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, configure, provider_key_id, query

# The loopback provider's fixtures, used here.
_loopback_provider, oidc_provider = loopback._loopback_provider, loopback.oidc_provider

AGENT = "agent-ars-occitanie-0042"
EMAIL = "nadia.orga@ars.example"
SIRET = "13002526500013"


@pytest.fixture
def proconnect(app, oidc_provider):
    configure(app, "PROCONNECT", oidc_provider)
    oidc_provider.add_user(AGENT, email=EMAIL, given_name="Nadia", usual_name="Orga",
                           siret=SIRET, uid="nadia.orga")
    return oidc_provider


def invite(email: str = EMAIL, role: Role = Role.ORGANISER) -> User:
    admin = make_user(Role.ADMIN, email="admin@ars.example")
    return services.invite(email, "Nadia Orga", role, [make_region()], by=admin)


def authorization_url(client, path: str = "/connexion/proconnect") -> str:
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sign_in(client, provider, sub: str = AGENT, change=None):
    """Click « Se connecter avec ProConnect », sign in at the provider as ``sub``, come back;
    ``change`` alters the authorization URL on its way (an attacker's doing)."""
    url = authorization_url(client)
    return client.get(provider.sign_in(change(url) if change else url, sub))


def page(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client) -> bool:
    return client.get("/gestion/").status_code == 200


def reloaded(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


class _Closed:
    """A provider's address where nothing listens."""
    url = "http://127.0.0.1:9"


def test_the_login_page_offers_proconnect_only_once_configured(app, client):
    assert "ProConnect" not in page(client.get("/connexion"))
    assert client.get("/connexion/proconnect").status_code == 404
    configure(app, "PROCONNECT", _Closed)
    html = page(client.get("/connexion"))
    assert "Se connecter avec" in html and "fr-connect--pro" in html
    assert 'id="password"' in html  # the password stays, unless PROCONNECT_REQUIRED


def test_nothing_is_fetched_before_the_first_sign_in(app, client):
    configure(app, "PROCONNECT", _Closed)
    # create_app and the login page never call the provider: they work with it unreachable.
    create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", **{
        key: value for key, value in app.config.items() if key.startswith("PROCONNECT")}})
    assert client.get("/connexion").status_code == 200
    started = time.monotonic()
    response = client.get("/connexion/proconnect")
    assert response.status_code == 503
    assert "ProConnect ne répond pas pour le moment" in page(response)
    assert time.monotonic() - started < app.config["OIDC_TIMEOUT_SECONDS"]


def test_an_invited_agent_signs_in_and_is_linked_to_the_invitation(client, proconnect):
    user = invite()
    url = authorization_url(client)
    params = query(url)
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://localhost/connexion/proconnect/retour"
    assert params["scope"] == "openid email given_name usual_name siret uid"
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32  # as ProConnect asks

    response = client.get(proconnect.sign_in(url, AGENT))
    assert response.status_code == 302 and response.headers["Location"] == "/gestion/"
    dashboard = client.get("/gestion/")
    assert dashboard.status_code == 200 and "Bienvenue, Nadia Orga." in page(dashboard)
    [token_request] = proconnect.token_requests
    assert token_request["code_verifier"] and token_request["client_secret"] == CLIENT_SECRET
    user = reloaded(user)
    assert user.proconnect_sub == AGENT and user.state_label == "Actif"
    assert user.last_login_at is not None
    entries = {entry.action: entry.summary for entry in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_id == user.id))}
    assert entries["user.proconnect_link"] == (
        f"Identité ProConnect reliée au compte (SIRET {SIRET})")
    assert entries["user.login"] == f"Connexion avec ProConnect (SIRET {SIRET})"


def test_later_sign_ins_find_the_account_by_its_sub(app, client, proconnect):
    user = invite()
    sign_in(client, proconnect)
    client.delete_cookie("session")
    # The address changed at the provider: the sub still names the same account.
    proconnect.add_user(AGENT, email="nadia.orga@nouvelle-adresse.example", siret=SIRET)
    response = sign_in(client, proconnect)
    assert response.headers["Location"] == "/gestion/"
    assert reloaded(user).email == EMAIL
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_an_identity_without_an_invitation_gets_a_french_page_and_no_account(client,
                                                                             proconnect):
    make_user(Role.ADMIN, email="admin@ars.example")
    response = sign_in(client, proconnect)
    assert response.status_code == 403
    assert "Connexion avec ProConnect impossible" in page(response)
    assert f"Aucun compte Concerto n’a été ouvert pour l’adresse {EMAIL}" in page(response)
    assert "Les comptes sont créés sur invitation" in page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert not signed_in(client)


def test_a_disabled_account_is_refused_and_stays_unlinked(client, proconnect):
    user = invite()
    user.active = False
    db.session.commit()
    response = sign_in(client, proconnect)
    assert response.status_code == 403
    assert "Ce compte Concerto est désactivé" in page(response)
    assert reloaded(user).proconnect_sub is None
    assert not signed_in(client)


def test_a_linked_account_that_is_disabled_later_is_refused(client, proconnect):
    user = invite()
    sign_in(client, proconnect)
    client.delete_cookie("session")
    user = reloaded(user)
    user.active = False
    db.session.commit()
    response = sign_in(client, proconnect)
    assert response.status_code == 403 and "désactivé" in page(response)


def test_an_account_linked_to_another_identity_is_refused(client, proconnect):
    user = invite()
    user.proconnect_sub = "someone-else"
    db.session.commit()
    response = sign_in(client, proconnect)
    assert response.status_code == 403
    assert "déjà relié à une autre identité ProConnect" in page(response)
    assert not signed_in(client)


def test_a_replayed_callback_is_refused(client, proconnect):
    invite()
    url = authorization_url(client)
    callback = proconnect.sign_in(url, AGENT)
    before = client.get_cookie("session").value
    assert client.get(callback).headers["Location"] == "/gestion/"
    # The same address again: its state was used up.
    client.delete_cookie("session")
    replayed = client.get(callback)
    assert replayed.status_code == 400
    assert "Cette demande de connexion n’est plus valable" in page(replayed)
    # With the session cookie of before: the provider refuses a code used once already.
    client.set_cookie("session", before)
    replayed = client.get(callback)
    assert replayed.status_code == 400
    assert "ProConnect a refusé de terminer la connexion" in page(replayed)
    assert not signed_in(client)


def test_an_agent_who_cancels_at_proconnect_is_told_so(client, proconnect):
    invite()
    url = authorization_url(client)
    denied = requests.post(url, data={"action": "deny"}, allow_redirects=False, timeout=10)
    response = client.get(denied.headers["Location"])
    assert response.status_code == 403
    assert "La connexion avec ProConnect a été annulée." in page(response)
    assert not signed_in(client)


def test_a_forged_state_is_refused_before_the_code_is_used(client, proconnect):
    invite()
    callback = proconnect.sign_in(authorization_url(client), AGENT)
    forged = callback.replace(query(callback)["state"], secrets.token_urlsafe(32))
    response = client.get(forged)
    assert response.status_code == 400
    assert "Cette demande de connexion n’est plus valable" in page(response)
    assert proconnect.token_requests == []
    assert not signed_in(client)


def test_an_id_token_with_another_nonce_is_refused(client, proconnect):
    invite()
    response = sign_in(client, proconnect, change=lambda url: url.replace(
        query(url)["nonce"], secrets.token_urlsafe(32)))
    assert response.status_code == 400
    assert "ne correspond pas à cette demande de connexion (nonce différent)" in page(response)
    assert not signed_in(client)


def test_an_id_token_signed_by_another_key_is_refused(client, proconnect):
    invite()
    # Same key id as the provider's published key, another private key.
    proconnect.signing_key = RSAKey.generate_key(2048, {"kid": provider_key_id(proconnect)})
    response = sign_in(client, proconnect)
    assert response.status_code == 400
    assert "La signature de la réponse de ProConnect n’a pas pu être vérifiée" in page(response)
    assert not signed_in(client)


def test_a_signed_userinfo_answer_is_read_once_its_signature_is_checked(client, proconnect):
    invite()
    proconnect.sign_userinfo = True  # application/jwt, as ProConnect answers
    response = sign_in(client, proconnect)
    assert response.status_code == 302 and signed_in(client)


def test_a_userinfo_answer_signed_by_another_key_is_refused(client, proconnect):
    invite()
    proconnect.sign_userinfo = True
    proconnect.userinfo_key = RSAKey.generate_key(2048, {"kid": provider_key_id(proconnect)})
    response = sign_in(client, proconnect)
    assert response.status_code == 400
    assert "n’a pas pu être vérifiée" in page(response)
    assert not signed_in(client)


def test_an_expired_id_token_is_refused(client, proconnect):
    invite()
    proconnect.rewrite_id_token = lambda claims: {
        **claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    response = sign_in(client, proconnect)
    assert response.status_code == 400
    assert "Le jeton d’identité envoyé par ProConnect a expiré" in page(response)
    assert not signed_in(client)


def test_the_code_is_useless_without_its_pkce_verifier(client, proconnect):
    invite()
    # The challenge taken out on the way: the provider then refuses the verifier.
    response = sign_in(client, proconnect, change=lambda url: url.replace(
        "code_challenge=", "challenge_retire="))
    assert response.status_code == 400
    assert "ProConnect a refusé de terminer la connexion" in page(response)
    assert not signed_in(client)


def test_the_sign_in_goes_on_to_the_page_asked_for(client, proconnect):
    invite(role=Role.ADMIN)
    url = authorization_url(client, "/connexion/proconnect?next=/gestion/comptes/")
    response = client.get(proconnect.sign_in(url, AGENT))
    assert response.headers["Location"] == "/gestion/comptes/"
    other = client.application.test_client()
    url = authorization_url(other, "/connexion/proconnect?next=https://ailleurs.example/")
    response = other.get(proconnect.sign_in(url, AGENT))
    assert response.headers["Location"] == "/gestion/"  # never to another site


def test_an_admin_signed_in_with_proconnect_must_still_turn_a_code_on(app, client,
                                                                      proconnect):
    app.config["REQUIRE_ADMIN_2FA"] = True
    invite(role=Role.ADMIN)
    sign_in(client, proconnect)
    dashboard = client.get("/gestion/")
    assert dashboard.status_code == 302
    assert dashboard.headers["Location"].endswith("/gestion/compte/double-facteur")


def test_an_account_in_use_is_not_opened_by_its_address_alone(client, proconnect):
    holder = make_user(Role.ADMIN, email=EMAIL)  # has a password: in use
    response = sign_in(client, proconnect)
    assert response.status_code == 403
    assert "déjà utilisé avec un mot de passe" in page(response)
    assert "« Mon compte »" in page(response)
    assert reloaded(holder).proconnect_sub is None and not signed_in(client)


def test_the_holder_links_their_account_from_mon_compte_then_signs_in_with_proconnect(
        client, proconnect):
    holder = make_user(Role.ORGANISER, email=EMAIL)
    login_as(client, holder)
    assert "Relier mon identité ProConnect" in page(client.get("/gestion/compte/"))
    start = post_form(client, "/gestion/compte/proconnect", {}, token_from="/gestion/compte/")
    assert start.status_code == 302 and start.headers["Location"].startswith(proconnect.url)
    back = client.get(proconnect.sign_in(start.headers["Location"], AGENT))
    assert back.status_code == 302 and back.headers["Location"] == "/gestion/compte/"
    assert reloaded(holder).proconnect_sub == AGENT
    assert "Reliée" in page(client.get("/gestion/compte/"))
    client.delete_cookie("session")
    assert sign_in(client, proconnect).headers["Location"] == "/gestion/"
    assert signed_in(client)


def test_a_linked_account_with_a_second_factor_still_asks_its_code(client, proconnect):
    user = invite()
    sign_in(client, proconnect)  # the invitation's first sign-in links it
    secret = pyotp.random_base32()
    user = reloaded(user)
    user.totp_secret = secret
    db.session.commit()
    client.delete_cookie("session")
    response = sign_in(client, proconnect)
    assert response.headers["Location"] == "/connexion/verification"
    assert not signed_in(client)
    done = post_form(client, "/connexion/verification", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and signed_in(client)
    # The session was opened with ProConnect: logging out ends it there too.
    logout = post_form(client, "/deconnexion", {}, token_from="/gestion/")
    assert logout.headers["Location"].startswith(f"{proconnect.url}/oauth2/end_session?")


def test_logout_ends_the_session_at_proconnect_too(client, proconnect):
    invite()
    sign_in(client, proconnect)
    dashboard = client.get("/gestion/")
    # The logout form may go on to the provider's end-session page.
    assert f"form-action 'self' {proconnect.url}" in dashboard.headers["Content-Security-Policy"]
    response = post_form(client, "/deconnexion", {}, token_from="/gestion/")
    assert response.status_code == 302
    end_session = response.headers["Location"]
    assert end_session.startswith(f"{proconnect.url}/oauth2/end_session?")
    params = query(end_session)
    assert params["post_logout_redirect_uri"] == "http://localhost/deconnexion/proconnect"
    assert len(params["state"]) >= 32
    hint = extract_compact(params["id_token_hint"].encode())
    assert json.loads(hint.payload)["sub"] == AGENT
    assert not signed_in(client)  # signed out here before going there

    home = client.get(proconnect.end_session(end_session), follow_redirects=True)
    assert "Vous êtes déconnecté." in page(home)
    assert "Votre session ProConnect est fermée aussi." in page(home)


def test_a_logout_return_that_was_not_asked_for_is_said_so(client, proconnect):
    home = client.get(f"/deconnexion/proconnect?state={secrets.token_urlsafe(32)}",
                      follow_redirects=True)
    assert "ne correspond à aucune déconnexion demandée ici" in page(home)


def test_a_password_session_logs_out_here_only(client, proconnect):
    make_user(Role.ORGANISER, [make_region()], email=EMAIL)
    post_form(client, "/connexion", {"email": EMAIL, "password": PASSWORD})
    assert signed_in(client)
    response = post_form(client, "/deconnexion", {}, token_from="/gestion/")
    assert response.headers["Location"] == "/"


def test_proconnect_required_turns_the_password_off(app, client, proconnect):
    app.config["PROCONNECT_REQUIRED"] = True
    make_user(Role.ORGANISER, [make_region()], email=EMAIL)
    html = page(client.get("/connexion"))
    assert "fr-connect--pro" in html
    assert 'id="password"' not in html and "Mot de passe oublié" not in html
    response = client.post("/connexion", data={"email": EMAIL, "password": "x",
                                               "csrf_token": csrf_token(
                                                   client, "/mot-de-passe-oublie")})
    assert response.status_code == 403
    assert "La connexion par mot de passe est désactivée sur ce site" in page(response)
    assert not signed_in(client)


def test_proconnect_required_without_proconnect_is_refused_at_start_up():
    with pytest.raises(RuntimeError, match="PROCONNECT_REQUIRED=1 demande PROCONNECT_ISSUER"):
        create_app("testing", {"PROCONNECT_REQUIRED": True})


def test_the_proconnect_migration_goes_down_and_up(tmp_path):
    with migration_app(tmp_path).app_context():
        upgrade(revision="0029_proconnect_identity")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns(
            "user_account")}
        assert "proconnect_sub" in columns
        downgrade(revision="0028_proposal_follow_ups")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns(
            "user_account")}
        assert "proconnect_sub" not in columns
        upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("offered", [["none"], ["HS256"], []])
def test_a_signed_answer_is_only_checked_with_a_published_key(app, offered):
    from app import oidc

    metadata = {"userinfo_signing_alg_values_supported": offered, "issuer": "https://x"}
    with pytest.raises(oidc.SignInError, match="clé publiée"):
        oidc._verified_jwt(None, metadata, "a.b.c")  # refused before any key is read
