"""Shared set-up for registration tests."""

from __future__ import annotations

from datetime import date, time

from app.campaigns.models import Step
from tests.factories import make_campaign, make_departement, make_step


def open_step(capacity: int | None = 100, **kw) -> Step:
    """A published step in the future (the clock is frozen in 2022 by the tests)."""
    campaign = make_campaign(title="CNR santé — Occitanie 2022")
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    values = {"title": "Concertation CNR santé — Lot", "day": date(2022, 11, 18),
              "start_time": time(10), "end_time": time(16), "capacity": capacity,
              "venue": "Préfecture"}
    values.update(kw)
    return make_step(campaign, lot, **values)


def form(step: Step, email: str = "camille.durand@example.org", **overrides) -> dict:
    data = {"first_name": "Camille", "last_name": "Durand", "email": email,
            "phone": "05 65 00 00 00", "organisation": "Maison de santé de Figeac",
            "departement_id": step.territory_id, "category": "professionnels",
            "subcategory": "exercice_coordonne", "workshop_id": step.campaign.challenges[0].id,
            "accessibility_needs": "", "consent": "y"}
    data.update(overrides)
    return data
