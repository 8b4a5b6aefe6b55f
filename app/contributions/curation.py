"""Curating published material: re-tag, merge duplicates (and separate them again), answer
proposals. All audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app import audit
from app.accounts.models import User
from app.campaigns.models import AgendaItem, Challenge, Step
from app.clock import now
from app.contributions.models import (
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionMerge,
    ContributionStatus,
    ContributionSupport,
)
from app.contributions.services import ContributionError
from app.database import affected_rows
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


def check_merge(duplicate: Contribution, target: Contribution) -> None:
    """Refuse, saying why in French, a merge that cannot be made."""
    if duplicate.id == target.id:
        raise ContributionError("Une contribution ne peut pas être fusionnée avec elle-même.")
    if duplicate.campaign_id != target.campaign_id:
        raise ContributionError("Les deux contributions doivent appartenir à la même démarche.")
    if duplicate.merged_into_id is not None:
        raise ContributionError(f"{duplicate.reference} est déjà fusionnée dans "
                                f"C-{duplicate.merged_into_id:06d}.")
    if target.merged_into_id is not None:
        raise ContributionError(f"{target.reference} a elle-même été fusionnée : choisissez "
                                f"C-{target.merged_into_id:06d}.")


def merge(duplicate: Contribution, target: Contribution, user: User) -> ContributionMerge:
    """Fold ``duplicate`` into ``target``: the duplicate leaves the public list, its supports
    (one per person still) and anything merged into it move to the target. What moved is
    written down (``ContributionMerge``) so that ``split`` can give it back."""
    check_merge(duplicate, target)
    record = ContributionMerge(
        duplicate=duplicate, target=target, merged_by=user,
        previous_status=duplicate.status, previous_published_at=duplicate.published_at,
        previous_rejection_reason=duplicate.rejection_reason,
        previous_hidden_by_reports=duplicate.hidden_by_reports)
    already = sa.select(ContributionSupport.supporter_key).where(
        ContributionSupport.contribution_id == target.id)
    record.moved_support_ids = list(db.session.scalars(sa.select(ContributionSupport.id).where(
        ContributionSupport.contribution_id == duplicate.id,
        ContributionSupport.supporter_key.not_in(already)).order_by(ContributionSupport.id)))
    record.shared_supports = [
        [key, created_at.isoformat()] for key, created_at in db.session.execute(
            sa.select(ContributionSupport.supporter_key, ContributionSupport.created_at).where(
                ContributionSupport.contribution_id == duplicate.id,
                ContributionSupport.supporter_key.in_(already)))]
    record.moved_duplicate_ids = list(db.session.scalars(sa.select(Contribution.id).where(
        Contribution.merged_into_id == duplicate.id).order_by(Contribution.id)))
    if record.moved_support_ids:
        db.session.execute(sa.update(ContributionSupport).where(
            ContributionSupport.id.in_(record.moved_support_ids))
            .values(contribution_id=target.id))
    db.session.execute(sa.delete(ContributionSupport).where(
        ContributionSupport.contribution_id == duplicate.id))
    db.session.execute(sa.update(Contribution).where(Contribution.merged_into_id == duplicate.id)
                       .values(merged_into_id=target.id))
    _recount(target)
    duplicate.support_count = 0
    duplicate.merged_into = target
    duplicate.status, duplicate.published_at = ContributionStatus.REJECTED, None
    duplicate.rejection_reason = f"Doublon de {target.reference}"
    duplicate.hidden_by_reports = False
    db.session.add(record)
    audit.record("contribution.merge", duplicate,
                 f"{duplicate.reference} fusionnée dans {target.reference}", user=user)
    db.session.commit()
    return record


def split(record: ContributionMerge, user: User) -> None:
    """Undo a merge (« Séparer »): the duplicate gets back its state, its supports and the
    duplicates that had been merged into it; the merge stays in the history, marked undone.
    Only the latest fold can be undone: once the duplicate has moved on (its target merged
    elsewhere), that later merge must be separated first."""
    duplicate, target = record.duplicate, record.target
    if record.undone_at is not None:
        raise ContributionError(f"{duplicate.reference} et {target.reference} sont déjà "
                                "séparées.")
    if duplicate.merged_into_id != target.id or target.merged_into_id is not None:
        raise ContributionError(
            f"{target.reference} a depuis été fusionnée dans "
            f"C-{(target.merged_into_id or duplicate.merged_into_id or 0):06d} : séparez "
            "d’abord cette fusion-là.")
    # Claimed in SQL: two moderators clicking « Séparer » at once split once.
    claimed = affected_rows(db.session.execute(sa.update(ContributionMerge).where(
        ContributionMerge.id == record.id, ContributionMerge.undone_at.is_(None))
        .values(undone_at=now(), undone_by_id=user.id)))
    if claimed != 1:
        raise ContributionError(f"{duplicate.reference} et {target.reference} sont déjà "
                                "séparées.")
    if record.moved_support_ids:
        db.session.execute(sa.update(ContributionSupport).where(
            ContributionSupport.id.in_(record.moved_support_ids),
            ContributionSupport.contribution_id == target.id)
            .values(contribution_id=duplicate.id))
    for key, created_at in record.shared_supports:
        db.session.add(ContributionSupport(contribution_id=duplicate.id, supporter_key=key,
                                           created_at=datetime.fromisoformat(created_at)))
    if record.moved_duplicate_ids:
        db.session.execute(sa.update(Contribution).where(
            Contribution.id.in_(record.moved_duplicate_ids),
            Contribution.merged_into_id == target.id).values(merged_into_id=duplicate.id))
    db.session.flush()
    duplicate.merged_into = None
    duplicate.status, duplicate.published_at = record.previous_status, record.previous_published_at
    duplicate.rejection_reason = record.previous_rejection_reason
    duplicate.hidden_by_reports = record.previous_hidden_by_reports
    _recount(duplicate)
    _recount(target)
    audit.record("contribution.split", duplicate,
                 f"{duplicate.reference} séparée de {target.reference}", user=user)
    db.session.commit()
    db.session.refresh(record)


def _recount(contribution: Contribution) -> None:
    contribution.support_count = db.session.execute(
        sa.select(sa.func.count()).select_from(ContributionSupport)
        .where(ContributionSupport.contribution_id == contribution.id)).scalar_one()


def merges_of(contribution: Contribution) -> list[ContributionMerge]:
    """Every merge this contribution took part in, as duplicate or as the one kept, the
    latest first (undone ones included: they are its history)."""
    return list(db.session.scalars(sa.select(ContributionMerge).where(sa.or_(
        ContributionMerge.duplicate_id == contribution.id,
        ContributionMerge.target_id == contribution.id)).order_by(ContributionMerge.id.desc())))


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
