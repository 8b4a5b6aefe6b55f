"""Campaign, Challenge, Step and AgendaItem."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from app.syntheses.models import StepReport

from app.clock import now
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum
from app.territories.models import Territory


class Campaign(Model):
    """A "démarche de concertation", e.g. CNR santé — Occitanie 2022."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    territory_id: Mapped[int] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # When the syntheses must reach the ministry.
    synthesis_deadline: Mapped[date | None]
    # Online contributions: open to anyone, and held for moderation before publication.
    contributions_open: Mapped[bool] = mapped_column(default=False)
    moderation_required: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    territory: Mapped[Territory] = relationship()
    challenges: Mapped[list[Challenge]] = relationship(
        back_populates="campaign", order_by="Challenge.position", cascade="all, delete-orphan")
    steps: Mapped[list[Step]] = relationship(back_populates="campaign")

    def has_ended(self, today: date) -> bool:
        """Its end date (failing that, the syntheses' deadline) is past."""
        end = self.ends_on or self.synthesis_deadline
        return end is not None and end < today

    def steps_to_come(self, today: date) -> list[Step]:
        """Published steps still ahead: dated today or later, or « date à venir » while the
        démarche has not ended (a 2010 step never dated is no longer to come)."""
        ended = self.has_ended(today)
        return [step for step in self.steps if step.status is StepStatus.PUBLISHED
                and (step.day >= today if step.day is not None else not ended)]

    def is_over(self, today: date) -> bool:
        """Over: no step to come, and its end date is past or its public steps were all held
        or cancelled (a démarche still being prepared, with no public step, is not over)."""
        if self.steps_to_come(today):
            return False
        return self.has_ended(today) or any(step.is_public for step in self.steps)

    def __repr__(self) -> str:
        return f"<Campaign {self.slug}>"


class Challenge(Model):
    """One of a campaign's questions (the four CNR questions, or a campaign's own list)."""

    __tablename__ = "challenge"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "code", name="uq_challenge_campaign_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Words people use for this question (« SAS, urgences, garde… »): shown nowhere, they
    # help suggest it for untagged contributions (app.contributions.question_suggestion).
    keywords: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    campaign: Mapped[Campaign] = relationship(back_populates="challenges")


class StepStatus(LabelledEnum):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publiée"
    CANCELLED = "cancelled", "Annulée"
    HELD = "held", "Tenue"


class StepFormat(LabelledEnum):
    IN_PERSON = "in_person", "En présentiel"
    ONLINE = "online", "En ligne"
    HYBRID = "hybrid", "Hybride (sur place et en ligne)"


class Schedule(LabelledEnum):
    """How precisely a step's date is known."""

    TIMED = "timed", "Date et horaires"  # a day and its start and end times
    DATE_ONLY = "date_only", "Date seule (horaires à venir)"  # a day, hours not yet known
    UNKNOWN = "unknown", "Date à venir (en cours de programmation)"


# Step fields whose change must reach calendars (bumps the iCalendar SEQUENCE).
CALENDAR_FIELDS = ("day", "start_time", "end_time", "timezone", "venue", "address", "city",
                   "status")


