"""SQL-injection strings, numbers too big for the database and very long values in every
filter and search field: never a 500, never more rows than an ordinary wrong value finds,
and every table still there, unchanged."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.registrations import tokens
from tests.helpers import login_as
from tests.security.conftest import changed_tables, fingerprint

INJECTIONS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1 OR 1=1",
    "'; DROP TABLE registration; --",
    "1); DELETE FROM contribution; --",
    "%' UNION SELECT id, email, email, email FROM user_account --",
    "' UNION SELECT NULL, password_hash FROM user_account --",
    "\\' OR 1=1 #",
    '" OR ""="',
    "') OR ('a'='a",
    "1' AND SLEEP(1) AND '1",
    "99999999999999999999",
    "-1",
    "1e999",
    "C-999999999",
    "x" * 5000,
    "é" * 3000 + "' OR 1=1 --",
]
BENIGN = "zzzz"
# Text that only shows when a row is returned: a result list leaking rows leaks one of these.
ROW_MARKERS = ["Proposition du Lot", "Proposition à relire", "Proposition de l’Aveyron",
               "lea@example.org", "marc@example.org", "ines@example.org", "paul@example.org",
               "Léa", "Marc", "Inès", "Paul", "pbkdf2:", "scrypt:"]


def _searches(scene) -> list[tuple[str | None, str, list[str]]]:
    """(who, page, parameters): every filter and search field of the app."""
    lot, slug = scene["lot_step"].id, scene["campaign"].slug
    return [
        (None, f"/demarches/{slug}/contributions",
         ["q", "departement", "question", "etape", "type", "categorie", "reponse", "tri",
          "avant"]),
        (None, "/calendrier", ["demarche", "departement", "etat"]),
        (None, f"/donnees/{slug}/contributions.json", ["departement"]),
        (None, f"/donnees/{slug}/chiffres.json", ["departement"]),
        (None, f"/demarches/{slug}/contribuer", ["etape", "atelier", "question"]),
        (None, f"/etapes/{lot}/mur.json", ["apres"]),
        (None, "/api/v1/etapes", ["demarche", "departement", "limite", "apres"]),
        (None, f"/api/v1/demarches/{slug}/contributions",
         ["departement", "question", "type", "limite", "apres"]),
        ("lot_organiser", f"/gestion/etapes/{lot}/inscriptions",
         ["q", "statut", "categorie", "present"]),
        ("lot_organiser", f"/gestion/etapes/{lot}/pointage", ["q"]),
        ("lot_organiser", f"/gestion/etapes/{lot}/saisie",
         ["type", "question", "atelier", "categorie", "age"]),
        ("aveyron_moderator", "/gestion/contributions", ["q", "statut", "avant"]),
        ("aveyron_moderator", "/gestion/moderation", ["q"]),
    ]


def _audit_searches(app: Flask) -> list[tuple[str | None, str, list[str]]]:
    """The audit log's filters, once its viewer has them (user, object, action, date)."""
    if not any(rule.rule == "/gestion/journal" for rule in app.url_map.iter_rules()):
        return []
    return [("admin", "/gestion/journal",
             ["qui", "objet", "numero", "action", "du", "au", "avant", "apres"])]


def _text(response) -> str:
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def _markers(response) -> set[str]:
    text = _text(response)
    return {marker for marker in ROW_MARKERS if marker in text}


@pytest.mark.parametrize("audience", ["public", "staff"])
def test_injection_strings_in_every_filter_find_nothing_more_and_break_nothing(
        app, scene, client_as, audience):
    searches = [s for s in _searches(scene) + _audit_searches(app)
                if (s[0] is None) == (audience == "public")]
    before = fingerprint()
    for who, page, parameters in searches:
        client = client_as(scene[who] if who else None)
        for parameter in parameters:
            benign = client.get(page, query_string={parameter: BENIGN})
            assert benign.status_code in (200, 400, 404), (page, parameter, benign.status_code)
            for injection in INJECTIONS:
                response = client.get(page, query_string={parameter: injection})
                assert response.status_code < 500, (page, parameter, injection[:40])
                if response.status_code == 200:
                    extra = _markers(response) - _markers(benign)
                    assert not extra, (page, parameter, injection[:40], extra)
    assert changed_tables(before) == []
    assert {"registration", "contribution", "user_account", "step"} <= set(
        sa.inspect(db.engine).get_table_names())


def test_a_search_with_sql_finds_only_its_literal_text(scene, client_as):
    """Quotes and SQL keywords in a search are words to look for, not code."""
    client = client_as(scene["lot_organiser"])
    page = f"/gestion/etapes/{scene['lot_step'].id}/inscriptions"
    everyone = client.get(page).get_data(as_text=True)
    assert "Léa" in everyone and "Marc" in everyone
    for injection in ("' OR 1=1 --", "Léa' OR '1'='1", "%' OR 1=1 --"):
        found = client.get(page, query_string={"q": injection}).get_data(as_text=True)
        assert "Marc" not in found, injection
    assert "Marc" not in client.get(page, query_string={"q": "Léa"}).get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/etapes/{big}", "/etapes/{big}.ics", "/etapes/{big}/inscription", "/etapes/{big}/mur",
    "/etapes/{big}/mur.json", "/c/{big}", "/c/{lot}/{big}", "/api/v1/etapes/{big}",
    "/presse/fichiers/{big}/document.pdf",
])
def test_ids_too_big_for_the_database_are_not_found_instead_of_failing(client, scene, path):
    for big in (2**31, 2**63, 10**30):
        response = client.get(path.format(big=big, lot=scene["lot_step"].id))
        assert response.status_code == 404, (path, big, response.status_code)


def test_ids_too_big_for_the_database_in_staff_urls_are_not_found(client, scene):
    login_as(client, scene["lot_organiser"])
    lot = scene["lot_step"].id
    for path in (f"/gestion/etapes/{10**30}/inscriptions", f"/gestion/contributions/{10**30}",
                 f"/gestion/etapes/{lot}/programme/{10**30}/supprimer"):
        assert client.get(path).status_code in (404, 405), path


def test_injection_strings_in_tokens_and_slugs_are_refused_cleanly(client, scene):
    before = fingerprint()
    for injection in INJECTIONS[:11]:
        for path in ("/inscriptions/{}", "/presse/accreditation/{}", "/demarches/{}",
                     "/departements/{}", "/donnees/{}/contributions.csv",
                     "/api/v1/demarches/{}/questions"):
            response = client.get(path.format(injection.replace("/", "")))
            assert response.status_code in (400, 403, 404), (path, injection)
    manage = client.get(f"/inscriptions/{tokens.make(scene['lea'].uuid)}' OR 1=1 --")
    assert manage.status_code == 403
    assert changed_tables(before) == []


@pytest.mark.parametrize("parameter", ["limite", "apres"])
def test_an_api_number_longer_than_python_converts_is_a_400(client, scene, parameter):
    """Found by hypothesis: more than 4 300 digits made int() raise, a 500."""
    for value in ("9" * 4301, "0" * 5000 + "5", "9" * 30_000):
        response = client.get("/api/v1/demarches/cnr/contributions",
                              query_string={parameter: value})
        assert response.status_code in (200, 400), (parameter, len(value))
    assert client.get("/api/v1/demarches/cnr/contributions",
                      query_string={"limite": "9" * 5000}).status_code == 400
