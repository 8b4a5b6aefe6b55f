"""A single counter that grows whenever anything shown in a calendar file changes.

Feeds are cached per process and keyed by this revision, so a feed is rebuilt once per change
rather than once per request, and every worker notices a change made by another.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import now
from app.db_types import UTCDateTime
from app.extensions import db

REVISION_ID = 1


class CalendarRevision(db.Model):
    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


def _calendar_classes() -> tuple[type, ...]:
    from app.campaigns.models import AgendaItem, Campaign, Challenge, Step
    from app.territories.models import Territory

    return (Step, AgendaItem, Campaign, Challenge, Territory)


def _touches_calendars(session: Session) -> bool:
    classes = _calendar_classes()
    if any(isinstance(obj, classes) for obj in (*session.new, *session.deleted)):
        return True
    return any(isinstance(obj, classes) and session.is_modified(obj) for obj in session.dirty)


def bump(connection: sa.Connection) -> None:
    """Increment the revision (creating its row on an empty database)."""
    table = CalendarRevision.__table__
    values = {"revision": table.c.revision + 1, "changed_at": now()}
    result = connection.execute(table.update().where(table.c.id == REVISION_ID).values(values))
    if result.rowcount == 0:
        connection.execute(table.insert().values(id=REVISION_ID, revision=1,
                                                 changed_at=values["changed_at"]))


def current(connection: sa.Connection) -> tuple[int, datetime]:
    """(revision, changed_at); (0, epoch) before any change."""
    table = CalendarRevision.__table__
    row = connection.execute(sa.select(table.c.revision, table.c.changed_at)
                             .where(table.c.id == REVISION_ID)).first()
    if row is None:
        return 0, datetime.fromtimestamp(0).astimezone()
    return row.revision, row.changed_at


@event.listens_for(Session, "before_flush")
def _bump_on_calendar_change(session: Session, _context, _instances) -> None:
    if _touches_calendars(session):
        bump(session.connection())
        session.info["calendar_changed"] = True


@event.listens_for(Session, "after_commit")
def _tell_the_local_cache(session: Session) -> None:
    if session.info.pop("calendar_changed", False):
        from app.calendar.cache import invalidate_local_caches

        invalidate_local_caches()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_change(session: Session) -> None:
    session.info.pop("calendar_changed", None)
