"""Every state-changing route, found by walking the URL map, refuses a request without a valid
CSRF token — even from an admin, whom permissions would let through — and changes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, Rule

from app.extensions import csrf
from app.registrations import tokens
from tests.helpers import csrf_token, login_as
from tests.security.conftest import changed_tables, fingerprint

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Blueprints exempted from CSRF on purpose, and why: none of their routes changes anything.
KNOWN_EXEMPT_BLUEPRINTS = {"api": "read-only JSON API (GET only), used by other sites"}


def _state_changing_rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.methods & STATE_CHANGING), key=lambda rule: rule.rule)


def _url(app: Flask, rule: Rule, scene) -> str:
    """The rule's URL aimed at real objects (of the Lot), so that only CSRF stands in the way."""
    token = {"registrations": tokens.make(scene["marc"].uuid),
             "manage_registrations": tokens.make(scene["marc"].uuid, tokens.CHECK_IN_SALT),
             "press": scene["accreditation"].token}.get(rule.endpoint.split(".")[0], "jeton")
    values = {"step_id": scene["lot_step"].id, "registration_id": scene["marc"].id,
              "question_id": scene["lot_question"].id, "item_id": scene["lot_workshop"].id,
              "contribution_id": scene["lot_pending"].id, "file_id": scene["lot_kit"].id,
              "slug": scene["campaign"].slug, "code": "46",
              "challenge_id": scene["campaign"].challenges[0].id,
              "transmission_id": scene["lot_transmission"].id,
              "user_id": scene["lot_organiser"].id, "token": token,
              # « Séparer » of a merge: without a token, refused before the merge is looked
              # up (with one, an unknown merge would be a 404, not the 400 checked here).
              "merge_id": 1}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
    missing = set(rule.arguments) - values.keys()
    assert not missing, f"{rule.rule}: give the CSRF walk a value for {sorted(missing)}"
    with app.test_request_context():
        return app.url_map.bind("localhost").build(
            rule.endpoint, {name: values[name] for name in rule.arguments})


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods & STATE_CHANGING)


@pytest.fixture
def admin_client(app, client, scene):
    login_as(client, scene["admin"])
    csrf_token(client, "/gestion/")  # the session holds its CSRF secret
    return client


def test_the_walk_finds_the_state_changing_routes(app):
    endpoints = {rule.endpoint for rule in _state_changing_rules(app)}
    assert {"registrations.cancel", "manage_registrations.decide", "contributions.submit",
            "moderation.publish", "manage_press.remove_kit_file", "syntheses.save_text",
            "accounts.logout"} <= endpoints


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
        app, admin_client, scene):
    before = fingerprint()
    refused = []
    for rule in _state_changing_rules(app):
        url = _url(app, rule, scene)
        for method in _methods(rule):
            response = admin_client.open(url, method=method, data={"title": "Sans jeton"})
            assert response.status_code == 400, (method, url, response.status_code)
            assert "a expiré" in response.get_data(as_text=True), url
            refused.append(url)
    assert len(refused) >= 40
    assert changed_tables(before) == []


def test_a_csrf_token_of_another_session_is_refused_everywhere(app, admin_client, scene):
    other = app.test_client()
    login_as(other, scene["admin"])
    foreign = csrf_token(other, "/gestion/")
    before = fingerprint()
    for rule in _state_changing_rules(app):
        url = _url(app, rule, scene)
        for method in _methods(rule):
            response = admin_client.open(url, method=method, data={"csrf_token": foreign})
            assert response.status_code == 400, (method, url, response.status_code)
            headers = admin_client.open(url, method=method, headers={"X-CSRFToken": foreign},
                                        json={"title": "JSON sans jeton"})
            assert headers.status_code == 400, (method, url, headers.status_code)
    assert changed_tables(before) == []


def test_a_forged_or_empty_token_is_refused(admin_client, scene):
    before = fingerprint()
    url = f"/gestion/inscriptions/{scene['marc'].id}/annuler"
    for forged in ("", "x", "IjAwMDAi.ZZZZZZ.forged", "a" * 5000):
        assert admin_client.post(url, data={"csrf_token": forged}).status_code == 400
    assert changed_tables(before) == []


def test_only_the_read_only_api_is_exempt_from_csrf(app):
    exempt = {blueprint.name for blueprint in csrf._exempt_blueprints}
    assert exempt == set(KNOWN_EXEMPT_BLUEPRINTS)
    assert csrf._exempt_views == set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in exempt:
            assert not rule.methods & STATE_CHANGING, rule.rule
