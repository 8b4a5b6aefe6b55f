"""Cached public answers given before Flask: a WSGI middleware in front of the app.

A page or calendar file served from its cache (app.page_cache, app.calendar.cache) still costs
Flask's whole request: its contexts, the session and login checks, some fifteen hooks; about
twice what the bare endpoint costs (bench/README.md). When Flask serves one to an anonymous
visitor, it *offers* it here (``offer``): the body, the headers the cache wrote, the content
revisions and dates it is valid for. The middleware keeps it with the headers the hooks added
(security headers, ``Vary``...), and answers the next anonymous GET or HEAD of the same address
itself, 200 or 304, while the page would still be served as it is:

- this process trusts its content revisions (app.revision_sync: it looked at the database less
  than CALENDAR_CACHE_SECONDS ago and committed nothing since), and those the page shows have
  not moved; today's date is the one the page shows; no moment it changes by itself has come;
- the cache it came from has not forgotten it (cleared, or turned off).

Anything else — a request with a session or remember-me cookie, Authorization or If-Match, an
address never offered, a trust gone stale — goes to Flask as before, which looks again and may
offer a fresh copy. Each answer given here has what Flask's would have: its own request id
(``X-Request-ID``), its access log line and its Prometheus counts, under the view's endpoint.

A client that accepts gzip (browsers, calendar applications) gets the body compressed once per
answer kept, with its own ETag and ``Vary: Accept-Encoding``: a feed takes 1.4 kB per event
uncompressed (0.15 compressed), and nginx would otherwise compress it again at each request.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask, request
from werkzeug.http import (
    http_date,
    is_resource_modified,
    parse_accept_header,
    parse_cookie,
    remove_entity_headers,
)

from app import clock
from app.french import PARIS
from app.operations.logs import log_access, loggable_path, request_id_of
from app.operations.metrics import observe
from app.revision_sync import ContentRevisions, Revision, revisions_of

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication

OFFER_KEY = "concerto.front_offer"
# Headers each answer writes for itself, never kept.
_PER_REQUEST = frozenset({"x-request-id", "date", "content-length"})
# What tells two requests for one address apart (behind a proxy, its forwarded headers).
_ADDRESS = ("PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "HTTP_HOST", "wsgi.url_scheme",
            "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT",
            "HTTP_X_FORWARDED_PREFIX")
# Smaller bodies gain less from compression than the header costs.
GZIP_MIN_BYTES = 1024
MAX_ANSWERS = 10_000
# Bodies are shared with the caches, but may outlive their eviction there; their compressed
# copies add about a fifth.
MAX_BYTES = 32 * 2**20

Headers = tuple[tuple[str, str], ...]


class Source(Protocol):
    """A cache that offers answers: ``generation`` moves when it forgets them."""

    generation: int


@dataclass(frozen=True)
class Offer:
    body: bytes
    headers: Headers  # those its cache wrote: Content-Type, ETag, Last-Modified...
    scopes: tuple[str, ...]
    revisions: tuple[Revision, ...]
    source: Source
    generation: int
    today: date | None  # the date it shows, if it shows one
    until: datetime | None  # when it changes by itself
    endpoint: str
    logged_path: str


def offer(body: bytes, headers: Iterable[tuple[str, str]], scopes: tuple[str, ...],
          revisions: tuple[Revision, ...], source: Source, *, today: date | None = None,
          until: datetime | None = None) -> None:
    """Offer the answer Flask is giving an anonymous visitor to the front cache."""
    request.environ[OFFER_KEY] = Offer(
        body=body, headers=tuple(headers), scopes=scopes, revisions=revisions, source=source,
        generation=source.generation, today=today, until=until,
        endpoint=request.url_rule.endpoint if request.url_rule else "none",
        logged_path=loggable_path())


class _Variant:
    """One representation of an answer: its body, ETag and the headers of its 200 and 304."""

    __slots__ = ("body", "etag", "modified", "not_modified")

    def __init__(self, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.body = body
        self.etag = next((value for name, value in headers if name.lower() == "etag"), None)
        self.modified = [*headers, ("Content-Length", str(len(body)))]
        self.not_modified = list(headers)
        remove_entity_headers(self.not_modified)  # as Werkzeug writes a 304


class _Answer:
    __slots__ = ("_gzipped", "identity", "last_modified", "offer", "seen")

    def __init__(self, offer: Offer, final_headers: Iterable[tuple[str, str]]) -> None:
        written = {name.lower() for name, _ in offer.headers}
        headers = [(name, value) for name, value in (*offer.headers, *(
            (name, value) for name, value in final_headers if name.lower() not in written))
            if name.lower() not in _PER_REQUEST]
        self.offer, self.identity = offer, _Variant(offer.body, headers)
        self.seen: Mapping[str, Revision] | None = None  # revisions it was last checked against
        self.last_modified = next((value for name, value in headers
                                   if name.lower() == "last-modified"), None)
        self._gzipped: _Variant | None = None

    @property
    def body(self) -> bytes:
        return self.identity.body

    def gzipped(self) -> _Variant | None:
        """The body compressed once, for the clients that accept it (None when too small to
        gain). Cached answers hold no secret (no CSRF token, nothing personal): compressing
        them gives BREACH nothing to guess."""
        if self._gzipped is None and len(self.body) >= GZIP_MIN_BYTES and self.identity.etag:
            headers = []
            for name, value in self.identity.modified[:-1]:  # all but its Content-Length
                if name.lower() == "etag":
                    value = f'{value[:-1]}-gz"'  # another representation, another ETag
                elif name.lower() == "vary":
                    value = f"{value}, Accept-Encoding"
                headers.append((name, value))
            if not any(name.lower() == "vary" for name, _ in headers):
                headers.append(("Vary", "Accept-Encoding"))
            self._gzipped = _Variant(gzip.compress(self.body, compresslevel=6, mtime=0),
                                     [*headers, ("Content-Encoding", "gzip")])
        return self._gzipped

    def take_gzipped_from(self, earlier: _Answer) -> None:
        """The same body answered again (Flask looked again): keep its compressed copy."""
        if earlier.identity.etag == self.identity.etag and earlier.body == self.body:
            self._gzipped = earlier._gzipped


class FrontCache:
    def __init__(self, app: Flask, wsgi_app: WSGIApplication,
                 revisions: ContentRevisions) -> None:
        self.app, self.wsgi_app, self.revisions = app, wsgi_app, revisions
        self.config = app.config
        self.answered = 0  # answers given here (tests count them)
        self._answers: dict[tuple, _Answer] = {}
        self._bytes = 0
        self._lock = threading.Lock()  # for the writers (threaded workers); readers need none

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if not self._anonymous(environ):
            return self.wsgi_app(environ, start_response)
        key = self._key(environ)
        answer = self._answers.get(key)
        if answer is not None and self._valid(answer):
            return self._answer(answer, environ, start_response)
        final: list = []

        def capture(status: str, headers: list[tuple[str, str]],
                    exc_info: Any = None) -> Callable[[bytes], object]:
            final[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        offered = environ.get(OFFER_KEY)
        if offered is not None and final and final[0][:3] in ("200", "304") \
                and not any(name.lower() == "set-cookie" for name, _ in final[1]):
            self._keep(key, _Answer(offered, final[1]))
        return body

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._bytes = 0

    def _anonymous(self, environ: dict) -> bool:
        if "HTTP_IF_MATCH" in environ:  # a 412 is Flask's to write
            return False
        cookie = environ.get("HTTP_COOKIE")
        return anonymous_read(environ, parse_cookie(cookie) if cookie else {}, self.config)

    def _key(self, environ: dict) -> tuple:
        return (*(environ.get(name) for name in _ADDRESS), settings_key(self.app))

    def _valid(self, answer: _Answer) -> bool:
        offered = answer.offer
        if offered.source.generation != offered.generation:
            return False
        current = self.revisions.fresh()
        if current is None:
            return False
        if current is not answer.seen:  # a new mapping after each change: compare once
            if revisions_of(current, offered.scopes) != offered.revisions:
                return False
            answer.seen = current
        if offered.today is not None or offered.until is not None:
            moment = clock.now_in(self.config)
            if offered.today is not None and moment.astimezone(PARIS).date() != offered.today:
                return False
            if offered.until is not None and moment >= offered.until:
                return False
        return True

    def _keep(self, key: tuple, answer: _Answer) -> None:
        with self._lock:
            replaced = self._answers.pop(key, None)
            if replaced is not None:
                answer.take_gzipped_from(replaced)
            self._bytes += len(answer.body) - (len(replaced.body) if replaced else 0)
            self._answers[key] = answer
            while self._answers and (len(self._answers) > MAX_ANSWERS
                                     or self._bytes > MAX_BYTES):
                oldest = next(iter(self._answers))
                self._bytes -= len(self._answers.pop(oldest).body)

    def _answer(self, answer: _Answer, environ: dict,
                start_response: StartResponse) -> Iterator[bytes] | list[bytes]:
        started = time.perf_counter()
        identifier = request_id_of(environ)
        compressed = _accepts_gzip(environ) and answer.gzipped()
        # The client may hold either copy (Flask's answers are never compressed): a 304 says
        # that the one it holds is current.
        variants = (compressed, answer.identity) if compressed else (answer.identity,)
        held = next((variant for variant in variants if not is_resource_modified(
            environ, variant.etag, last_modified=answer.last_modified)), None)
        if held is None:
            status, code, headers, body = "200 OK", 200, variants[0].modified, variants[0].body
        else:
            status, code, headers, body = "304 NOT MODIFIED", 304, held.not_modified, b""
        start_response(status, [*headers, ("Date", http_date()), ("X-Request-ID", identifier)])
        self.answered += 1
        method, elapsed = environ["REQUEST_METHOD"], time.perf_counter() - started
        log_access(identifier, method, answer.offer.logged_path, code, elapsed)
        observe(answer.offer.endpoint, method, code, elapsed)
        return [body] if body and method == "GET" else []


def _accepts_gzip(environ: dict) -> bool:
    accepted = environ.get("HTTP_ACCEPT_ENCODING")
    if not accepted:
        return False
    return "gzip" in accepted and parse_accept_header(accepted).quality("gzip") > 0


def anonymous_read(environ: dict, cookies: Mapping[str, str], config: Mapping) -> bool:
    """A GET or HEAD without Authorization nor a session or remember-me cookie: its answer
    can hold nothing personal (app.page_cache)."""
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in environ:
        return False
    return not cookies or (config["SESSION_COOKIE_NAME"] not in cookies
                           and config.get("REMEMBER_COOKIE_NAME", "remember_token")
                           not in cookies)


_SCALARS = (str, int, float, bool, type(None))


def settings_key(app: Flask) -> int:
    """The settings a page may show (brand, featured campaign, frozen date). A deployment's
    are fixed when it starts; tests change them between requests (looking at them all costs
    about 20 µs, so only there and in debug mode)."""
    if not (app.testing or app.debug):
        return 0
    return hash(tuple(value for value in app.config.values() if isinstance(value, _SCALARS)))


def init_front_cache(app: Flask) -> None:
    """Last of the app's set-up: the front cache wraps every other middleware."""
    if not app.config["PAGE_CACHE_MAX_PAGES"]:
        return
    front = FrontCache(app, app.wsgi_app, app.extensions["content_revisions"])
    app.extensions["front_cache"] = front
    app.wsgi_app = front  # type: ignore[method-assign]  # WSGI middleware, as Flask documents
