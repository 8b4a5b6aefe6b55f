"""Registration rules and transactions: register, modify, cancel, promote, approve, check in.

Every change of seats happens with the step's row locked (``lock_row_for_update``), so two
registrations, or a cancellation and a registration, never see the same free seat: no
overbooking, even under a rush. Each action is one transaction: the change and the mails that
tell about it (app.registrations.notifications) commit together, and a worker sends them.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import Role, User, user_territory
from app.campaigns.models import Step, StepStatus
from app.campaigns.signals import (
    step_calendar_changed,
    step_capacity_changed,
    step_recipients_counted,
)
from app.clock import now, today
from app.database import lock_row_for_update
from app.errors import abort_with
from app.extensions import db
from app.registrations import notifications, seats, tokens
from app.registrations.models import (
    ACTIVE_STATUSES,
    Registration,
    RegistrationQuestion,
    RegistrationStatus,
)
from app.territories.queries import territory_chain

SEAT_ALERTS = (50, 80, 100)
# What the seat rules read of a step, read again once its row is locked (the rest of the
# step, its programme and questions, need not be reloaded).
SEAT_STATE = ("capacity", "online_capacity", "format", "category_quotas", "requires_approval",
              "seat_alerts_sent")
EDITABLE_FIELDS = ("first_name", "last_name", "phone", "organisation", "departement_id",
                   "workshop_id", "accessibility_needs")


class RegistrationError(ValueError):
    """The message is for the person registering."""


class FullError(RegistrationError):
    """No free seat: a promotion by hand goes over capacity only once confirmed."""


class AlreadyRegisteredError(RegistrationError):
    def __init__(self, existing: Registration | None) -> None:
        super().__init__("Vous êtes déjà inscrit(e) à cette étape avec cette adresse "
                         "électronique.")
        self.existing = existing


def closed_reason(step: Step) -> str | None:
    """Why registrations are not open for this step right now, or None."""
    if step.status is StepStatus.CANCELLED:
        return "Cette étape est annulée : les inscriptions sont fermées."
    if not step.is_public or step.is_held(today()):  # a draft is not open either
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


def registration_from_token(token: str) -> Registration:
    """The registration a management link designates, or a 403 page that says why (the link
    is the person's only credential: the registration's pages and the privacy ones ask it)."""
    try:
        registration_uuid = tokens.read(token)
    except tokens.TokenError as error:
        abort_with(403, str(error))
    registration = by_uuid(registration_uuid)
    if registration is None:
        abort_with(403, "Cette inscription n’existe plus (elle a pu être effacée à votre "
                        "demande).")
    return registration


def _organisers_of(step: Step) -> list[User]:
    chain = [territory.id for territory in territory_chain(step.territory)]
    # Ids in a subquery: an organiser holding several territories of the chain comes once,
    # without a SELECT DISTINCT over every column of the account.
    assigned = sa.select(user_territory.c.user_id).where(
        user_territory.c.territory_id.in_(chain))
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.ORGANISER, User.active.is_(True), User.id.in_(assigned))
        .order_by(User.id)))


def _record_seat_alerts(step: Step, taken: int | None) -> tuple[int | None, int]:
    """The highest fill threshold (50, 80, 100 %) of all the step's seats newly reached,
    recorded so that organisers are told once, None if none; and the seats taken, counted
    here unless the caller knows them (call with the step locked)."""
    capacity = seats.total_capacity(step)
    if not capacity:
        return None, taken or 0
    if taken is None:
        taken = sum(seats.confirmed_counts(step.id).values())
    filled = 100 * taken / capacity
    reached = [level for level in SEAT_ALERTS
               if filled >= level and level not in (step.seat_alerts_sent or [])]
    if not reached:
        return None, taken
    step.seat_alerts_sent = [*(step.seat_alerts_sent or []), *reached]
    return max(reached), taken


def _queue_seat_alert(step: Step, taken: int | None = None) -> None:
    level, taken = _record_seat_alerts(step, taken)
    if level is not None:
        notifications.seat_alert(step, level, taken, _organisers_of(step))


def register(step: Step, values: dict[str, Any], answers: dict[str, str]) -> Registration:
    """Register someone: a seat if one is free for their category, else the waiting list
    (or approval first, on steps that require it). Raises RegistrationError."""
    reason = closed_reason(step)
    if reason:
        raise RegistrationError(reason)
    # Before the lock, which serialises a step's registrations: the same person twice at the
    # same instant is settled by the unique index below.
    existing = active_registration(step.id, values["email"])
    if existing is not None:
        db.session.rollback()
        raise AlreadyRegisteredError(existing)
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(step, SEAT_STATE)
    pool = seats.pool_of(step, values.get("attendance"))
    values = {**values, "attendance": pool}
    counts = seats.confirmed_counts(step.id, pool)
    if step.requires_approval:
        status = RegistrationStatus.PENDING
    elif seats.has_seat(step, values["category"], counts, pool):
        status = RegistrationStatus.CONFIRMED
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
    notifications.to_registrant(registration, status.value,
                                position=seats.waitlist_position(registration)
                                if status is RegistrationStatus.WAITLISTED else None)
    # The rush's path: one pool, its count already known, no second query under the lock.
    taken = (sum(counts.values()) + (status is RegistrationStatus.CONFIRMED)
             if pool is None else None)
    _queue_seat_alert(step, taken)
    db.session.commit()  # the seat and its mails together; the worker writes and sends them
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
    """Give free seats to each waiting list, in its order (``seats.WAITING_ORDER``), a person
    whose category has no seat left waiting while the next one may pass (call with the step
    locked)."""
    promoted = []
    for pool in seats.pools(step):
        counts = seats.confirmed_counts(step.id, pool)
        for candidate in seats.waiting_list(step, pool):
            if seats.seats_left(step, counts, pool) == 0:
                break
            if seats.has_seat(step, candidate.category, counts, pool):
                candidate.move_to(RegistrationStatus.CONFIRMED)
                counts[candidate.category] = counts.get(candidate.category, 0) + 1
                promoted.append(candidate)
    return promoted


def promote_by_hand(registration: Registration, user: User, over_capacity: bool = False
                    ) -> None:
    """An organiser gives a seat to someone on the waiting list, whatever their position.
    Without a free seat, raises FullError unless ``over_capacity`` confirms going over."""
    step = registration.step
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(step, SEAT_STATE)
    db.session.refresh(registration)
    if registration.status is not RegistrationStatus.WAITLISTED:
        db.session.rollback()
        raise RegistrationError(f"{registration.full_name} n’est plus sur la liste d’attente.")
    pool = seats.pool_of(step, registration.attendance)
    if not over_capacity and not seats.has_seat(
            step, registration.category, seats.confirmed_counts(step.id, pool), pool):
        db.session.rollback()
        raise FullError("Il ne reste aucune place libre"
                        + (f" {pool.label.lower()}" if pool else "") + " pour cette personne.")
    registration.move_to(RegistrationStatus.CONFIRMED)
    audit.record("registration.promote", registration,
                 "Inscription confirmée depuis la liste d’attente par un organisateur"
                 + (" (au-delà de la jauge)" if over_capacity else ""), user=user)
    notifications.to_registrant(registration, "promoted")
    _queue_seat_alert(step)
    db.session.commit()


@step_capacity_changed.connect
def promote_after_capacity_change(step: Step) -> list[Registration]:
    """More seats: the waiting list moves up at once (in the caller's transaction, which
    changed the capacity and commits)."""
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(step, SEAT_STATE)
    promoted = promote_from_waitlist(step)
    for person in promoted:
        notifications.to_registrant(person, "promoted")
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
    registration.move_to(RegistrationStatus.CANCELLED)
    db.session.flush()
    promoted = promote_from_waitlist(step) if had_seat else []
    audit.record("registration.cancel", registration,
                 f"Inscription annulée{' par un organisateur' if user else ''}", user=user)
    notifications.to_registrant(registration, "cancelled", had_seat=had_seat)
    for person in promoted:
        notifications.to_registrant(person, "promoted")
    db.session.commit()
    return promoted


def decide(registration: Registration, approve: bool, user: User) -> None:
    """An organiser approves (a seat, or the waiting list if full) or rejects a request."""
    step = registration.step
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(registration)
    if registration.status is not RegistrationStatus.PENDING:
        db.session.rollback()
        raise RegistrationError("Cette demande a déjà été traitée.")
    db.session.refresh(step, SEAT_STATE)
    pool = seats.pool_of(step, registration.attendance)
    if not approve:
        status, kind, subject = (RegistrationStatus.REJECTED, "rejected",
                                 "Demande d’inscription refusée")
    elif seats.has_seat(step, registration.category, seats.confirmed_counts(step.id, pool),
                        pool):
        status, kind, subject = RegistrationStatus.CONFIRMED, "approved", "Inscription confirmée"
    else:
        status, kind, subject = (RegistrationStatus.WAITLISTED, "waitlisted",
                                 "Inscription en liste d’attente")
    registration.move_to(status)
    audit.record(f"registration.{kind}", registration, subject, user=user)
    notifications.to_registrant(registration, kind,
                                position=seats.waitlist_position(registration))
    _queue_seat_alert(step)
    db.session.commit()


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
    notifications.to_registrant(registration, "manage_link")
    db.session.commit()


def message_all(step: Step, subject: str, body: str, user: User) -> int:
    """A message from the organisers to every active registrant of the step."""
    registrations = db.session.scalars(sa.select(Registration).where(
        Registration.step_id == step.id, Registration.status.in_(ACTIVE_STATUSES)))
    queued = [notifications.to_registrant(registration, "organiser_message", subject, body=body)
              for registration in registrations]
    audit.record("registration.message", step, f"Message aux inscrits : {subject}", user=user)
    db.session.commit()
    return sum(1 for mail_queued in queued if mail_queued)  # walk-ins may have no address


def _told_of_changes(step: Step) -> sa.Select:
    """The registrations told of a change of the step: active, with an address (a walk-in
    may have given none), not anonymised (nobody left to write to)."""
    return sa.select(Registration).where(
        Registration.step_id == step.id, Registration.status.in_(ACTIVE_STATUSES),
        Registration.email != "", Registration.anonymised_at.is_(None))


@step_calendar_changed.connect
def notify_registrants(step: Step, change: str, previous: dict | None = None
                       ) -> tuple[str, int]:
    """Registrants learn of a moved, postponed or cancelled step, with the updated invitation
    and the former date (the caller's transaction, which changed the step, commits the
    mails); how many were queued."""
    queued = [notifications.step_change(registration, change, previous)
              for registration in db.session.scalars(_told_of_changes(step))]
    return "registrants", sum(1 for mail_queued in queued if mail_queued)


@step_recipients_counted.connect
def count_registrants(step: Step, change: str) -> tuple[str, int]:
    """How many notify_registrants would mail now (the same query)."""
    return "registrants", db.session.scalar(
        sa.select(sa.func.count()).select_from(_told_of_changes(step).subquery())) or 0


def send_reminders() -> int:
    """The day before a step, a reminder to each confirmed registrant (once)."""
    from datetime import timedelta

    tomorrow = today() + timedelta(days=1)
    registrations = list(db.session.scalars(
        sa.select(Registration).join(Step).where(
            Step.day == tomorrow, Step.status == StepStatus.PUBLISHED,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.reminder_sent_at.is_(None))))
    for registration in registrations:
        notifications.to_registrant(registration, "reminder")
        registration.reminder_sent_at = now()
    db.session.commit()
    return len(registrations)


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
