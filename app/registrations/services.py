"""Registration rules and transactions: register, modify, cancel, promote, approve, check in.

Every change of seats happens with the step's row locked (``lock_row_for_update``), so two
registrations, or a cancellation and a registration, never see the same free seat: no
overbooking, even under a rush. Mails are queued in the same transaction and sent after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from io import BytesIO
from typing import Any

import segno
import sqlalchemy as sa
from flask import render_template
from sqlalchemy.exc import IntegrityError

from app import audit, mail
from app.accounts.models import Role, User, user_territory
from app.calendar import ical
from app.campaigns.models import Step, StepStatus
from app.campaigns.signals import step_calendar_changed, step_capacity_changed
from app.clock import now, today
from app.database import lock_row_for_update
from app.extensions import db
from app.policy import territory_chain
from app.registrations import seats, tokens
from app.registrations.models import (
    ACTIVE_STATUSES,
    Registration,
    RegistrationQuestion,
    RegistrationStatus,
)
from app.urls import absolute_url

SEAT_ALERTS = (50, 80, 100)
EDITABLE_FIELDS = ("first_name", "last_name", "phone", "organisation", "departement_id",
                   "workshop_id", "accessibility_needs")


class RegistrationError(ValueError):
    """The message is for the person registering."""


class AlreadyRegisteredError(RegistrationError):
    def __init__(self, existing: Registration) -> None:
        super().__init__("Vous êtes déjà inscrit(e) à cette étape avec cette adresse "
                         "électronique.")
        self.existing = existing


def closed_reason(step: Step) -> str | None:
    """Why registrations are not open for this step right now, or None."""
    if step.status is StepStatus.CANCELLED:
        return "Cette étape est annulée : les inscriptions sont fermées."
    if step.status is not StepStatus.PUBLISHED or (step.day and step.day < today()):
        return "Cette étape a eu lieu : les inscriptions sont closes."
    moment = now()
    if step.registration_opens_at and moment < step.registration_opens_at:
        return "Les inscriptions ne sont pas encore ouvertes pour cette étape."
    if step.registration_closes_at and moment > step.registration_closes_at:
        return "Les inscriptions sont closes pour cette étape."
    return None


def questions(step: Step) -> list[RegistrationQuestion]:
    return list(db.session.scalars(sa.select(RegistrationQuestion)
                                   .where(RegistrationQuestion.step_id == step.id)
                                   .order_by(RegistrationQuestion.position,
                                             RegistrationQuestion.id)))


def active_registration(step_id: int, email: str) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(
        Registration.step_id == step_id, Registration.email == email.strip().lower(),
        Registration.status.in_(ACTIVE_STATUSES)))


def by_uuid(registration_uuid: str) -> Registration | None:
    return db.session.scalar(sa.select(Registration)
                             .where(Registration.uuid == registration_uuid))


def manage_url(registration: Registration) -> str:
    return absolute_url("registrations.manage", token=tokens.make(registration.uuid))


def check_in_url(registration: Registration) -> str:
    return absolute_url("manage_registrations.check_in_by_code",
                        token=tokens.make(registration.uuid, tokens.CHECK_IN_SALT))


def qr_code(url: str, kind: str = "png") -> bytes:
    """The check-in code, as PNG (mail attachment) or SVG (management page)."""
    buffer = BytesIO()
    segno.make(url, error="m").save(buffer, kind=kind, scale=6, border=2)
    return buffer.getvalue()


def _queue_to_person(registration: Registration, kind: str, subject: str,
                     **context: Any) -> mail.OutboundMail:
    """A mail to the registrant: with the invitation when they hold a seat."""
    step = registration.step
    invitation = attachments = None
    confirmed = registration.status is RegistrationStatus.CONFIRMED
    # Waitlisted people get the invitation too, to keep the date free; the mail says the seat
    # is not theirs yet. A cancellation withdraws it from their calendar.
    holds_date = registration.status in (RegistrationStatus.CONFIRMED,
                                         RegistrationStatus.WAITLISTED)
    if step.day is not None and (holds_date or kind in ("cancelled", "step_cancelled")):
        invitation = ical.invitation(step, registration.full_name, registration.email,
                                     withdrawn=not holds_date)
    if confirmed and kind in ("confirmed", "promoted", "approved"):
        attachments = [(qr_code(check_in_url(registration)), "image/png",
                        "code-accueil.png")]
    template = "confirmed" if kind == "approved" else kind
    text = render_template(f"registrations/mail/{template}.txt", registration=registration,
                           step=step, manage_url=manage_url(registration),
                           step_url=absolute_url("campaigns.step_page", step_id=step.id),
                           **context)
    message = mail.compose(registration.email, f"{subject} : {step.title}", text,
                           invitation=invitation, attachments=attachments or [])
    return mail.queue(message, f"registration.{kind}", related=("registration",
                                                                 registration.id))


def _deliver(queued: Iterable[mail.OutboundMail]) -> None:
    ids = [item.id for item in queued]
    if ids:
        mail.send_pending(ids)


def _organisers_of(step: Step) -> list[User]:
    chain = [territory.id for territory in territory_chain(step.territory)]
    # Ids in a subquery: an organiser holding several territories of the chain comes once,
    # without a SELECT DISTINCT over every column of the account.
    assigned = sa.select(user_territory.c.user_id).where(
        user_territory.c.territory_id.in_(chain))
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.ORGANISER, User.active.is_(True), User.id.in_(assigned))
        .order_by(User.id)))


def _record_seat_alerts(step: Step, counts: dict[str, int]) -> int | None:
    """The highest fill threshold (50, 80, 100 %) newly reached, recorded so that organisers
    are told once; None if none (call with the step locked)."""
    if not step.capacity:
        return None
    filled = 100 * sum(counts.values()) / step.capacity
    reached = [level for level in SEAT_ALERTS
               if filled >= level and level not in (step.seat_alerts_sent or [])]
    if not reached:
        return None
    step.seat_alerts_sent = [*(step.seat_alerts_sent or []), *reached]
    return max(reached)


def _queue_seat_alert(step: Step, level: int | None, taken: int) -> list[mail.OutboundMail]:
    if level is None:
        return []
    text = render_template("registrations/mail/seat_alert.txt", step=step, level=level,
                           taken=taken,
                           list_url=absolute_url("manage_registrations.registrations",
                                                 step_id=step.id))
    return [mail.queue(mail.compose(user.email, f"Étape remplie à {level} % : {step.title}",
                                    text), "registration.seat_alert",
                       related=("step", step.id))
            for user in _organisers_of(step)]


def register(step: Step, values: dict[str, Any], answers: dict[str, str]) -> Registration:
    """Register someone: a seat if one is free for their category, else the waiting list
    (or approval first, on steps that require it). Raises RegistrationError."""
    reason = closed_reason(step)
    if reason:
        raise RegistrationError(reason)
    lock_row_for_update(db.session, Step.__table__, step.id)
    existing = active_registration(step.id, values["email"])
    if existing is not None:
        db.session.rollback()
        raise AlreadyRegisteredError(existing)
    db.session.refresh(step)
    counts = seats.confirmed_counts(step.id)
    if step.requires_approval:
        status = RegistrationStatus.PENDING
    elif seats.has_seat(step, values["category"], counts):
        status = RegistrationStatus.CONFIRMED
        counts[values["category"]] = counts.get(values["category"], 0) + 1
    else:
        status = RegistrationStatus.WAITLISTED
    registration = Registration(step=step, status=status, answers=answers,
                                consented_at=now(), **values)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:  # the same person, twice at the same instant
        db.session.rollback()
        raise AlreadyRegisteredError(active_registration(step.id, values["email"])) from None
    alert = _record_seat_alerts(step, counts)
    # Release the step's lock at once: mails are composed and queued just after.
    db.session.commit()
    subject = {"confirmed": "Inscription confirmée", "waitlisted": "Inscription en liste "
               "d’attente", "pending": "Demande d’inscription reçue"}[status.value]
    queued = [_queue_to_person(registration, status.value, subject,
                               position=seats.waitlist_position(registration)
                               if status is RegistrationStatus.WAITLISTED else None)]
    queued += _queue_seat_alert(step, alert, sum(counts.values()))
    db.session.commit()
    _deliver(queued)
    return registration


def modify(registration: Registration, values: dict[str, Any], user: User | None = None
           ) -> None:
    """Change what does not affect seats (names, contact, workshop, needs)."""
    if not registration.is_active:
        raise RegistrationError("Cette inscription est annulée : elle ne peut plus être "
                                "modifiée.")
    for field in EDITABLE_FIELDS:
        if field in values:
            setattr(registration, field, values[field])
    if user is not None:
        audit.record("registration.edit", registration, "Inscription modifiée", user=user)
    db.session.commit()


def promote_from_waitlist(step: Step) -> list[Registration]:
    """Give free seats to the waiting list, first come first served (call with the step
    locked)."""
    counts = seats.confirmed_counts(step.id)
    promoted = []
    waiting = db.session.scalars(
        sa.select(Registration).where(Registration.step_id == step.id,
                                      Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.created_at, Registration.id))
    for candidate in waiting:
        if seats.seats_left(step, counts) == 0:
            break
        if seats.has_seat(step, candidate.category, counts):
            candidate.status = RegistrationStatus.CONFIRMED
            counts[candidate.category] = counts.get(candidate.category, 0) + 1
            promoted.append(candidate)
    return promoted


@step_capacity_changed.connect
def promote_after_capacity_change(step: Step) -> list[Registration]:
    """More seats: the waiting list moves up at once."""
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(step)
    promoted = promote_from_waitlist(step)
    db.session.commit()
    queued = [_queue_to_person(person, "promoted", "Une place s’est libérée")
              for person in promoted]
    db.session.commit()
    _deliver(queued)
    return promoted


def cancel(registration: Registration, user: User | None = None) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the waiting list. Returns who was promoted."""
    step = registration.step
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(registration)
    if not registration.is_active:
        db.session.rollback()
        raise RegistrationError("Cette inscription est déjà annulée.")
    had_seat = registration.status is RegistrationStatus.CONFIRMED
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, now()
    db.session.flush()
    promoted = promote_from_waitlist(step) if had_seat else []
    audit.record("registration.cancel", registration,
                 f"Inscription annulée{' par un organisateur' if user else ''}", user=user)
    db.session.commit()  # seats settled; the step's lock is released before mails are built
    queued = [_queue_to_person(registration, "cancelled", "Inscription annulée",
                               had_seat=had_seat)]
    queued += [_queue_to_person(person, "promoted", "Une place s’est libérée")
               for person in promoted]
    db.session.commit()
    _deliver(queued)
    return promoted


