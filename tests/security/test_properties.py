"""Property-based tests (hypothesis): arbitrary Unicode (right-to-left marks, emoji, combining
characters), control characters and huge values in every public form and every public query
parameter or path segment. Whatever comes, the answer is never a 500: forms answer 200, 302,
400, 403 or 429 with a French page.

Examples per test: FUZZ_EXAMPLES (default 15, kept small for CI); e.g.
``FUZZ_EXAMPLES=500 pytest tests/security/test_properties.py`` to search harder.
Rows created by the examples of one test accumulate (the database is emptied after each test,
not after each example): the properties hold whatever is already there.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ratelimits import limiter
from app.registrations import tokens
from tests.helpers import csrf_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Characters that break naive code: bidi controls, zero-width, combining, emoji, BOM, C0/C1
# controls, NUL, line separators, the last code point.
TRICKY = ["\u200f", "\u202e", "\u200b", "\u200d", "e\u0301", "🩺", "👩🏽‍⚕️", "\ufeff", "\x00",
          "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\r\n", "\U0010ffff", "ﷺ", "İ", "ß",
          "' OR 1=1 --", "%", "{{7*7}}", "<script>"]
# Surrogates cannot travel in UTF-8 (HTTP), so they are left out.
CHARACTERS = st.characters(exclude_categories=("Cs",))
TEXT = st.one_of(
    st.text(CHARACTERS, max_size=80),
    st.lists(st.sampled_from(TRICKY), max_size=8).map("".join),
    st.builds(lambda piece, times: piece * times, st.sampled_from(["a", "é", "🩺", "\u202e", "9"]),
              st.integers(200, 30_000)),
    st.integers(-(10**30), 10**30).map(str),
)
FRENCH_PAGE = '<html lang="fr"'
FORM_ANSWERS = {200, 302, 400, 403, 429}


def _no_limits(app: Flask) -> None:
    """Abuse limits are read at each request: make them unreachable, and start counting
    afresh (hypothesis sends many requests from one address)."""
    for name, value in list(app.config.items()):
        if name.endswith(("_LIMIT_PER_IP", "_LIMIT_PER_EMAIL")) and isinstance(value, str):
            app.config[name] = "1000000 per hour"
    limiter.reset()


def _assert_form_answer(response, url: str) -> None:
    assert response.status_code in FORM_ANSWERS, (url, response.status_code)
    if response.status_code != 302:
        assert FRENCH_PAGE in response.get_data(as_text=True), (url, response.status_code)


def _form_strategy(fields: list[str]) -> st.SearchStrategy[dict]:
    """Some of the form's fields, each with an arbitrary value."""
    return st.dictionaries(st.sampled_from(fields), TEXT, max_size=len(fields))


def _public_forms(scene) -> dict[str, tuple[str, dict, list[str]]]:
    """Every public form: URL, plausible values, fields the fuzzer replaces."""
    step = scene["lot_step"]
    question = f"question_{scene['lot_question'].id}"
    registration = {"first_name": "Camille", "last_name": "Durand", "email": "c@example.org",
                    "departement_id": scene["lot"].id, "category": "usagers", "consent": "y"}
    return {
        "registration": (f"/etapes/{step.id}/inscription", registration,
                         [*registration, "phone", "organisation", "accessibility_needs",
                          "subcategory", "workshop_id", question]),
        "send-link": (f"/etapes/{step.id}/inscription/lien", {"email": "c@example.org"},
                      ["email"]),
        "registration management": (f"/inscriptions/{tokens.make(scene['lea'].uuid)}",
                                    registration, [*registration, "phone", "organisation"]),
        "contribution": ("/demarches/cnr/contribuer",
                         {"kind": "proposal", "body": "Une proposition assez longue.",
                          "territory_id": scene["lot"].id,
                          "challenge_id": scene["campaign"].challenges[0].id},
                         ["kind", "title", "body", "territory_id", "challenge_id", "step_id",
                          "workshop_id", "pseudonym", "age_range", "category", "email",
                          "website", "submission_key", "seen_similar", "confirm_distinct"]),
        "report": (f"/contributions/{scene['lot_contribution'].id}/signaler",
                   {"reason": "Propos injurieux"}, ["reason"]),
        "support": (f"/contributions/{scene['lot_contribution'].id}/soutenir", {}, ["x"]),
        "accreditation": ("/presse/accreditation",
                          {"name": "Alex", "outlet": "Média", "email": "a@presse.example",
                           "consent": "y", "steps": step.id},
                          ["name", "outlet", "email", "phone", "steps", "consent"]),
        "login": ("/connexion", {"email": "admin@example.org", "password": "x"},
                  ["email", "password", "next"]),
        "password forgotten": ("/mot-de-passe-oublie", {"email": "admin@example.org"},
                               ["email"]),
    }


FORMS = ["registration", "send-link", "registration management", "contribution", "report",
         "support", "accreditation", "login", "password forgotten"]


