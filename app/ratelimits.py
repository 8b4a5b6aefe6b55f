"""Abuse limits on public writes (contributions, supports), per IP and per email.

Counters live in Redis when ``REDIS_URL`` is set, so every app process shares them; otherwise in
each process's memory (enough for one process, as with ``make run``). The limits themselves are
settings, read at each request.

Redis unreachable (stopped, or accepting and never answering): the limits fail open *per
process*. The first request that finds Redis gone waits at most REDIS_SOCKET_TIMEOUT_MS, then
Flask-Limiter counts in this process's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and tries
Redis again now and then (after 1, 2, 4... seconds); once Redis answers, counting is shared again.
Meanwhile each process allows the full quota, and the counts reached in Redis before the outage
are not seen. Each switch is logged, and counted in /metrics.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.redis_client import connection_options

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
logger = logging.getLogger(__name__)
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_limiter(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "concerto")
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", connection_options(app.config))
    registries: tuple[dict[str | None, list[Any]], ...] = (
        app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    known = [set(registry.get(None, ())) for registry in registries]
    limiter.init_app(app)
    for registry, before in zip(registries, known, strict=True):
        registry[None] = [hook if hook in before else _on_writes_only(hook)
                          for hook in registry[None]]
    limiter.logger.addFilter(_no_second_wait)
    app.teardown_request(_on_writes_only(_watch_storage))


def _on_writes_only(hook: Callable) -> Callable:
    """Every limit is on POSTs (per_ip, per_email): Flask-Limiter's hooks, which cost about
    0.1 ms on each request, are skipped for reading ones (GET, HEAD, OPTIONS)."""
    @functools.wraps(hook)
    def run(*args):
        if request.method in READING_METHODS:
            return args[0] if args and isinstance(args[0], Response) else None
        return hook(*args)

    return run


def _no_second_wait(record: logging.LogRecord) -> bool:
    """Flask-Limiter (4.1), finding Redis gone, switches to memory and at once asks Redis again
    whether it is back (its clock of checks starts when the app is imported): a second timeout
    in the same request. It logs this warning just before: restart that clock here, so that the
    next check comes a second later, from another request."""
    if record.getMessage().startswith("Rate limit storage unreachable"):
        # Its private clock (name-mangled), which no type describes.
        limiter._Limiter__last_check_backend = time.time()  # type: ignore[attr-defined]
    return True


def storage_is_down() -> bool:
    """Whether this process counts in memory because the shared storage failed.

    Flask-Limiter (4.1) keeps this in a private attribute; tests/operations checks that it
    still turns on when Redis stops answering, so an upgrade that renames it fails there."""
    return bool(getattr(limiter, "_storage_dead", False))


class _StorageWatch:
    """What this process last saw of the storage, to log and count each switch once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False


_watch = _StorageWatch()


def _watch_storage(_error: BaseException | None = None) -> None:
    # After the request (teardown): Flask-Limiter has checked the limits, and switched to
    # memory if Redis failed. Limits are still in its request context here.
    from app.operations import metrics

    down = storage_is_down()
    if down and limiter.current_limits:
        metrics.RATELIMIT_FALLBACK_REQUESTS.inc()
    with _watch.lock:
        if down == _watch.down:
            return
        _watch.down = down
    metrics.RATELIMIT_STORAGE_DOWN.set(int(down))
    if down:
        metrics.RATELIMIT_STORAGE_LOST.inc()
        logger.warning("Redis injoignable : les limites anti-abus sont comptées dans la mémoire "
                       "de ce processus jusqu’à son retour")
    else:
        logger.warning("Redis joignable de nouveau : les limites anti-abus sont de nouveau "
                       "partagées entre processus")


def setting(name: str) -> Callable[[], str]:
    """A limit read from the configuration when the request comes (tests and deployments
    change it without code)."""
    return lambda: current_app.config[name]


def submitted_email() -> str:
    return "email:" + request.form.get("email", "").strip().lower()[:254]


def per_ip(name: str):
    """Limit a view's POSTs per client address."""
    return limiter.limit(setting(name), methods=["POST"], scope=name.lower())


def per_email(name: str):
    """Limit a view's POSTs per address typed in its ``email`` field (when there is one)."""
    return limiter.limit(setting(name), methods=["POST"], key_func=submitted_email,
                         scope=name.lower(),
                         exempt_when=lambda: not request.form.get("email", "").strip())
