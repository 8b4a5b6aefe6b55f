"""Read-side queries for the public pages, each a fixed number of SQL statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from app.campaigns.models import Campaign, Step, StepStatus
from app.extensions import db
from app.territories.models import Territory


def public_state_condition(state: str, today: date) -> sa.ColumnExpressionArgument[bool]:
    """SQL twin of ``Step.public_state``: keep both in step."""
    published = Step.status == StepStatus.PUBLISHED
    conditions: dict[str, sa.ColumnExpressionArgument[bool]] = {
        "cancelled": Step.status == StepStatus.CANCELLED,
        "held": Step.is_held(today),
        "unscheduled": sa.and_(published, Step.day.is_(None)),
        "upcoming": sa.and_(published, Step.day >= today),
    }
    return conditions[state]


@dataclass
class CalendarFilters:
    campaign: Campaign | None = None
    departement: Territory | None = None
    state: str | None = None


def _public_steps_query() -> sa.Select:
    return (sa.select(Step)
            .where(Step.is_public)
            .options(joinedload(Step.territory), joinedload(Step.campaign)))


def public_step(step_id: int) -> Step | None:
    """A step with everything its page shows (territory, campaign, questions, programme,
    report)."""
    return db.session.execute(_public_step_statement(), {"step_id": step_id}
                              ).unique().scalar_one_or_none()


@cache
def _public_step_statement() -> sa.Select:
    """Built once per process: building this statement and its cache key cost more than a
    third of running it, at every view of a step. The campaign's few questions come in the
    same statement (one row each: cheaper than a statement of their own); a programme item's
    question is one of them, in the session already: no join for it."""
    return sa.select(Step).where(Step.id == sa.bindparam("step_id")).options(
        joinedload(Step.territory), joinedload(Step.report),
        joinedload(Step.campaign).joinedload(Campaign.challenges),
        selectinload(Step.agenda_items))


def steps_of_territory(territory: Territory, today: date,
                       limit: int) -> tuple[list[Step], int]:
    """``limit`` public steps of a territory, every campaign: those to come soonest first,
    then those not dated yet, then the past ones most recent first; and how many there are in
    all (one statement)."""
    ahead = Step.day >= today
    query = (_public_steps_query().add_columns(sa.func.count().over())
             .where(Step.territory_id == territory.id)
             .order_by(sa.case((ahead, 0), (Step.day.is_(None), 1), else_=2),
                       sa.case((ahead, Step.day)), Step.day.desc(), Step.id).limit(limit))
    rows = db.session.execute(query).unique().all()
    return [step for step, _ in rows], rows[0][1] if rows else 0


def upcoming_steps(campaign: Campaign, today: date, limit: int = 4) -> list[Step]:
    query = (_public_steps_query()
             .where(Step.campaign_id == campaign.id,
                    public_state_condition("upcoming", today))
             .order_by(Step.day, Step.start_time).limit(limit))
    return list(db.session.scalars(query).unique())


def campaign_step_counts(campaign: Campaign, today: date) -> dict[str, int]:
    """How many public steps of the campaign are in each public state (one query)."""
    state = sa.case(*((public_state_condition(name, today), name)
                      for name in ("cancelled", "held", "unscheduled", "upcoming")))
    rows = db.session.execute(
        sa.select(state, sa.func.count()).where(Step.campaign_id == campaign.id, Step.is_public)
        .group_by(state))
    counts = {"upcoming": 0, "unscheduled": 0, "held": 0, "cancelled": 0}
    counts.update((name, number) for name, number in rows)
    return counts


def all_campaigns() -> list[Campaign]:
    return list(db.session.scalars(
        sa.select(Campaign).order_by(Campaign.starts_on.desc().nulls_last(), Campaign.id)))


def featured_campaign(campaigns: list[Campaign]) -> Campaign | None:
    """The campaign the home page presents: FEATURED_CAMPAIGN, else the most recent."""
    wanted = current_app.config.get("FEATURED_CAMPAIGN")
    for campaign in campaigns:
        if campaign.slug == wanted:
            return campaign
    return campaigns[0] if campaigns else None


def campaign_with_challenges(slug: str) -> Campaign | None:
    return db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug)
                             .options(selectinload(Campaign.challenges),
                                      joinedload(Campaign.territory)))
