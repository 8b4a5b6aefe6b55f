"""Press rules: accreditations, follows, invitations on every calendar change, press kits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from app import audit, clock, storage, uploads
from app.accounts.models import User
from app.campaigns.models import Campaign, Step, StepStatus
from app.campaigns.signals import step_calendar_changed, step_recipients_counted
from app.extensions import db
from app.press import notifications
from app.press.models import (
    PressAccreditation,
    PressCampaignFollow,
    PressFollow,
    PressKitFile,
)
from app.territories.models import Territory


@dataclass
class CampaignSteps:
    """A démarche that is not over, and its steps to come (dated first, « date à venir »
    last): what the press space lists and what a journalist may follow."""

    campaign: Campaign
    steps: list[Step]
    more: int = 0  # steps to come beyond ``steps`` (the press space lists a few)

    @property
    def step_ids(self) -> set[int]:
        return {step.id for step in self.steps}


def _in_date_order(step: Step) -> tuple:
    return (step.day is None, step.day or date.min, step.start_time or time.min,
            step.territory.name, step.id)


def campaigns_to_follow(today: date) -> list[CampaignSteps]:
    """Démarches not over (Campaign.is_over), each with its steps to come; most recent
    démarche first (two queries)."""
    campaigns = db.session.scalars(
        sa.select(Campaign).options(selectinload(Campaign.steps).joinedload(Step.territory))
        .order_by(Campaign.starts_on.desc().nulls_last(), Campaign.id)).unique()
    groups = [CampaignSteps(campaign, sorted(campaign.steps_to_come(today), key=_in_date_order))
              for campaign in campaigns if not campaign.is_over(today)]
    return [group for group in groups if group.steps]


def press_calendar(today: date, limit: int) -> list[CampaignSteps]:
    """As ``campaigns_to_follow``, but the first ``limit`` steps to come of each démarche and
    how many more there are: one statement, whatever the number of steps."""
    end = sa.func.coalesce(Campaign.ends_on, Campaign.synthesis_deadline)
    to_come = sa.and_(Step.status == StepStatus.PUBLISHED, sa.or_(
        Step.day >= today, sa.and_(Step.day.is_(None), sa.or_(end.is_(None), end >= today))))
    # The order of _in_date_order, in SQL.
    order = (Step.day.is_(None), Step.day, Step.start_time.asc().nulls_first(),
             Territory.name, Step.id)
    ranked = (sa.select(Step.id, sa.func.row_number().over(partition_by=Step.campaign_id,
                                                           order_by=order).label("rank"),
                        sa.func.count().over(partition_by=Step.campaign_id).label("total"))
              .join(Step.campaign).join(Step.territory).where(to_come).subquery())
    rows = db.session.execute(
        sa.select(Step, ranked.c.total).join(ranked, ranked.c.id == Step.id)
        .where(ranked.c.rank <= limit)
        .options(joinedload(Step.territory), joinedload(Step.campaign))).unique().all()
    groups: dict[int, CampaignSteps] = {}
    for step, total in rows:
        group = groups.setdefault(step.campaign_id, CampaignSteps(step.campaign, [],
                                                                   total - limit))
        group.steps.append(step)
    for group in groups.values():
        group.steps.sort(key=_in_date_order)
        group.more = max(group.more, 0)
    return sorted(groups.values(), key=lambda g: (g.campaign.starts_on is None,
                                                  -(g.campaign.starts_on or date.min).toordinal(),
                                                  g.campaign.id))


def _wanted_steps(groups: list[CampaignSteps], step_ids: Iterable[int],
                  campaign_ids: Iterable[int]) -> set[int]:
    """The steps chosen one by one, and every step to come of the démarches chosen whole."""
    whole = set(campaign_ids)
    chosen = set(step_ids)
    return {step.id for group in groups for step in group.steps
            if step.id in chosen or group.campaign.id in whole}


def by_email(email: str) -> PressAccreditation | None:
    return db.session.scalar(sa.select(PressAccreditation)
                             .where(PressAccreditation.email == email.strip().lower()))


def by_token(token: str) -> PressAccreditation | None:
    return db.session.scalar(sa.select(PressAccreditation)
                             .where(PressAccreditation.token == token)
                             .options(selectinload(PressAccreditation.follows),
                                      selectinload(PressAccreditation.campaign_follows)))


def accredit(values: dict, step_ids: list[int], campaign_ids: list[int],
             today: date) -> PressAccreditation:
    """Register a new journalist following ``step_ids`` and every step, present and future,
    of the démarches ``campaign_ids``; confirmation and invitations sent."""
    groups = campaigns_to_follow(today)
    accreditation = PressAccreditation(name=values["name"], outlet=values["outlet"],
                                       email=values["email"], phone=values.get("phone") or "")
    db.session.add(accreditation)
    whole = [group.campaign for group in groups if group.campaign.id in set(campaign_ids)]
    db.session.add_all(PressCampaignFollow(accreditation=accreditation, campaign=campaign)
                       for campaign in whole)
    steps = {step.id: step for group in groups for step in group.steps}
    follows = [PressFollow(accreditation=accreditation, step=steps[step_id])
               for step_id in sorted(_wanted_steps(groups, step_ids, campaign_ids),
                                     key=lambda step_id: _in_date_order(steps[step_id]))]
    db.session.add_all(follows)
    db.session.flush()
    audit.record("press.accredit", accreditation,
                 f"Accréditation presse : {accreditation.outlet}")
    notifications.confirmation(accreditation, [f.step for f in follows], whole)
    for follow in follows:
        notifications.invitation(follow, "followed")
    db.session.commit()
    return accreditation


def send_manage_link(accreditation: PressAccreditation) -> None:
    """For someone already accredited who fills the form again."""
    notifications.manage_link(accreditation)
    db.session.commit()


def update_follows(accreditation: PressAccreditation, step_ids: list[int],
                   campaign_ids: list[int], today: date) -> None:
    """Among the démarches and steps still to come, follow exactly ``step_ids`` and the whole
    of ``campaign_ids``: invitations for new steps, cancellations for dropped ones. Steps held
    since, and démarches over, are left as they are: no cancellation for a past event."""
    groups = campaigns_to_follow(today)
    shown = {group.campaign.id for group in groups}
    followed_whole = {f.campaign_id: f for f in accreditation.campaign_follows
                      if f.campaign_id in shown}
    for campaign_id in followed_whole.keys() - set(campaign_ids):
        db.session.delete(followed_whole[campaign_id])
    db.session.add_all(PressCampaignFollow(accreditation=accreditation, campaign_id=campaign_id)
                       for campaign_id in (set(campaign_ids) & shown) - followed_whole.keys())
    followable = {step_id for group in groups for step_id in group.step_ids}
    current = {follow.step_id: follow for follow in accreditation.follows
               if follow.step_id in followable}
    wanted = _wanted_steps(groups, step_ids, campaign_ids)
    added = [PressFollow(accreditation=accreditation, step_id=step_id)
             for step_id in sorted(wanted - current.keys())]
    db.session.add_all(added)
    db.session.flush()
    for follow in added:
        notifications.invitation(follow, "followed")
    for step_id in current.keys() - wanted:
        notifications.invitation(current[step_id], "unfollowed")
        db.session.delete(current[step_id])
    audit.record("press.follows", accreditation, "Étapes suivies mises à jour")
    db.session.commit()


def withdraw(accreditation: PressAccreditation) -> None:
    """Delete the accreditation and its follows (the person's data with them)."""
    audit.record("press.withdraw", accreditation, "Accréditation presse retirée")
    db.session.delete(accreditation)
    db.session.commit()


def followers(step: Step) -> list[PressFollow]:
    return list(db.session.scalars(
        sa.select(PressFollow).where(PressFollow.step_id == step.id)
        .options(joinedload(PressFollow.accreditation))
        .order_by(PressFollow.created_at)))


def resend(follows: list[PressFollow], user: User | None) -> int:
    """Send the current invitation again; returns how many were queued."""
    queued = [notifications.invitation(follow, "resent") for follow in follows]
    for follow in follows:
        audit.record("press.resend", follow.step,
                     # No address here: the audit log outlives accreditations.
                     f"Invitation renvoyée (accréditation n° {follow.accreditation_id})",
                     user=user)
    db.session.commit()
    return sum(1 for m in queued if m is not None)


def _whole_campaign_newcomers(step: Step) -> list[int]:
    """The accreditations following the step's whole démarche but not yet the step (it was
    published or dated after they chose « Toutes les étapes »)."""
    if step.status is not StepStatus.PUBLISHED or step.is_past(clock.today()):
        return []
    following = set(db.session.scalars(sa.select(PressFollow.accreditation_id)
                                       .where(PressFollow.step_id == step.id)))
    return [accreditation_id for accreditation_id in db.session.scalars(
                sa.select(PressCampaignFollow.accreditation_id)
                .where(PressCampaignFollow.campaign_id == step.campaign_id))
            if accreditation_id not in following]


def _follow_for_whole_campaign(step: Step) -> list[PressFollow]:
    """Those who follow the step's whole démarche now follow the step too."""
    added = [PressFollow(accreditation_id=accreditation_id, step_id=step.id)
             for accreditation_id in _whole_campaign_newcomers(step)]
    db.session.add_all(added)
    db.session.flush()
    return added


@step_calendar_changed.connect
def notify_followers(step: Step, change: str, previous: dict | None = None
                     ) -> tuple[str, int]:
    """Every journalist following the step gets the updated invitation (same UID, higher
    SEQUENCE) with the former date, or its cancellation; a step newly in their démarche
    invites them too (the caller's transaction, which changed the step, commits them). How
    many mails were queued."""
    added = _follow_for_whole_campaign(step) if change != "cancelled" else []
    newcomers = {follow.id for follow in added}
    queued = [notifications.invitation(follow, "followed" if follow.id in newcomers else change,
                                       None if follow.id in newcomers else previous)
              for follow in followers(step)]
    return "journalists", sum(1 for mail_queued in queued if mail_queued is not None)


@step_recipients_counted.connect
def count_followers(step: Step, change: str) -> tuple[str, int]:
    """How many mails notify_followers would queue now, by its rules: invitation() queues
    none for a step without a date but for its postponement, and only a cancellation can
    find the step undated (a step given a date is « scheduled » or « moved »)."""
    if step.day is None and change == "cancelled":
        return "journalists", 0
    following = db.session.execute(sa.select(sa.func.count()).select_from(PressFollow)
                                   .where(PressFollow.step_id == step.id)).scalar_one()
    newcomers = len(_whole_campaign_newcomers(step)) if change not in ("cancelled",
                                                                       "unscheduled") else 0
    return "journalists", following + newcomers


def add_kit_file(campaign: Campaign, step: Step | None, title: str, upload: FileStorage,
                 user: User | None) -> PressKitFile:
    """Store a checked press-kit file with its row, in one transaction (raises
    uploads.RejectedFileError with a French message, the storage's failure included)."""
    try:
        with storage.storing():
            stored_name, content_type, size = uploads.store(upload)
            kit_file = PressKitFile(
                campaign=campaign, step=step, title=title,
                original_name=uploads.clean_filename(upload.filename or "document"),
                stored_name=stored_name, content_type=content_type, size=size,
                uploaded_by=user)
            db.session.add(kit_file)
            audit.record("press.kit_add", kit_file, f"Dossier de presse : {title}", user=user)
            db.session.commit()
    except storage.StorageError as error:
        # The form shows RejectedFileError's message (press.manage_routes._upload).
        raise uploads.RejectedFileError(str(error)) from error
    return kit_file


def remove_kit_file(kit_file: PressKitFile, user: User | None) -> None:
    """The row and its stored file go in the same transaction."""
    audit.record("press.kit_remove", kit_file, f"Retrait du dossier de presse : {kit_file.title}",
                 user=user)
    storage.delete(kit_file.stored_name, kind="press")
    db.session.delete(kit_file)
    db.session.commit()


def kit_files(campaign: Campaign | None = None, step: Step | None = None,
              limit: int | None = None) -> list[PressKitFile]:
    if step is not None and limit is None:  # the step's page, at every view
        return list(db.session.scalars(_step_kit(), {"step_id": step.id}))
    query = sa.select(PressKitFile).order_by(PressKitFile.uploaded_at.desc()).limit(limit)
    if step is not None:
        query = query.where(PressKitFile.step_id == step.id)
    elif campaign is not None:
        query = query.where(PressKitFile.campaign_id == campaign.id,
                            PressKitFile.step_id.is_(None))
    return list(db.session.scalars(query.options(joinedload(PressKitFile.step))))


@cache
def _step_kit() -> sa.Select:
    """A step's press kit, built once per process (building and keying the statement cost
    more than running it). Without a join: the caller holds the step, the session too."""
    return (sa.select(PressKitFile).where(PressKitFile.step_id == sa.bindparam("step_id"))
            .order_by(PressKitFile.uploaded_at.desc()))
