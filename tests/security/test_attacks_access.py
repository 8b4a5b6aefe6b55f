"""Reading or changing other people's registrations: as an anonymous visitor, as a participant
holding their own management link, as staff of another territory. Every attempt is refused
(400/403/404, or the login page) and the database is left exactly as it was."""

from __future__ import annotations

import base64
import json
import sys
import time as clock_time
import uuid

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.registrations import tokens
from tests.helpers import csrf_token, login_as, post_form
from tests.security.conftest import changed_tables, fingerprint

DETAILS = {"first_name": "Pirate", "last_name": "Pirate", "phone": "", "organisation": "",
           "departement_id": 0, "workshop_id": 0, "accessibility_needs": ""}


def _refused(response) -> bool:
    return response.status_code in (400, 403, 404)


def _payload_of(registration_uuid: str) -> str:
    """The readable first part of a management token (itsdangerous signs, it does not hide)."""
    return base64.urlsafe_b64encode(json.dumps(registration_uuid).encode()).decode().rstrip("=")


def _neighbours(registration_uuid: str) -> list[str]:
    """Uuids one step away from a known one, as someone guessing would try."""
    value = uuid.UUID(registration_uuid).int
    return [str(uuid.UUID(int=(value + delta) % 2**128)) for delta in (-1, 1, 2**64)]


def _forged_tokens(scene) -> dict[str, str]:
    """What a participant holding Léa's link could make of it to reach Marc's registration."""
    own = tokens.make(scene["lea"].uuid)
    payload, timestamp, signature = own.split(".")
    # A middle character: the last one of unpadded base64 may carry only padding bits, and
    # changing those leaves the signature's bytes (and its validity) as they were.
    middle = len(signature) // 2
    flipped = (signature[:middle] + ("A" if signature[middle] != "A" else "B")
               + signature[middle + 1:])
    default_key = URLSafeTimedSerializer("dev-only-change-me", salt=tokens.MANAGE_SALT)
    return {
        "payload swapped for another uuid": ".".join(
            [_payload_of(scene["marc"].uuid), timestamp, signature]),
        "signature tampered": ".".join([payload, timestamp, flipped]),
        "signature removed": f"{payload}.{timestamp}",
        "signed with the development key": default_key.dumps(scene["marc"].uuid),
        "unsigned uuid": scene["marc"].uuid,
        "numeric id": str(scene["marc"].id),
        "check-in token (other salt)": tokens.make(scene["marc"].uuid, tokens.CHECK_IN_SALT),
        **{f"neighbouring uuid {n}": n for n in _neighbours(scene["lea"].uuid)},
    }


def _attempt_everything_with(client, token: str) -> list:
    return [client.get(f"/inscriptions/{token}"),
            client.get(f"/inscriptions/{token}/code.svg"),
            post_form(client, f"/inscriptions/{token}", DETAILS, token_from="/connexion"),
            post_form(client, f"/inscriptions/{token}/annuler", {}, token_from="/connexion")]


def test_forged_or_guessed_management_links_reach_nobody_and_change_nothing(client, scene):
    before = fingerprint()
    for name, token in _forged_tokens(scene).items():
        responses = _attempt_everything_with(client, token)
        assert all(_refused(r) for r in responses), (name, [r.status_code for r in responses])
        assert all("Marc" not in r.get_data(as_text=True) for r in responses), name
    assert changed_tables(before) == []


