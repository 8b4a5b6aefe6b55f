"""Seat rules: capacity, seats reserved per category, the waiting list and its order.

A hybrid step has two pools of seats, each with its own waiting list: on site (``capacity``,
where the category quotas apply) and online (``online_capacity``). Every other step has one
pool, ``capacity``, whatever a registration's ``attendance`` says (a step may have stopped
being hybrid).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from app.campaigns.models import Step, StepFormat
from app.extensions import db
from app.registrations.models import Attendance, Registration, RegistrationStatus

# The waiting list's one order, for its page, the positions told to people and promotion:
# first registered, first served (the id settles registrations of the same instant).
WAITING_ORDER = (Registration.created_at, Registration.id)


def pools(step: Step) -> tuple[Attendance | None, ...]:
    """The step's pools of seats: (None,) for a single pool."""
    if step.format is StepFormat.HYBRID:
        return (Attendance.ON_SITE, Attendance.ONLINE)
    return (None,)


def pool_of(step: Step, attendance: Attendance | str | None) -> Attendance | None:
    """The pool a registration with this attendance takes its seat from."""
    if step.format is not StepFormat.HYBRID:
        return None
    return Attendance.ONLINE if attendance == Attendance.ONLINE else Attendance.ON_SITE


def _in_pool(pool: Attendance | None) -> sa.ColumnElement[bool]:
    if pool is None:
        return sa.true()
    if pool is Attendance.ONLINE:
        return Registration.attendance == Attendance.ONLINE
    # Registered before the step became hybrid: on site.
    return sa.or_(Registration.attendance.is_(None), Registration.attendance == Attendance.ON_SITE)


def capacity_of(step: Step, pool: Attendance | None = None) -> int | None:
    return step.online_capacity if pool is Attendance.ONLINE else step.capacity


def total_capacity(step: Step) -> int | None:
    """Every seat of the step, None if one of its pools is unlimited."""
    total = 0
    for pool in pools(step):
        capacity = capacity_of(step, pool)
        if capacity is None:
            return None
        total += capacity
    return total


def confirmed_counts(step_id: int, pool: Attendance | None = None) -> dict[str, int]:
    """Confirmed registrations of a step (of one pool), by category (one query)."""
    rows = db.session.execute(_confirmed_counts(pool), {"step_id": step_id})
    return {category: number for category, number in rows}  # noqa: C416 (a Result, not pairs)


@cache
def _confirmed_counts(pool: Attendance | None) -> sa.Select:
    """Built once per pool (a step's page and each registration ask): building and keying
    the statement cost about as much as running it."""
    return (sa.select(Registration.category, sa.func.count())
            .where(Registration.step_id == sa.bindparam("step_id"),
                   Registration.status == RegistrationStatus.CONFIRMED, _in_pool(pool))
            .group_by(Registration.category))


def has_seat(step: Step, category: str, counts: dict[str, int],
             pool: Attendance | None = None) -> bool:
    """A seat is free for ``category`` if, once the seats still reserved for the other
    categories are set aside, the room is not full. Quotas are seats in the room: an online
    pool has none."""
    capacity = capacity_of(step, pool)
    if capacity is None:
        return True
    taken = sum(counts.values())
    quotas = {} if pool is Attendance.ONLINE else (step.category_quotas or {})
    reserved_for_others = sum(max(0, seats - counts.get(other, 0))
                              for other, seats in quotas.items() if other != category)
    return capacity - taken - reserved_for_others > 0


def seats_left(step: Step, counts: dict[str, int], pool: Attendance | None = None) -> int | None:
    capacity = capacity_of(step, pool)
    if capacity is None:
        return None
    return max(0, capacity - sum(counts.values()))


def waiting_list(step: Step, pool: Attendance | None = None) -> list[Registration]:
    """The waiting list of one pool, first in line first."""
    return list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.step_id == step.id,
               Registration.status == RegistrationStatus.WAITLISTED, _in_pool(pool))
        .order_by(*WAITING_ORDER)))


def waitlist_position(registration: Registration) -> int:
    """1 for the first in line (of the registration's pool)."""
    created_at, number = WAITING_ORDER
    pool = pool_of(registration.step, registration.attendance)
    return 1 + db.session.execute(
        sa.select(sa.func.count()).select_from(Registration)
        .where(Registration.step_id == registration.step_id,
               Registration.status == RegistrationStatus.WAITLISTED, _in_pool(pool),
               sa.or_(created_at < registration.created_at,
                      sa.and_(created_at == registration.created_at,
                              number < registration.id)))).scalar_one()


@dataclass(frozen=True)
class Places:
    """One pool's seats, as organisers and the public see them."""

    pool: Attendance | None
    capacity: int | None
    confirmed: int
    left: int | None
    waiting: list[Registration]

    @property
    def label(self) -> str:
        return self.pool.label if self.pool else "Places"


def places(step: Step, with_waiting: bool = False) -> list[Places]:
    """Each pool of the step: capacity, confirmed, seats left (and its waiting list)."""
    found = []
    for pool in pools(step):
        counts = confirmed_counts(step.id, pool)
        found.append(Places(pool, capacity_of(step, pool), sum(counts.values()),
                            seats_left(step, counts, pool),
                            waiting_list(step, pool) if with_waiting else []))
    return found
