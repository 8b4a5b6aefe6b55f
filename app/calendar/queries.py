"""Steps for calendar files, with everything an event shows, in a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.campaigns.models import Campaign, Step
from app.extensions import db
from app.territories.models import Territory


def _query() -> sa.Select:
    return (sa.select(Step)
            .where(Step.is_public, Step.day.is_not(None))
            .options(joinedload(Step.territory),
                     joinedload(Step.campaign).selectinload(Campaign.challenges),
                     selectinload(Step.agenda_items))
            .order_by(Step.day, Step.start_time, Step.id))


def all_steps() -> list[Step]:
    return list(db.session.scalars(_query()).unique())


def campaign_steps(campaign: Campaign) -> list[Step]:
    return list(db.session.scalars(_query().where(Step.campaign_id == campaign.id)).unique())


def territory_steps(territory: Territory) -> list[Step]:
    return list(db.session.scalars(_query().where(Step.territory_id == territory.id)).unique())


def one_step(step_id: int) -> Step | None:
    return db.session.scalar(sa.select(Step).where(Step.id == step_id).options(
        joinedload(Step.territory), joinedload(Step.campaign).selectinload(Campaign.challenges),
        selectinload(Step.agenda_items)))