def test_a_participant_link_only_ever_shows_its_own_registration(client, scene):
    page = client.get(f"/inscriptions/{tokens.make(scene['lea'].uuid)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Léa" in html
    for other in ("Marc", "marc@example.org", "Inès", "ines@example.org", "Paul"):
        assert other not in html


def test_expired_management_links_can_neither_modify_nor_cancel(client, app, scene, monkeypatch):
    token = tokens.make(scene["lea"].uuid)
    app.config["REGISTRATION_LINK_DAYS"] = 1
    real_time = clock_time.time
    monkeypatch.setattr(clock_time, "time", lambda: real_time() + 2 * 86400)
    before = fingerprint()
    responses = _attempt_everything_with(client, token)
    assert [r.status_code for r in responses] == [403] * 4
    assert "Ce lien a expiré" in responses[0].get_data(as_text=True)
    assert changed_tables(before) == []


def test_a_replayed_cancellation_changes_nothing_the_second_time(client, scene):
    token = tokens.make(scene["lea"].uuid)
    first = post_form(client, f"/inscriptions/{token}/annuler", {}, token_from="/connexion")
    assert first.status_code == 302
    before = fingerprint()
    replay = post_form(client, f"/inscriptions/{token}/annuler", {}, token_from="/connexion")
    modify = post_form(client, f"/inscriptions/{token}", DETAILS, token_from="/connexion")
    assert replay.status_code in (302, 400, 403) and modify.status_code in (200, 400, 403)
    # The waiting list was promoted once (Inès), not twice; the details stay Léa's.
    assert changed_tables(before) == []


def test_each_kind_of_link_is_signed_with_its_own_salt():
    """A token made for one purpose never validates for another: the salts all differ."""
    salts: dict[str, str] = {}  # purpose -> salt
    for name, module in list(sys.modules.items()):
        if not name.startswith("app.") or module is None:
            continue
        for attribute in dir(module):
            if attribute == "SALT" or attribute.endswith("_SALT"):
                # A constant imported elsewhere under its own name is the same purpose.
                purpose = name if attribute == "SALT" else attribute
                salts[purpose] = getattr(module, attribute)
    assert {"MANAGE_SALT", "CHECK_IN_SALT"} <= salts.keys()
    assert len(set(salts.values())) == len(salts), salts


def test_a_password_link_opens_no_registration(client, app, scene):
    if "app.accounts.tokens" not in sys.modules:
        pytest.skip("no password links yet")
    from app.accounts import tokens as account_tokens

    password_link = account_tokens.make(scene["lot_organiser"],
                                        account_tokens.LinkKind.RESET)
    before = fingerprint()
    assert all(_refused(r) for r in _attempt_everything_with(client, password_link))
    login_as(client, scene["lot_organiser"])
    assert client.get(f"/gestion/pointage/{password_link}").status_code == 403
    assert changed_tables(before) == []


def test_registration_links_open_no_other_door(client, app, scene):
    """A management link (or the uuid it carries) is no press accreditation link, no check-in
    code and no password link."""
    manage_token = tokens.make(scene["marc"].uuid)
    before = fingerprint()
    for token in (manage_token, scene["marc"].uuid):
        assert client.get(f"/presse/accreditation/{token}").status_code == 404
        assert post_form(client, f"/presse/accreditation/{token}/retirer", {},
                         token_from="/connexion").status_code == 404
    if any(rule.rule == "/mot-de-passe/<token>" for rule in app.url_map.iter_rules()):
        page = client.get(f"/mot-de-passe/{manage_token}")
        assert page.status_code != 500 and 'type="password"' not in page.get_data(as_text=True)
    login_as(client, scene["lot_organiser"])
    for path in (f"/gestion/pointage/{manage_token}", f"/gestion/pointage/{scene['marc'].uuid}"):
        assert client.get(path).status_code == 403
        assert post_form(client, path, {}, token_from="/gestion/").status_code == 403
    assert changed_tables(before) == []


def _registration_attempts(scene) -> list[tuple[str, str, dict | None]]:
    """Every organiser route on registrations, aimed at the Lot."""
    step, marc = scene["lot_step"].id, scene["marc"].id
    question = scene["lot_question"].id
    check_in = tokens.make(scene["marc"].uuid, tokens.CHECK_IN_SALT)
    return [
        ("GET", f"/gestion/etapes/{step}/inscriptions", None),
        ("GET", f"/gestion/etapes/{step}/inscriptions.csv", None),
        ("GET", f"/gestion/etapes/{step}/inscriptions.xlsx", None),
        ("POST", f"/gestion/etapes/{step}/emargement.pdf", {}),
        ("GET", f"/gestion/etapes/{step}/pointage?q=Marc", None),
        ("GET", f"/gestion/etapes/{step}/message", None),
        ("POST", f"/gestion/etapes/{step}/message", {"subject": "Piège", "body": "Piège"}),
        ("GET", f"/gestion/etapes/{step}/inscriptions/reglages", None),
        ("POST", f"/gestion/etapes/{step}/inscriptions/reglages", {"requires_approval": "y"}),
        ("POST", f"/gestion/etapes/{step}/inscriptions/questions", {"question-label": "Piège"}),
        ("POST", f"/gestion/etapes/{step}/inscriptions/questions/{question}/supprimer", {}),
        ("POST", f"/gestion/inscriptions/{marc}/valider", {}),
        ("POST", f"/gestion/inscriptions/{marc}/refuser", {}),
        ("POST", f"/gestion/inscriptions/{marc}/annuler", {}),
        ("POST", f"/gestion/inscriptions/{marc}/presence", {"present": "1"}),
        ("GET", f"/gestion/pointage/{check_in}", None),
        ("POST", f"/gestion/pointage/{check_in}", {}),
    ]


def _send(client, method: str, url: str, data: dict | None, token_page: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_page)})


@pytest.mark.parametrize("who", ["aveyron_organiser", "aveyron_moderator"])
def test_staff_of_another_territory_can_neither_read_nor_change_lot_registrations(
        client, scene, who):
    login_as(client, scene[who])
    token_page = "/gestion/"
    csrf_token(client, token_page)  # the session exists before the fingerprint
    before = fingerprint()
    for method, url, data in _registration_attempts(scene):
        response = _send(client, method, url, data, token_page)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "marc@example.org" not in response.get_data(as_text=True), url
    assert changed_tables(before) == []


def test_anonymous_visitors_are_sent_to_login_and_change_nothing(client, scene):
    before = fingerprint()
    for method, url, data in _registration_attempts(scene):
        response = _send(client, method, url, data, "/connexion")
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/connexion"), url
    assert changed_tables(before) == []


def test_a_question_of_the_lot_cannot_be_removed_through_an_aveyron_step(client, scene):
    """Mixing ids: the organiser's own step in the URL, another territory's question."""
    login_as(client, scene["aveyron_organiser"])
    csrf_token(client, "/gestion/")
    before = fingerprint()
    response = post_form(client, f"/gestion/etapes/{scene['aveyron_step'].id}/inscriptions/"
                         f"questions/{scene['lot_question'].id}/supprimer", {},
                         token_from="/gestion/")
    assert response.status_code == 404
    assert changed_tables(before) == []


def test_guessing_registration_ids_past_the_last_one_finds_nothing(client, scene):
    login_as(client, scene["admin"])
    csrf_token(client, "/gestion/")
    before = fingerprint()
    for guess in (0, 999_999, 2**31 - 1):
        for action in ("valider", "annuler", "presence"):
            response = post_form(client, f"/gestion/inscriptions/{guess}/{action}", {},
                                 token_from="/gestion/")
            assert response.status_code == 404, (guess, action)
    assert client.get("/gestion/etapes/999999/inscriptions").status_code == 404
    assert changed_tables(before) == []
