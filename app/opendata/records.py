"""Published contributions and their figures as open-data records.

One flat record per contribution, in the spirit of the Grand Débat National's open data. Never
a personal field: no email, and the pseudonym only because its author chose to show it. Rows are
read in batches through a server-side cursor, so an export of 100,000 rows runs in constant
memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.campaigns.models import AgendaItem, Campaign, Challenge, Step
from app.contributions.models import (
    AGE_RANGES,
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionSource,
)
from app.extensions import db
from app.opendata import columns
from app.participants import CATEGORIES
from app.territories.models import Territory
from app.urls import absolute_url

BATCH = 1000


@cache
def contribution_schema() -> dict[str, Any]:
    """The JSON Schema of one record (also the API's, in the OpenAPI document), built from the
    columns' descriptions (app.opendata.columns) like the CSV header and the Table Schema."""
    return columns.contribution_json_schema()


def fields() -> list[str]:
    return columns.names(columns.CONTRIBUTION_COLUMNS)


@dataclass
class Scope:
    """Which published contributions: a campaign, optionally one département, one question,
    one kind, after an id (API pages)."""

    campaign: Campaign
    territory_id: int | None = None
    challenge_id: int | None = None
    kind: str = ""
    after_id: int = 0
    limit: int | None = None


def _query(scope: Scope) -> sa.Select:
    workshop = aliased(AgendaItem)
    query = (sa.select(Contribution.id, Contribution.kind, Contribution.title, Contribution.body,
                       Challenge.code, Challenge.title, Territory.code, Territory.name,
                       Step.id, Step.title, workshop.title, Contribution.category,
                       Contribution.age_range, Contribution.pseudonym, Contribution.source,
                       Contribution.created_at, Contribution.published_at,
                       Contribution.answer_state, Contribution.answer, Contribution.answered_at,
                       Contribution.support_count)
             .join(Territory, Territory.id == Contribution.territory_id)
             .outerjoin(Challenge, Challenge.id == Contribution.challenge_id)
             .outerjoin(Step, Step.id == Contribution.step_id)
             .outerjoin(workshop, workshop.id == Contribution.workshop_id)
             .where(Contribution.campaign_id == scope.campaign.id, Contribution.is_public,
                    Contribution.id > scope.after_id)
             .order_by(Contribution.id))
    for column, value in ((Contribution.territory_id, scope.territory_id),
                          (Contribution.challenge_id, scope.challenge_id)):
        if value:
            query = query.where(column == value)
    if scope.kind in ContributionKind.__members__.values():
        query = query.where(Contribution.kind == scope.kind)
    if scope.limit:
        query = query.limit(scope.limit)
    return query


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def page_url_prefix() -> str:
    """The contribution pages' absolute URL up to the reference (PUBLIC_BASE_URL when set),
    built once per export rather than through the router for each of 100,000 rows."""
    sample = "C-000001"
    return absolute_url("contributions.detail", reference=sample).removesuffix(sample)


def _record(row: sa.Row, url_prefix: str) -> dict[str, Any]:
    (number, kind, title, body, challenge_code, challenge, territory_code, territory, step_id,
     step, workshop, category, age_range, pseudonym, source, created_at, published_at,
     answer_state, answer, answered_at, supports) = row
    reference = f"C-{number:06d}"
    return {
        "id": number, "reference": reference, "url": url_prefix + reference,
        "type": ContributionKind(kind).value,
        "type_libelle": ContributionKind(kind).label, "titre": title, "texte": body,
        "question_code": challenge_code, "question": challenge,
        "departement_code": territory_code, "departement": territory,
        "etape_id": step_id, "etape": step, "atelier": workshop,
        "categorie_auteur": CATEGORIES.get(category) if category else None,
        "tranche_age": AGE_RANGES.get(age_range) if age_range else None,
        "pseudonyme": pseudonym or None,
        "origine": ContributionSource(source).label,
        "cree_le": _iso(created_at), "publiee_le": _iso(published_at),
        "etat": AnswerState(answer_state).label if answer_state else None,
        "reponse": answer or None, "reponse_le": _iso(answered_at),
        "soutiens": supports,
    }


def published(scope: Scope) -> Iterator[dict[str, Any]]:
    """The scope's records, oldest first, read in batches (a server-side cursor on
    PostgreSQL)."""
    url_prefix = page_url_prefix()
    result = db.session.execute(_query(scope).execution_options(yield_per=BATCH))
    for row in result:
        yield _record(row, url_prefix)


FIGURE_FIELDS = columns.names(columns.FIGURE_COLUMNS)


def figures(campaign: Campaign, territory_id: int | None = None) -> list[dict[str, Any]]:
    """Published contributions counted by département, question, kind and author category."""
    query = (sa.select(Territory.code, Territory.name, Challenge.code, Challenge.title,
                       Contribution.kind, Contribution.category, sa.func.count(),
                       sa.func.coalesce(sa.func.sum(Contribution.support_count), 0))
             .join(Territory, Territory.id == Contribution.territory_id)
             .outerjoin(Challenge, Challenge.id == Contribution.challenge_id)
             .where(Contribution.campaign_id == campaign.id, Contribution.is_public)
             .group_by(Territory.code, Territory.name, Challenge.code, Challenge.title,
                       Challenge.position, Contribution.kind, Contribution.category)
             .order_by(Territory.code, Challenge.position, Contribution.kind,
                       Contribution.category))
    if territory_id:
        query = query.where(Contribution.territory_id == territory_id)
    return [dict(zip(FIGURE_FIELDS, (
        code, name, challenge_code, challenge, ContributionKind(kind).value,
        CATEGORIES.get(category) if category else None, count, int(supports)), strict=True))
        for code, name, challenge_code, challenge, kind, category, count, supports
        in db.session.execute(query)]
