"""Published contributions for the public, with filters, search and keyset pagination.

Pages follow ``id`` (newest first) from a cursor, never an OFFSET: page 500 costs what page 1
costs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.campaigns.models import Campaign
from app.contributions.models import (
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionStatus,
)
from app.contributions.search import matching
from app.extensions import db
from app.routing import database_id

PAGE_SIZE = 20


@dataclass
class ContributionFilters:
    territory_id: int | None = None
    challenge_id: int | None = None
    step_id: int | None = None
    kind: str = ""
    category: str = ""
    search: str = ""
    answer_state: str = ""
    by_support: bool = False
    before: str = ""  # the cursor: "<id>", or "<supports>.<id>" when sorted by support


def published(campaign: Campaign, filters: ContributionFilters) -> tuple[list[Contribution],
                                                                          str | None]:
    """A page of published contributions, and the cursor of the next page (or None)."""
    query = (sa.select(Contribution)
             .where(Contribution.campaign_id == campaign.id, Contribution.is_public)
             .options(joinedload(Contribution.territory), joinedload(Contribution.challenge))
             .limit(PAGE_SIZE + 1))
    if filters.by_support:
        query = query.order_by(Contribution.support_count.desc(), Contribution.id.desc())
    else:
        query = query.order_by(Contribution.id.desc())
    for column, value in ((Contribution.territory_id, filters.territory_id),
                          (Contribution.challenge_id, filters.challenge_id),
                          (Contribution.step_id, filters.step_id)):
        if value:
            query = query.where(column == value)
    if filters.kind in ContributionKind.__members__.values():
        query = query.where(Contribution.kind == filters.kind)
    if filters.category:
        query = query.where(Contribution.category == filters.category)
    if filters.answer_state in AnswerState.__members__.values():
        query = query.where(Contribution.answer_state == filters.answer_state)
    condition = matching(filters.search) if filters.search else None
    if condition is not None:
        query = query.where(condition)
    query = _after_cursor(query, filters)
    rows = list(db.session.scalars(query).unique())
    if len(rows) <= PAGE_SIZE:
        return rows, None
    last = rows[PAGE_SIZE - 1]
    cursor = f"{last.support_count}.{last.id}" if filters.by_support else str(last.id)
    return rows[:PAGE_SIZE], cursor


def _after_cursor(query: sa.Select, filters: ContributionFilters) -> sa.Select:
    """Rows after the cursor in the current order (a malformed cursor means page 1)."""
    try:  # numbers a database holds (not "²", not 10**20)
        parts = [database_id(part) for part in filters.before.split(".")]
    except ValueError:
        return query
    if filters.by_support and len(parts) == 2:
        supports, last_id = parts
        return query.where(sa.tuple_(Contribution.support_count, Contribution.id)
                           < sa.tuple_(supports, last_id))
    if not filters.by_support and len(parts) == 1:
        return query.where(Contribution.id < parts[0])
    return query


def public_page(contribution_id: int) -> Contribution | None:
    """The contribution of a public page, with its tags loaded; None when the public may not
    read it (pending, refused, merged, hidden after reports)."""
    contribution = db.session.scalar(
        sa.select(Contribution).where(Contribution.id == contribution_id)
        .options(joinedload(Contribution.territory), joinedload(Contribution.challenge),
                 joinedload(Contribution.step), joinedload(Contribution.campaign)))
    return contribution if contribution is not None and contribution.is_public else None


def merged_target(contribution_id: int) -> Contribution | None:
    """The public contribution a duplicate was merged into (its supports went there), if any."""
    duplicate = db.session.get(Contribution, contribution_id)
    if duplicate is None or duplicate.merged_into is None:
        return None
    return duplicate.merged_into if duplicate.merged_into.is_public else None


def published_count_by_challenge(campaign: Campaign) -> dict[int, int]:
    """How many published contributions each question of the campaign has (one query, in
    the partial index ``ix_contribution_published_by_challenge``: ``Contribution.is_public``
    is written as the index says, so that a prepared statement still uses it)."""
    rows = db.session.execute(
        sa.select(Contribution.challenge_id, sa.func.count())
        .where(Contribution.campaign_id == campaign.id, Contribution.is_public,
               Contribution.challenge_id.is_not(None))
        .group_by(Contribution.challenge_id))
    return {challenge_id: count for challenge_id, count in rows if challenge_id is not None}


def to_review(territory_ids: set[int] | None) -> list[sa.ColumnElement[bool]]:
    """The moderation queue of these territories (all if None): awaiting moderation, or hidden
    by reports. Written as the partial index ``ix_contribution_to_review`` says (the status
    inline, not a parameter) so that both databases count and page through the index."""
    conditions = [sa.or_(Contribution.status == sa.literal(
        ContributionStatus.PENDING.value, literal_execute=True), Contribution.hidden_by_reports)]
    if territory_ids is not None:
        conditions.append(Contribution.territory_id.in_(territory_ids))
    return conditions


def pending_for(territory_ids: set[int] | None, after: int | None = None) -> list[Contribution]:
    """A page of the moderation queue, oldest first, after the id ``after``; one row more than
    PAGE_SIZE when a next page exists."""
    query = (sa.select(Contribution).where(*to_review(territory_ids))
             .options(joinedload(Contribution.territory), joinedload(Contribution.challenge),
                      joinedload(Contribution.campaign))
             .order_by(Contribution.id).limit(PAGE_SIZE + 1))
    if after:
        query = query.where(Contribution.id > after)
    return list(db.session.scalars(query).unique())


def pending_count(territory_ids: set[int] | None) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Contribution)
                              .where(*to_review(territory_ids))).scalar_one()


def _step_published(step_id: int | sa.BindParameter[int]) -> sa.Select:
    return (sa.select(Contribution)
            .where(Contribution.step_id == step_id, Contribution.is_public)
            .options(joinedload(Contribution.challenge)))


def latest_for_step(step, limit: int) -> list[Contribution]:
    """The ``limit`` latest published contributions of a step, oldest first."""
    rows = db.session.scalars(_latest_for_step(limit), {"step_id": step.id}).unique()
    return list(reversed(list(rows)))


@cache
def _latest_for_step(limit: int) -> sa.Select:
    """Built once per limit (the step page and the wall ask at every view): building and
    keying the statement cost as much as running it."""
    return (_step_published(sa.bindparam("step_id")).order_by(Contribution.id.desc())
            .limit(limit))


def published_after(step, after_id: int, limit: int) -> list[Contribution]:
    return list(db.session.scalars(_step_published(step.id).where(Contribution.id > after_id)
                                   .order_by(Contribution.id).limit(limit)).unique())


def for_moderators(territory_ids: set[int] | None, search: str, status: str,
                   before: int | None) -> list[Contribution]:
    """Contributions of the given territories (all if None), newest first, one page and one
    more row (to tell whether a next page exists)."""
    query = (sa.select(Contribution)
             .options(joinedload(Contribution.territory), joinedload(Contribution.challenge),
                      joinedload(Contribution.campaign))
             .order_by(Contribution.id.desc()).limit(PAGE_SIZE + 1))
    if territory_ids is not None:
        query = query.where(Contribution.territory_id.in_(territory_ids))
    if status in ContributionStatus.__members__.values():
        query = query.where(Contribution.status == status)
    if before:
        query = query.where(Contribution.id < before)
    condition = matching(search) if search else None
    if condition is not None:
        query = query.where(condition)
    return list(db.session.scalars(query).unique())


# At most this many published proposals are compared with one being typed: the most supported
# and the newest, enough for a large campaign's question while keeping a submission fast.
SIMILAR_CANDIDATES = 2000


def proposals_to_compare(campaign: Campaign, challenge_id: int | None,
                         limit: int = SIMILAR_CANDIDATES) -> list[sa.Row]:
    """(id, title, body) of the published proposals a new one may repeat: of the campaign,
    visible, not merged into another, of the same question when one is chosen; the most
    supported first, then the newest."""
    query = (sa.select(Contribution.id, Contribution.title, Contribution.body)
             .where(Contribution.campaign_id == campaign.id,
                    Contribution.kind == ContributionKind.PROPOSAL, Contribution.is_public,
                    Contribution.merged_into_id.is_(None))
             .order_by(Contribution.support_count.desc(), Contribution.id.desc())
             .limit(limit))
    if challenge_id:
        query = query.where(Contribution.challenge_id == challenge_id)
    return list(db.session.execute(query))


def by_ids(ids: list[int]) -> list[Contribution]:
    """The contributions of these ids, in the order given, with their département and
    question."""
    rows = db.session.scalars(sa.select(Contribution).where(Contribution.id.in_(ids))
                              .options(joinedload(Contribution.territory),
                                       joinedload(Contribution.challenge))).unique()
    found = {row.id: row for row in rows}
    return [found[i] for i in ids if i in found]


def merge_candidates(contribution: Contribution, territory_ids: set[int] | None,
                     limit: int = SIMILAR_CANDIDATES) -> list[sa.Row]:
    """(id, title, body) of the contributions ``contribution`` may be a duplicate of: of the
    same campaign and kind, not refused, not merged themselves, in the moderator's territories
    (all if None); the newest first."""
    query = (sa.select(Contribution.id, Contribution.title, Contribution.body)
             .where(Contribution.campaign_id == contribution.campaign_id,
                    Contribution.kind == contribution.kind,
                    Contribution.id != contribution.id,
                    Contribution.status != ContributionStatus.REJECTED,
                    Contribution.merged_into_id.is_(None))
             .order_by(Contribution.id.desc()).limit(limit))
    if territory_ids is not None:
        query = query.where(Contribution.territory_id.in_(territory_ids))
    return list(db.session.execute(query))
