"""What the staff home page (/gestion/) shows, in a fixed number of statements whatever the
number of steps: the steps with their registration figures, the moderation queue, the
syntheses not yet validated. Which rows a person may see is the caller's question
(``app.policy.territory_ids``); these functions only count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.campaigns.models import Campaign, Step, StepStatus
from app.clock import PARIS
from app.contributions.models import Contribution, ContributionReport, ContributionStatus
from app.db_types import UTCDateTime
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus
from app.registrations.seats import total_capacity
from app.syntheses.models import StepReport, Synthesis, SynthesisState
from app.territories.models import Territory, TerritoryKind


@dataclass(frozen=True)
class StepLine:
    """A step as the home page lists it, with its registration figures."""

    step: Step
    has_report: bool
    confirmed: int = 0
    waitlisted: int = 0
    pending: int = 0  # waiting for an organiser's approval

    @property
    def capacity(self) -> int | None:
        return total_capacity(self.step)

    @property
    def fill_percent(self) -> int | None:
        """Confirmed seats over capacity, rounded down (None without a limit)."""
        capacity = self.capacity
        return None if not capacity else self.confirmed * 100 // capacity

    def is_held(self, today: date) -> bool:
        """Took place (drafts and cancelled steps never do)."""
        return (self.step.status in (StepStatus.PUBLISHED, StepStatus.HELD)
                and self.step.day is not None
                and (self.step.day < today or self.step.status is StepStatus.HELD))

    def needs_report(self, today: date) -> bool:
        return self.is_held(today) and not self.has_report

    def days_to_deadline(self, today: date) -> int | None:
        """Whole days until registrations close (0: today, negative: closed), for a step to
        come that has a deadline; None otherwise."""
        closes = self.step.registration_closes_at
        if closes is None or self.step.status is not StepStatus.PUBLISHED or self.is_held(today):
            return None
        return (closes.astimezone(PARIS).date() - today).days


def _in_scope(column: sa.ColumnElement, territory_ids: set[int] | None) -> sa.ColumnElement:
    return sa.true() if territory_ids is None else column.in_(territory_ids)


def step_lines(territory_ids: set[int] | None) -> list[StepLine]:
    """The steps of these territories (all if None), by campaign then date (undated last),
    with their registration counts: two statements."""
    has_report = sa.exists().where(StepReport.step_id == Step.id).label("has_report")
    rows = db.session.execute(
        sa.select(Step, has_report)
        .where(_in_scope(Step.territory_id, territory_ids))
        .options(joinedload(Step.territory), joinedload(Step.campaign))
        .order_by(Step.campaign_id, Step.day.is_(None), Step.day, Step.start_time, Step.id)
    ).unique().all()
    counts: dict[int, dict[str, int]] = {}
    if rows:
        in_scope = sa.select(Step.id).where(_in_scope(Step.territory_id, territory_ids))
        for step_id, status, number in db.session.execute(
                sa.select(Registration.step_id, Registration.status, sa.func.count())
                .where(Registration.step_id.in_(in_scope),
                       Registration.status.in_((RegistrationStatus.CONFIRMED,
                                                RegistrationStatus.WAITLISTED,
                                                RegistrationStatus.PENDING)))
                .group_by(Registration.step_id, Registration.status)):
            counts.setdefault(step_id, {})[RegistrationStatus(status).value] = number
    return [StepLine(step, bool(reported), **counts.get(step.id, {}))
            for step, reported in rows]


@dataclass(frozen=True)
class ModerationSummary:
    waiting: int  # pending moderation
    oldest: datetime | None  # when the longest-waiting one was sent
    hidden: int  # hidden from the public after reports, until a moderator reviews them
    reported: int  # not refused, reported at least once

    @property
    def to_review(self) -> int:
        """What the moderation queue holds."""
        return self.waiting + self.hidden


def moderation_summary(territory_ids: set[int] | None) -> ModerationSummary:
    """The moderation queue of these territories (all if None), in one statement."""
    pending = Contribution.status == ContributionStatus.PENDING
    reported = sa.and_(Contribution.status != ContributionStatus.REJECTED, sa.exists().where(
        ContributionReport.contribution_id == Contribution.id))
    row = db.session.execute(
        sa.select(sa.func.count(sa.case((pending, 1))),
                  sa.type_coerce(sa.func.min(sa.case((pending, Contribution.created_at))),
                                 UTCDateTime),
                  sa.func.count(sa.case((sa.and_(Contribution.hidden_by_reports,
                                                 sa.not_(pending)), 1))),
                  sa.func.count(sa.case((reported, 1))))
        .where(_in_scope(Contribution.territory_id, territory_ids))).one()
    return ModerationSummary(*row)


@dataclass(frozen=True)
class SynthesisLine:
    campaign: Campaign
    territory: Territory
    synthesis: Synthesis | None  # None: not started

    @property
    def code(self) -> str:
        """The territory's part of the workspace address."""
        return "region" if self.territory.kind is TerritoryKind.REGION else self.territory.code

    @property
    def probe(self) -> Synthesis:
        """The synthesis, or an unsaved one to ask the policy about."""
        return self.synthesis or Synthesis(territory=self.territory)


def syntheses_not_validated(campaigns: list[Campaign]) -> list[SynthesisLine]:
    """For each campaign with a synthesis deadline, its region then its départements whose
    synthesis is not validated yet (draft or not started): two statements."""
    campaigns = [c for c in campaigns if c.synthesis_deadline]
    if not campaigns:
        return []
    regions = {c.territory_id for c in campaigns}
    territories = list(db.session.scalars(
        sa.select(Territory).where(sa.or_(
            Territory.id.in_(regions),
            sa.and_(Territory.parent_id.in_(regions),
                    Territory.kind == TerritoryKind.DEPARTEMENT)))
        .order_by(Territory.kind != TerritoryKind.REGION, Territory.code)))
    existing = {(s.campaign_id, s.territory_id): s for s in db.session.scalars(
        sa.select(Synthesis).where(Synthesis.campaign_id.in_([c.id for c in campaigns])))}
    lines = []
    for campaign in campaigns:
        for territory in territories:
            if campaign.territory_id not in (territory.id, territory.parent_id):
                continue
            synthesis = existing.get((campaign.id, territory.id))
            if synthesis is None or synthesis.state is SynthesisState.DRAFT:
                lines.append(SynthesisLine(campaign, territory, synthesis))
    return lines
