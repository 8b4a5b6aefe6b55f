"""Registration to a step, its state, and the organiser's custom questions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.campaigns.models import Challenge, Step
from app.clock import now
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum
from app.territories.models import Territory


class RegistrationStatus(LabelledEnum):
    PENDING = "pending", "En attente de validation"  # waits for an organiser's approval
    CONFIRMED = "confirmed", "Confirmée"             # holds a seat
    WAITLISTED = "waitlisted", "Liste d’attente"     # in line for a seat, in order of registration
    CANCELLED = "cancelled", "Annulée"
    REJECTED = "rejected", "Refusée"


class Attendance(LabelledEnum):
    """How a registrant of a hybrid step attends: each way has its own seats and waiting list."""

    ON_SITE = "on_site", "Sur place"
    ONLINE = "online", "En ligne"


ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
                   RegistrationStatus.WAITLISTED)
_ACTIVE_SQL = "status IN ('pending', 'confirmed', 'waitlisted')"
# Walk-ins registered at the door may give no email: several of them share the empty one.
_UNIQUE_EMAIL_SQL = _ACTIVE_SQL + " AND email <> ''"

# The status a registration may move to from each one (Registration.move_to): an organiser
# decides a request; the waiting list moves up; anyone active may cancel. Cancelled and
# rejected are final (registering again makes a new registration).
TRANSITIONS: dict[RegistrationStatus, frozenset[RegistrationStatus]] = {
    RegistrationStatus.PENDING: frozenset({
        RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
        RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED}),
    RegistrationStatus.WAITLISTED: frozenset({RegistrationStatus.CONFIRMED,
                                              RegistrationStatus.CANCELLED}),
    RegistrationStatus.CONFIRMED: frozenset({RegistrationStatus.CANCELLED}),
    RegistrationStatus.CANCELLED: frozenset(),
    RegistrationStatus.REJECTED: frozenset(),
}


class StatusChangeError(ValueError):
    """A change of status TRANSITIONS forbids: the caller's mistake, the services check the
    status before (the message is French all the same, should it ever reach a page)."""


class Registration(Model):
    __tablename__ = "registration"
    __table_args__ = (
        # One active registration per email and step, whatever the race.
        sa.Index("uq_registration_active_email", "step_id", "email", unique=True,
                 postgresql_where=sa.text(_UNIQUE_EMAIL_SQL),
                 sqlite_where=sa.text(_UNIQUE_EMAIL_SQL)),
        sa.Index("ix_registration_step_status", "step_id", "status", "created_at"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable identity for the management link (never the numeric id).
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True,
                                      default=lambda: str(uuid.uuid4()))
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("step.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    departement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("territory.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(sa.String(40))
    subcategory: Mapped[str] = mapped_column(sa.String(40), default="")
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="SET NULL"))
    accessibility_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    # Hybrid steps only (None elsewhere, and for those registered before the step became
    # hybrid, who count as on site).
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Registered at the check-in desk on the day (migration 0020): counted apart.
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    step: Mapped[Step] = relationship()
    departement: Mapped[Territory | None] = relationship()
    workshop: Mapped[Challenge | None] = relationship()

    @validates("email")
    def _lower_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def move_to(self, status: RegistrationStatus) -> None:
        """Change the status, as TRANSITIONS allows (else StatusChangeError); a cancellation
        is dated. The only way a registration's status changes once it exists."""
        if status not in TRANSITIONS[self.status]:
            raise StatusChangeError(f"Une inscription « {self.status.label} » ne peut pas "
                                    f"passer à « {status.label} ».")
        self.status = status
        if status is RegistrationStatus.CANCELLED:
            self.cancelled_at = now()


class RegistrationQuestion(Model):
    """A question an organiser adds to one step's registration form."""

    __tablename__ = "registration_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("step.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(300))
    required: Mapped[bool] = mapped_column(default=False)
