"""Rules and transactions for steps: create, edit, publish, reschedule, cancel, copy.

Views call these functions; each one records what it did in the audit log and commits.
"""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from app import audit
from app.accounts.models import User
from app.campaigns.models import (
    CALENDAR_FIELDS,
    AgendaItem,
    Campaign,
    Step,
    StepStatus,
)
from app.campaigns.notices import Recipients, schedule_snapshot
from app.campaigns.signals import (
    step_calendar_changed,
    step_capacity_changed,
    step_recipients_counted,
)
from app.clock import now
from app.extensions import db
from app.territories.models import Territory

# Fields an organiser edits through the step form.
EDITABLE_FIELDS = ("campaign_id", "territory_id", "title", "city", "venue", "address", "day",
                   "start_time", "end_time", "capacity", "registration_opens_at",
                   "registration_closes_at", "press_point_time", "description", "format",
                   "meeting_url", "access_info", "online_capacity")
SCHEDULE_FIELDS = ("day", "start_time", "end_time")


class StepStateError(ValueError):
    """The step is not in a state that allows the action; the message is for the user."""


def _apply(step: Step, values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, tuple]:
    """Set ``fields`` from ``values`` and return {field: (old, new)} for those that changed."""
    changes = {}
    for field in fields:
        if field not in values:
            continue
        old, new = getattr(step, field), values[field]
        if old != new:
            changes[field] = (old, new)
            setattr(step, field, new)
    return changes


def _bump_sequence_if_needed(step: Step, changes: dict[str, tuple]) -> bool:
    """Calendars learn of a change to a public step through a higher SEQUENCE."""
    if step.is_public and any(field in CALENDAR_FIELDS for field in changes):
        step.sequence += 1
        return True
    return False


def _calendar_change(step: Step, changes: dict[str, tuple]) -> str:
    if step.status is StepStatus.CANCELLED:
        return "cancelled"
    if "day" in changes and changes["day"][0] is None:
        return "scheduled"
    return "unscheduled" if step.day is None else "moved"


def recipients(step: Step, change: str = "moved") -> Recipients:
    """How many mails a ``change`` of the step would queue now, by audience: what the
    organiser reads before confirming. A draft's changes tell nobody."""
    if not step.is_public:
        return Recipients()
    return Recipients.from_replies(step_recipients_counted.send(step, change=change))


def _announce(step: Step, change: str, previous: dict | None = None) -> Recipients:
    """Tell the other domains (their mails join the caller's transaction); the mails they
    report having queued, by audience."""
    return Recipients.from_replies(
        step_calendar_changed.send(step, change=change, previous=previous))


def create_step(values: dict[str, Any], user: User | None) -> Step:
    """Create a draft step from form values."""
    step = Step(status=StepStatus.DRAFT)
    _apply(step, values, EDITABLE_FIELDS)
    db.session.add(step)
    db.session.flush()
    audit.record("step.create", step, f"Création de l’étape « {step.title} »", user=user)
    db.session.commit()
    return step


def update_step(step: Step, values: dict[str, Any], user: User | None,
                action: str = "step.edit", fields: tuple[str, ...] = EDITABLE_FIELDS
                ) -> dict[str, tuple]:
    """Apply an edit; a public step's calendar SEQUENCE grows if date, time or place moved."""
    return _update(step, values, user, action, fields)[0]


def _update(step: Step, values: dict[str, Any], user: User | None, action: str,
            fields: tuple[str, ...]) -> tuple[dict[str, tuple], Recipients]:
    """update_step, and the mails the change queued."""
    if step.status is StepStatus.CANCELLED:
        raise StepStateError("Une étape annulée ne peut plus être modifiée.")
    before = schedule_snapshot(step)
    changes = _apply(step, values, fields)
    queued = Recipients()
    if changes:
        calendar_changed = _bump_sequence_if_needed(step, changes)
        audit.record(action, step, f"Modification de l’étape « {step.title} »", changes,
                     user=user)
        db.session.flush()
        # Before the commit: the mails and promotions the change causes commit with it.
        if calendar_changed:
            moved = any(field in changes for field in SCHEDULE_FIELDS)
            queued = _announce(step, _calendar_change(step, changes),
                               before if moved else None)
        if {"capacity", "online_capacity", "format"} & changes.keys():
            step_capacity_changed.send(step)
        db.session.commit()
    return changes, queued


