"""Staff accounts end to end: invitations, password links, lock-out, sessions, administration.
Mail goes through a real SMTP server on loopback; links are followed as a person would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.audit import AuditEntry
from app.extensions import db
from tests.factories import PASSWORD, make_departement, make_region, make_user
from tests.helpers import csrf_token, login_as, post_form

NEW_PASSWORD = "une phrase de passe solide"
LINK = re.compile(r"http://[^/\s]+(/mot-de-passe/\S+)")


@pytest.fixture
def territories():
    region = make_region()
    found = {"region": region, "aveyron": make_departement("12", "Aveyron", parent=region),
             "lot": make_departement("46", "Lot", "Cahors", parent=region)}
    db.session.commit()
    return found


@pytest.fixture
def admin():
    return make_user(Role.ADMIN, email="admin@ars.example")


def _link_in(message) -> str:
    match = LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert match, "no password link in the mail"
    return match.group(1)


def _later(app, **delta) -> None:
    """Move the app's clock forward (links and locks are checked against it)."""
    app.config["CONCERTO_NOW"] = (datetime.now(UTC) + timedelta(**delta)).isoformat()


def _invite(client, admin, places, **overrides):
    login_as(client, admin)
    data = {"email": "Nouvelle.Orga@ARS.example", "name": "Nadia Orga", "role": "organiser",
            "territories": [places["aveyron"].id], **overrides}
    return post_form(client, "/gestion/comptes/inviter", data)


def _login(client, email, password=PASSWORD, **kw):
    return post_form(client, "/connexion", {"email": email, "password": password}, **kw)


# --- Invitations --------------------------------------------------------------------------

def test_invited_organiser_chooses_a_password_then_signs_in(app, client, smtp, admin,
                                                            territories):
    response = _invite(client, admin, territories)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "nouvelle.orga@ars.example"))
    assert user.role is Role.ORGANISER and [t.code for t in user.territories] == ["12"]
    assert not user.has_password

    [message] = smtp.to("nouvelle.orga@ars.example")
    assert "Invitation" in message["Subject"]
    link = _link_in(message)
    other = app.test_client()
    page = other.get(link).get_data(as_text=True)
    assert "Bienvenue, Nadia Orga" in page and "Aveyron" in page
    response = post_form(other, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/connexion"
    assert _login(other, "nouvelle.orga@ars.example", NEW_PASSWORD).status_code == 302
    assert other.get("/gestion/").status_code == 200

    # The link has done its work: it cannot set the password again.
    again = app.test_client().get(link)
    assert again.status_code == 403 and "déjà servi" in again.get_data(as_text=True)
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"user.invite", "user.password_set", "user.login"} <= actions


def test_an_invitation_link_expires(app, client, smtp, admin, territories):
    _invite(client, admin, territories)
    link = _link_in(smtp.messages[-1])
    _later(app, days=app.config["INVITATION_LINK_DAYS"], minutes=1)
    response = app.test_client().get(link)
    assert response.status_code == 403
    assert "Ce lien a expiré" in response.get_data(as_text=True)


def test_a_tampered_link_is_refused(app, client, smtp, admin, territories):
    _invite(client, admin, territories)
    link = _link_in(smtp.messages[-1])
    response = app.test_client().get(link[:-3] + "abc")
    assert response.status_code == 403 and "pas valide" in response.get_data(as_text=True)


def test_invitation_form_explains_errors_and_keeps_what_was_typed(client, admin, territories):
    response = _invite(client, admin, territories, email="pas-une-adresse", territories=[],
                       name="Nadia <b>Orga</b>")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Indiquez une adresse électronique valide" in html
    assert "Choisissez au moins un territoire pour ce rôle." in html
    assert 'value="pas-une-adresse"' in html and "Nadia &lt;b&gt;Orga&lt;/b&gt;" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_an_address_cannot_be_invited_twice(client, smtp, admin, territories):
    make_user(Role.MODERATOR, email="deja@ars.example")
    html = _invite(client, admin, territories, email="DEJA@ars.example").get_data(as_text=True)
    assert "Un compte existe déjà pour cette adresse." in html
    assert smtp.messages == []


