"""Read-side queries for the public pages, each a fixed number of SQL statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from app.campaigns.models import AgendaItem, Campaign, Step, StepStatus
from app.extensions import db
from app.territories.models import Territory


def public_state_condition(state: str, today: date) -> sa.ColumnElement[bool]:
    """SQL twin of ``Step.public_state``: keep both in step."""
    published = Step.status == StepStatus.PUBLISHED
    return {
        "cancelled": Step.status == StepStatus.CANCELLED,
        "held": sa.or_(Step.status == StepStatus.HELD, sa.and_(published, Step.day < today)),
        "unscheduled": sa.and_(published, Step.day.is_(None)),
        "upcoming": sa.and_(published, Step.day >= today),
    }[state]


@dataclass
class CalendarFilters:
    campaign: Campaign | None = None
    departement: Territory | None = None
    state: str | None = None


@dataclass
class MonthGroup:
    year: int
    month: int
    steps: list[Step] = field(default_factory=list)


@dataclass
class CalendarView:
    months: list[MonthGroup]
    unscheduled: list[Step]

    @property
    def count(self) -> int:
        return sum(len(group.steps) for group in self.months) + len(self.unscheduled)


def _public_steps_query() -> sa.Select:
    return (sa.select(Step)
            .where(Step.status != StepStatus.DRAFT)
            .options(joinedload(Step.territory), joinedload(Step.campaign)))


def calendar(filters: CalendarFilters, today: date) -> CalendarView:
    """Public steps grouped by month, with those still being scheduled apart (one query)."""
    query = _public_steps_query()
    if filters.campaign is not None:
        query = query.where(Step.campaign_id == filters.campaign.id)
    if filters.departement is not None:
        query = query.where(Step.territory_id == filters.departement.id)
    if filters.state:
        query = query.where(public_state_condition(filters.state, today))
    query = query.order_by(Step.day.is_(None), Step.day, Step.start_time, Step.id)
    steps = list(db.session.scalars(query).unique())
    dated = [step for step in steps if step.day is not None]
    months = [MonthGroup(year, month, list(group)) for (year, month), group
              in groupby(dated, key=lambda step: (step.day.year, step.day.month))]
    return CalendarView(months=months, unscheduled=[s for s in steps if s.day is None])


def public_step(step_id: int) -> Step | None:
    """A step with everything its page shows (territory, campaign, questions, programme,
    report)."""
    return db.session.scalar(
        sa.select(Step).where(Step.id == step_id).options(
            joinedload(Step.territory), joinedload(Step.report), joinedload(Step.campaign)
            .selectinload(Campaign.challenges),
            selectinload(Step.agenda_items).joinedload(AgendaItem.challenge)))


def steps_of_territory(territory: Territory) -> list[Step]:
    """Public steps held in a territory, every campaign, most recent first."""
    query = (_public_steps_query().where(Step.territory_id == territory.id)
             .order_by(Step.day.is_(None).desc(), Step.day.desc(), Step.id))
    return list(db.session.scalars(query).unique())


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
        sa.select(state, sa.func.count()).where(Step.campaign_id == campaign.id,
                                                Step.status != StepStatus.DRAFT)
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
