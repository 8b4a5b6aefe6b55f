"""The mails of the press space: queued by the services in their transaction (a few columns),
composed by the worker (text, HTML and, for invitations, the iTIP calendar file)."""

from __future__ import annotations

from email.message import EmailMessage

import sqlalchemy as sa
from flask import render_template

from app import mail
from app.calendar import ical
from app.campaigns.models import Campaign, Step
from app.campaigns.notices import snapshot_when
from app.extensions import db
from app.press.models import PressAccreditation, PressFollow
from app.urls import absolute_url

INVITATION_SUBJECTS = {
    "scheduled": "Invitation presse",
    "moved": "Changement de date, d’horaire ou de lieu",
    "unscheduled": "Report à une date à préciser",
    "cancelled": "Annulation",
    "followed": "Invitation presse",
    "resent": "Invitation presse (rappel)",
    "unfollowed": "Vous ne suivez plus",
}
CONFIRMATION = "Votre accréditation presse est enregistrée"
MANAGE_LINK = "Gérer votre accréditation presse"


def manage_url(accreditation: PressAccreditation) -> str:
    return absolute_url("press.manage_accreditation", token=accreditation.token)


# ---------------------------------------------------------------- queued by the services


def invitation(follow: PressFollow, change: str, previous: dict | None = None
               ) -> mail.OutboundMail | None:
    """The step's invitation (or its cancellation) for one journalist; None for a step not
    yet in their calendar. Ids in the parameters: the follow may be deleted meanwhile (a
    step no longer followed). ``previous``: the former date (notices.schedule_snapshot)."""
    step, person = follow.step, follow.accreditation
    if step.day is None and change != "unscheduled":
        return None
    extra = {"previous": previous} if previous and previous.get("day") and \
        change in ("moved", "unscheduled") else {}
    return mail.queue_notification(
        f"press.{change}", person.email, f"{INVITATION_SUBJECTS[change]} : {step.title}",
        ("press_follow", follow.id), accreditation=person.id, step=step.id, **extra)


def confirmation(accreditation: PressAccreditation, steps: list[Step],
                 campaigns: list[Campaign]) -> mail.OutboundMail:
    return mail.queue_notification(
        "press.confirmation", accreditation.email, CONFIRMATION,
        ("press_accreditation", accreditation.id), steps=[step.id for step in steps],
        campaigns=[campaign.id for campaign in campaigns])


def manage_link(accreditation: PressAccreditation) -> mail.OutboundMail:
    return mail.queue_notification("press.manage_link", accreditation.email, MANAGE_LINK,
                                   ("press_accreditation", accreditation.id))


# ---------------------------------------------------------------- composed by the worker


def compose(queued: mail.OutboundMail) -> EmailMessage | None:
    kind = queued.purpose.partition(".")[2]
    params = queued.params or {}
    person = db.session.get(PressAccreditation,
                            params.get("accreditation", queued.related_id))
    if person is None:  # withdrawn since: their data is gone, and so is the mail
        return None
    if kind == "manage_link":
        text = render_template("press/mail/manage_link.txt", person=person,
                               manage_url=manage_url(person))
        return mail.compose(person.email, queued.subject, text)
    if kind == "confirmation":
        text = render_template(
            "press/mail/confirmation.txt", person=person, manage_url=manage_url(person),
            steps=_in_order(Step, params["steps"]), campaigns=_in_order(Campaign,
                                                                        params["campaigns"]))
        return mail.compose(person.email, queued.subject, text)
    step = db.session.get(Step, params["step"])
    if step is None:
        return None
    body, method = ical.invitation(step, person.name, person.email,
                                   withdrawn=kind == "unfollowed")
    text = render_template("press/mail/invitation.txt", step=step, person=person, change=kind,
                           previous_when=snapshot_when(params.get("previous")),
                           step_url=absolute_url("campaigns.step_page", step_id=step.id),
                           manage_url=manage_url(person))
    return mail.compose(person.email, queued.subject, text, invitation=(body, method))


def _in_order(model, ids: list[int]) -> list:
    found = {row.id: row for row in db.session.scalars(
        sa.select(model).where(model.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]