def decide(registration: Registration, approve: bool, user: User) -> None:
    """An organiser approves (a seat, or the waiting list if full) or rejects a request."""
    step = registration.step
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(registration)
    if registration.status is not RegistrationStatus.PENDING:
        db.session.rollback()
        raise RegistrationError("Cette demande a déjà été traitée.")
    counts = seats.confirmed_counts(step.id)
    if not approve:
        registration.status, kind, subject = (RegistrationStatus.REJECTED, "rejected",
                                              "Demande d’inscription refusée")
    elif seats.has_seat(step, registration.category, counts):
        registration.status, kind, subject = (RegistrationStatus.CONFIRMED, "approved",
                                              "Inscription confirmée")
        counts[registration.category] = counts.get(registration.category, 0) + 1
    else:
        registration.status, kind, subject = (RegistrationStatus.WAITLISTED, "waitlisted",
                                              "Inscription en liste d’attente")
    alert = _record_seat_alerts(step, counts)
    audit.record(f"registration.{kind}", registration, subject, user=user)
    db.session.commit()
    queued = [_queue_to_person(registration, kind, subject,
                               position=seats.waitlist_position(registration))]
    queued += _queue_seat_alert(step, alert, sum(counts.values()))
    db.session.commit()
    _deliver(queued)


def set_checked_in(registration: Registration, present: bool, user: User) -> None:
    registration.checked_in_at = now() if present else None
    # The registration's number, not the person's name: the audit log is never purged.
    audit.record("registration.check_in" if present else "registration.check_out",
                 registration, "Présence enregistrée" if present else "Présence retirée",
                 user=user)
    db.session.commit()


