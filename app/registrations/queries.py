"""The step of a registration form; registrant lists and figures for organisers."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.campaigns.models import Campaign, Step
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus


def step_to_register(step_id: int) -> Step | None:
    """A step with what its registration form needs, its campaign's questions (the
    workshops), in one statement: the registration POST is the busiest write, and its page
    shows nothing of the programme or the report."""
    return db.session.scalars(sa.select(Step).where(Step.id == step_id).options(
        joinedload(Step.campaign).joinedload(Campaign.challenges))).unique().first()


@dataclass
class RegistrantFilters:
    status: str = ""
    category: str = ""
    search: str = ""
    present: str = ""  # "oui", "non" or ""


def registrants(step_id: int, filters: RegistrantFilters | None = None) -> list[Registration]:
    """A step's registrations, sorted by name, filtered (one query)."""
    filters = filters or RegistrantFilters()
    query = (sa.select(Registration).where(Registration.step_id == step_id)
             .options(joinedload(Registration.departement), joinedload(Registration.workshop))
             .order_by(sa.func.lower(Registration.last_name),
                       sa.func.lower(Registration.first_name), Registration.id))
    if filters.status in RegistrationStatus.__members__.values():
        query = query.where(Registration.status == filters.status)
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.present == "oui":
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.present == "non":
        query = query.where(Registration.checked_in_at.is_(None))
    if filters.search.strip():
        pattern = f"%{filters.search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(Registration.last_name).like(pattern),
                                   sa.func.lower(Registration.first_name).like(pattern),
                                   Registration.email.like(pattern),
                                   sa.func.lower(Registration.organisation).like(pattern)))
    return list(db.session.scalars(query))


def attendance(step_id: int) -> dict[str, dict[str, int]]:
    """Per category: registrations by status, and confirmed present/absent (one query)."""
    rows = db.session.execute(
        sa.select(Registration.category, Registration.status,
                  Registration.checked_in_at.is_not(None), sa.func.count())
        .where(Registration.step_id == step_id)
        .group_by(Registration.category, Registration.status,
                  Registration.checked_in_at.is_not(None)))
    figures: dict[str, dict[str, int]] = {}
    for category, status, present, number in rows:
        line = figures.setdefault(category, {"confirmed": 0, "waitlisted": 0, "pending": 0,
                                             "cancelled": 0, "rejected": 0, "present": 0,
                                             "absent": 0})
        line[RegistrationStatus(status).value] += number
        if RegistrationStatus(status) is RegistrationStatus.CONFIRMED:
            line["present" if present else "absent"] += number
    return figures
