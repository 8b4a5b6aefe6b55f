"""Every route of the app, walked as each role: the permissions the app really enforces are
the ones in the table below. A new route fails test_every_route_is_in_the_table until it is
classified here.

Roles: an anonymous visitor; a participant (no account: an anonymous visitor who has opened
the management link of their registration); the moderator of Aveyron; the organisers of
Aveyron, of the Lot (another département) and of the region; an admin; a disabled account.
The URLs name real objects: Aveyron's step, registration, contribution, synthesis, press kit...
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, time

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import storage
from app.accounts import tokens as account_tokens
from app.accounts.models import Role
from app.campaigns.models import AgendaItem, AgendaKind, StepStatus
from app.clock import now
from app.contributions.models import (
    Contribution,
    ContributionKind,
    ContributionMerge,
    ContributionStatus,
)
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.press.models import PressAccreditation, PressFollow, PressKitFile
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationQuestion, RegistrationStatus
from app.syntheses.models import StepReport, Synthesis, SynthesisState, Transmission
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import CSRF_PATTERN, login_as

ROLES = ("anonymous", "participant", "aveyron_moderator", "aveyron_organiser", "lot_organiser",
         "region_organiser", "admin", "disabled")
STAFF = ("aveyron_moderator", "aveyron_organiser", "lot_organiser", "region_organiser",
         "admin")

# What a request may come to.
OK = "allowed"            # 2xx, or a redirect elsewhere than the login page
LOGIN = "login"           # 302 to /connexion?next=...
FORBIDDEN = "403"
HIDDEN = "404"            # the object is not revealed


def staff(*allowed: str) -> dict[str, str]:
    """Back-office page: these staff roles may; other staff get 403; the rest must log in."""
    return {role: OK if role in allowed else FORBIDDEN if role in STAFF else LOGIN
            for role in ROLES}


PUBLIC = dict.fromkeys(ROLES, OK)
# Pages opened by a signed link sent by email: the link is the permission, whoever holds it.
LINK = dict.fromkeys(ROLES, OK)
ANY_STAFF = staff(*STAFF)
ORGANISERS = staff("aveyron_organiser", "lot_organiser", "region_organiser", "admin")
AVEYRON_STAFF = staff("aveyron_moderator", "aveyron_organiser", "region_organiser", "admin")
AVEYRON_ORGANISERS = staff("aveyron_organiser", "region_organiser", "admin")
REGION_ORGANISERS = staff("region_organiser", "admin")
ADMIN = staff("admin")
# A prepared document, asked for by the organiser of Aveyron.
REQUESTER_ONLY = {**staff("aveyron_organiser"),
                  **{role: HIDDEN for role in STAFF if role != "aveyron_organiser"}}
LOT_ORGANISERS = staff("lot_organiser", "region_organiser", "admin")
# A draft step is shown to those who may edit it (preview), and to nobody else.
LOT_DRAFT = {role: OK if LOT_ORGANISERS[role] == OK else HIDDEN for role in ROLES}
HIDDEN_TO_ALL = dict.fromkeys(ROLES, HIDDEN)


@dataclass(frozen=True)
class Route:
    """The URL walked for a rule (placeholders filled from the world), and who may GET and
    POST it (None: the rule has no such method)."""

    url: str
    get: dict[str, str] | None = None
    post: dict[str, str] | None = None
    data: dict[str, str] = field(default_factory=dict)  # a plausible form for the POST


def both(url: str, who: dict[str, str], **data: str) -> Route:
    return Route(url, who, who, data)


def post(url: str, who: dict[str, str], **data: str) -> Route:
    return Route(url, None, who, data)


def get(url: str, who: dict[str, str]) -> Route:
    return Route(url, who)


S = "/gestion/etapes/{aveyron_step}"
SYN = "/gestion/syntheses/cnr/12"
ROUTES: dict[str, Route] = {
    # Public pages, feeds, API and open data.
    "/": get("/", PUBLIC),
    "/accessibilite": get("/accessibilite", PUBLIC),
    "/mentions-legales": get("/mentions-legales", PUBLIC),
    "/donnees-personnelles": get("/donnees-personnelles", PUBLIC),
    "/donnees-effacees": get("/donnees-effacees", PUBLIC),
    "/healthz": get("/healthz", PUBLIC),
    "/readyz": get("/readyz", PUBLIC),
    # Served by network or token (tests/operations), not by role: the test client's address is
    # 127.0.0.1, which outside production is an allowed network.
    "/metrics": get("/metrics", PUBLIC),
    "/favicon.ico": get("/favicon.ico", PUBLIC),
    "/participer": get("/participer", PUBLIC),
    "/static/<path:filename>": get("/static/css/concerto.css", PUBLIC),
    "/calendrier": get("/calendrier", PUBLIC),
    "/calendrier.ics": get("/calendrier.ics", PUBLIC),
    "/demarches/<slug>": get("/demarches/cnr", PUBLIC),
    "/demarches/<slug>.ics": get("/demarches/cnr.ics", PUBLIC),
    "/departements": get("/departements", PUBLIC),
    "/departements/<code>": get("/departements/12", PUBLIC),
    "/departements/<code>.ics": get("/departements/12.ics", PUBLIC),
    "/etapes/<int:step_id>": get("/etapes/{aveyron_step}", PUBLIC),
    "/etapes/<int:step_id>.ics": get("/etapes/{aveyron_step}.ics", PUBLIC),
    "/etapes/<int:step_id>/mur": get("/etapes/{aveyron_step}/mur", PUBLIC),
    "/etapes/<int:step_id>/mur.json": get("/etapes/{aveyron_step}/mur.json", PUBLIC),
    "/c/<int:step_id>": get("/c/{aveyron_step}", PUBLIC),
    "/c/<int:step_id>/<int:workshop_id>": get("/c/{aveyron_step}/{workshop}", PUBLIC),
    "/demarches/<slug>/contributions": get("/demarches/cnr/contributions", PUBLIC),
    "/demarches/<slug>/suites": get("/demarches/cnr/suites", PUBLIC),
    "/demarches/<slug>/contribuer": both("/demarches/cnr/contribuer", PUBLIC),
    "/contributions/<reference>": get("/contributions/C-{aveyron_contribution:06d}", PUBLIC),
    "/contributions/<int:contribution_id>/signaler": post(
        "/contributions/{aveyron_contribution}/signaler", PUBLIC),
    "/contributions/<int:contribution_id>/soutenir": post(
        "/contributions/{aveyron_contribution}/soutenir", PUBLIC),
    "/etapes/<int:step_id>/inscription": both("/etapes/{aveyron_step}/inscription", PUBLIC),
    "/etapes/<int:step_id>/inscription/lien": both("/etapes/{aveyron_step}/inscription/lien",
                                                   PUBLIC),
    "/presse/": get("/presse/", PUBLIC),
    "/presse/accreditation": both("/presse/accreditation", PUBLIC),
    "/presse/fichiers/<int:file_id>/<path:name>": get(
        "/presse/fichiers/{step_kit_file}/communique.pdf", PUBLIC),
    "/donnees": get("/donnees", PUBLIC),
    "/donnees/contribution.schema.json": get("/donnees/contribution.schema.json", PUBLIC),
    "/donnees/<slug>/chiffres.<any(csv, json, xlsx):extension>": get(
        "/donnees/cnr/chiffres.csv", PUBLIC),
    "/donnees/<slug>/contributions.<any(csv, json, xlsx):extension>": get(
        "/donnees/cnr/contributions.json", PUBLIC),
    "/donnees/<slug>/suites.<any(csv, json):extension>": get("/donnees/cnr/suites.csv", PUBLIC),
    "/donnees/schemas/<any(contributions, chiffres, suites):table>.json": get(
        "/donnees/schemas/contributions.json", PUBLIC),
    "/donnees/<slug>/<any(contributions, chiffres, suites):table>.tableschema.json": get(
        "/donnees/cnr/chiffres.tableschema.json", PUBLIC),
    "/donnees/<slug>/datapackage.json": get("/donnees/cnr/datapackage.json", PUBLIC),
    "/api/v1/demarches": get("/api/v1/demarches", PUBLIC),
    "/api/v1/demarches/<slug>/contributions": get("/api/v1/demarches/cnr/contributions",
                                                  PUBLIC),
    "/api/v1/demarches/<slug>/questions": get("/api/v1/demarches/cnr/questions", PUBLIC),
    "/api/v1/etapes": get("/api/v1/etapes", PUBLIC),
    "/api/v1/etapes/<int:step_id>": get("/api/v1/etapes/{aveyron_step}", PUBLIC),
    "/api/v1/openapi.json": get("/api/v1/openapi.json", PUBLIC),
    "/api/v1/territoires": get("/api/v1/territoires", PUBLIC),
    # Signed links: a participant's registration, a journalist's accreditation, a password.
    "/inscriptions/<token>": both("/inscriptions/{manage_token}", LINK),
    "/inscriptions/<token>/annuler": post("/inscriptions/{manage_token}/annuler", LINK),
    "/inscriptions/<token>/code.svg": get("/inscriptions/{manage_token}/code.svg", LINK),
    "/inscriptions/<token>/effacement": both("/inscriptions/{manage_token}/effacement", LINK),
    "/inscriptions/<token>/mes-donnees.json": get("/inscriptions/{manage_token}/mes-donnees.json",
                                                  LINK),
    "/presse/accreditation/<token>": both("/presse/accreditation/{press_token}", LINK),
    "/presse/accreditation/<token>/retirer": post("/presse/accreditation/{press_token}/retirer",
                                                  LINK),
    "/mot-de-passe/<token>": both("/mot-de-passe/{password_token}", LINK),
    # Signing in and out.
    "/connexion": both("/connexion", PUBLIC),
    "/connexion/verification": both("/connexion/verification", PUBLIC),
    "/mot-de-passe-oublie": both("/mot-de-passe-oublie", PUBLIC),
    "/deconnexion": post("/deconnexion", PUBLIC),
    # ProConnect and FranceConnect (tests/accounts/test_proconnect.py,
    # tests/registrations/test_franceconnect.py): not configured here, so not there.
    "/connexion/proconnect": get("/connexion/proconnect", HIDDEN_TO_ALL),
    "/connexion/proconnect/retour": get("/connexion/proconnect/retour", HIDDEN_TO_ALL),
    "/deconnexion/proconnect": get("/deconnexion/proconnect", HIDDEN_TO_ALL),
    "/etapes/<int:step_id>/inscription/franceconnect": get(
        "/etapes/{aveyron_step}/inscription/franceconnect", HIDDEN_TO_ALL),
    "/franceconnect/retour": get("/franceconnect/retour", HIDDEN_TO_ALL),
    "/franceconnect/deconnexion": get("/franceconnect/deconnexion", HIDDEN_TO_ALL),
    "/gestion/compte/proconnect": post("/gestion/compte/proconnect", HIDDEN_TO_ALL),
    # A draft step: its page is a preview for its organisers, hidden from everyone else.
    "(draft) /etapes/<int:step_id>": get("/etapes/{lot_draft}", LOT_DRAFT),
    **{f"(draft) {path}": get(path.replace("<int:step_id>", "{lot_draft}"), HIDDEN_TO_ALL)
       for path in ("/etapes/<int:step_id>.ics", "/etapes/<int:step_id>/mur",
                    "/etapes/<int:step_id>/mur.json", "/c/<int:step_id>",
                    "/etapes/<int:step_id>/inscription", "/api/v1/etapes/<int:step_id>")},
    # A contribution awaiting moderation has no public page, for anyone (staff included).
    "(en attente) /contributions/<reference>": get(
        "/contributions/C-{pending_contribution:06d}", HIDDEN_TO_ALL),
    # The Lot's draft and the region's synthesis: the other side of the territory checks.
    "(Lot) /gestion/etapes/<int:step_id>/modifier": get("/gestion/etapes/{lot_draft}/modifier",
                                                        LOT_ORGANISERS),
    "(région) /gestion/syntheses/<slug>/<code>": get("/gestion/syntheses/cnr/region",
                                                      REGION_ORGANISERS),
    # The back office: one's own account.
    "/gestion/compte/": both("/gestion/compte/", ANY_STAFF),
    "/gestion/compte/deconnexion-partout": post("/gestion/compte/deconnexion-partout",
                                                ANY_STAFF),
    "/gestion/compte/double-facteur": both("/gestion/compte/double-facteur", ANY_STAFF),
    "/gestion/compte/double-facteur/desactiver": post(
        "/gestion/compte/double-facteur/desactiver", ANY_STAFF),
    "/gestion/compte/double-facteur/codes-de-secours": both(
        "/gestion/compte/double-facteur/codes-de-secours", ANY_STAFF),
    # Accounts of others: admins only.
    "/gestion/comptes/": get("/gestion/comptes/", ADMIN),
    "/gestion/comptes/inviter": both("/gestion/comptes/inviter", ADMIN,
                                     email="intrus@example.org", name="Intrus",
                                     role="admin"),
    "/gestion/comptes/<int:user_id>": both("/gestion/comptes/{lot_organiser}", ADMIN,
                                           role="admin"),
    "/gestion/comptes/<int:user_id>/deconnecter": post(
        "/gestion/comptes/{lot_organiser}/deconnecter", ADMIN),
    "/gestion/comptes/<int:user_id>/desactiver": post(
        "/gestion/comptes/{lot_organiser}/desactiver", ADMIN),
    "/gestion/comptes/<int:user_id>/reactiver": post(
        "/gestion/comptes/{disabled}/reactiver", ADMIN),
    "/gestion/comptes/<int:user_id>/deverrouiller": post(
        "/gestion/comptes/{lot_organiser}/deverrouiller", ADMIN),
    "/gestion/comptes/<int:user_id>/delier-proconnect": post(
        "/gestion/comptes/{lot_organiser}/delier-proconnect", ADMIN),
    "/gestion/comptes/<int:user_id>/reinitialiser-double-facteur": post(
        "/gestion/comptes/{lot_organiser}/reinitialiser-double-facteur", ADMIN),
    "/gestion/comptes/<int:user_id>/renvoyer-invitation": post(
        "/gestion/comptes/{invited}/renvoyer-invitation", ADMIN),
    "/gestion/journal": get("/gestion/journal", ADMIN),
    "/gestion/journal.csv": get("/gestion/journal.csv", ADMIN),
    "/gestion/courriels/": get("/gestion/courriels/", ADMIN),
    "/gestion/courriels/renvoyer": post("/gestion/courriels/renvoyer", ADMIN),
    # A prepared document: its requester's only (the others are told it does not exist).
    **{rule: get(url, REQUESTER_ONLY) for rule, url in (
           ("/gestion/documents/<token>", "/gestion/documents/{document}"),
           ("/gestion/documents/<token>/etat", "/gestion/documents/{document}/etat"),
           ("/gestion/documents/<token>/fichier", "/gestion/documents/{document}/fichier"))},
    # Steps (of Aveyron).
    "/gestion/": get("/gestion/", ANY_STAFF),
    "/gestion/etapes/nouvelle": both("/gestion/etapes/nouvelle", ORGANISERS),
    "/gestion/etapes/<int:step_id>/modifier": both(f"{S}/modifier", AVEYRON_ORGANISERS,
                                                   title="Piratée"),
    "/gestion/etapes/<int:step_id>/publier": post("/gestion/etapes/{aveyron_draft}/publier",
                                                  AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/reprogrammer": both(f"{S}/reprogrammer",
                                                       AVEYRON_ORGANISERS, schedule="unknown"),
    "/gestion/etapes/<int:step_id>/annuler": both(f"{S}/annuler", AVEYRON_ORGANISERS,
                                                  reason="Piratage"),
    "/gestion/etapes/<int:step_id>/copier": both(f"{S}/copier", AVEYRON_ORGANISERS,
                                                 schedule="unknown"),
    "/gestion/etapes/<int:step_id>/programme": both(f"{S}/programme", AVEYRON_ORGANISERS,
                                                    kind="lunch", title="Intrus"),
    "/gestion/etapes/<int:step_id>/programme/<int:item_id>/supprimer": post(
        f"{S}/programme/{{workshop}}/supprimer", AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/historique": get(f"{S}/historique", AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/compte-rendu": both(f"{S}/compte-rendu",
                                                       AVEYRON_ORGANISERS,
                                                       discussion="Piraté"),
    # Registrations of Aveyron's step.
    "/gestion/etapes/<int:step_id>/inscriptions": get(f"{S}/inscriptions", AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/inscriptions.csv": get(f"{S}/inscriptions.csv",
                                                          AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/inscriptions.xlsx": get(f"{S}/inscriptions.xlsx",
                                                           AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/emargement.pdf": post(f"{S}/emargement.pdf",
                                                         AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/pointage": get(f"{S}/pointage", AVEYRON_ORGANISERS),
    "/gestion/pointage/<token>": both("/gestion/pointage/{check_in_token}",
                                      AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/message": both(f"{S}/message", AVEYRON_ORGANISERS,
                                                  subject="Piraté", body="Piraté"),
    "/gestion/etapes/<int:step_id>/inscriptions/reglages": both(
        f"{S}/inscriptions/reglages", AVEYRON_ORGANISERS, requires_approval="y"),
    "/gestion/etapes/<int:step_id>/inscriptions/questions": post(
        f"{S}/inscriptions/questions", AVEYRON_ORGANISERS, **{"question-label": "Intrus ?"}),
    "/gestion/etapes/<int:step_id>/inscriptions/questions/<int:question_id>/supprimer": post(
        f"{S}/inscriptions/questions/{{question}}/supprimer", AVEYRON_ORGANISERS),
    "/gestion/inscriptions/<int:registration_id>/<any(valider, refuser):decision>": post(
        "/gestion/inscriptions/{pending_registration}/refuser", AVEYRON_ORGANISERS),
    "/gestion/inscriptions/<int:registration_id>/annuler": post(
        "/gestion/inscriptions/{registration}/annuler", AVEYRON_ORGANISERS),
    "/gestion/inscriptions/<int:registration_id>/promouvoir": post(
        "/gestion/inscriptions/{registration}/promouvoir", AVEYRON_ORGANISERS),
    "/gestion/inscriptions/<int:registration_id>/presence": post(
        "/gestion/inscriptions/{registration}/presence", AVEYRON_ORGANISERS, present="1"),
    # The check-in desk (app/registrations/checkin_routes.py).
    "/gestion/etapes/<int:step_id>/pointage/resultats": get(f"{S}/pointage/resultats?q=a",
                                                            AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/pointage/etat.json": get(f"{S}/pointage/etat.json",
                                                            AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/pointage/code": post(f"{S}/pointage/code",
                                                        AVEYRON_ORGANISERS, code="x"),
    "/gestion/etapes/<int:step_id>/pointage/sur-place": post(
        f"{S}/pointage/sur-place", AVEYRON_ORGANISERS, **{"sur-place-first_name": "Intrus"}),
    "/gestion/inscriptions/<int:registration_id>/arrivee": post(
        "/gestion/inscriptions/{registration}/arrivee", AVEYRON_ORGANISERS),
    "/gestion/inscriptions/<int:registration_id>/annuler-arrivee": post(
        "/gestion/inscriptions/{registration}/annuler-arrivee", AVEYRON_ORGANISERS),
    # Press: Aveyron's step, the campaign (the region's).
    "/gestion/etapes/<int:step_id>/presse": both(f"{S}/presse", AVEYRON_ORGANISERS),
    "/gestion/etapes/<int:step_id>/presse/renvoyer": post(f"{S}/presse/renvoyer",
                                                          AVEYRON_ORGANISERS),
    "/gestion/demarches/<slug>/presse": both("/gestion/demarches/cnr/presse",
                                             REGION_ORGANISERS),
    "/gestion/presse/fichiers/<int:file_id>/supprimer": post(
        "/gestion/presse/fichiers/{step_kit_file}/supprimer", AVEYRON_ORGANISERS),
    # Contributions: capture in the room, moderation, settings of the campaign.
    "/gestion/etapes/<int:step_id>/saisie": both(f"{S}/saisie", AVEYRON_STAFF,
                                                 kind="testimony", body="Intrus"),
    "/gestion/etapes/<int:step_id>/qr": get(f"{S}/qr", AVEYRON_STAFF),
    "/gestion/etapes/<int:step_id>/import": both(f"{S}/import", AVEYRON_STAFF),
    "/gestion/etapes/<int:step_id>/import/confirmer": post(f"{S}/import/confirmer",
                                                           AVEYRON_STAFF),
    "/gestion/moderation": get("/gestion/moderation", ANY_STAFF),
    "/gestion/contributions": get("/gestion/contributions", ANY_STAFF),
    "/gestion/contributions/<int:contribution_id>": get(
        "/gestion/contributions/{aveyron_contribution}", AVEYRON_STAFF),
    "/gestion/contributions/<int:contribution_id>/reclasser": post(
        "/gestion/contributions/{aveyron_contribution}/reclasser", AVEYRON_STAFF,
        kind="testimony"),
    "/gestion/contributions/<int:contribution_id>/fusionner": post(
        "/gestion/contributions/{aveyron_contribution}/fusionner", AVEYRON_STAFF),
    "/gestion/contributions/<int:contribution_id>/comparer": get(
        "/gestion/contributions/{aveyron_contribution}/comparer?target="
        "C-{pending_contribution:06d}", AVEYRON_STAFF),
    "/gestion/contributions/fusions/<int:merge_id>/separer": post(
        "/gestion/contributions/fusions/{aveyron_merge}/separer", AVEYRON_STAFF),
    "/gestion/contributions/<int:contribution_id>/repondre": post(
        "/gestion/contributions/{aveyron_contribution}/repondre", AVEYRON_ORGANISERS,
        answer_state="accepted", answer="Piraté"),
    "/gestion/contributions/<int:contribution_id>/suivi": both(
        "/gestion/contributions/{aveyron_contribution}/suivi", AVEYRON_ORGANISERS,
        status="done", progress="100", update_date="2022-11-01", update_text="Piraté"),
    "/gestion/moderation/<int:contribution_id>/publier": post(
        "/gestion/moderation/{pending_contribution}/publier", AVEYRON_STAFF),
    "/gestion/moderation/<int:contribution_id>/refuser": post(
        "/gestion/moderation/{pending_contribution}/refuser", AVEYRON_STAFF, reason="Piraté"),
    "/gestion/moderation/<int:contribution_id>/retablir": post(
        "/gestion/moderation/{aveyron_contribution}/retablir", AVEYRON_STAFF),
    "/gestion/moderation/<int:contribution_id>/modifier": both(
        "/gestion/moderation/{aveyron_contribution}/modifier", AVEYRON_STAFF, body="Piraté"),
    "/gestion/demarches/<slug>/contributions": both("/gestion/demarches/cnr/contributions",
                                                    REGION_ORGANISERS),
    "/gestion/demarches/<slug>/reponses": post("/gestion/demarches/cnr/reponses",
                                               REGION_ORGANISERS),
    "/gestion/demarches/<slug>/reponses/confirmer": post(
        "/gestion/demarches/cnr/reponses/confirmer", REGION_ORGANISERS),
    # Syntheses (Aveyron's; validation is an admin's).
    "/gestion/syntheses": get("/gestion/syntheses", ORGANISERS),
    "/gestion/syntheses/<slug>/<code>": get(SYN, AVEYRON_ORGANISERS),
    "/gestion/syntheses/<slug>/<code>/texte": post(f"{SYN}/texte", AVEYRON_ORGANISERS,
                                                   text="Piraté"),
    "/gestion/syntheses/<slug>/<code>/textes": post(f"{SYN}/textes", AVEYRON_ORGANISERS,
                                                    **{"texte-0": "Piraté"}),
    "/gestion/syntheses/<slug>/<code>/citer/<int:contribution_id>": post(
        f"{SYN}/citer/{{aveyron_contribution}}", AVEYRON_ORGANISERS),
    "/gestion/syntheses/<slug>/<code>/aide/<int:challenge_id>": get(
        f"{SYN}/aide/{{challenge}}", AVEYRON_ORGANISERS),
    "/gestion/syntheses/<slug>/<code>/aide/<int:challenge_id>/etat": get(
        f"{SYN}/aide/{{challenge}}/etat", AVEYRON_ORGANISERS),
    "/gestion/syntheses/<slug>/<code>/aide/<int:challenge_id>/ajouter": post(
        f"{SYN}/aide/{{challenge}}/ajouter", AVEYRON_ORGANISERS, line="Piraté"),
    "/gestion/syntheses/<slug>/<code>/synthese.<any(docx, pdf):extension>": post(
        f"{SYN}/synthese.docx", AVEYRON_ORGANISERS),
    "/gestion/syntheses/<slug>/<code>/envois/<int:transmission_id>.zip": get(
        f"{SYN}/envois/{{transmission}}.zip", AVEYRON_ORGANISERS),
    "/gestion/syntheses/<slug>/<code>/valider": post(f"{SYN}/valider", ADMIN),
    "/gestion/syntheses/<slug>/<code>/brouillon": post(f"{SYN}/brouillon", ADMIN),
    "/gestion/syntheses/<slug>/<code>/transmettre": post(f"{SYN}/transmettre",
                                                         AVEYRON_ORGANISERS),
}


# ---------------------------------------------------------------------------- the world


def _stored(kind: str, content: bytes, content_type: str) -> str:
    return storage.put(kind, content, content_type)


def build_world() -> dict[str, object]:
    """The Occitanie campaign « cnr », Aveyron and the Lot, and one of each thing in them."""
    campaign = make_campaign(slug="cnr", contributions_open=True)
    region = campaign.territory
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=region)
    lot = make_departement("46", "Lot", "Cahors", parent=region)
    challenge = campaign.challenges[0]
    future = {"day": date(2022, 11, 18), "start_time": time(10), "end_time": time(16),
              "capacity": 100}
    aveyron_step = make_step(campaign, aveyron, title="Étape de Rodez", **future)
    aveyron_draft = make_step(campaign, aveyron, title="Brouillon de Millau",
                              status=StepStatus.DRAFT, **future)
    make_step(campaign, lot, title="Étape de Cahors", **future)
    lot_draft = make_step(campaign, lot, title="Brouillon de Figeac", status=StepStatus.DRAFT,
                          **future)
    workshop = AgendaItem(step=aveyron_step, kind=AgendaKind.WORKSHOP, title="Atelier accès",
                          challenge=challenge)
    db.session.add(workshop)
    people = {"first_name": "Camille", "last_name": "Durand", "category": "usagers",
              "departement": aveyron, "consented_at": now()}
    registration = Registration(step=aveyron_step, status=RegistrationStatus.CONFIRMED,
                                email="camille@example.org", **people)
    pending = Registration(step=aveyron_step, status=RegistrationStatus.PENDING,
                           email="dominique@example.org", **people)
    question = RegistrationQuestion(step_id=aveyron_step.id, label="Régime alimentaire ?")

    def contribution(territory, status=ContributionStatus.PUBLISHED) -> Contribution:
        return Contribution(campaign=campaign, kind=ContributionKind.PROPOSAL,
                            body="Un médecin par canton.", territory=territory,
                            challenge=challenge, step=aveyron_step, status=status,
                            published_at=now() if status is ContributionStatus.PUBLISHED
                            else None)

    aveyron_contribution = contribution(aveyron)
    pending_contribution = contribution(aveyron, ContributionStatus.PENDING)
    synthesis = Synthesis(campaign=campaign, territory=aveyron, state=SynthesisState.VALIDATED)
    transmission = Transmission(synthesis=synthesis, sha256="0" * 64, manifest={},
                                stored_name=_stored("transmission", b"PK\x05\x06" + b"\0" * 18,
                                                    "application/zip"))
    accreditation = PressAccreditation(name="Jean Presse", outlet="La Dépêche",
                                       email="jean@presse.example")
    follow = PressFollow(accreditation=accreditation, step=aveyron_step)
    kit_file = PressKitFile(campaign=campaign, step=aveyron_step, title="Communiqué",
                            original_name="communique.pdf", content_type="application/pdf",
                            size=8, stored_name=_stored("press", b"%PDF-1.4", "application/pdf"))
    report = StepReport(step=aveyron_step, discussion="Échanges nourris.")
    db.session.add_all([workshop, registration, pending, question, aveyron_contribution,
                        pending_contribution, contribution(lot), synthesis, transmission,
                        accreditation, follow, kit_file, report])
    db.session.commit()
    users = {
        "aveyron_moderator": make_user(Role.MODERATOR, [aveyron]),
        "aveyron_organiser": make_user(Role.ORGANISER, [aveyron]),
        "lot_organiser": make_user(Role.ORGANISER, [lot]),
        "region_organiser": make_user(Role.ORGANISER, [region]),
        "admin": make_user(Role.ADMIN),
        "disabled": make_user(Role.ORGANISER, [aveyron], active=False),
        "invited": make_user(Role.ORGANISER, [lot], password=""),
    }
    users["invited"].password_hash = ""
    document = PreparedDocument(kind="registrations.signin_sheet", subject_id=aveyron_step.id,
                                title="Liste d’émargement", download_name="emargement.pdf",
                                requested_by=users["aveyron_organiser"],
                                status=PreparationStatus.READY,
                                stored_key=_stored("document", b"%PDF-1.4", "application/pdf"))
    db.session.add(document)
    # A merge of two Aveyron contributions, already separated (« Séparer » is walked on it).
    merge = ContributionMerge(duplicate=pending_contribution, target=aveyron_contribution,
                              previous_status=ContributionStatus.PENDING, undone_at=now())
    db.session.add(merge)
    db.session.commit()
    ids = {name: user.id for name, user in users.items()}
    ids.update(
        aveyron_step=aveyron_step.id, aveyron_draft=aveyron_draft.id, lot_draft=lot_draft.id,
        workshop=workshop.id, registration=registration.id,
        pending_registration=pending.id, question=question.id,
        aveyron_contribution=aveyron_contribution.id, aveyron_merge=merge.id,
        pending_contribution=pending_contribution.id, challenge=challenge.id,
        transmission=transmission.id, step_kit_file=kit_file.id,
        manage_token=tokens.make(registration.uuid),
        check_in_token=tokens.make(registration.uuid, tokens.CHECK_IN_SALT),
        press_token=accreditation.token, document=document.token,
        password_token=account_tokens.make(users["invited"],
                                           account_tokens.LinkKind.INVITATION))
    return {"ids": ids, "users": users}


@pytest.fixture
def world(app):
    app.config["CONCERTO_NOW"] = "2022-11-10T12:00"  # the steps are a week ahead
    return build_world()


def _client_as(client: FlaskClient, role: str, world) -> FlaskClient:
    if role == "participant":
        # A participant has no account: they hold the link of their registration.
        assert client.get(f"/inscriptions/{world['ids']['manage_token']}").status_code == 200
    elif role != "anonymous":
        login_as(client, world["users"][role])
    return client


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308) and location.startswith("/connexion?"):
        return LOGIN
    if response.status_code < 400:
        return OK
    return {403: FORBIDDEN, 404: HIDDEN}.get(response.status_code, str(response.status_code))


# ---------------------------------------------------------------------------- the tests


def _rules(app) -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return rules


def test_every_route_is_in_the_table(app):
    walked = {key for key in ROUTES if not key.startswith("(")}
    rules = _rules(app)
    assert sorted(set(rules) - walked) == [], "routes to classify in ROUTES"
    assert sorted(walked - set(rules)) == [], "routes of ROUTES the app no longer has"
    for rule, methods in rules.items():
        route = ROUTES[rule]
        assert methods == {method for method, who in (("GET", route.get), ("POST", route.post))
                           if who is not None}, f"methods of {rule}"


@pytest.mark.parametrize("role", ROLES)
def test_get_every_route(client, world, role):
    _client_as(client, role, world)
    wrong = []
    for key, route in ROUTES.items():
        if route.get is None:
            continue
        url = route.url.format(**world["ids"])
        found = outcome(client.get(url))
        if found != route.get[role]:
            wrong.append(f"GET {url} ({key}): {found}, expected {route.get[role]}")
    assert not wrong, "\n".join(wrong)


def _fingerprint() -> str:
    """A digest of every row of every table: equal digests, nothing changed."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        digest.update(repr([tuple(row) for row in rows]).encode())
    return digest.hexdigest()


