"""Curating published material: re-tag, merge duplicates, answer proposals. All audited."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app import audit
from app.accounts.models import User
from app.campaigns.models import AgendaItem, Challenge, Step
from app.clock import now
from app.contributions.models import (
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionSupport,
)
from app.contributions.services import ContributionError
from app.extensions import db
from app.territories.models import Territory


@dataclass
class Tags:
    """What a contribution is filed under."""

    kind: ContributionKind
    territory: Territory
    challenge: Challenge | None
    step: Step | None = None
    workshop: AgendaItem | None = None


def check_tags(contribution_campaign_id: int, tags: Tags) -> None:
    """Refuse tags of another campaign, or a workshop outside the step."""
    if tags.challenge is not None and tags.challenge.campaign_id != contribution_campaign_id:
        raise ContributionError("Cette question n’appartient pas à la démarche.")
    if tags.step is not None and tags.step.campaign_id != contribution_campaign_id:
        raise ContributionError("Cette étape n’appartient pas à la démarche.")
    if tags.workshop is not None and (tags.step is None or tags.workshop.step_id != tags.step.id):
        raise ContributionError("Cet atelier n’appartient pas à l’étape choisie.")


def retag(contribution: Contribution, tags: Tags, user: User) -> None:
    check_tags(contribution.campaign_id, tags)
    before = _tag_labels(contribution)
    contribution.kind, contribution.territory = tags.kind, tags.territory
    contribution.challenge, contribution.step = tags.challenge, tags.step
    contribution.workshop = tags.workshop
    after = _tag_labels(contribution)
    changes = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    if not changes:
        return
    if contribution.kind is ContributionKind.TESTIMONY:
        contribution.answer_state, contribution.answer, contribution.answered_at = None, "", None
    audit.record("contribution.retag", contribution, f"{contribution.reference} reclassée",
                 changes=changes, user=user)
    db.session.commit()


def _tag_labels(contribution: Contribution) -> dict[str, str]:
    return {
        "type": contribution.kind.label,
        "département": contribution.territory.display_name,
        "question": contribution.challenge.title if contribution.challenge else "",
        "étape": contribution.step.title if contribution.step else "",
        "atelier": contribution.workshop.title if contribution.workshop else "",
    }


def merge(duplicate: Contribution, target: Contribution, user: User) -> None:
    """Fold ``duplicate`` into ``target``: the duplicate leaves the public list, its supports
    (one per person still) and anything merged into it move to the target."""
    if duplicate.id == target.id:
        raise ContributionError("Une contribution ne peut pas être fusionnée avec elle-même.")
    if duplicate.campaign_id != target.campaign_id:
        raise ContributionError("Les deux contributions doivent appartenir à la même démarche.")
    if target.merged_into_id is not None:
        raise ContributionError(f"{target.reference} a elle-même été fusionnée : choisissez "
                                f"C-{target.merged_into_id:06d}.")
    already = sa.select(ContributionSupport.supporter_key).where(
        ContributionSupport.contribution_id == target.id)
    db.session.execute(sa.update(ContributionSupport).where(
        ContributionSupport.contribution_id == duplicate.id,
        ContributionSupport.supporter_key.not_in(already)).values(contribution_id=target.id))
    db.session.execute(sa.delete(ContributionSupport).where(
        ContributionSupport.contribution_id == duplicate.id))
    db.session.execute(sa.update(Contribution).where(Contribution.merged_into_id == duplicate.id)
                       .values(merged_into_id=target.id))
    target.support_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(ContributionSupport)
        .where(ContributionSupport.contribution_id == target.id))
    duplicate.support_count = 0
    duplicate.merged_into = target
    duplicate.status, duplicate.published_at = ContributionStatus.REJECTED, None
    duplicate.rejection_reason = f"Doublon de {target.reference}"
    duplicate.hidden_by_reports = False
    audit.record("contribution.merge", duplicate,
                 f"{duplicate.reference} fusionnée dans {target.reference}", user=user)
    db.session.commit()


def answer(contribution: Contribution, state: AnswerState, text: str, user: User,
           commit: bool = True) -> bool:
    """Give a proposal the organisers' official state and public answer; False if unchanged."""
    if contribution.kind is not ContributionKind.PROPOSAL:
        raise ContributionError(f"{contribution.reference} n’est pas une proposition : seules "
                                "les propositions reçoivent une réponse officielle.")
    if (contribution.answer_state, contribution.answer) == (state, text):
        return False
    changes = {"état": (contribution.answer_state.label if contribution.answer_state else "",
                        state.label)}
    if contribution.answer != text:
        changes["réponse"] = (contribution.answer, text)
    contribution.answer_state, contribution.answer = state, text
    contribution.answered_at = now()
    audit.record("contribution.answer", contribution,
                 f"{contribution.reference} : {state.label}", changes=changes, user=user)
    if commit:
        db.session.commit()
    return True
