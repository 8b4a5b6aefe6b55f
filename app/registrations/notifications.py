"""The mails of registrations: queued by the services in their transaction (a few columns),
composed by the worker (text, HTML, calendar invitation, check-in QR code)."""

from __future__ import annotations

from email.message import EmailMessage
from io import BytesIO
from typing import Any

import segno
from flask import render_template

from app import mail
from app.calendar import ical
from app.campaigns.models import Step
from app.campaigns.notices import snapshot_when
from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from app.urls import absolute_url

SUBJECTS = {
    "confirmed": "Inscription confirmée", "approved": "Inscription confirmée",
    "waitlisted": "Inscription en liste d’attente", "pending": "Demande d’inscription reçue",
    "rejected": "Demande d’inscription refusée", "promoted": "Une place s’est libérée",
    "cancelled": "Inscription annulée", "manage_link": "Votre lien d’inscription",
    "reminder": "Rappel : c’est demain", "step_cancelled": "Étape annulée",
}
STEP_CHANGES = {"cancelled": "Étape annulée", "unscheduled": "Étape reportée",
                "scheduled": "Date de l’étape fixée"}
WITH_CHECK_IN_CODE = ("confirmed", "promoted", "approved")


def manage_url(registration: Registration) -> str:
    return absolute_url("registrations.manage", token=tokens.make(registration.uuid))


def check_in_url(registration: Registration) -> str:
    return absolute_url("manage_registrations.check_in_by_code",
                        token=tokens.make(registration.uuid, tokens.CHECK_IN_SALT))


def qr_code(url: str, kind: str = "png") -> bytes:
    """The check-in code, as PNG (mail attachment) or SVG (management page). One fixed mask:
    each of the eight is valid and reads alike; trying them all, to pick the most even,
    cost six times as much (8 ms of the worker's 22 per mail)."""
    buffer = BytesIO()
    segno.make(url, error="m", mask=0).save(buffer, kind=kind, scale=6, border=2)
    return buffer.getvalue()


# ---------------------------------------------------------------- queued by the services


def to_registrant(registration: Registration, kind: str, subject: str | None = None,
                  **context: Any) -> mail.OutboundMail | None:
    """A mail to the registrant about their registration, as it stands now (its status is
    kept: the worker may compose it after a later change). None for a walk-in who gave no
    address at the desk."""
    if not registration.email:
        return None
    subject = subject or SUBJECTS[kind]
    return mail.queue_notification(
        f"registration.{kind}", registration.email, f"{subject} : {registration.step.title}",
        ("registration", registration.id), status=registration.status.value,
        headline=subject, **context)


def step_change(registration: Registration, change: str, previous: dict | None = None
                ) -> mail.OutboundMail | None:
    """``previous``: the former date (notices.schedule_snapshot), when the date changed."""
    kind = "step_cancelled" if change == "cancelled" else "step_changed"
    # Only a date is worth recalling (« date à venir » before it says nothing).
    extra = {"previous": previous} if previous and previous.get("day") and \
        kind == "step_changed" else {}
    return to_registrant(registration, kind,
                         STEP_CHANGES.get(change, "Changement de date ou de lieu"),
                         change=change, **extra)


def seat_alert(step: Step, level: int, taken: int, organisers: list) -> list[mail.OutboundMail]:
    subject = f"Étape remplie à {level} % : {step.title}"
    return [mail.queue_notification("registration.seat_alert", user.email, subject,
                                    ("step", step.id), level=level, taken=taken)
            for user in organisers]


# ---------------------------------------------------------------- composed by the worker


def compose(queued: mail.OutboundMail) -> EmailMessage | None:
    kind = queued.purpose.partition(".")[2]
    params = dict(queued.params or {})
    if kind == "seat_alert":
        step = db.session.get(Step, queued.related_id)
        if step is None:
            return None
        text = render_template("registrations/mail/seat_alert.txt", step=step,
                               list_url=absolute_url("manage_registrations.registrations",
                                                     step_id=step.id), **params)
        return mail.compose(queued.recipient, queued.subject, text)
    registration = db.session.get(Registration, queued.related_id)
    if registration is None or registration.anonymised_at is not None:
        return None
    if kind == "step_changed":
        params["previous_when"] = snapshot_when(params.pop("previous", None))
    return _to_registrant(registration, kind, RegistrationStatus(params.pop("status")),
                          params.pop("headline"), params)


def _to_registrant(registration: Registration, kind: str, status: RegistrationStatus,
                   subject: str, context: dict[str, Any]) -> EmailMessage:
    """With the invitation when they hold the date, and the check-in code with a seat."""
    step = registration.step
    invitation = attachments = None
    # Waitlisted people get the invitation too, to keep the date free; the mail says the seat
    # is not theirs yet. A cancellation withdraws it from their calendar.
    holds_date = status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    if step.day is not None and (holds_date or kind in ("cancelled", "step_cancelled")):
        invitation = ical.invitation(step, registration.full_name, registration.email,
                                     withdrawn=not holds_date)
    if status is RegistrationStatus.CONFIRMED and kind in WITH_CHECK_IN_CODE:
        attachments = [(qr_code(check_in_url(registration)), "image/png",
                        "code-accueil.png")]
    template = "confirmed" if kind == "approved" else kind
    text = render_template(f"registrations/mail/{template}.txt", registration=registration,
                           step=step, manage_url=manage_url(registration),
                           step_url=absolute_url("campaigns.step_page", step_id=step.id),
                           **context)
    return mail.compose(registration.email, f"{subject} : {step.title}", text,
                        invitation=invitation, attachments=attachments or [])
