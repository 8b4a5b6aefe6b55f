"""XSS and template-injection payloads typed into every text field of every form, then read
back on every page that shows them, public and back office: always shown as text, never run.

Table-driven: each case is a form (who posts it, where, which fields) and the pages where what
was typed comes back. Mails are plain text (checked at the end); exports have their own tests.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import OutboundMail
from app.press.models import PressAccreditation
from app.registrations import tokens
from app.registrations.models import Registration
from tests.helpers import csrf_token
from tests.security.conftest import PDF

ATTACK = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>{{7*7}}"
AFTER_THE_STEPS = "2022-11-20T12:00"


def typed(name: str) -> str:
    """What is typed in field ``name``: a marker to find it back, then the attack."""
    return f"XSS-{name} {ATTACK}"


class _Dangers(HTMLParser):
    """Markup an attacker could have slipped in: scripts, event handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value:
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value.startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
            if tag == "img" and name == "src" and value == "x":
                self.found.append("<img src=x>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.found.append("<script>alert(1)</script>")


def dangers(html: str) -> list[str]:
    parser = _Dangers()
    parser.feed(html)
    return parser.found


@dataclass
class Case:
    """A form posted with the attack in ``fields`` and the pages that show them back."""

    name: str
    who: str | None  # scene key of the person posting, None for a visitor
    url: Callable[[dict], str]
    data: Callable[[dict], dict]
    fields: list[str]
    # (who reads, page, fields it shows back; None: all the case's fields)
    pages: list[tuple]
    now: str | None = None
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    success: tuple[int, ...] = (302,)


def _step_form(scene) -> dict:
    return {"campaign_id": scene["campaign"].id, "territory_id": scene["lot"].id,
            "schedule": "timed", "day": "2022-11-18", "start_time": "10:00",
            "end_time": "16:00", "format": "in_person", "capacity": "2",
            **{name: typed(name) for name in ("title", "city", "venue", "address",
                                              "description")}}


def _registration(scene) -> dict:
    return {"first_name": typed("first_name"), "last_name": typed("last_name"),
            "email": "xss@example.org", "organisation": typed("organisation"),
            "accessibility_needs": typed("accessibility_needs"),
            "departement_id": scene["lot"].id, "category": "usagers", "workshop_id": 0,
            f"question_{scene['lot_question'].id}": typed("question"), "consent": "y"}


def _typed_registration_token(scene) -> str:
    registration = db.session.scalar(sa.select(Registration).where(
        Registration.email == "xss@example.org"))
    return tokens.make(registration.uuid)


def _typed_check_in_token(scene) -> str:
    return tokens.make(tokens.read(_typed_registration_token(scene)), tokens.CHECK_IN_SALT)


def _typed_accreditation(scene) -> str:
    accreditation = db.session.scalar(sa.select(PressAccreditation).where(
        PressAccreditation.email == "xss@presse.example"))
    return f"/presse/accreditation/{accreditation.token}"


LOT = "lot_organiser"
STEP_PAGES = [(None, lambda s: f"/etapes/{s['lot_step'].id}"),
              (None, lambda s: "/calendrier", ["title"]),
              (None, lambda s: "/demarches/cnr", ["title"]),
              (None, lambda s: "/departements/46", ["title"]),
              (None, lambda s: "/presse/", ["title"]),
              (None, lambda s: f"/etapes/{s['lot_step'].id}/inscription", ["title"]),
              (LOT, lambda s: "/gestion/", ["title"]),
              (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/inscriptions", ["title"])]

CASES = [
    Case("registration", None, lambda s: f"/etapes/{s['lot_step'].id}/inscription",
         _registration, ["first_name", "last_name", "organisation", "accessibility_needs",
                         "question"],
         [(None, lambda s: f"/inscriptions/{_typed_registration_token(s)}",
           ["first_name", "last_name", "organisation", "accessibility_needs"]),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/inscriptions",
           ["first_name", "last_name", "organisation"]),
          (LOT, lambda s: f"/gestion/pointage/{_typed_check_in_token(s)}",
           ["first_name", "last_name"])]),
    Case("registration refused and shown again", None,
         lambda s: f"/etapes/{s['lot_step'].id}/inscription",
         lambda s: {**_registration(s), "consent": ""},
         ["first_name", "last_name", "organisation", "accessibility_needs", "question"], [],
         success=(200,)),
    Case("registration modified from its link", None,
         lambda s: f"/inscriptions/{tokens.make(s['lea'].uuid)}",
         lambda s: {**_registration(s), "email": ""},
         ["first_name", "last_name", "organisation", "accessibility_needs"],
         [(None, lambda s: f"/inscriptions/{tokens.make(s['lea'].uuid)}"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/inscriptions")]),
    Case("press accreditation", None, lambda s: "/presse/accreditation",
         lambda s: {"name": typed("name"), "outlet": typed("outlet"),
                    "email": "xss@presse.example", "steps": [s["lot_step"].id], "consent": "y"},
         ["name", "outlet"],
         [(None, _typed_accreditation),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/presse")]),
    Case("contribution", None, lambda s: "/demarches/cnr/contribuer",
         lambda s: {"kind": "proposal", "title": typed("title"), "body": typed("body"),
                    "territory_id": s["lot"].id, "challenge_id": s["campaign"].challenges[0].id,
                    "step_id": 0, "workshop_id": 0, "pseudonym": typed("pseudo")[:80],
                    "age_range": "", "category": "", "email": "", "website": "",
                    "submission_key": "xss-1"},
         ["title", "body", "pseudo"],
         [(LOT, lambda s: "/gestion/moderation", ["title", "body"]),
          (LOT, lambda s: "/gestion/contributions?statut=pending", ["body"])]),
    Case("report of a contribution", None,
         lambda s: f"/contributions/{s['lot_contribution'].id}/signaler",
         lambda s: {"reason": typed("reason")}, [],
         [(None, lambda s: "/demarches/cnr/contributions"),
          (LOT, lambda s: f"/gestion/contributions/{s['lot_contribution'].id}")]),
    Case("step edit", LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/modifier",
         _step_form, ["title", "city", "venue", "address", "description"], STEP_PAGES),
    Case("step edit refused and shown again", LOT,
         lambda s: f"/gestion/etapes/{s['lot_step'].id}/modifier",
         lambda s: {**_step_form(s), "end_time": "09:00"},
         ["title", "city", "venue", "address", "description"], [], success=(200, 400)),
    Case("step creation", LOT, lambda s: "/gestion/etapes/nouvelle", _step_form,
         ["title", "city", "venue", "address", "description"],
         [(LOT, lambda s: "/gestion/", ["title"])]),
    Case("agenda item", LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/programme",
         lambda s: {"kind": "workshop", "title": typed("agenda"), "start_time": "10:00",
                    "end_time": "11:00", "challenge_id": s["campaign"].challenges[0].id},
         ["agenda"],
         [(None, lambda s: f"/etapes/{s['lot_step'].id}"),
          (None, lambda s: f"/demarches/cnr/contribuer?etape={s['lot_step'].id}"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/programme"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/qr"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/saisie")]),
    Case("step cancellation", LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/annuler",
         lambda s: {"reason": typed("reason")}, ["reason"],
         [(None, lambda s: f"/etapes/{s['lot_step'].id}", []),
          (None, lambda s: "/calendrier", []),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/historique")]),
    Case("step report", LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/compte-rendu",
         lambda s: {"organisations": typed("organisations"), "discussion": typed("discussion")
                    + "\n\n[lien](javascript:alert(1))", "proposals": typed("proposals"),
                    "published": "y"},
         ["organisations", "discussion", "proposals"],
         [(None, lambda s: f"/etapes/{s['lot_step'].id}"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/compte-rendu")],
         now=AFTER_THE_STEPS),
    Case("synthesis text", LOT, lambda s: "/gestion/syntheses/cnr/46/texte",
         lambda s: {"challenge_id": s["campaign"].challenges[0].id,
                    "text": typed("synthesis") + "\n\n[lien](javascript:alert(1))"},
         ["synthesis"], [(LOT, lambda s: "/gestion/syntheses/cnr/46")]),
    Case("answer to a proposal", LOT,
         lambda s: f"/gestion/contributions/{s['lot_contribution'].id}/repondre",
         lambda s: {"answer_state": "studying", "answer": typed("answer")}, ["answer"],
         [(None, lambda s: "/demarches/cnr/contributions"),
          (None, lambda s: f"/etapes/{s['lot_step'].id}/mur", []),
          (LOT, lambda s: f"/gestion/contributions/{s['lot_contribution'].id}")]),
    Case("redaction by a moderator", LOT,
         lambda s: f"/gestion/moderation/{s['lot_pending'].id}/modifier",
         lambda s: {"title": typed("title"), "body": typed("body")}, ["title", "body"],
         [(LOT, lambda s: "/gestion/moderation"),
          (LOT, lambda s: f"/gestion/contributions/{s['lot_pending'].id}")]),
    Case("rejection reason", LOT, lambda s: f"/gestion/moderation/{s['lot_pending'].id}/refuser",
         lambda s: {"reason": typed("reason")}, ["reason"],
         [(LOT, lambda s: f"/gestion/contributions/{s['lot_pending'].id}")]),
    Case("merge target", LOT,
         lambda s: f"/gestion/contributions/{s['lot_pending'].id}/fusionner",
         lambda s: {"target": typed("target")}, [], [], success=(400,)),
    Case("capture in the room", LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/saisie",
         lambda s: {"kind": "proposal", "title": typed("title"), "body": typed("body"),
                    "challenge_id": s["campaign"].challenges[0].id, "workshop_id": 0,
                    "category": "", "age_range": ""}, ["title", "body"],
         [(None, lambda s: f"/etapes/{s['lot_step'].id}/mur"),
          (None, lambda s: "/demarches/cnr/contributions"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/saisie", ["body"])]),
    Case("custom registration question", LOT,
         lambda s: f"/gestion/etapes/{s['lot_step'].id}/inscriptions/questions",
         lambda s: {"question-label": typed("label")}, ["label"],
         [(None, lambda s: f"/etapes/{s['lot_step'].id}/inscription"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/inscriptions/reglages")]),
    Case("message to all registrants", LOT,
         lambda s: f"/gestion/etapes/{s['lot_step'].id}/message",
         lambda s: {"subject": typed("subject"), "body": typed("body")}, [],
         [(LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/inscriptions")]),
    Case("press kit title and file name", LOT,
         lambda s: f"/gestion/etapes/{s['lot_step'].id}/presse",
         lambda s: {"title": typed("kit")}, ["kit"],
         [(None, lambda s: "/presse/"),
          (LOT, lambda s: f"/gestion/etapes/{s['lot_step'].id}/presse")],
         files={"file": (PDF, f"{ATTACK}.pdf")}),
    Case("login", None, lambda s: "/connexion",
         lambda s: {"email": typed("email"), "password": ATTACK}, [], [],
         success=(200, 400, 401, 429)),
]


def _post(client, case: Case, scene):
    data = {**case.data(scene), "csrf_token": csrf_token(client, "/connexion")}
    for name, (content, filename) in case.files.items():
        data[name] = (io.BytesIO(content), filename)
    return client.post(case.url(scene), data=data, content_type="multipart/form-data")


def _assert_safe(html: str, where: str, expected: list[str]) -> None:
    assert dangers(html) == [], where
    for name in expected:
        marker = f"XSS-{name}"
        assert marker in html, (where, marker)
    if expected:
        assert "{{7*7}}" in html, where  # shown as typed, not evaluated


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_attacks_typed_in_a_form_are_shown_as_text_everywhere(app, scene, client_as, case):
    if case.now:
        app.config["CONCERTO_NOW"] = case.now
    writer = client_as(scene[case.who] if case.who else None)
    response = _post(writer, case, scene)
    assert response.status_code in case.success, (case.name, response.status_code)
    shown = response.get_data(as_text=True)
    if response.status_code == 302:
        shown = writer.get(response.headers["Location"]).get_data(as_text=True)
    # Whatever comes back right away (the form again, or the next page with its message).
    _assert_safe(shown, f"{case.name}: answer", case.fields if response.status_code != 302
                 else [])
    readers = {None: client_as(None), LOT: client_as(scene[LOT])}
    for who, page, *shows in case.pages:
        url = page(scene)
        reader = readers[who]
        answer = reader.get(url)
        assert answer.status_code == 200, (case.name, url, answer.status_code)
        _assert_safe(answer.get_data(as_text=True), f"{case.name}: {url}",
                     shows[0] if shows else case.fields)
    _assert_mails_are_plain_text()


def _assert_mails_are_plain_text() -> None:
    """The HTML part of a mail shows the payload as text, as the pages do."""
    from email import message_from_bytes
    from email.policy import default

    for raw in db.session.scalars(sa.select(OutboundMail.message)):
        for part in message_from_bytes(raw, policy=default).walk():
            if part.get_content_type() == "text/html":
                assert dangers(part.get_content()) == []


def test_the_checker_sees_markup_that_would_run():
    assert sorted(dangers(f"<p>{ATTACK}</p>")) == ["<img onerror=…>", "<img src=x>",
                                                    "<script>alert(1)</script>"]
    assert dangers('<a href=" JavaScript:alert(1)">x</a>') == ["<a href=javascript:…>"]
    assert dangers("<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x "
                   "onerror=alert(1)&gt;</p><input value=\"&#34;&gt;&lt;img src=x\">") == []


@pytest.mark.parametrize("url", [
    "/etapes/{lot}/mur", "/demarches/cnr/contributions", "/calendrier", "/gestion/contributions",
    "/gestion/etapes/{lot}/inscriptions", "/gestion/etapes/{lot}/pointage",
    "/connexion",
])
def test_attacks_in_the_query_string_are_not_reflected_as_markup(scene, client_as, url):
    reader = client_as(scene[LOT])
    url = url.format(lot=scene["lot_step"].id)
    for name in ("q", "departement", "demarche", "etat", "statut", "categorie", "next", "type"):
        response = reader.get(url, query_string={name: ATTACK})
        assert response.status_code < 500, (url, name)
        assert dangers(response.get_data(as_text=True)) == [], (url, name)


@pytest.mark.parametrize("meeting_url", ["javascript:alert(1)",
                                         "javascript://example.org/%0Aalert(1)",
                                         "data:text/html,<script>alert(1)</script>"])
def test_a_meeting_link_must_be_a_web_address(scene, client_as, meeting_url):
    organiser = client_as(scene[LOT])
    data = {**_step_form(scene), "title": "Étape en ligne", "format": "online",
            "meeting_url": meeting_url}
    response = organiser.post(f"/gestion/etapes/{scene['lot_step'].id}/modifier",
                              data={**data, "csrf_token": csrf_token(organiser, "/gestion/")})
    assert response.status_code in (200, 400)
    assert "Indiquez une adresse web complète" in response.get_data(as_text=True)
    db.session.expire_all()
    assert scene["lot_step"].meeting_url == ""