def _fuzz_form(app: Flask, scene, client, name: str):
    url, plausible, fields = _public_forms(scene)[name]
    if not any(rule.rule == url for rule in app.url_map.iter_rules()) and name in (
            "password forgotten",):
        return None
    token = csrf_token(client, "/connexion")

    @FUZZ
    @given(values=_form_strategy(fields))
    def post(values):
        _no_limits(app)
        response = client.post(url, data={**plausible, **values, "csrf_token": token})
        _assert_form_answer(response, url)

    return post


def test_every_public_form_answers_arbitrary_input_without_error(app, scene, client):
    for name in FORMS:
        post = _fuzz_form(app, scene, client, name)
        if post is not None:
            post()


PUBLIC_QUERIES = [
    ("/demarches/cnr/contributions", ["q", "departement", "question", "etape", "type",
                                      "categorie", "reponse", "tri", "avant"]),
    ("/calendrier", ["demarche", "departement", "etat"]),
    ("/demarches/cnr/contribuer", ["etape", "atelier", "question"]),
    ("/donnees/cnr/contributions.json", ["departement"]),
    ("/donnees/cnr/contributions.csv", ["departement"]),
    ("/donnees/cnr/chiffres.json", ["departement"]),
    ("/etapes/{step}/mur.json", ["apres"]),
    ("/api/v1/etapes", ["demarche", "departement", "limite", "apres"]),
    ("/api/v1/demarches/cnr/contributions", ["departement", "question", "type", "limite",
                                             "apres"]),
    ("/connexion", ["next"]),
]
PUBLIC_PATHS = ["/departements/{}", "/departements/{}.ics", "/demarches/{}", "/demarches/{}.ics",
                "/demarches/{}/contributions", "/donnees/{}/contributions.json",
                "/api/v1/demarches/{}/questions", "/inscriptions/{}",
                "/presse/accreditation/{}", "/presse/fichiers/{kit}/{}", "/etapes/{}",
                "/mot-de-passe/{}"]


def test_every_public_query_parameter_answers_arbitrary_values_without_error(scene, client):
    lot = scene["lot_step"].id

    @FUZZ
    @given(page=st.sampled_from(PUBLIC_QUERIES), data=st.data())
    def get(page, data):
        url, parameters = page
        values = data.draw(st.dictionaries(st.sampled_from(parameters), TEXT, min_size=1))
        response = client.get(url.format(step=lot), query_string=values)
        assert response.status_code < 500, (url, response.status_code)

    get()


def test_every_public_path_segment_answers_arbitrary_values_without_error(scene, client):
    kit = scene["lot_kit"].id

    @FUZZ
    @given(template=st.sampled_from(PUBLIC_PATHS), value=TEXT.filter(bool))
    def get(template, value):
        url = template.format(quote(value, safe=""), kit=kit)
        response = client.get(url)
        assert response.status_code < 500, (url[:120], response.status_code)

    get()


def test_a_tampered_submission_key_is_dropped_instead_of_failing(app, scene, client):
    """Found by hypothesis on PostgreSQL: a key longer than its column (or with a NUL) was a
    500. The contribution is saved, without the key."""
    from app.contributions.models import Contribution
    from app.extensions import db

    url, plausible, _ = _public_forms(scene)["contribution"]
    token = csrf_token(client, "/connexion")
    for key in ("k" * 37, "clé\x00", "🩺" * 10):
        # The same proposal again: sent despite the look-alike (the first one, published).
        response = client.post(url, data={**plausible, "submission_key": key,
                                          "confirm_distinct": "y", "csrf_token": token})
        assert response.status_code == 302, key
    keys = db.session.scalars(db.select(Contribution.submission_key).where(
        Contribution.body == plausible["body"])).all()
    assert keys == [None, None, None]


