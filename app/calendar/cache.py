"""Per-process cache of built calendar files, keyed by the calendar revision.

Serving a feed costs one tiny query at most once per CALENDAR_CACHE_SECONDS per process (to learn
the revision), and nothing else while the revision is unchanged. A change committed in this
process is seen at once; one committed by another worker within that many seconds.

When the database cannot be reached (``app.database.database_unavailable``), a file this process
built before is served as it was, with the same ETag, flagged ``stale``: calendar clients poll
feeds unattended and would otherwise drop a subscription or show an error. A file never built
here still gets the French 503 page. Such a copy may predate a change this process has not seen
yet; the outage ends it, and the answer's max-age is cut to the 503's Retry-After. Once the
database has failed, a process asks it again every OUTAGE_RETRY_SECONDS only, serving its
copies in between (so they may outlive the outage by that long).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.calendar import revision as calendar_revision
from app.database import database_unavailable
from app.extensions import db

_caches: weakref.WeakSet[FeedCache] = weakref.WeakSet()
logger = logging.getLogger(__name__)

# Last copies kept for an outage: one per feed (key), so bounded by the feeds that exist; the
# cap only guards against keys made up from outside (the Host header, without PUBLIC_BASE_URL).
MAX_LAST_COPIES = 10_000
# While the database is away, a process asks it again at most this often before serving a
# copy: a database that does not answer at all costs a wait (DATABASE_CONNECT_TIMEOUT) every
# few seconds, not one per feed request.
OUTAGE_RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class CachedFile:
    body: bytes
    etag: str
    last_modified: datetime
    revision: int
    stale: bool = False  # served from the last copy because the database is unreachable


class FeedCache:
    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[tuple, CachedFile] = {}  # built at the current revision
        self._last_copies: dict[tuple, CachedFile] = {}  # whatever the revision, for outages
        self._revision: tuple[int, datetime] | None = None
        self._checked_at = 0.0
        self._database_away = False
        self._retry_at = 0.0  # while the database is away: when to ask it again
        self.outage_retry_seconds = OUTAGE_RETRY_SECONDS
        _caches.add(self)

    def invalidate(self) -> None:
        """A calendar change was committed: ask the database at the next request (it answers,
        since it took the commit)."""
        with self._lock:
            self._checked_at = self._retry_at = 0.0

    def clear(self) -> None:
        """Forget every file, last copies included (a restored database; tests)."""
        with self._lock:
            self._entries.clear()
            self._last_copies.clear()
            self._revision, self._checked_at, self._retry_at = None, 0.0, 0.0
            self._database_away = False

    def _current_revision(self) -> tuple[int, datetime]:
        moment = time.monotonic()
        with self._lock:
            if self._revision is not None and moment - self._checked_at < self.max_age:
                return self._revision
        with db.engine.connect() as connection:
            current = calendar_revision.current(connection)
        with self._lock:
            if current != self._revision:
                self._entries.clear()
            self._revision, self._checked_at = current, moment
        return current

    def get(self, key: tuple, build: Callable[[], bytes]) -> CachedFile:
        """The cached file for ``key``, built by ``build()`` if the revision moved on; the last
        copy (``stale``) if the database cannot be reached."""
        if self._database_away and time.monotonic() < self._retry_at:
            copy = self._last_copies.get(key)
            if copy is not None:
                return dataclasses.replace(copy, stale=True)
        try:
            number, changed_at = self._current_revision()
        except SQLAlchemyError as error:
            return self._last_copy_or_raise(key, error)
        entry = self._entries.get(key)
        if entry is not None and entry.revision == number:
            self._back_again()
            return entry
        try:
            body = build()
        except HTTPException:
            self._forget(key)  # gone (404): no outage may bring its old copy back
            raise
        except SQLAlchemyError as error:  # the database went away between the two queries
            return self._last_copy_or_raise(key, error)
        self._back_again()
        digest = hashlib.sha256(body).hexdigest()[:20]
        entry = CachedFile(body=body, etag=f'"{number}-{digest}"', last_modified=changed_at,
                           revision=number)
        with self._lock:
            self._entries[key] = entry
            self._last_copies.pop(key, None)  # re-inserted last: the cap drops the oldest
            if len(self._last_copies) >= MAX_LAST_COPIES:
                self._last_copies.pop(next(iter(self._last_copies)))
            self._last_copies[key] = entry
        return entry

    def _last_copy_or_raise(self, key: tuple, error: SQLAlchemyError) -> CachedFile:
        if not database_unavailable(error):
            raise error  # a wrong statement is a bug: the 500 handler logs it
        with self._lock:
            copy = self._last_copies.get(key)
            if copy is None:
                raise error  # nothing to serve: the French 503 with Retry-After
            first = not self._database_away
            self._database_away = True
            self._retry_at = time.monotonic() + self.outage_retry_seconds
        _rollback_quietly()
        if first:  # once per outage and process, not once per request
            logger.warning("Base de données injoignable : les fichiers de calendrier déjà "
                           "construits sont servis depuis le cache (%s)",
                           str(error).splitlines()[0][:200])
        return dataclasses.replace(copy, stale=True)

    def _back_again(self) -> None:
        if self._database_away:
            with self._lock:
                self._database_away = False
            logger.info("Base de données de nouveau joignable : fichiers de calendrier à jour")

    def _forget(self, key: tuple) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._last_copies.pop(key, None)


def _rollback_quietly() -> None:
    """The request goes on to a 200: leave its session clean (its connection may be dead)."""
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()


def init_cache(app: Flask) -> None:
    app.extensions["calendar_cache"] = FeedCache(app.config["CALENDAR_CACHE_SECONDS"])


def feed_cache() -> FeedCache:
    return current_app.extensions["calendar_cache"]


def invalidate_local_caches() -> None:
    for cache in list(_caches):
        cache.invalidate()
