"""What the staff home page (/gestion/) shows, in a fixed number of statements and a bounded
page whatever the number of steps: the steps with their registration figures, the moderation
queue, the syntheses not yet validated. Which rows a person may see is the caller's question
(``app.policy.territory_ids``); these functions only count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from app.campaigns.models import Campaign, Step, StepStatus
from app.clock import PARIS
from app.contributions.models import Contribution, ContributionReport, ContributionStatus
from app.contributions.queries import to_review
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
        return self.step.is_held(today)

    def needs_report(self, today: date) -> bool:
        return self.is_held(today) and not self.has_report

    def days_to_deadline(self, today: date) -> int | None:
        """Whole days until registrations close (0: today, negative: closed), for a step to
        come that has a deadline; None otherwise."""
        closes = self.step.registration_closes_at
        if closes is None or self.step.status is not StepStatus.PUBLISHED or self.is_held(today):
            return None
        return (closes.astimezone(PARIS).date() - today).days


def _in_scope(column: InstrumentedAttribute[int],
              territory_ids: set[int] | None) -> sa.ColumnElement[bool]:
    return sa.true() if territory_ids is None else column.in_(territory_ids)


@dataclass
class StepLines:
    """The steps the home page shows: a bounded list per campaign, and the few that may need
    doing today (also bounded), each with its registration figures."""

    listed: list[StepLine]  # by campaign, the most current first
    totals: dict[int, int]  # campaign id: how many of its steps are in scope
    to_do: list[StepLine]  # steps that may belong in « À faire aujourd'hui »
    to_do_cut: bool  # TO_DO_STEPS reached: there may be more


# At most this many steps may fill « À faire aujourd'hui » (today, approvals, deadlines,
# reports); the most urgent first.
TO_DO_STEPS = 40


def _current_first(today: date) -> tuple:
    """Those to come soonest first, then the undated (drafts), then the past, latest first."""
    ahead = Step.day >= today
    return (sa.case((ahead, 0), (Step.day.is_(None), 1), else_=2), sa.case((ahead, Step.day)),
            Step.day.desc(), Step.id)


def step_lines(territory_ids: set[int] | None, today: date, limit: int,
               campaign_id: int | None = None, offset: int = 0) -> StepLines:
    """The steps of these territories (all if None): ``limit`` per campaign, the most current
    first (or, for ``campaign_id``, ``limit`` of that campaign from ``offset``); the steps that
    may need doing today; and their registration counts. Three statements."""
    has_report = sa.exists().where(StepReport.step_id == Step.id).label("has_report")
    scope = _in_scope(Step.territory_id, territory_ids)
    order = _current_first(today)
    if campaign_id is None:
        ranked = (sa.select(Step.id, sa.func.row_number().over(
            partition_by=Step.campaign_id, order_by=order).label("rank"),
            sa.func.count().over(partition_by=Step.campaign_id).label("total"))
            .where(scope).subquery())
        query = (sa.select(Step, has_report, ranked.c.total).join(ranked, ranked.c.id == Step.id)
                 .where(ranked.c.rank <= limit).order_by(Step.campaign_id, ranked.c.rank))
    else:
        query = (sa.select(Step, has_report, sa.func.count().over())
                 .where(scope, Step.campaign_id == campaign_id)
                 .order_by(*order).limit(limit).offset(offset))
    listed = db.session.execute(query.options(joinedload(Step.territory),
                                              joinedload(Step.campaign))).unique().all()
    to_do = db.session.execute(_to_do_query(scope, has_report, today)).unique().all()
    counts = _registration_counts({row[0].id for row in (*listed, *to_do)})
    return StepLines(
        listed=[StepLine(step, bool(reported), **counts.get(step.id, {}))
                for step, reported, _ in listed],
        totals={row[0].campaign_id: row[2] for row in listed},
        to_do=[StepLine(step, bool(reported), **counts.get(step.id, {}))
               for step, reported in to_do],
        to_do_cut=len(to_do) >= TO_DO_STEPS)


def _to_do_query(scope: sa.ColumnElement, has_report: sa.ColumnElement,
                 today: date) -> sa.Select:
    """Steps held today, waiting for approvals, closing within the week, or held without a
    report: a superset of what ``dashboard.to_do_today`` keeps, the most urgent first."""
    published = Step.status == StepStatus.PUBLISHED
    held = Step.is_held(today)
    midnight = datetime.combine(today, datetime.min.time(), PARIS)  # a week: DEADLINE_SOON_DAYS
    closing = sa.and_(published, Step.registration_closes_at >= midnight,
                      Step.registration_closes_at < midnight + timedelta(days=8))
    approvals = sa.and_(published, sa.exists().where(  # ix_registration_step_status
        Registration.step_id == Step.id, Registration.status == RegistrationStatus.PENDING))
    urgency = sa.case((sa.and_(published, Step.day == today), 0), (approvals, 1),
                      (closing, 2), else_=3)
    return (sa.select(Step, has_report)
            .where(scope, sa.or_(sa.and_(published, Step.day == today), approvals, closing,
                                 sa.and_(held, sa.not_(has_report))))
            .options(joinedload(Step.territory), joinedload(Step.campaign))
            .order_by(urgency, Step.campaign_id, Step.day.is_(None), Step.day, Step.start_time,
                      Step.id)
            .limit(TO_DO_STEPS))


def _registration_counts(step_ids: set[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for step_id, status, number in db.session.execute(
            sa.select(Registration.step_id, Registration.status, sa.func.count())
            .where(Registration.step_id.in_(sorted(step_ids)),
                   Registration.status.in_((RegistrationStatus.CONFIRMED,
                                            RegistrationStatus.WAITLISTED,
                                            RegistrationStatus.PENDING)))
            .group_by(Registration.step_id, Registration.status)):
        counts.setdefault(step_id, {})[RegistrationStatus(status).value] = number
    return counts


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
    """The moderation queue of these territories (all if None), in one statement that reads
    the queue's partial index and the reports, never every contribution."""
    pending = Contribution.status == ContributionStatus.PENDING
    reported = (sa.select(sa.func.count()).select_from(Contribution)
                .where(Contribution.status != ContributionStatus.REJECTED,
                       Contribution.id.in_(sa.select(ContributionReport.contribution_id)),
                       _in_scope(Contribution.territory_id, territory_ids))
                .correlate(None).scalar_subquery())
    row = db.session.execute(
        sa.select(sa.func.count(sa.case((pending, 1))),
                  sa.type_coerce(sa.func.min(sa.case((pending, Contribution.created_at))),
                                 UTCDateTime),
                  sa.func.count(sa.case((sa.and_(Contribution.hidden_by_reports,
                                                 sa.not_(pending)), 1))),
                  reported)
        .where(*to_review(territory_ids))).one()
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
