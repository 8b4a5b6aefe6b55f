"""Permissions, checked in one place: app.policy. Every protected URL is walked as each role."""

from datetime import date

import pytest
import sqlalchemy as sa

from app import policy
from app.accounts.models import Role
from app.campaigns.models import Step
from app.extensions import db
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import csrf_token, login_as


@pytest.fixture
def world():
    campaign = make_campaign()
    region = campaign.territory
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=region)
    lot = make_departement("46", "Lot", "Cahors", parent=region)
    lot_step = make_step(campaign, lot, title="Étape du Lot", day=date(2022, 11, 18))
    return {
        "campaign": campaign, "aveyron": aveyron, "lot": lot, "lot_step": lot_step,
        "admin": make_user(Role.ADMIN),
        "aveyron_organiser": make_user(Role.ORGANISER, [aveyron]),
        "lot_organiser": make_user(Role.ORGANISER, [lot]),
        "region_organiser": make_user(Role.ORGANISER, [region]),
        "moderator": make_user(Role.MODERATOR, [region]),
    }


# Every organiser action on a step: (method, URL pattern, form data).
STEP_ACTIONS = [
    ("GET", "/gestion/etapes/{id}/modifier", None),
    ("POST", "/gestion/etapes/{id}/modifier", {"title": "Piraté"}),
    ("POST", "/gestion/etapes/{id}/publier", {}),
    ("GET", "/gestion/etapes/{id}/reprogrammer", None),
    ("POST", "/gestion/etapes/{id}/reprogrammer", {"schedule": "unknown"}),
    ("GET", "/gestion/etapes/{id}/annuler", None),
    ("POST", "/gestion/etapes/{id}/annuler", {"reason": "x"}),
    ("GET", "/gestion/etapes/{id}/copier", None),
    ("POST", "/gestion/etapes/{id}/copier", {"schedule": "unknown"}),
    ("GET", "/gestion/etapes/{id}/programme", None),
    ("POST", "/gestion/etapes/{id}/programme", {"kind": "lunch", "title": "x"}),
    ("GET", "/gestion/etapes/{id}/historique", None),
]


def _request(client, method, url, data):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def _snapshot(step_id: int) -> tuple:
    step = db.session.get(Step, step_id)
    db.session.refresh(step)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Step))
    return (step.title, step.status, step.day, step.sequence, len(step.agenda_items), count)


@pytest.mark.parametrize(("method", "url", "data"), STEP_ACTIONS)
@pytest.mark.parametrize("who", ["aveyron_organiser", "moderator"])
def test_organiser_of_aveyron_cannot_touch_the_lot_step(client, world, who, method, url, data):
    step_id = world["lot_step"].id
    before = _snapshot(step_id)
    login_as(client, world[who])
    response = _request(client, method, url.format(id=step_id), data)
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)
    assert _snapshot(step_id) == before


@pytest.mark.parametrize(("method", "url", "data"), STEP_ACTIONS)
def test_anonymous_visitors_are_sent_to_login(client, world, method, url, data):
    step_id = world["lot_step"].id
    before = _snapshot(step_id)
    response = _request(client, method, url.format(id=step_id), data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")
    assert _snapshot(step_id) == before


@pytest.mark.parametrize(("method", "url", "data"), [a for a in STEP_ACTIONS if a[0] == "GET"])
@pytest.mark.parametrize("who", ["lot_organiser", "region_organiser", "admin"])
def test_organisers_of_the_territory_or_above_may_act(client, world, who, method, url, data):
    login_as(client, world[who])
    assert client.get(url.format(id=world["lot_step"].id)).status_code == 200


def test_organiser_cannot_create_a_step_in_another_territory(client, world):
    login_as(client, world["aveyron_organiser"])
    response = client.post("/gestion/etapes/nouvelle", data={
        "csrf_token": csrf_token(client, "/gestion/etapes/nouvelle"),
        "campaign_id": world["campaign"].id, "territory_id": world["lot"].id,
        "title": "Intrus", "city": "Cahors", "schedule": "unknown", "format": "in_person"})
    # The Lot is not among the choices offered to an Aveyron organiser.
    assert "choix valide" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 1


def test_organiser_cannot_move_own_step_to_another_territory(client, world):
    aveyron_step = make_step(world["campaign"], world["aveyron"], title="Étape Aveyron")
    login_as(client, world["aveyron_organiser"])
    client.post(f"/gestion/etapes/{aveyron_step.id}/modifier", data={
        "csrf_token": csrf_token(client, "/gestion/"),
        "campaign_id": world["campaign"].id, "territory_id": world["lot"].id,
        "title": "Étape Aveyron", "city": "Rodez", "schedule": "unknown",
        "format": "in_person"})
    db.session.refresh(aveyron_step)
    assert aveyron_step.territory_id == world["aveyron"].id


def test_audit_log_is_for_admins_only(client, world):
    login_as(client, world["region_organiser"])
    assert client.get("/gestion/journal").status_code == 403
    login_as(client, world["admin"])
    assert client.get("/gestion/journal").status_code == 200


def test_policy_answers_for_each_role(world):
    lot_step = world["lot_step"]
    assert policy.can(world["admin"], "step.edit", lot_step)
    assert policy.can(world["lot_organiser"], "step.cancel", lot_step)
    assert policy.can(world["region_organiser"], "step.edit", lot_step)  # region covers Lot
    assert not policy.can(world["aveyron_organiser"], "step.edit", lot_step)
    assert not policy.can(world["moderator"], "step.edit", lot_step)
    assert not policy.can(None, "step.edit", lot_step)
    assert not policy.can(world["lot_organiser"], "audit.view")
    assert policy.can(world["admin"], "audit.view")


def test_disabled_accounts_may_do_nothing(world):
    organiser = world["lot_organiser"]
    organiser.active = False
    assert not policy.can(organiser, "step.edit", world["lot_step"])


def test_organiser_of_a_departement_covers_its_territoires_de_proximite(world):
    from app.territories.models import Territory, TerritoryKind

    proximite = Territory(kind=TerritoryKind.PROXIMITE, code="46-nord", name="Nord du Lot",
                          slug="nord-du-lot", parent=world["lot"])
    db.session.add(proximite)
    db.session.commit()
    step = make_step(world["campaign"], proximite, title="Réunion de proximité")
    assert policy.can(world["lot_organiser"], "step.edit", step)
    assert policy.can(world["region_organiser"], "step.edit", step)
    assert not policy.can(world["aveyron_organiser"], "step.edit", step)
