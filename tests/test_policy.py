"""Permissions, decided in one place: app.policy. Here, ``can()`` for every action, as every
role, on objects of their own territory, of another one, of the territory above and of the one
below. (tests/test_route_walk.py checks that every route asks it.)"""

from datetime import date

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from app import policy
from app.accounts.models import Role
from app.campaigns.models import Step
from app.contributions.models import Contribution, ContributionKind
from app.extensions import db
from app.syntheses.models import Synthesis
from app.territories.models import Territory, TerritoryKind
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import csrf_token, login_as

ROLES = ("admin", "region_organiser", "aveyron_organiser", "lot_organiser",
         "aveyron_moderator", "region_moderator", "organiser_without_territory",
         "disabled_aveyron_organiser", "anonymous")


@pytest.fixture
def world():
    campaign = make_campaign()
    region = campaign.territory
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=region)
    lot = make_departement("46", "Lot", "Cahors", parent=region)
    proximite = Territory(kind=TerritoryKind.PROXIMITE, code="12-sud", name="Sud-Aveyron",
                          slug="sud-aveyron", parent=aveyron)
    db.session.add(proximite)
    objects = {"campaign": campaign, "region": region, "aveyron": aveyron, "lot": lot,
               "proximite": proximite}
    for place in ("aveyron", "lot", "proximite"):
        objects[f"{place}_step"] = make_step(campaign, objects[place], title=f"Étape {place}",
                                             day=date(2022, 11, 18))
        objects[f"{place}_contribution"] = Contribution(
            campaign=campaign, kind=ContributionKind.PROPOSAL, body="Une idée",
            territory=objects[place])
    for place in ("region", "aveyron", "lot"):
        objects[f"{place}_synthesis"] = Synthesis(campaign=campaign, territory=objects[place])
    db.session.add_all(objects[f"{p}_contribution"] for p in ("aveyron", "lot", "proximite"))
    db.session.add_all(objects[f"{p}_synthesis"] for p in ("region", "aveyron", "lot"))
    db.session.commit()
    objects.update({
        "admin": make_user(Role.ADMIN),
        "region_organiser": make_user(Role.ORGANISER, [region]),
        "aveyron_organiser": make_user(Role.ORGANISER, [aveyron]),
        "lot_organiser": make_user(Role.ORGANISER, [lot]),
        "aveyron_moderator": make_user(Role.MODERATOR, [aveyron]),
        "region_moderator": make_user(Role.MODERATOR, [region]),
        "organiser_without_territory": make_user(Role.ORGANISER),
        "disabled_aveyron_organiser": make_user(Role.ORGANISER, [aveyron], active=False),
        "anonymous": AnonymousUserMixin(),
    })
    return objects


ORGANISERS_OF_AVEYRON = {"admin", "region_organiser", "aveyron_organiser"}
MODERATORS_OF_AVEYRON = ORGANISERS_OF_AVEYRON | {"aveyron_moderator", "region_moderator"}
STEP_ACTIONS = ["step.create", "step.edit", "step.publish", "step.reschedule", "step.cancel",
                "step.copy", "step.view_history", "press.manage", "registration.manage"]

# (action, object, roles allowed). The object is in Aveyron (own territory of the Aveyron
# staff), in the Lot (another territory), the region (above) or a territoire de proximité of
# Aveyron (below); None: "may open the list or the form".
TABLE = [
    *[(action, "aveyron_step", ORGANISERS_OF_AVEYRON) for action in STEP_ACTIONS],
    *[(action, "lot_step", {"admin", "region_organiser", "lot_organiser"})
      for action in STEP_ACTIONS],
    *[(action, "proximite_step", ORGANISERS_OF_AVEYRON) for action in STEP_ACTIONS],
    ("step.create", "aveyron", ORGANISERS_OF_AVEYRON),
    ("step.create", "region", {"admin", "region_organiser"}),
    ("step.create", None, {"admin", "region_organiser", "aveyron_organiser", "lot_organiser"}),
    ("campaign.press", "campaign", {"admin", "region_organiser"}),
    ("campaign.contributions", "campaign", {"admin", "region_organiser"}),
    ("contribution.moderate", "aveyron_contribution", MODERATORS_OF_AVEYRON),
    ("contribution.moderate", "proximite_contribution", MODERATORS_OF_AVEYRON),
    ("contribution.moderate", "lot_contribution",
     {"admin", "region_organiser", "lot_organiser", "region_moderator"}),
    ("contribution.moderate", "aveyron", MODERATORS_OF_AVEYRON),  # re-tag into Aveyron
    ("contribution.moderate", "lot", {"admin", "region_organiser", "lot_organiser",
                                      "region_moderator"}),
    ("contribution.moderate", None, MODERATORS_OF_AVEYRON | {"lot_organiser"}),
    ("contribution.capture", "aveyron_step", MODERATORS_OF_AVEYRON),
    ("contribution.capture", "lot_step", {"admin", "region_organiser", "lot_organiser",
                                          "region_moderator"}),
    ("contribution.answer", "aveyron_contribution", ORGANISERS_OF_AVEYRON),
    ("contribution.answer", "lot_contribution", {"admin", "region_organiser",
                                                 "lot_organiser"}),
    ("contribution.follow_up", "aveyron_contribution", ORGANISERS_OF_AVEYRON),
    ("contribution.follow_up", "lot_contribution", {"admin", "region_organiser",
                                                    "lot_organiser"}),
    ("synthesis.edit", "aveyron_synthesis", ORGANISERS_OF_AVEYRON),
    ("synthesis.edit", "region_synthesis", {"admin", "region_organiser"}),
    ("synthesis.edit", "lot_synthesis", {"admin", "region_organiser", "lot_organiser"}),
    ("synthesis.edit", None, {"admin", "region_organiser", "aveyron_organiser",
                              "lot_organiser"}),
    ("synthesis.transmit", "aveyron_synthesis", ORGANISERS_OF_AVEYRON),
    ("synthesis.transmit", "region_synthesis", {"admin", "region_organiser"}),
    ("synthesis.validate", "aveyron_synthesis", {"admin"}),
    ("synthesis.validate", "region_synthesis", {"admin"}),
    ("audit.view", None, {"admin"}),
    ("mail.supervise", None, {"admin"}),
    ("user.manage", None, {"admin"}),
    ("backoffice.enter", None, {"admin", "region_organiser", "aveyron_organiser",
                                "lot_organiser", "aveyron_moderator", "region_moderator",
                                "organiser_without_territory"}),
]


