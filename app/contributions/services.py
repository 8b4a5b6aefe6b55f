"""Contribution rules: submit, publish, reject, redact. Every moderation act is audited."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import User
from app.campaigns.models import Campaign
from app.clock import now
from app.contributions import notifications
from app.contributions.models import (
    Contribution,
    ContributionKind,
    ContributionReport,
    ContributionRevision,
    ContributionStatus,
    ContributionSupport,
)
from app.extensions import db


class ContributionError(ValueError):
    """The message is for the person acting."""


def submit(campaign: Campaign, values: dict[str, Any]) -> Contribution:
    """Save a contribution; published at once only where the campaign skips moderation."""
    contribution = Contribution(campaign=campaign, **values)
    if not campaign.moderation_required:
        contribution.status, contribution.published_at = ContributionStatus.PUBLISHED, now()
    db.session.add(contribution)
    db.session.commit()
    return contribution


def publish(contribution: Contribution, user: User) -> None:
    if contribution.status is ContributionStatus.PUBLISHED:
        raise ContributionError("Cette contribution est déjà publiée.")
    contribution.status, contribution.published_at = ContributionStatus.PUBLISHED, now()
    contribution.rejection_reason = ""
    audit.record("contribution.publish", contribution, contribution.reference, user=user)
    db.session.commit()


def reject(contribution: Contribution, reason: str, user: User) -> None:
    """Refuse with a reason; the author is told if they left an address."""
    contribution.status, contribution.rejection_reason = ContributionStatus.REJECTED, reason
    contribution.published_at, contribution.hidden_by_reports = None, False
    audit.record("contribution.reject", contribution, f"{contribution.reference} : {reason}",
                 user=user)
    notifications.rejected(contribution, reason)
    db.session.commit()


def redact(contribution: Contribution, title: str, body: str, user: User) -> None:
    """Edit the text (to remove personal data); the previous text is kept in the history."""
    if (title, body) == (contribution.title, contribution.body):
        return
    contribution.revisions.append(ContributionRevision(
        title=contribution.title, body=contribution.body, edited_by=user))
    contribution.title, contribution.body = title, body
    audit.record("contribution.redact", contribution, f"{contribution.reference} modifiée",
                 user=user)
    db.session.commit()


def support(contribution: Contribution, supporter_key: str) -> bool:
    """Add one person's support to a published proposal; False if they already support it."""
    if (contribution.kind is not ContributionKind.PROPOSAL
            or contribution.status is not ContributionStatus.PUBLISHED):
        raise ContributionError("Seules les propositions publiées peuvent être soutenues.")
    db.session.add(ContributionSupport(contribution_id=contribution.id,
                                       supporter_key=supporter_key))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    # In SQL, so that simultaneous supports all count.
    db.session.execute(sa.update(Contribution).where(Contribution.id == contribution.id)
                       .values(support_count=Contribution.support_count + 1))
    db.session.commit()
    return True


def report(contribution: Contribution, reporter_key: str, reason: str) -> bool:
    """A visitor reports a published contribution (once); past the threshold it is hidden
    until reviewed. False if this visitor had already reported it."""
    if contribution.status is not ContributionStatus.PUBLISHED:
        raise ContributionError("Seule une contribution publiée peut être signalée.")
    db.session.add(ContributionReport(contribution_id=contribution.id,
                                      reporter_key=reporter_key, reason=reason))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    reports = db.session.scalar(sa.select(sa.func.count()).select_from(ContributionReport)
                                .where(ContributionReport.contribution_id == contribution.id))
    if reports >= current_app.config["CONTRIBUTION_REPORT_THRESHOLD"] \
            and not contribution.hidden_by_reports:
        contribution.hidden_by_reports = True
        audit.record("contribution.hide", contribution,
                     f"{contribution.reference} masquée après {reports} signalements")
    db.session.commit()
    return True


def restore(contribution: Contribution, user: User) -> None:
    """A moderator reviewed the reports and keeps the contribution online."""
    contribution.hidden_by_reports = False
    db.session.execute(sa.delete(ContributionReport)
                       .where(ContributionReport.contribution_id == contribution.id))
    audit.record("contribution.restore", contribution,
                 f"{contribution.reference} rétablie après examen des signalements", user=user)
    db.session.commit()