def _staff_forms(scene) -> list[tuple[str, dict, list[str]]]:
    """The organiser's forms on the Lot: URL, plausible values, fields the fuzzer replaces."""
    step, pending = scene["lot_step"].id, scene["lot_pending"].id
    published, challenge = scene["lot_contribution"].id, scene["campaign"].challenges[0].id
    step_form = {"campaign_id": scene["campaign"].id, "territory_id": scene["lot"].id,
                 "title": "Étape", "city": "Cahors", "schedule": "timed", "day": "2022-11-18",
                 "start_time": "10:00", "end_time": "16:00", "format": "in_person"}
    schedule = ["schedule", "day", "start_time", "end_time"]
    return [
        (f"/gestion/etapes/{step}/modifier", step_form,
         [*step_form, "venue", "address", "meeting_url", "capacity", "description",
          "registration_opens_at", "registration_closes_at", "press_point_time"]),
        ("/gestion/etapes/nouvelle", step_form, list(step_form)),
        (f"/gestion/etapes/{step}/programme", {"kind": "workshop", "title": "Atelier"},
         ["kind", "title", "start_time", "end_time", "challenge_id"]),
        (f"/gestion/etapes/{step}/reprogrammer", {"schedule": "timed"}, schedule),
        (f"/gestion/etapes/{step}/copier", {"schedule": "unknown"},
         [*schedule, "territory_id"]),
        (f"/gestion/etapes/{step}/compte-rendu", {}, ["organisations", "discussion",
                                                      "proposals", "published",
                                                      "present_usagers"]),
        (f"/gestion/etapes/{step}/message", {"subject": "Objet", "body": "Texte"},
         ["subject", "body"]),
        (f"/gestion/etapes/{step}/inscriptions/reglages", {},
         ["requires_approval", "quota_usagers", "quota_professionnels"]),
        (f"/gestion/etapes/{step}/inscriptions/questions", {"question-label": "Question"},
         ["question-label", "question-required_answer"]),
        (f"/gestion/inscriptions/{scene['marc'].id}/presence", {}, ["present", "retour", "q"]),
        (f"/gestion/etapes/{step}/saisie", {"kind": "proposal", "body": "Dit en salle",
                                           "challenge_id": challenge},
         ["kind", "body", "title", "challenge_id", "workshop_id", "category", "age_range"]),
        (f"/gestion/contributions/{published}/repondre", {"answer_state": "studying"},
         ["answer_state", "answer"]),
        (f"/gestion/contributions/{pending}/reclasser", {},
         ["kind", "territory_id", "challenge_id", "step_id", "workshop_id"]),
        (f"/gestion/contributions/{pending}/fusionner", {}, ["target"]),
        (f"/gestion/moderation/{pending}/modifier", {"body": "Texte"}, ["title", "body"]),
        (f"/gestion/moderation/{pending}/refuser", {}, ["reason"]),
        ("/gestion/syntheses/cnr/46/texte", {}, ["challenge_id", "text"]),
        (f"/gestion/syntheses/cnr/46/aide/{challenge}/ajouter", {}, ["line"]),
        (f"/gestion/etapes/{step}/presse/renvoyer", {}, ["follow_id"]),
        (f"/gestion/etapes/{step}/import/confirmer", {}, ["token"]),
    ]


def test_every_organiser_form_answers_arbitrary_input_without_error(app, scene, client_as):
    """Not public, but an organiser's typing (or a copy-paste from a PDF) must not break
    anything either."""
    organiser = client_as(scene["lot_organiser"])
    token = csrf_token(organiser, "/gestion/")
    forms = _staff_forms(scene)

    @FUZZ
    @given(form=st.sampled_from(forms), data=st.data())
    def post(form, data):
        url, plausible, fields = form
        values = data.draw(_form_strategy(fields))
        response = organiser.post(url, data={**plausible, **values, "csrf_token": token})
        assert response.status_code in {200, 302, 400, 403, 404}, (url, response.status_code)

    post()


def test_what_hypothesis_found_in_organiser_forms_is_explained_not_a_500(scene, client_as):
    """An unreadable end time next to a start time, a number too big for a float, a line
    separator in a mail subject: each was a 500."""
    from app.extensions import db
    from app.mail import OutboundMail

    organiser = client_as(scene["lot_organiser"])
    token = csrf_token(organiser, "/gestion/")
    step = scene["lot_step"].id
    reschedule = organiser.post(f"/gestion/etapes/{step}/reprogrammer", data={
        "schedule": "timed", "day": "2022-11-18", "start_time": "10:00", "end_time": "midi",
        "csrf_token": token})
    quotas = organiser.post(f"/gestion/etapes/{step}/inscriptions/reglages", data={
        "quota_usagers": "1" + "0" * 400, "csrf_token": token})
    assert (reschedule.status_code, quotas.status_code) in {(200, 200), (400, 400),
                                                            (200, 400), (400, 200)}
    assert "entre 1 et 100 000" in quotas.get_data(as_text=True)
    message = organiser.post(f"/gestion/etapes/{step}/message", data={
        "subject": "Rappel\u2028important", "body": "Texte", "csrf_token": token})
    assert message.status_code == 302
    subjects = db.session.scalars(db.select(OutboundMail.subject)).all()
    assert subjects and all("\u2028" not in subject for subject in subjects)


def test_what_hypothesis_found_in_public_forms_is_explained_not_a_500(scene, client):
    """A registration that fills the step (the organisers' seat alert selected accounts with
    DISTINCT, which PostgreSQL refuses on JSON columns); a NUL character in a field without
    its own check (PostgreSQL cannot store it)."""
    url, plausible, _ = _public_forms(scene)["registration"]
    token = csrf_token(client, "/connexion")
    assert client.post(url, data={**plausible, "csrf_token": token}).status_code == 302
    accreditation = client.post("/presse/accreditation", data={
        "name": "Alex\x00", "outlet": "Média", "email": "nul@presse.example", "consent": "y",
        "steps": scene["lot_step"].id, "csrf_token": token})
    assert accreditation.status_code == 200
    assert "caractères invisibles" in accreditation.get_data(as_text=True)
