"""Abuse limits on public writes (contributions, supports), per IP and per email.

Counters live in Redis when ``REDIS_URL`` is set, so every app process shares them; otherwise in
each process's memory (enough for one process, as with ``make run``). The limits themselves are
settings, read at each request.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def init_limiter(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "concerto")
    limiter.init_app(app)


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
