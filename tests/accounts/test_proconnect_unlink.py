"""An administrator sees which accounts are linked to a ProConnect identity and unlinks one
(a new identity provider, or an identity linked by mistake), so that another identity can be
linked: for a pending invitation, by its next ProConnect sign-in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.audit import AuditEntry
from app.extensions import db
from app.territories.models import Territory
from tests import oidc_provider as loopback
from tests.factories import make_region, make_user
from tests.helpers import csrf_token, login_as, post_form
from tests.oidc_provider import configure

# The loopback provider's fixtures, used here.
_loopback_provider, oidc_provider = loopback._loopback_provider, loopback.oidc_provider

OLD_SUB, NEW_SUB = "agent-ancien-fournisseur", "agent-nouveau-fournisseur"
EMAIL = "nadia.orga@ars.example"
BUTTON = "Délier l’identité ProConnect"


@pytest.fixture
def admin() -> User:
    return make_user(Role.ADMIN, email="admin@ars.example")


@pytest.fixture
def region() -> Territory:
    return make_region()


@pytest.fixture
def linked(region) -> User:
    return make_user(Role.ORGANISER, [region], email=EMAIL, proconnect_sub=OLD_SUB)


def page(response) -> str:
    return response.get_data(as_text=True)


def unlink(client, user: User):
    return post_form(client, f"/gestion/comptes/{user.id}/delier-proconnect", {},
                     token_from=f"/gestion/comptes/{user.id}", follow_redirects=True)


def unlink_entries(user: User) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.proconnect_unlink", AuditEntry.object_id == user.id)))


def test_an_admin_sees_the_link_and_unlinks_it(client, admin, linked):
    login_as(client, admin)
    listing = page(client.get("/gestion/comptes/"))
    assert listing.count(">ProConnect</span>") == 1  # the linked account only, not the admin's
    html = page(client.get(f"/gestion/comptes/{linked.id}"))
    assert "relié à une identité ProConnect" in html and BUTTON in html
    assert "depuis « Mon compte »" in html  # it has a password: relinked once signed in
    assert f'action="/gestion/comptes/{linked.id}/delier-proconnect"' in html

    response = unlink(client, linked)
    assert response.status_code == 200
    assert "L’identité ProConnect est déliée de ce compte." in page(response)
    assert BUTTON not in page(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.proconnect_sub).where(User.id == linked.id)) is None
    [entry] = unlink_entries(linked)
    assert entry.summary == "Identité ProConnect déliée du compte"
    assert entry.user_id == admin.id and entry.object_type == "user_account"
    assert ">ProConnect</span>" not in page(client.get("/gestion/comptes/"))


def test_unlinking_twice_says_so_and_records_once(client, admin, linked):
    login_as(client, admin)
    unlink(client, linked)
    again = unlink(client, linked)
    assert "n’est relié à aucune identité ProConnect" in page(again)
    assert len(unlink_entries(linked)) == 1


def test_the_button_is_absent_for_an_unlinked_account(client, admin):
    user = make_user(Role.ORGANISER, email="orga@ars.example")
    login_as(client, admin)
    html = page(client.get(f"/gestion/comptes/{user.id}"))
    assert BUTTON not in html and "delier-proconnect" not in html
    assert ">ProConnect</span>" not in page(client.get("/gestion/comptes/"))


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.MODERATOR])
def test_only_admins_unlink(client, region, linked, role):
    login_as(client, make_user(role, [region]))
    response = client.post(f"/gestion/comptes/{linked.id}/delier-proconnect",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, linked.id).proconnect_sub == OLD_SUB
    assert unlink_entries(linked) == []


def test_after_unlinking_the_next_sign_in_links_the_new_identity(app, client, admin, linked,
                                                                 oidc_provider):
    configure(app, "PROCONNECT", oidc_provider)
    linked.password_hash = ""  # an invitation linked but never given a password
    db.session.commit()
    oidc_provider.add_user(NEW_SUB, email=EMAIL, given_name="Nadia", usual_name="Orga")
    agent = app.test_client()

    def sign_in():
        start = agent.get("/connexion/proconnect")
        assert start.status_code == 302
        return agent.get(oidc_provider.sign_in(start.headers["Location"], NEW_SUB))

    assert sign_in().status_code == 403  # the account is still linked to the old identity
    login_as(client, admin)
    unlink(client, linked)
    response = sign_in()
    assert response.status_code == 302 and response.headers["Location"] == "/gestion/"
    db.session.expire_all()
    assert db.session.get(User, linked.id).proconnect_sub == NEW_SUB
