"""Press rules: accreditations, follows, invitations on every calendar change, press kits."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from app import audit, mail
from app.accounts.models import User
from app.calendar import ical
from app.campaigns.models import Campaign, Step, StepStatus
from app.campaigns.signals import step_calendar_changed
from app.extensions import db
from app.press import files
from app.press.models import PressAccreditation, PressFollow, PressKitFile
from app.urls import absolute_url

SUBJECTS = {
    "scheduled": "Invitation presse",
    "moved": "Changement de date, d’horaire ou de lieu",
    "unscheduled": "Report à une date à préciser",
    "cancelled": "Annulation",
    "followed": "Invitation presse",
    "resent": "Invitation presse (rappel)",
    "unfollowed": "Vous ne suivez plus",
}


def followable_steps() -> list[Step]:
    """Public steps a journalist may follow: not held, not cancelled."""
    return list(db.session.scalars(
        sa.select(Step).where(Step.status == StepStatus.PUBLISHED)
        .options(joinedload(Step.territory), joinedload(Step.campaign))
        .order_by(Step.campaign_id, Step.day.is_(None), Step.day, Step.id)).unique())


def by_email(email: str) -> PressAccreditation | None:
    return db.session.scalar(sa.select(PressAccreditation)
                             .where(PressAccreditation.email == email.strip().lower()))


def by_token(token: str) -> PressAccreditation | None:
    return db.session.scalar(sa.select(PressAccreditation)
                             .where(PressAccreditation.token == token)
                             .options(selectinload(PressAccreditation.follows)))


def _manage_url(accreditation: PressAccreditation) -> str:
    return absolute_url("press.manage_accreditation", token=accreditation.token)


def _queue_invitation(follow: PressFollow, change: str) -> mail.OutboundMail | None:
    """The step's iTIP invitation (or cancellation) for one journalist."""
    step, person = follow.step, follow.accreditation
    if step.day is None and change != "unscheduled":
        return None  # nothing in their calendar yet, nothing to put there
    body, method = ical.invitation(step, person.name, person.email,
                                   withdrawn=change == "unfollowed")
    text = render_template("press/mail/invitation.txt", step=step, person=person,
                           change=change, step_url=absolute_url("campaigns.step_page",
                                                                step_id=step.id),
                           manage_url=_manage_url(person))
    message = mail.compose(person.email, f"{SUBJECTS[change]} : {step.title}", text,
                           invitation=(body, method))
    return mail.queue(message, f"press.{change}", related=("press_follow", follow.id))


def _deliver(mails: Iterable[mail.OutboundMail | None]) -> None:
    ids = [m.id for m in mails if m is not None]
    if ids:
        mail.send_pending(ids)


def accredit(values: dict, step_ids: list[int]) -> PressAccreditation:
    """Register a new journalist, following ``step_ids``; confirmation and invitations sent."""
    accreditation = PressAccreditation(name=values["name"], outlet=values["outlet"],
                                       email=values["email"], phone=values.get("phone") or "")
    db.session.add(accreditation)
    follows = [PressFollow(accreditation=accreditation, step_id=step_id) for step_id in step_ids]
    db.session.add_all(follows)
    db.session.flush()
    audit.record("press.accredit", accreditation,
                 f"Accréditation presse : {accreditation.outlet}")
    confirmation = mail.compose(
        accreditation.email, "Votre accréditation presse est enregistrée",
        render_template("press/mail/confirmation.txt", person=accreditation,
                        steps=[f.step for f in follows], manage_url=_manage_url(accreditation)))
    queued = [mail.queue(confirmation, "press.confirmation",
                         related=("press_accreditation", accreditation.id))]
    queued += [_queue_invitation(follow, "followed") for follow in follows]
    db.session.commit()
    _deliver(queued)
    return accreditation


def send_manage_link(accreditation: PressAccreditation) -> None:
    """For someone already accredited who fills the form again."""
    message = mail.compose(accreditation.email, "Gérer votre accréditation presse",
                           render_template("press/mail/manage_link.txt", person=accreditation,
                                           manage_url=_manage_url(accreditation)))
    queued = mail.queue(message, "press.manage_link",
                        related=("press_accreditation", accreditation.id))
    db.session.commit()
    _deliver([queued])


def update_follows(accreditation: PressAccreditation, step_ids: list[int]) -> None:
    """Follow exactly ``step_ids``: invitations for new ones, cancellations for dropped ones."""
    current = {follow.step_id: follow for follow in accreditation.follows}
    wanted = set(step_ids)
    added = [PressFollow(accreditation=accreditation, step_id=step_id)
             for step_id in wanted - current.keys()]
    db.session.add_all(added)
    db.session.flush()
    queued = [_queue_invitation(follow, "followed") for follow in added]
    for step_id in current.keys() - wanted:
        queued.append(_queue_invitation(current[step_id], "unfollowed"))
        db.session.delete(current[step_id])
    audit.record("press.follows", accreditation, "Étapes suivies mises à jour")
    db.session.commit()
    _deliver(queued)


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
    queued = [_queue_invitation(follow, "resent") for follow in follows]
    for follow in follows:
        audit.record("press.resend", follow.step,
                     # No address here: the audit log outlives accreditations.
                     f"Invitation renvoyée (accréditation n° {follow.accreditation_id})",
                     user=user)
    db.session.commit()
    _deliver(queued)
    return sum(1 for m in queued if m is not None)


@step_calendar_changed.connect
def notify_followers(step: Step, change: str) -> None:
    """Every journalist following the step gets the updated invitation (same UID, higher
    SEQUENCE), or its cancellation."""
    queued = [_queue_invitation(follow, change) for follow in followers(step)]
    db.session.commit()
    _deliver(queued)


def add_kit_file(campaign: Campaign, step: Step | None, title: str, upload: FileStorage,
                 user: User | None) -> PressKitFile:
    """Store a checked press-kit file (raises files.RejectedFileError with a French message)."""
    stored_name, content_type, size = files.store(upload)
    kit_file = PressKitFile(campaign=campaign, step=step, title=title,
                            original_name=files.clean_filename(upload.filename or "document"),
                            stored_name=stored_name, content_type=content_type, size=size,
                            uploaded_by=user)
    db.session.add(kit_file)
    audit.record("press.kit_add", kit_file, f"Dossier de presse : {title}", user=user)
    db.session.commit()
    return kit_file


def remove_kit_file(kit_file: PressKitFile, user: User | None) -> None:
    audit.record("press.kit_remove", kit_file, f"Retrait du dossier de presse : {kit_file.title}",
                 user=user)
    db.session.delete(kit_file)
    db.session.commit()
    files.remove(kit_file.stored_name)


def kit_files(campaign: Campaign | None = None, step: Step | None = None) -> list[PressKitFile]:
    query = sa.select(PressKitFile).order_by(PressKitFile.uploaded_at.desc())
    if step is not None:
        query = query.where(PressKitFile.step_id == step.id)
    elif campaign is not None:
        query = query.where(PressKitFile.campaign_id == campaign.id,
                            PressKitFile.step_id.is_(None))
    return list(db.session.scalars(query.options(joinedload(PressKitFile.step))))
