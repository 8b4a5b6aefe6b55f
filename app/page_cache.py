"""Public pages rendered once per change and served to every anonymous visitor from this
process's memory, with ETag, Last-Modified and 304.

``@cached_page(scopes)`` under a view's route: ``scopes(**view_args)`` names, after the page
is built, the content revisions it shows (app.revisions; it may look at what the view loaded,
e.g. the step's campaign). A cached page stays valid while those revisions, today's date
(every page shows it), the settings and the moments ``moments(**view_args)`` gives (a step's
registrations opening) have not moved. Only what nobody else may miss is shared:

- a GET or HEAD without a session cookie (no organiser's bar, no flash message, no CSRF
  token can be in its answer) nor Authorization;
- a 200 whose building sets no cookie, leaves the session empty and holds no CSRF field.

Everything else is rendered as before; a signed-in organiser's answer says ``private``. The
cached answer says ``public, no-cache``: browsers and proxies may keep it but ask again each
time (a 304 costs a dictionary look-up here), so a published change shows on the next request
rather than after a max-age. ``Vary: Cookie`` keeps a shared cache from giving it to a
signed-in organiser, or theirs to anyone. The cache holds at most PAGE_CACHE_MAX_PAGES pages
and MAX_BYTES of them (least recently served dropped first: query strings come from outside);
PAGE_CACHE_MAX_PAGES = 0 turns it off. Each answer served from it is offered to app.front_cache,
which gives the next ones before Flask while they hold.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask import Flask, Response, current_app, g, make_response, request, session
from flask.typing import ResponseReturnValue
from werkzeug.http import http_date, quote_etag

from app import clock
from app.front_cache import anonymous_read, offer, settings_key
from app.revision_sync import ContentRevisions, Revision, last_change, revisions_of
from app.urls import base_url

logger = logging.getLogger(__name__)
CSRF_FIELD = b'name="csrf_token"'
# A worker's pages stay a small part of its memory (a step page is about 12 kB).
MAX_BYTES = 32 * 2**20


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]  # written once: Content-Type, ETag, Last-Modified...
    scopes: tuple[str, ...]
    revisions: tuple[Revision, ...]
    today: date
    until: datetime | None  # the page changes by itself then (registrations open)


class PageCache:
    def __init__(self, revisions: ContentRevisions, capacity: int) -> None:
        self.revisions = revisions
        self.generation = 0  # moves when pages are forgotten: app.front_cache forgets them too
        self._capacity = capacity
        self.max_bytes = MAX_BYTES
        self.builds = 0  # pages built for the cache (tests count them)
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._bytes = 0

    def find(self, key: tuple, snapshot: Mapping[str, Revision], today: date,
             moment: datetime) -> CachedPage | None:
        page = self._pages.get(key)
        if page is None or page.today != today or (page.until and moment >= page.until) \
                or page.revisions != revisions_of(snapshot, page.scopes):
            return None
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
        return page

    @property
    def capacity(self) -> int:
        return self._capacity

    @capacity.setter
    def capacity(self, pages: int) -> None:
        self._capacity = pages
        self.generation += 1

    def keep(self, key: tuple, page: CachedPage) -> None:
        with self._lock:
            self.builds += 1
            replaced = self._pages.pop(key, None)
            self._bytes += len(page.body) - (len(replaced.body) if replaced else 0)
            self._pages[key] = page
            while self._pages and (len(self._pages) > self.capacity
                                   or self._bytes > self.max_bytes):
                self._bytes -= len(self._pages.popitem(last=False)[1].body)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0
            self.generation += 1

    def __len__(self) -> int:
        return len(self._pages)


View = Callable[..., ResponseReturnValue]


def cached_page(scopes: Callable[..., Iterable[str]],
                moments: Callable[..., Iterable[datetime | None]] | None = None,
                ) -> Callable[[View], View]:
    """Serve the view from the page cache to anonymous visitors (see the module's text)."""
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def cached_view(**view_args: Any) -> ResponseReturnValue:
            cache: PageCache | None = current_app.extensions.get("page_cache")
            if not _anonymous_read():
                return _personal(make_response(view(**view_args)))
            if cache is None or not cache.capacity:
                return view(**view_args)
            snapshot = cache.revisions.snapshot()  # before building: what the page is built from
            today, moment = clock.today(), clock.now()
            key = (request.endpoint, tuple(view_args.items()), request.query_string,
                   base_url(), settings_key(current_app))
            page = cache.find(key, snapshot, today, moment)
            if page is None:
                response = make_response(view(**view_args))
                if not _shareable(response):
                    return response
                page = _page(response, tuple(sorted(set(scopes(**view_args)))),
                             moments(**view_args) if moments else (), snapshot, today, moment)
                cache.keep(key, page)
            offer(page.body, page.headers, page.scopes, page.revisions, cache,
                  today=page.today, until=page.until)
            return _answer(page)

        return cached_view

    return decorate


def _anonymous_read() -> bool:
    return anonymous_read(request.environ, request.cookies, current_app.config)


def _shareable(response: Response) -> bool:
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return False
    if session.modified or session or getattr(g.get("_login_user"), "is_authenticated", False):
        return False
    if CSRF_FIELD in response.get_data():
        logger.warning("Page %s non mise en cache : elle contient un jeton CSRF", request.path)
        return False
    return True


def _page(response: Response, scopes: tuple[str, ...], moments: Iterable[datetime | None],
          snapshot: Mapping[str, Revision], today: date, moment: datetime) -> CachedPage:
    body = response.get_data()
    revisions = revisions_of(snapshot, scopes)
    changes = [m for m in moments if m is not None]
    # Last-Modified: the latest change it shows, at least the start of the day it shows (and
    # of the moment it last changed by itself), never later than now.
    midnight = datetime.combine(today, time(0), clock.PARIS)
    known = [m for m in (last_change(revisions), midnight, *(m for m in changes if m <= moment))
             if m is not None]
    headers = (
        ("Content-Type", response.headers.get("Content-Type", "text/html; charset=utf-8")),
        ("ETag", quote_etag(hashlib.sha256(body).hexdigest()[:24])),
        ("Last-Modified", http_date(min(max(known), clock.wall_now()))),
        ("Cache-Control", "public, no-cache"), ("Vary", "Cookie"))
    return CachedPage(body=body, headers=headers, scopes=scopes, revisions=revisions,
                      today=today, until=min((m for m in changes if m > moment), default=None))


def _answer(page: CachedPage) -> Response:
    response = current_app.response_class(page.body, headers=page.headers)
    response.make_conditional(request)  # in place (it returns the response itself)
    return response


def _personal(response: Response) -> Response:
    """A page rendered for one visitor (signed in, or with a session): no shared cache may
    keep it, nor give the anonymous one in its place."""
    if "Cache-Control" not in response.headers:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    response.vary.add("Cookie")
    return response


def init_page_cache(app: Flask, revisions: ContentRevisions) -> None:
    app.extensions["page_cache"] = PageCache(revisions, app.config["PAGE_CACHE_MAX_PAGES"])
