"""What the public reads of follow-ups: a proposal's, and a campaign's by status."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.campaigns.models import Campaign, Challenge
from app.contributions.models import Contribution
from app.extensions import db
from app.followups.models import (
    FollowUp,
    FollowUpStatus,
    FollowUpUpdate,
    may_have_follow_up,
    retained_proposal,
)
from app.territories.models import Territory


def _public() -> sa.ColumnElement[bool]:
    """A published proposal, still retained: its follow-up is public."""
    return sa.and_(Contribution.is_public, retained_proposal())


def with_updates(contribution: Contribution) -> FollowUp | None:
    """The contribution's follow-up with its updates (newest first), whatever its answer."""
    return db.session.scalar(sa.select(FollowUp).where(
        FollowUp.contribution_id == contribution.id).options(selectinload(FollowUp.updates)))


def public_for(contribution: Contribution) -> FollowUp | None:
    """The follow-up shown on the proposal's page: only while it is retained."""
    return with_updates(contribution) if may_have_follow_up(contribution) else None


@dataclass
class Group:
    status: FollowUpStatus
    follow_ups: list[FollowUp] = field(default_factory=list)


def for_campaign(campaign: Campaign, territory_id: int | None = None) -> list[Group]:
    """The campaign's public follow-ups (of one département if given), one group per status
    in the statuses' order, each most recently updated first; empty groups included (their
    count is shown)."""
    query = (sa.select(FollowUp).join(FollowUp.contribution)
             .where(Contribution.campaign_id == campaign.id, _public())
             .options(contains_eager(FollowUp.contribution).options(
                 joinedload(Contribution.territory), joinedload(Contribution.challenge)),
                 selectinload(FollowUp.updates))
             .order_by(FollowUp.updated_at.desc(), FollowUp.id.desc()))
    if territory_id:
        query = query.where(Contribution.territory_id == territory_id)
    groups = {status: Group(status) for status in FollowUpStatus}
    for follow_up in db.session.scalars(query):
        groups[follow_up.status].follow_ups.append(follow_up)
    return list(groups.values())


def public_rows(campaign: Campaign, territory_id: int | None = None) -> sa.Select:
    """Columns of the public follow-ups for the open data, by proposal (oldest first): the
    last update's date found in the same query."""
    last_update = (sa.select(sa.func.max(FollowUpUpdate.date))
                   .where(FollowUpUpdate.follow_up_id == FollowUp.id)
                   .scalar_subquery())
    query = (sa.select(Contribution.id, Contribution.title, Challenge.code, Challenge.title,
                       Territory.code, Territory.name, FollowUp.status, FollowUp.progress,
                       FollowUp.measure, last_update)
             .join(FollowUp, FollowUp.contribution_id == Contribution.id)
             .join(Territory, Territory.id == Contribution.territory_id)
             .outerjoin(Challenge, Challenge.id == Contribution.challenge_id)
             .where(Contribution.campaign_id == campaign.id, _public())
             .order_by(Contribution.id))
    if territory_id:
        query = query.where(Contribution.territory_id == territory_id)
    return query
