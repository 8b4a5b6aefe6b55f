"""Writing a retained proposal's follow-up: its state and a dated update, in one transaction
with its audit entry (on the contribution, so that its moderation history shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import User
from app.clock import now
from app.contributions.models import Contribution
from app.extensions import db
from app.followups.models import FollowUp, FollowUpStatus, FollowUpUpdate, may_have_follow_up
from app.followups.queries import with_updates


class FollowUpError(ValueError):
    """A follow-up that cannot be written, with the reason in French."""


@dataclass(frozen=True)
class FollowUpChange:
    """What the form says: the follow-up's state, and the dated update that comes with it."""

    status: FollowUpStatus
    progress: int
    measure: str
    update_date: date
    update_text: str


def save(contribution: Contribution, change: FollowUpChange, user: User) -> FollowUp:
    """Create or update the proposal's follow-up and add the dated update; committed."""
    if not may_have_follow_up(contribution):
        raise FollowUpError(f"{contribution.reference} n’est pas une proposition retenue : "
                            "seules les propositions dont la réponse est « Retenue » ont un "
                            "suivi.")
    if not 0 <= change.progress <= 100:
        raise FollowUpError("L’avancement va de 0 à 100 %.")
    follow_up = with_updates(contribution)
    created = follow_up is None
    if follow_up is None:
        follow_up = FollowUp(contribution=contribution, status=change.status,
                             progress=change.progress, measure=change.measure)
        db.session.add(follow_up)
        changes = {"suivi": ("", change.status.label), "avancement": ("", f"{change.progress} %")}
        if change.measure:
            changes["mesure"] = ("", change.measure)
    else:
        changes = {}
        if follow_up.status is not change.status:
            changes["suivi"] = (follow_up.status.label, change.status.label)
        if follow_up.progress != change.progress:
            changes["avancement"] = (f"{follow_up.progress} %", f"{change.progress} %")
        if follow_up.measure != change.measure:
            changes["mesure"] = (follow_up.measure, change.measure)
        follow_up.status, follow_up.progress = change.status, change.progress
        follow_up.measure = change.measure
    follow_up.updated_at = now()
    follow_up.updates.append(FollowUpUpdate(date=change.update_date, text=change.update_text,
                                            author=user))
    changes["point d’étape"] = ("", f"{change.update_date.isoformat()} : {change.update_text}")
    audit.record("contribution.follow_up", contribution,
                 f"{contribution.reference} : suivi {'créé' if created else 'mis à jour'} "
                 f"({change.status.label}, {change.progress} %)", changes=changes, user=user)
    try:
        db.session.commit()
    except IntegrityError:
        # Another organiser created it at the same moment (contribution_id is unique).
        db.session.rollback()
        raise FollowUpError("Un suivi vient d’être créé pour cette proposition par une autre "
                            "personne : vérifiez-le, puis renvoyez votre point d’étape.") from None
    return follow_up
