"""The figures of a synthesis: steps held, people present by category, published
contributions by question, kind and category; and the material to quote and rank."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.campaigns.models import Campaign, Challenge, Step
from app.clock import today
from app.contributions.models import (
    Contribution,
    ContributionKind,
)
from app.extensions import db
from app.participants import CATEGORIES
from app.registrations.models import Registration
from app.syntheses.models import StepReport, Synthesis
from app.territories.models import Territory, TerritoryKind
from app.territories.queries import descendant_ids


@dataclass
class Figures:
    steps_held: list[Step] = field(default_factory=list)
    present_by_step: dict[int, int] = field(default_factory=dict)
    present_by_category: dict[str, int] = field(default_factory=dict)
    # (challenge id or None, kind value) -> count
    by_challenge: dict[tuple[int | None, str], int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    # département name -> challenge id -> count (regional synthesis)
    by_departement: dict[str, dict[int | None, int]] = field(default_factory=dict)

    @property
    def present(self) -> int:
        return sum(self.present_by_category.values())

    @property
    def contributions(self) -> int:
        return sum(self.by_challenge.values())

    def count(self, challenge: Challenge | None, kind: ContributionKind | None = None) -> int:
        challenge_id = challenge.id if challenge else None
        return sum(number for (cid, k), number in self.by_challenge.items()
                   if cid == challenge_id and (kind is None or k == kind.value))


def scope_ids(synthesis: Synthesis) -> set[int]:
    """The territories a synthesis covers: its territory and everything below it."""
    return descendant_ids({synthesis.territory_id})


def _published(synthesis: Synthesis) -> sa.Select:
    return sa.select(Contribution).where(
        Contribution.campaign_id == synthesis.campaign_id, Contribution.is_public,
        Contribution.territory_id.in_(scope_ids(synthesis)))


def held_steps(campaign: Campaign, territory_ids: set[int]) -> list[Step]:
    return list(db.session.scalars(
        sa.select(Step).where(Step.campaign_id == campaign.id,
                              Step.territory_id.in_(territory_ids), Step.is_held(today()))
        .options(joinedload(Step.territory)).order_by(Step.day, Step.id)).unique())


def compute(synthesis: Synthesis) -> Figures:
    figures = Figures()
    territory_ids = scope_ids(synthesis)
    figures.steps_held = held_steps(synthesis.campaign, territory_ids)
    step_ids = [step.id for step in figures.steps_held]
    reports = {report.step_id: report for report in db.session.scalars(
        sa.select(StepReport).where(StepReport.step_id.in_(step_ids)))}
    checked_in = db.session.execute(
        sa.select(Registration.step_id, Registration.category, sa.func.count())
        .where(Registration.step_id.in_(step_ids), Registration.checked_in_at.is_not(None))
        .group_by(Registration.step_id, Registration.category))
    counted: dict[int, dict[str, int]] = {}
    for step_id, category, number in checked_in:
        counted.setdefault(step_id, {})[category] = number
    for step_id in step_ids:
        # The report's attendance, as the organiser corrected it, wins over raw check-ins.
        by_category = reports[step_id].attendance if step_id in reports else counted.get(
            step_id, {})
        figures.present_by_step[step_id] = sum(by_category.values())
        for category, number in by_category.items():
            label = CATEGORIES.get(category, category)
            figures.present_by_category[label] = figures.present_by_category.get(label, 0) \
                + number
    published = _published(synthesis).subquery()
    for challenge_id, kind, number in db.session.execute(
            sa.select(published.c.challenge_id, published.c.kind, sa.func.count())
            .group_by(published.c.challenge_id, published.c.kind)):
        figures.by_challenge[(challenge_id, kind)] = number
    for category, number in db.session.execute(
            sa.select(published.c.category, sa.func.count()).group_by(published.c.category)):
        label = CATEGORIES.get(category, "Non précisée") if category else "Non précisée"
        figures.by_category[label] = figures.by_category.get(label, 0) + number
    for name in db.session.scalars(  # every département of the scope, even without any
            sa.select(Territory.name).where(Territory.id.in_(territory_ids),
                                            Territory.kind == TerritoryKind.DEPARTEMENT)
            .order_by(Territory.name)):
        figures.by_departement[name] = {}
    for name, challenge_id, number in db.session.execute(
            sa.select(Territory.name, published.c.challenge_id, sa.func.count())
            .join(Territory, Territory.id == published.c.territory_id)
            .group_by(Territory.name, published.c.challenge_id).order_by(Territory.name)):
        figures.by_departement.setdefault(name, {})[challenge_id] = number
    return figures


def ranked_proposals(synthesis: Synthesis, challenge: Challenge, limit: int = 10
                     ) -> list[Contribution]:
    """The published proposals of a question, most supported first."""
    return list(db.session.scalars(
        _published(synthesis).where(Contribution.kind == ContributionKind.PROPOSAL,
                                    Contribution.challenge_id == challenge.id)
        .order_by(Contribution.support_count.desc(), Contribution.id).limit(limit)))


def testimonies(synthesis: Synthesis, challenge: Challenge) -> list[Contribution]:
    return list(db.session.scalars(
        _published(synthesis).where(Contribution.kind == ContributionKind.TESTIMONY,
                                    Contribution.challenge_id == challenge.id)
        .order_by(Contribution.id)))


def published_texts(synthesis: Synthesis, challenge: Challenge) -> list[Contribution]:
    """Every published contribution of a question (for the writing help)."""
    return list(db.session.scalars(
        _published(synthesis).where(Contribution.challenge_id == challenge.id)
        .order_by(Contribution.id)))
