"""Per-process cache of built calendar files, keyed by the calendar revision.

Serving a feed costs one tiny query at most once per CALENDAR_CACHE_SECONDS per process (to learn
the revision), and nothing else while the revision is unchanged. A change committed in this
process is seen at once; one committed by another worker within that many seconds.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

from app.calendar import revision as calendar_revision
from app.extensions import db

_caches: weakref.WeakSet[FeedCache] = weakref.WeakSet()


@dataclass(frozen=True)
class CachedFile:
    body: bytes
    etag: str
    last_modified: datetime
    revision: int


class FeedCache:
    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[tuple, CachedFile] = {}
        self._revision: tuple[int, datetime] | None = None
        self._checked_at = 0.0
        _caches.add(self)

    def invalidate(self) -> None:
        with self._lock:
            self._checked_at = 0.0

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
        """The cached file for ``key``, built by ``build()`` if the revision moved on."""
        number, changed_at = self._current_revision()
        entry = self._entries.get(key)
        if entry is not None and entry.revision == number:
            return entry
        body = build()
        digest = hashlib.sha256(body).hexdigest()[:20]
        entry = CachedFile(body=body, etag=f'"{number}-{digest}"', last_modified=changed_at,
                           revision=number)
        with self._lock:
            self._entries[key] = entry
        return entry


def init_cache(app: Flask) -> None:
    app.extensions["calendar_cache"] = FeedCache(app.config["CALENDAR_CACHE_SECONDS"])


def feed_cache() -> FeedCache:
    return current_app.extensions["calendar_cache"]


def invalidate_local_caches() -> None:
    for cache in list(_caches):
        cache.invalidate()