def send_manage_link(step: Step, email: str) -> None:
    """Mail the management link to the address, if it holds an active registration (the
    answer on screen is the same either way, so nobody learns who registered)."""
    registration = active_registration(step.id, email)
    if registration is None:
        return
    queued = _queue_to_person(registration, "manage_link", "Votre lien d’inscription")
    db.session.commit()
    _deliver([queued])


def message_all(step: Step, subject: str, body: str, user: User) -> int:
    """A message from the organisers to every active registrant of the step."""
    registrations = db.session.scalars(sa.select(Registration).where(
        Registration.step_id == step.id, Registration.status.in_(ACTIVE_STATUSES)))
    queued = [_queue_to_person(registration, "organiser_message", subject, body=body)
              for registration in registrations]
    audit.record("registration.message", step, f"Message aux inscrits : {subject}", user=user)
    db.session.commit()
    _deliver(queued)
    return len(queued)


@step_calendar_changed.connect
def notify_registrants(step: Step, change: str) -> None:
    """Registrants learn of a moved, postponed or cancelled step, with the updated invitation."""
    kind = "step_cancelled" if change == "cancelled" else "step_changed"
    subject = {"cancelled": "Étape annulée", "unscheduled": "Étape reportée",
               "scheduled": "Date de l’étape fixée"}.get(change, "Changement de date ou de lieu")
    registrations = db.session.scalars(sa.select(Registration).where(
        Registration.step_id == step.id, Registration.status.in_(ACTIVE_STATUSES)))
    queued = [_queue_to_person(registration, kind, subject, change=change)
              for registration in registrations]
    db.session.commit()
    _deliver(queued)


def send_reminders() -> int:
    """The day before a step, a reminder to each confirmed registrant (once)."""
    from datetime import timedelta

    tomorrow = today() + timedelta(days=1)
    registrations = list(db.session.scalars(
        sa.select(Registration).join(Step).where(
            Step.day == tomorrow, Step.status == StepStatus.PUBLISHED,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.reminder_sent_at.is_(None))))
    queued = []
    for registration in registrations:
        queued.append(_queue_to_person(registration, "reminder", "Rappel : c’est demain"))
        registration.reminder_sent_at = now()
    db.session.commit()
    _deliver(queued)
    return len(queued)


def anonymise(registration: Registration) -> None:
    """Blank a registration's personal fields (the caller commits). Status, category,
    département and presence stay, so the counts by category survive. A fresh uuid cuts every
    link sent to the person (management, check-in code): they now say the registration is
    gone."""
    registration.first_name = registration.last_name = ""
    registration.email = f"anonyme-{registration.id}"
    registration.phone = registration.organisation = registration.accessibility_needs = ""
    registration.answers = {}
    registration.uuid = str(uuid.uuid4())
    registration.anonymised_at = now()
