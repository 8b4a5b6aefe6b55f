"""This process's copy of the content revisions (app.revisions), kept in step with the database
by one small query at most every CALENDAR_CACHE_SECONDS, and at once after a commit made here.

The query asks for the rows changed since the last look (less a margin) and, in the same
statement, how many rows there are and the latest change: a count that does not match this
copy (rows deleted: a database emptied or restored) or a latest change older than the one
known (a restore) makes it read the whole table once. Caches ask ``snapshot()`` for a mapping
scope -> (revision, changed_at); the mapping is never changed in place, so a page built after
taking it may record it as what it was built from.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.clock import wall_now
from app.extensions import db
from app.revisions import ContentRevision

Revision = tuple[int, datetime | None]
ABSENT: Revision = (0, None)  # a scope never changed (since the database was filled)
# Rows changed this long before the last look are asked for again: a transaction bumps its
# scopes just before committing, and servers' clocks may differ by some seconds.
MARGIN = timedelta(minutes=5)


class ContentRevisions:
    def __init__(self, period: float) -> None:
        self.period = period  # seconds a process trusts its copy
        self._lock = threading.Lock()
        self._values: dict[str, Revision] = {}
        self._synced_at: float | None = None  # time.monotonic() of the last look
        self._since: datetime | None = None  # rows changed from then on are asked for
        self._latest: datetime | None = None

    def invalidate(self) -> None:
        """A change was committed here: look again at the next request."""
        self._synced_at = None

    def clear(self) -> None:
        """Forget everything (a restored database; tests)."""
        with self._lock:
            self._values, self._synced_at, self._since, self._latest = {}, None, None, None

    def fresh(self) -> Mapping[str, Revision] | None:
        """The revisions if the last look is recent enough to trust, else None (without
        looking: app.front_cache then lets Flask look)."""
        synced = self._synced_at
        if synced is not None and time.monotonic() - synced < self.period:
            return self._values
        return None

    def snapshot(self) -> Mapping[str, Revision]:
        """The revisions as of the last look, looking again first when it is too old.
        Raises SQLAlchemyError when the database cannot be reached."""
        values = self.fresh()
        if values is not None:
            return values
        with self._lock:
            synced = self._synced_at  # another thread may have looked meanwhile
            if synced is None or time.monotonic() - synced >= self.period:
                self._sync()
            return self._values

    def _sync(self) -> None:
        moment, started = time.monotonic(), wall_now()
        table = ContentRevision.__table__
        columns = (table.c.scope, table.c.revision, table.c.changed_at)
        with db.engine.connect() as connection:
            if self._since is None:
                values = _read(connection.execute(sa.select(*columns)))
            else:
                changed = sa.select(*columns).where(table.c.changed_at >= self._since)
                summary = sa.select(sa.literal(""), sa.func.count(),
                                    sa.func.max(table.c.changed_at))
                rows = connection.execute(sa.union_all(changed, summary)).all()
                total, latest = next((row[1], row[2]) for row in rows if row[0] == "")
                values = dict(self._values)
                values.update(_read(row for row in rows if row[0] != ""))
                if total != len(values) or (latest is not None and self._latest is not None
                                            and latest < self._latest):
                    values = _read(connection.execute(sa.select(*columns)))
        if values != self._values:
            self._values = values  # a new mapping: snapshots already handed out stay as they were
            self._latest = last_change(values.values())
        self._since, self._synced_at = started - MARGIN, moment


def _read(rows: Iterable) -> dict[str, Revision]:
    return {row[0]: (row[1], row[2]) for row in rows}


def revisions_of(snapshot: Mapping[str, Revision], scopes: Iterable[str]) -> tuple[Revision, ...]:
    return tuple(snapshot.get(scope, ABSENT) for scope in scopes)


def last_change(revisions: Iterable[Revision]) -> datetime | None:
    return max((changed for _, changed in revisions if changed is not None), default=None)
