"""Per-process cache of built calendar files, each valid while the content revisions it shows
are unchanged (app.revisions: the feed of all campaigns ``calendar``, a campaign's feed its
``campaign:<id>``, a step's invitation its ``step:<id>``...): a change to one step rebuilds the
files that show it, not every file.

Serving a feed costs one tiny query at most once per CALENDAR_CACHE_SECONDS per process (to learn
the revisions, app.revision_sync), and nothing else while they are unchanged. A change committed
in this process is seen at once; one committed by another worker within that many seconds.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.clock import wall_now
from app.database import database_unavailable
from app.extensions import db
from app.revision_sync import ContentRevisions, Revision, last_change, revisions_of

logger = logging.getLogger(__name__)

# Files kept (each one's latest copy, also served during an outage): one per feed (key), so
# bounded by the feeds that exist; the cap only guards against keys made up from outside (the
# Host header, without PUBLIC_BASE_URL).
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
    scopes: tuple[str, ...]
    revisions: tuple[Revision, ...]  # of its scopes, when it was built
    stale: bool = False  # served from the last copy because the database is unreachable


# What a build returns: the file, and the content revision scopes it shows.
Built = tuple[bytes, Iterable[str]]


class FeedCache:
    def __init__(self, revisions: ContentRevisions) -> None:
        self.revisions = revisions
        self.generation = 0  # moves when files are forgotten: app.front_cache forgets them too
        self._lock = threading.Lock()
        # Each file's latest copy: served while its revisions hold, and during an outage.
        self._last_copies: dict[tuple, CachedFile] = {}
        self._database_away = False
        self._retry_at = 0.0  # while the database is away: when to ask it again
        self.outage_retry_seconds = OUTAGE_RETRY_SECONDS

    @property
    def max_age(self) -> float:
        """Seconds a process trusts its revisions (shared with the page cache)."""
        return self.revisions.period

    @max_age.setter
    def max_age(self, seconds: float) -> None:
        self.revisions.period = seconds

    def invalidate(self) -> None:
        """A change was committed: ask the database at the next request (it answers, since it
        took the commit)."""
        with self._lock:
            self._retry_at = 0.0
        self.revisions.invalidate()

    def clear(self) -> None:
        """Forget every file, last copies included (a restored database; tests)."""
        with self._lock:
            self._last_copies.clear()
            self._retry_at = 0.0
            self._database_away = False
            self.generation += 1
        self.revisions.clear()

    def get(self, key: tuple, build: Callable[[], Built]) -> CachedFile:
        """The cached file for ``key``, built by ``build()`` if a revision it shows moved on;
        the last copy (``stale``) if the database cannot be reached."""
        if self._database_away and time.monotonic() < self._retry_at:
            copy = self._last_copies.get(key)
            if copy is not None:
                return dataclasses.replace(copy, stale=True)
        try:
            snapshot = self.revisions.snapshot()  # before building: what the file is built from
        except SQLAlchemyError as error:
            return self._last_copy_or_raise(key, error)
        entry = self._last_copies.get(key)
        if entry is not None and entry.revisions == revisions_of(snapshot, entry.scopes):
            self._back_again()
            return entry
        try:
            body, scopes = build()
        except HTTPException:
            self._forget(key)  # gone (404): no outage may bring its old copy back
            raise
        except SQLAlchemyError as error:  # the database went away between the two queries
            return self._last_copy_or_raise(key, error)
        self._back_again()
        scopes = tuple(sorted(set(scopes)))
        revisions = revisions_of(snapshot, scopes)
        entry = CachedFile(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:24]}"',
                           last_modified=last_change(revisions) or wall_now(), scopes=scopes,
                           revisions=revisions)
        with self._lock:
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
            self._last_copies.pop(key, None)


def _rollback_quietly() -> None:
    """The request goes on to a 200: leave its session clean (its connection may be dead)."""
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()


def init_cache(app: Flask) -> None:
    """The process's content revisions, shared by the feeds and the public pages."""
    from app.page_cache import init_page_cache

    revisions = ContentRevisions(app.config["CALENDAR_CACHE_SECONDS"])
    app.extensions["content_revisions"] = revisions
    app.extensions["calendar_cache"] = FeedCache(revisions)
    init_page_cache(app, revisions)


def feed_cache() -> FeedCache:
    return current_app.extensions["calendar_cache"]