def reschedule_step(step: Step, schedule: dict[str, date | time | None],
                    user: User | None) -> Recipients:
    """Move a step to another date or time (or back to "date à venir"); the mails queued to
    tell of it (none when nothing changed or the step is a draft)."""
    return _update(step, schedule, user, "step.reschedule", SCHEDULE_FIELDS)[1]


def publish_step(step: Step, user: User | None) -> None:
    """Make a draft step public."""
    if step.status is not StepStatus.DRAFT:
        raise StepStateError("Seule une étape en brouillon peut être publiée.")
    step.status = StepStatus.PUBLISHED
    audit.record("step.publish", step, f"Publication de l’étape « {step.title} »",
                 {"status": (StepStatus.DRAFT, StepStatus.PUBLISHED)}, user=user)
    db.session.flush()
    if step.day is not None:
        _announce(step, "scheduled")
    db.session.commit()


def cancel_step(step: Step, user: User | None, reason: str = "") -> Recipients:
    """Cancel a step; it stays listed (and in calendars) as cancelled, and its page tells the
    public ``reason`` and when it was cancelled. Returns the mails queued to tell of it."""
    if step.status is StepStatus.CANCELLED:
        raise StepStateError("Cette étape est déjà annulée.")
    old = step.status
    step.status = StepStatus.CANCELLED
    step.cancellation_reason = reason
    step.cancelled_at = now()
    _bump_sequence_if_needed(step, {"status": (old, step.status)})
    summary = f"Annulation de l’étape « {step.title} »" + (f" : {reason}" if reason else "")
    audit.record("step.cancel", step, summary, {"status": (old, step.status)}, user=user)
    db.session.flush()
    queued = _announce(step, "cancelled") if old is not StepStatus.DRAFT else Recipients()
    db.session.commit()
    return queued


def copy_step(step: Step, territory: Territory, schedule: dict[str, date | time | None],
              user: User | None) -> Step:
    """A new draft that keeps everything but the date, the territory and the calendar UID."""
    kept = {field: getattr(step, field) for field in EDITABLE_FIELDS
            if field not in (*SCHEDULE_FIELDS, "territory_id")}
    copy = Step(status=StepStatus.DRAFT, uid=str(uuid.uuid4()), sequence=0,
                territory_id=territory.id, timezone=step.timezone, **kept, **schedule)
    copy.agenda_items = [
        AgendaItem(kind=item.kind, title=item.title, start_time=item.start_time,
                   end_time=item.end_time, challenge_id=item.challenge_id,
                   position=item.position)
        for item in step.agenda_items
    ]
    db.session.add(copy)
    db.session.flush()
    audit.record("step.copy", copy, f"Copie de l’étape n° {step.id} « {step.title} »",
                 {"copied_from": (None, step.id)}, user=user)
    db.session.commit()
    return copy


def add_agenda_item(step: Step, values: dict[str, Any], user: User | None) -> AgendaItem:
    item = AgendaItem(step=step, position=len(step.agenda_items), **values)
    db.session.add(item)
    audit.record("step.agenda", step, f"Ajout au programme : {item.title}", user=user)
    db.session.commit()
    return item


def remove_agenda_item(item: AgendaItem, user: User | None) -> None:
    step = item.step
    db.session.delete(item)
    audit.record("step.agenda", step, f"Retrait du programme : {item.title}", user=user)
    db.session.commit()


def campaign_by_slug(slug: str) -> Campaign | None:
    return db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