class Step(Model):
    """A concertation step: one meeting, usually one département's widened CTS."""

    __tablename__ = "step"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("online_capacity IS NULL OR online_capacity > 0",
                           name="online_capacity_positive"),
        sa.CheckConstraint("start_time IS NULL OR day IS NOT NULL", name="times_need_day"),
        sa.CheckConstraint("end_time IS NULL OR start_time IS NOT NULL", name="end_needs_start"),
        sa.Index("ix_step_campaign_day", "campaign_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    territory_id: Mapped[int] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(120))
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    # Local wall-clock date and times in ``timezone``: a meeting is set in local time.
    day: Mapped[date | None]
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    status: Mapped[StepStatus] = mapped_column(enum_column(StepStatus), default=StepStatus.DRAFT,
                                               index=True)
    capacity: Mapped[int | None]
    # Hybrid steps: the places to follow online, apart from ``capacity`` (then the places in
    # the room); None is unlimited.
    online_capacity: Mapped[int | None]
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    press_point_time: Mapped[time | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[StepFormat] = mapped_column(enum_column(StepFormat),
                                               default=StepFormat.IN_PERSON)
    meeting_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # « Comment venir »: transport, parking, entrance, accessibility, as the organiser writes it.
    access_info: Mapped[str] = mapped_column(sa.Text, default="")
    # Registration rules: manual approval, seats reserved per category {"usagers": 40},
    # and the fill thresholds (50, 80, 100 %) organisers were already told about.
    requires_approval: Mapped[bool] = mapped_column(default=False)
    category_quotas: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    seat_alerts_sent: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # Calendar identity: the UID never changes; the sequence grows with each published change.
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True,
                                     default=lambda: str(uuid.uuid4()))
    sequence: Mapped[int] = mapped_column(default=0)
    # Set by cancel_step and shown on the public page: why and when the step was called off.
    cancellation_reason: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    campaign: Mapped[Campaign] = relationship(back_populates="steps")
    territory: Mapped[Territory] = relationship()
    # Written after the step is held (app.syntheses).
    report: Mapped[StepReport | None] = relationship(uselist=False, viewonly=True)
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="step", cascade="all, delete-orphan",
        order_by="(AgendaItem.start_time, AgendaItem.position)")

    @hybrid_property
    def schedule(self) -> Schedule:
        if self.day is None:
            return Schedule.UNKNOWN
        return Schedule.DATE_ONLY if self.start_time is None else Schedule.TIMED

    @schedule.inplace.expression
    @classmethod
    def _schedule_expression(cls) -> sa.ColumnElement[str]:
        return sa.case((cls.day.is_(None), Schedule.UNKNOWN.value),
                       (cls.start_time.is_(None), Schedule.DATE_ONLY.value),
                       else_=Schedule.TIMED.value)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def starts_at(self) -> datetime | None:
        """Aware start, for timed steps only."""
        if self.day is None or self.start_time is None:
            return None
        return datetime.combine(self.day, self.start_time, self.tz)

    @property
    def ends_at(self) -> datetime | None:
        if self.day is None or self.end_time is None:
            return None
        return datetime.combine(self.day, self.end_time, self.tz)

    # The domain rules below are written once, for an instance and in SQL alike
    # (``select(Step).where(Step.is_public)``): use them rather than comparing statuses.
    @hybrid_property
    def is_public(self) -> bool:
        """Shown to the public: published, held or cancelled; never a draft."""
        return self.status is not StepStatus.DRAFT

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> sa.ColumnElement[bool]:
        return cls.status != StepStatus.DRAFT

    @hybrid_method
    def is_held(self, today: date) -> bool:
        """Took place: marked held, or published and its day is past (drafts and cancelled
        steps never do; an undated published step is not held yet)."""
        return self.status is StepStatus.HELD or (self.status is StepStatus.PUBLISHED
                                                 and self.is_past(today))

    # mypy reads a hybrid_method in its class body through its __get__ (a bound method).
    @is_held.inplace.expression  # type: ignore[attr-defined]
    @classmethod
    def _is_held_expression(cls, today: date) -> sa.ColumnElement[bool]:
        return sa.or_(cls.status == StepStatus.HELD,
                      sa.and_(cls.status == StepStatus.PUBLISHED, cls.day < today))

    def is_past(self, today: date) -> bool:
        return self.day is not None and self.day < today

    def public_state(self, today: date) -> str:
        """What the public calendar says of the step: one of the CALENDAR_STATES keys."""
        if self.status is StepStatus.CANCELLED:
            return "cancelled"
        # is_past too: a past draft, previewed by its editors, reads as held.
        if self.is_held(today) or self.is_past(today):
            return "held"
        if self.day is None:
            return "unscheduled"
        return "upcoming"

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.venue, self.address, self.city) if part)

    @property
    def map_url(self) -> str | None:
        """A plain link to the place on OpenStreetMap (no tiles nor script on our pages), for a
        step held somewhere more precise than a city; None for an online-only step."""
        if self.format is StepFormat.ONLINE or not (self.venue or self.address):
            return None
        return "https://www.openstreetmap.org/search?" + urlencode({"query": self.place})

    def __repr__(self) -> str:
        return f"<Step {self.id} {self.title!r}>"


# Public states of a step, for the calendar filter, with their French labels.
CALENDAR_STATES = {
    "upcoming": "À venir",
    "unscheduled": "Date à venir",
    "held": "Tenue",
    "cancelled": "Annulée",
}


class AgendaKind(LabelledEnum):
    WELCOME = "welcome", "Accueil"
    PLENARY = "plenary", "Plénière"
    WORKSHOP = "workshop", "Atelier"
    PRESS_POINT = "press_point", "Point presse"
    LUNCH = "lunch", "Déjeuner"
    CLOSING = "closing", "Clôture"
    OTHER = "other", "Autre"


class AgendaItem(Model):
    """A timed item of a step's programme."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("step.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[AgendaKind] = mapped_column(enum_column(AgendaKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]
    # A workshop on one of the campaign's questions.
    challenge_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="SET NULL"))

    step: Mapped[Step] = relationship(back_populates="agenda_items")
    challenge: Mapped[Challenge | None] = relationship()
