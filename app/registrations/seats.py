"""Seat rules: capacity, seats reserved per category, and who the waiting list promotes."""

from __future__ import annotations

import sqlalchemy as sa

from app.campaigns.models import Step
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus


def confirmed_counts(step_id: int) -> dict[str, int]:
    """Confirmed registrations of a step, by category (one query)."""
    rows = db.session.execute(
        sa.select(Registration.category, sa.func.count())
        .where(Registration.step_id == step_id,
               Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.category))
    return {category: number for category, number in rows}  # noqa: C416 (a Result, not pairs)


def has_seat(step: Step, category: str, counts: dict[str, int]) -> bool:
    """A seat is free for ``category`` if, once the seats still reserved for the other
    categories are set aside, the room is not full."""
    if step.capacity is None:
        return True
    taken = sum(counts.values())
    reserved_for_others = sum(max(0, seats - counts.get(other, 0))
                              for other, seats in (step.category_quotas or {}).items()
                              if other != category)
    return step.capacity - taken - reserved_for_others > 0


def seats_left(step: Step, counts: dict[str, int]) -> int | None:
    if step.capacity is None:
        return None
    return max(0, step.capacity - sum(counts.values()))


def waitlist_position(registration: Registration) -> int:
    """1 for the first in line."""
    return 1 + db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration)
        .where(Registration.step_id == registration.step_id,
               Registration.status == RegistrationStatus.WAITLISTED,
               sa.or_(Registration.created_at < registration.created_at,
                      sa.and_(Registration.created_at == registration.created_at,
                              Registration.id < registration.id))))
