"""What each cached public page shows, as content revision scopes (app.revisions), named once
the page is built: found among the objects the view loaded (no query), else asked for.

Every page shows campaigns' and territories' own records (``RECORDS``: titles, questions,
names) and today's date (app.page_cache keeps that apart)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from app import revisions
from app.campaigns.models import Campaign, Step
from app.extensions import db
from app.revisions import CALENDAR, RECORDS
from app.territories.models import Territory, TerritoryKind


def _loaded(cls: type) -> list:
    return [obj for obj in db.session.identity_map.values() if isinstance(obj, cls)]


def home() -> list[str]:
    """The featured campaign is one of those the page loaded: their contribution counts."""
    return [RECORDS, CALENDAR, *(revisions.contributions(c.id) for c in _loaded(Campaign))]


def calendar() -> list[str]:
    return [RECORDS, CALENDAR]


def _campaign_id(slug: str) -> int | None:
    """The campaign the view loaded, else looked up (a 404 loads none)."""
    return next((c.id for c in _loaded(Campaign) if c.slug == slug), None) \
        or db.session.scalar(sa.select(Campaign.id).where(Campaign.slug == slug))


def campaign_page(slug: str) -> list[str]:
    campaign_id = _campaign_id(slug)
    if campaign_id is None:  # no such campaign: a 404, which no cache keeps
        return [RECORDS]
    return [RECORDS, revisions.campaign(campaign_id), revisions.contributions(campaign_id)]


def follow_ups_page(slug: str) -> list[str]:
    """« Suites données »: the campaign's follow-ups, and its published contributions (one
    hidden, or moved to another département, leaves the page)."""
    campaign_id = _campaign_id(slug)
    if campaign_id is None:
        return [RECORDS]
    return [RECORDS, revisions.contributions(campaign_id), revisions.follow_ups(campaign_id)]


def departement_list() -> list[str]:
    return [RECORDS]


def departement_page(code: str) -> list[str]:
    territory_id = next((t.id for t in _loaded(Territory)
                         if t.code == code and t.kind is TerritoryKind.DEPARTEMENT), None) \
        or db.session.scalar(sa.select(Territory.id).where(
            Territory.kind == TerritoryKind.DEPARTEMENT, Territory.code == code))
    if territory_id is None:  # no such département: a 404, which no cache keeps
        return [RECORDS]
    return [RECORDS, revisions.departement(territory_id)]


def step_page(step_id: int) -> list[str]:
    return [RECORDS, revisions.step(step_id)]


def step_moments(step_id: int) -> Iterable[datetime | None]:
    """A step page changes by itself when its registrations open or close."""
    step = db.session.get(Step, step_id)
    return (step.registration_opens_at, step.registration_closes_at) if step else ()