def test_password_rules_are_explained(app, client, smtp, admin, territories):
    _invite(client, admin, territories)
    link = _link_in(smtp.messages[-1])
    other = app.test_client()
    html = post_form(other, link, {"password": "court", "confirm": "court"}).get_data(
        as_text=True)
    assert "au moins 12 caractères" in html
    html = post_form(other, link, {"password": NEW_PASSWORD, "confirm": "autre chose"}
                     ).get_data(as_text=True)
    assert "Les deux mots de passe diffèrent." in html
    html = post_form(other, link, {"password": "aaaaaaaaaaaaaaaa", "confirm": "aaaaaaaaaaaaaaaa"}
                     ).get_data(as_text=True)
    assert "trop répétitif" in html
    mine = "Nouvelle.Orga-2026"
    html = post_form(other, link, {"password": mine, "confirm": mine}).get_data(as_text=True)
    assert "ne doit pas reprendre votre adresse électronique" in html


# --- Password reset -----------------------------------------------------------------------

def test_forgotten_password_link_resets_it_and_ends_other_sessions(app, client, smtp):
    user = make_user(Role.ORGANISER, email="orga@ars.example")
    elsewhere = app.test_client()
    _login(elsewhere, "orga@ars.example")
    assert elsewhere.get("/gestion/").status_code == 200

    response = post_form(client, "/mot-de-passe-oublie", {"email": "ORGA@ars.example"})
    assert response.status_code == 302
    link = _link_in(smtp.to("orga@ars.example")[0])
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert elsewhere.get("/gestion/").status_code == 302  # the other session is over
    assert _login(client, "orga@ars.example", PASSWORD).status_code == 200  # old one refused
    assert _login(client, "orga@ars.example", NEW_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_changed_at is not None


def test_forgotten_password_says_the_same_for_unknown_addresses(client, smtp):
    make_user(Role.ORGANISER, email="orga@ars.example")
    known = post_form(client, "/mot-de-passe-oublie", {"email": "orga@ars.example"},
                      follow_redirects=True).get_data(as_text=True)
    unknown = post_form(client, "/mot-de-passe-oublie", {"email": "personne@ars.example"},
                        follow_redirects=True).get_data(as_text=True)
    message = "Si un compte correspond à cette adresse"
    assert message in known and message in unknown
    assert [m["To"] for m in smtp.messages] == ["orga@ars.example"]


def test_a_reset_link_expires_quickly(app, client, smtp):
    make_user(Role.ORGANISER, email="orga@ars.example")
    post_form(client, "/mot-de-passe-oublie", {"email": "orga@ars.example"})
    link = _link_in(smtp.messages[-1])
    _later(app, minutes=app.config["PASSWORD_RESET_MINUTES"] + 1)
    assert app.test_client().get(link).status_code == 403


# --- Lock-out -----------------------------------------------------------------------------

def test_repeated_failures_lock_the_account_and_tell_its_owner(app, client, smtp):
    user = make_user(Role.ORGANISER, email="orga@ars.example")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        html = _login(client, "orga@ars.example", "mauvais").get_data(as_text=True)
        assert "mot de passe incorrect" in html
    html = _login(client, "orga@ars.example", "mauvais").get_data(as_text=True)
    assert "ce compte est verrouillé" in html
    [notice] = smtp.to("orga@ars.example")
    assert "verrouillé" in notice["Subject"]

    # Even the right password is refused while the lock lasts...
    html = _login(client, "orga@ars.example").get_data(as_text=True)
    assert "verrouillé" in html and client.get("/gestion/").status_code == 302
    # ...and works once it is over.
    _later(app, minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    assert _login(client, "orga@ars.example").status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_an_admin_can_unlock_an_account(app, client, admin):
    user = make_user(Role.ORGANISER, email="orga@ars.example",
                     locked_until=datetime.now(UTC) + timedelta(hours=1))
    login_as(client, admin)
    assert "Verrouillé" in client.get(f"/gestion/comptes/{user.id}").get_data(as_text=True)
    post_form(client, f"/gestion/comptes/{user.id}/deverrouiller", {},
              token_from=f"/gestion/comptes/{user.id}")
    assert _login(app.test_client(), "orga@ars.example").status_code == 302


def test_login_attempts_are_limited_per_address(app, client):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    token = csrf_token(client)
    codes = [client.post("/connexion", data={"email": f"x{i}@ars.example", "password": "x",
                                             "csrf_token": token}).status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429]


# --- Sessions -----------------------------------------------------------------------------

def test_a_session_ends_after_inactivity(app, client):
    make_user(Role.ORGANISER, email="orga@ars.example")
    _login(client, "orga@ars.example")
    with client.session_transaction() as session:
        session["seen"] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    response = client.get("/gestion/journal")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=/gestion/journal")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre session a expiré" in html


def test_an_active_session_goes_on(app, client):
    make_user(Role.ORGANISER, email="orga@ars.example")
    _login(client, "orga@ars.example")
    with client.session_transaction() as session:
        session["seen"] -= app.config["STAFF_IDLE_MINUTES"] * 60 - 120
    assert client.get("/gestion/").status_code == 200


def test_log_out_everywhere_ends_every_session(app, client):
    make_user(Role.ORGANISER, email="orga@ars.example")
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        _login(browser, "orga@ars.example")
        assert browser.get("/gestion/").status_code == 200
    response = post_form(laptop, "/gestion/compte/deconnexion-partout", {},
                         token_from="/gestion/compte/")
    assert response.headers["Location"] == "/connexion"
    assert laptop.get("/gestion/").status_code == 302
    assert phone.get("/gestion/").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(app, client, admin):
    user = make_user(Role.ORGANISER, email="orga@ars.example")
    theirs = app.test_client()
    _login(theirs, "orga@ars.example")
    login_as(client, admin)
    post_form(client, f"/gestion/comptes/{user.id}/desactiver", {},
              token_from=f"/gestion/comptes/{user.id}")
    assert theirs.get("/gestion/").status_code == 302
    assert "incorrect" in _login(theirs, "orga@ars.example").get_data(as_text=True)


def test_changing_ones_password_keeps_this_session_only(app, client):
    make_user(Role.ORGANISER, email="orga@ars.example")
    other = app.test_client()
    for browser in (client, other):
        _login(browser, "orga@ars.example")
    html = post_form(client, "/gestion/compte/", {
        "current": "faux", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ).get_data(as_text=True)
    assert "Ce n’est pas votre mot de passe actuel." in html
    post_form(client, "/gestion/compte/", {"current": PASSWORD, "password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD})
    assert client.get("/gestion/").status_code == 200
    assert other.get("/gestion/").status_code == 302


# --- Administration -----------------------------------------------------------------------

def test_admin_changes_role_and_territories_audited(client, admin, territories):
    user = make_user(Role.MODERATOR, [territories["aveyron"]], email="modo@ars.example")
    login_as(client, admin)
    post_form(client, f"/gestion/comptes/{user.id}", {
        "name": "Modo Lot", "role": "organiser", "territories": [territories["lot"].id]})
    db.session.refresh(user)
    assert user.role is Role.ORGANISER and [t.code for t in user.territories] == ["46"]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert entry.changes["role"] == ["moderator", "organiser"]
    assert entry.changes["territories"] == ["Aveyron (12)", "Lot (46)"]


def test_an_admin_cannot_demote_or_disable_themselves(client, admin, territories):
    login_as(client, admin)
    html = post_form(client, f"/gestion/comptes/{admin.id}", {
        "name": admin.name, "role": "organiser", "territories": [territories["lot"].id]}
    ).get_data(as_text=True)
    assert "propre rôle d’administrateur" in html
    post_form(client, f"/gestion/comptes/{admin.id}/desactiver", {},
              token_from=f"/gestion/comptes/{admin.id}")
    db.session.refresh(admin)
    assert admin.active and admin.role is Role.ADMIN


@pytest.mark.parametrize("url", ["/gestion/comptes/", "/gestion/comptes/inviter"])
def test_only_admins_manage_accounts(client, territories, url):
    login_as(client, make_user(Role.ORGANISER, [territories["region"]]))
    assert client.get(url).status_code == 403


def test_resending_an_invitation_makes_the_old_link_useless(app, client, smtp, admin,
                                                            territories):
    _invite(client, admin, territories)
    first = _link_in(smtp.messages[-1])
    user = db.session.scalar(sa.select(User).where(User.email == "nouvelle.orga@ars.example"))
    post_form(client, f"/gestion/comptes/{user.id}/renvoyer-invitation", {},
              token_from=f"/gestion/comptes/{user.id}")
    second = _link_in(smtp.messages[-1])
    other = app.test_client()
    post_form(other, second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert app.test_client().get(first).status_code == 403
