"""A person (Camille) with registrations to two steps, contributions, a press accreditation and
mails, next to another person whose data must never be touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.campaigns.models import Step
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.press.models import PressAccreditation, PressCampaignFollow, PressFollow
from app.registrations import services, tokens
from app.registrations.models import Registration, RegistrationQuestion
from tests.factories import make_departement, make_step
from tests.registrations.helpers import open_step

CAMILLE = "camille.durand@example.org"
OTHER = "dominique.autre@example.org"


@dataclass
class Person:
    lot: Step
    aveyron: Step
    lot_registration: Registration
    aveyron_registration: Registration
    waiting: Registration
    other: Registration
    token: str  # the management link of the Lot registration, as mailed


def register(step: Step, email: str, first_name: str = "Camille", last_name: str = "Durand",
             answers: dict | None = None) -> Registration:
    return services.register(step, {
        "first_name": first_name, "last_name": last_name, "email": email,
        "phone": "05 65 00 00 00", "organisation": "Maison de santé de Figeac",
        "departement_id": step.territory_id, "category": "usagers", "subcategory": "",
        "workshop_id": None, "accessibility_needs": "Boucle magnétique"}, answers or {})


def contribution(step: Step, body: str, email: str, pseudonym: str) -> Contribution:
    item = Contribution(campaign=step.campaign, kind=ContributionKind.PROPOSAL, body=body,
                        territory_id=step.territory_id, step=step, email=email,
                        pseudonym=pseudonym, status=ContributionStatus.PUBLISHED)
    db.session.add(item)
    return item


@pytest.fixture
def person(app) -> Person:
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    lot = open_step(capacity=1)
    aveyron = make_step(lot.campaign, make_departement("12", "Aveyron", "Rodez",
                                                       parent=lot.campaign.territory),
                        title="Concertation CNR santé — Aveyron", day=date(2022, 11, 25))
    question = RegistrationQuestion(step_id=lot.id, label="Viendrez-vous en train ?")
    db.session.add(question)
    db.session.commit()
    lot_registration = register(lot, CAMILLE, answers={str(question.id): "Oui, de Figeac"})
    waiting = register(lot, "sacha.attente@example.org", "Sacha", "Attente")
    aveyron_registration = register(aveyron, CAMILLE)
    other = register(aveyron, OTHER, "Dominique", "Autre")
    contribution(lot, "Plus de médecins à Figeac, s’il vous plaît.", CAMILLE, "Camille D.")
    contribution(aveyron, "Un bus pour l’hôpital de Rodez.", CAMILLE, "")
    contribution(aveyron, "Texte de Dominique sur la télémédecine.", OTHER, "Dominique")
    accreditation = PressAccreditation(name="Camille Durand", outlet="La Dépêche",
                                       email=CAMILLE, phone="06 00 00 00 00")
    accreditation.follows.append(PressFollow(step=aveyron))
    accreditation.campaign_follows.append(PressCampaignFollow(campaign=lot.campaign))
    db.session.add(accreditation)
    db.session.commit()
    return Person(lot, aveyron, lot_registration, aveyron_registration, waiting, other,
                  tokens.make(lot_registration.uuid))