def test_who_may_do_each_action_is_what_the_table_says(world):
    # One world for the whole table (building it is the slow part); every difference listed.
    differences = []
    for action, target, allowed in TABLE:
        obj = world[target] if target else None
        found = {role for role in ROLES if policy.can(world[role], action, obj)}
        if found != allowed:
            differences.append(f"{action} on {target}: also {sorted(found - allowed)}, "
                               f"not {sorted(allowed - found)}")
    assert differences == []


def test_every_action_of_the_policy_is_in_the_table():
    assert {action for action, _, _ in TABLE} == set(policy.RULES)


@pytest.mark.parametrize("action", ["contribution.answer", "synthesis.edit", "step.edit"])
def test_an_action_on_the_wrong_kind_of_object_is_refused(world, action):
    # E.g. a step where a contribution is expected: never allowed by accident.
    wrong = world["aveyron_contribution"] if action.startswith("step") else world["aveyron_step"]
    assert not policy.can(world["aveyron_organiser"], action, wrong)


def test_a_misspelt_action_is_an_error_not_a_refusal(world):
    with pytest.raises(policy.UnknownActionError):
        policy.can(world["admin"], "step.delete", world["aveyron_step"])


def test_require_answers_403_when_refused(app, world):
    from werkzeug.exceptions import Forbidden

    policy.require(world["aveyron_organiser"], "step.edit", world["aveyron_step"])
    with pytest.raises(Forbidden):
        policy.require(world["lot_organiser"], "step.edit", world["aveyron_step"])


TERRITORY_IDS = {
    "admin": None,
    "region_organiser": {"region", "aveyron", "lot", "proximite"},
    "aveyron_organiser": {"aveyron", "proximite"},
    "aveyron_moderator": {"aveyron", "proximite"},
    "organiser_without_territory": set(),
    "disabled_aveyron_organiser": set(),
    "anonymous": set(),
}


def test_territory_ids_lists_where_lists_may_look(world):
    found = {role: policy.territory_ids(world[role], "contribution.moderate")
             for role in TERRITORY_IDS}
    assert found == {role: None if names is None else {world[name].id for name in names}
                     for role, names in TERRITORY_IDS.items()}


def test_territory_ids_is_empty_for_a_role_without_the_action(world):
    assert policy.territory_ids(world["aveyron_moderator"], "step.edit") == set()


# ----------------------------------------------------------- forms that pick a territory


def test_organiser_cannot_create_a_step_in_another_territory(client, world):
    steps_before = db.session.scalar(sa.select(sa.func.count()).select_from(Step))
    login_as(client, world["aveyron_organiser"])
    response = client.post("/gestion/etapes/nouvelle", data={
        "csrf_token": csrf_token(client, "/gestion/etapes/nouvelle"),
        "campaign_id": world["campaign"].id, "territory_id": world["lot"].id,
        "title": "Intrus", "city": "Cahors", "schedule": "unknown", "format": "in_person"})
    # The Lot is not among the choices offered to an Aveyron organiser.
    assert "choix valide" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == steps_before


def test_organiser_cannot_move_own_step_to_another_territory(client, world):
    aveyron_step = world["aveyron_step"]
    login_as(client, world["aveyron_organiser"])
    client.post(f"/gestion/etapes/{aveyron_step.id}/modifier", data={
        "csrf_token": csrf_token(client, "/gestion/"),
        "campaign_id": world["campaign"].id, "territory_id": world["lot"].id,
        "title": "Étape Aveyron", "city": "Rodez", "schedule": "unknown",
        "format": "in_person"})
    db.session.refresh(aveyron_step)
    assert aveyron_step.territory_id == world["aveyron"].id


def test_moderator_cannot_retag_a_contribution_into_another_territory(client, world):
    contribution = world["aveyron_contribution"]
    login_as(client, world["aveyron_moderator"])
    response = client.post(f"/gestion/contributions/{contribution.id}/reclasser", data={
        "csrf_token": csrf_token(client, "/gestion/"), "kind": "proposal",
        "territory_id": world["lot"].id, "challenge_id": 0, "step_id": 0, "workshop_id": 0})
    assert response.status_code == 400
    assert "Vous ne modérez pas ce département." in response.get_data(as_text=True)
    db.session.refresh(contribution)
    assert contribution.territory_id == world["aveyron"].id


def test_back_office_lists_only_the_steps_of_ones_territories(client, world):
    login_as(client, world["aveyron_organiser"])
    html = client.get("/gestion/").get_data(as_text=True)
    assert "Étape aveyron" in html and "Étape proximite" in html
    assert "Étape lot" not in html