def _csrf(client: FlaskClient) -> str:
    html = client.get("/connexion", follow_redirects=True).get_data(as_text=True)
    return CSRF_PATTERN.search(html).group(1)


@pytest.mark.parametrize("role", ROLES)
def test_forbidden_posts_change_nothing(client, world, role):
    _client_as(client, role, world)
    token = _csrf(client)
    wrong = []
    for key, route in ROUTES.items():
        if route.post is None or route.post[role] == OK:
            continue
        url = route.url.format(**world["ids"])
        db.session.expire_all()
        before = _fingerprint()
        found = outcome(client.post(url, data={**route.data, "csrf_token": token}))
        db.session.expire_all()
        if found != route.post[role]:
            wrong.append(f"POST {url} ({key}): {found}, expected {route.post[role]}")
        if _fingerprint() != before:
            wrong.append(f"POST {url} ({key}) changed the database")
    assert not wrong, "\n".join(wrong)


def test_the_table_reads_as_the_policy_says(world):
    # The back office's shape, in a sentence each: a sanity check of the table itself.
    assert {r for r, o in ROUTES["/gestion/journal"].get.items() if o == OK} == {"admin"}
    assert ROUTES["/gestion/etapes/<int:step_id>/modifier"].get["lot_organiser"] == FORBIDDEN
    assert ROUTES["/gestion/etapes/<int:step_id>/saisie"].get["aveyron_moderator"] == OK
    assert all(ROUTES[key].get["disabled"] == LOGIN for key in ROUTES
               if key.startswith("/gestion") and ROUTES[key].get)
