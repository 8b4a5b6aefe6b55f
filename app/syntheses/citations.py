"""The contributions a synthesis cites: every reference (C-000123) its texts carry that
designates a published contribution of its campaign, for the documents' annex « Contributions
citées ». Only what the contribution's public page shows: its reference, the beginning of its
text, its département, its question and its address; a reference to a contribution the public
may not read (pending, refused, hidden after reports) or to none is left out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from app.contributions.models import Contribution
from app.extensions import db
from app.urls import absolute_url

if TYPE_CHECKING:  # the report module draws charts: matplotlib stays out of the web workers
    from app.syntheses.report import Report

REFERENCE = re.compile(r"\bC-(\d{6})\b")
EXCERPT = 160  # characters of a contribution's text


@dataclass(frozen=True)
class CitedContribution:
    reference: str
    excerpt: str
    departement: str
    question: str
    url: str


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The first words of ``text``, cut between two words, within ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def referenced_ids(texts: Iterable[str]) -> list[int]:
    """The contribution ids the texts refer to, in order of first mention, once each."""
    return list(dict.fromkeys(int(number) for text in texts
                              for number in REFERENCE.findall(text or "")))


def _url(contribution: Contribution) -> str:
    if "contributions.detail" not in current_app.view_functions:
        return ""
    return absolute_url("contributions.detail", reference=contribution.reference)


def cited(campaign_id: int | None, texts: Iterable[str]) -> list[CitedContribution]:
    """The published contributions of the campaign the texts cite, in order of first mention."""
    ids = referenced_ids(texts)
    if campaign_id is None or not ids:
        return []
    found = {c.id: c for c in db.session.scalars(
        sa.select(Contribution).where(Contribution.id.in_(ids),
                                      Contribution.campaign_id == campaign_id)
        .options(joinedload(Contribution.territory), joinedload(Contribution.challenge)))}
    return [CitedContribution(
        reference=c.reference,
        excerpt=excerpt(f"{c.title} — {c.body}" if c.title else c.body),
        departement=c.territory.display_name,
        question=c.challenge.title if c.challenge else "Sans question",
        url=_url(c)) for c in (found.get(i) for i in ids) if c is not None and c.is_public]


def of_report(report: Report) -> list[CitedContribution]:
    """What a synthesis document's texts cite: its introduction, then each question's text."""
    campaign_id = report.challenges[0].campaign_id if report.challenges else None
    return cited(campaign_id, [report.introduction, *(s.text for s in report.sections)])
