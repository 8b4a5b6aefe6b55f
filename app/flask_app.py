"""The Flask class Concerto runs on: Flask, minus two costs paid on every request (measured on
an anonymous GET served from the page cache, about 0.8 ms in all: bench/README.md)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie (every anonymous visitor)
    gets an empty session without building the signing serializer first."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


class ConcertoFlask(Flask):
    session_interface = CookieSessions()

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask asks ``inspect`` at every call whether each hook and view is a coroutine
        function (some 15 hooks a request, 3 µs each); a plain function or bound method answers
        by its code's flags, as ``inspect`` would. Anything else goes the long way."""
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & inspect.CO_COROUTINE:
            return func
        return super().ensure_sync(func)
