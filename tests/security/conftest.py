"""The scene every attack is played against: a campaign with two départements (Lot and Aveyron),
a step, registrations, contributions and press files in each, staff of each side; and a
fingerprint of the whole database to prove that a refused attempt changed nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import storage
from app.accounts.models import Role, User
from app.campaigns.models import AgendaItem, AgendaKind
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.press.models import PressAccreditation, PressFollow, PressKitFile
from app.registrations.models import Registration, RegistrationQuestion, RegistrationStatus
from app.syntheses.models import Synthesis, Transmission
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import login_as

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The campaign's steps are in November 2022: the tests live a fortnight before.
BEFORE_THE_STEPS = "2022-11-03T12:00"


def _registration(step, first_name: str, email: str, **kw) -> Registration:
    values = {"status": RegistrationStatus.CONFIRMED, "last_name": "Martin",
              "category": "usagers", "departement_id": step.territory_id}
    values.update(kw)
    registration = Registration(step=step, first_name=first_name, email=email, **values)
    db.session.add(registration)
    return registration


def _contribution(campaign, territory, step, body: str, status: ContributionStatus,
                  ) -> Contribution:
    contribution = Contribution(campaign=campaign, kind=ContributionKind.PROPOSAL, body=body,
                                territory=territory, step=step, status=status,
                                challenge=campaign.challenges[0])
    db.session.add(contribution)
    return contribution


def _kit_file(campaign, step, title: str) -> PressKitFile:
    stored_name = storage.put("press", PDF, "application/pdf")
    kit_file = PressKitFile(campaign=campaign, step=step, title=title,
                            original_name=f"{title}.pdf", stored_name=stored_name,
                            content_type="application/pdf", size=len(PDF))
    db.session.add(kit_file)
    return kit_file


def _transmission(synthesis: Synthesis) -> Transmission:
    stored_name = storage.put("transmission", b"PK\x05\x06" + b"\0" * 18, "application/zip")
    transmission = Transmission(synthesis=synthesis, stored_name=stored_name, sha256="0" * 64)
    db.session.add(transmission)
    return transmission


@pytest.fixture
def scene(app: Flask) -> dict:
    """Everything an attacker could aim at, on both sides of a territorial border; the clock
    is a fortnight before the steps."""
    app.config["CONCERTO_NOW"] = BEFORE_THE_STEPS
    campaign = make_campaign(slug="cnr", title="CNR santé — Occitanie 2022",
                             contributions_open=True, synthesis_deadline=date(2022, 12, 31))
    region = campaign.territory
    lot = make_departement("46", "Lot", "Cahors", parent=region)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=region)
    lot_step = make_step(campaign, lot, title="Concertation du Lot", day=date(2022, 11, 18),
                         start_time=time(10), end_time=time(16), capacity=2)
    aveyron_step = make_step(campaign, aveyron, title="Concertation de l’Aveyron",
                             day=date(2022, 11, 25), start_time=time(10), end_time=time(16))
    scene = {
        "campaign": campaign, "region": region, "lot": lot, "aveyron": aveyron,
        "lot_step": lot_step, "aveyron_step": aveyron_step,
        "lea": _registration(lot_step, "Léa", "lea@example.org"),
        "marc": _registration(lot_step, "Marc", "marc@example.org"),
        "waiting": _registration(lot_step, "Inès", "ines@example.org",
                                 status=RegistrationStatus.WAITLISTED),
        "paul": _registration(aveyron_step, "Paul", "paul@example.org"),
        "lot_question": RegistrationQuestion(step_id=lot_step.id, label="Votre commune ?"),
        "aveyron_question": RegistrationQuestion(step_id=aveyron_step.id, label="Votre métier ?"),
        "lot_workshop": AgendaItem(step=lot_step, kind=AgendaKind.WORKSHOP, title="Atelier 1",
                                   challenge=campaign.challenges[0]),
        "lot_contribution": _contribution(campaign, lot, lot_step, "Proposition du Lot",
                                          ContributionStatus.PUBLISHED),
        "lot_pending": _contribution(campaign, lot, lot_step, "Proposition à relire",
                                     ContributionStatus.PENDING),
        "aveyron_contribution": _contribution(campaign, aveyron, aveyron_step,
                                              "Proposition de l’Aveyron",
                                              ContributionStatus.PUBLISHED),
        "lot_kit": _kit_file(campaign, lot_step, "communique-lot"),
        "accreditation": PressAccreditation(name="Alex Presse", outlet="La Dépêche",
                                            email="alex@presse.example"),
        "lot_synthesis": Synthesis(campaign=campaign, territory=lot),
    }
    db.session.add_all([scene["lot_question"], scene["aveyron_question"], scene["lot_workshop"],
                        scene["accreditation"], scene["lot_synthesis"]])
    db.session.add(PressFollow(accreditation=scene["accreditation"], step=lot_step))
    scene["lot_transmission"] = _transmission(scene["lot_synthesis"])
    db.session.commit()
    scene.update({
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
        "region_organiser": make_user(Role.ORGANISER, [region], email="orga.region@example.org"),
        "lot_organiser": make_user(Role.ORGANISER, [lot], email="orga.lot@example.org"),
        "aveyron_organiser": make_user(Role.ORGANISER, [aveyron],
                                       email="orga.aveyron@example.org"),
        "aveyron_moderator": make_user(Role.MODERATOR, [aveyron],
                                       email="modo.aveyron@example.org"),
    })
    return scene


@pytest.fixture
def client_as(app: Flask, client: FlaskClient) -> Callable[[User | None], FlaskClient]:
    """A new browser session (each request in its own app context, like ``client``), signed in
    as ``user`` or anonymous."""

    def open_session(user: User | None = None) -> FlaskClient:
        new = app.test_client()
        if user is not None:
            login_as(new, user)
        return new

    return open_session


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table, read from the database as committed (the views
    run in their own sessions): equal fingerprints mean nothing changed."""
    db.session.rollback()
    digests = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr([tuple(row) for row in rows]).encode()
                                             ).hexdigest()
    db.session.rollback()
    return digests


def changed_tables(before: dict[str, str]) -> list[str]:
    """The tables whose rows differ from the ``before`` fingerprint."""
    after = fingerprint()
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))
