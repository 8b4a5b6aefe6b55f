"""A small site for the page cache tests: one campaign, two steps in the Lot, one elsewhere,
a draft; visitors are fresh clients without cookies, as anonymous browsers are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.campaigns.models import StepStatus
from app.extensions import db
from tests.conftest import IsolatedClient
from tests.factories import make_campaign, make_departement, make_step


@pytest.fixture
def site(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"  # both steps are to come
    app.extensions["page_cache"].clear()
    app.extensions["calendar_cache"].clear()  # and the revisions this process knew
    # A process trusts its revisions for a minute: what a test sees at once comes from the
    # commit made in this process, not from asking the database at every request.
    monkeypatch.setattr(app.extensions["content_revisions"], "period", 60.0)
    campaign = make_campaign(slug="cnr", title="CNR santé — Occitanie 2022",
                             contributions_open=True)
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    x = make_step(campaign, lot, title="Concertation — Cahors", day=date(2022, 11, 18),
                  capacity=2)
    y = make_step(campaign, lot, title="Atelier — Figeac", day=date(2022, 11, 25), capacity=30)
    other = make_campaign(campaign.territory, slug="autre", title="Autre démarche")
    elsewhere = make_step(other, aveyron, title="Réunion — Millau", day=date(2022, 11, 22))
    draft = make_step(campaign, lot, title="Forum — Gourdon", day=date(2022, 12, 2),
                      status=StepStatus.DRAFT)
    db.session.commit()
    return SimpleNamespace(
        campaign=campaign, lot=lot, aveyron=aveyron, x=x.id, y=y.id, elsewhere=elsewhere.id,
        draft=draft.id, challenge=campaign.challenges[0].id,
        pages=["/", "/calendrier", "/calendrier?demarche=cnr&departement=46&etat=upcoming",
               "/calendrier?demarche=toutes", "/demarches/cnr", "/departements",
               "/departements/46", f"/etapes/{x.id}", f"/etapes/{y.id}"])


@pytest.fixture
def visitor(app: Flask) -> Callable[[], FlaskClient]:
    """A new anonymous visitor at each call (no cookie from an earlier request)."""
    app.test_client_class = IsolatedClient
    return app.test_client
