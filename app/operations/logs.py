"""Logs: one line per event, with the request's id; JSON for a log collector, text for a person.

LOG_FORMAT=json (production's default) writes one JSON object per line: ``timestamp`` (UTC,
ISO 8601), ``level``, ``logger``, ``message``, ``request_id``, ``method``, ``path`` (null outside
a request), and on the access line that ends each request ``status`` and ``duration_ms``;
``exception`` holds a traceback. LOG_FORMAT=text (development) writes the same as a sentence.

Every request has an id: the ``X-Request-ID`` it came with, if short and made of safe characters
(a proxy's id, so that its log and ours meet), else a new one. It is sent back in the
``X-Request-ID`` response header and is in every log line written while the request runs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ID_KEY, _STARTED_KEY = "concerto.request_id", "concerto.started"
# Fields that the request filter adds to every record (None outside a request).
CONTEXT_FIELDS = ("request_id", "method", "path")
ACCESS_FIELDS = ("status", "duration_ms")
access_logger = logging.getLogger("concerto.access")


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    if not has_request_context():
        return None
    return request_id_of(request.environ)


def request_id_of(environ: dict) -> str:
    """The id of the request ``environ`` describes, chosen at the first call."""
    if _ID_KEY not in environ:
        supplied = environ.get("HTTP_X_REQUEST_ID", "")
        environ[_ID_KEY] = supplied if _SAFE_REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
    return environ[_ID_KEY]


def elapsed_seconds() -> float | None:
    """Time since the request reached the app (None outside a request)."""
    if not has_request_context() or _STARTED_KEY not in request.environ:
        return None
    return time.perf_counter() - request.environ[_STARTED_KEY]


def loggable_path() -> str:
    """The request's path, with the secret of a signed link (a ``<token>`` in the URL: a
    registration's management link, a password link...) masked: logs are read by operators,
    who must not be able to use those links."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, "…")
    return path


class RequestContextFilter(logging.Filter):
    """Adds the request's id, method and path to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request_id"):  # the access line brings its own
            return True
        in_request = has_request_context()
        record.request_id = request_id() if in_request else None
        record.method = request.method if in_request else None
        record.path = loggable_path() if in_request else None
        return True


class DropDevServerRequestLines(logging.Filter):
    """The development server logs each request itself; ours (concerto.access) says more."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "werkzeug" and isinstance(record.msg, str)
                    and record.msg.rstrip().endswith('"%s" %s %s'))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in (*CONTEXT_FIELDS, *ACCESS_FIELDS):
            entry[field] = getattr(record, field, None)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class _StderrHandler(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test runner may swap it)."""

    concerto = True  # marks the handler this module installed, to replace it, never to add one

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, in LOG_FORMAT, at LOG_LEVEL. Not under tests: pytest
    collects the logs itself."""
    if app.testing:
        return
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json"
                         else TextFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(DropDevServerRequestLines())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "concerto", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"].upper())
    # Neither format shows where a line was written from, nor the thread or process: the
    # logging HOWTO's "Optimization" switches spare each line the stack walk and look-ups
    # (some 50 µs of the 0.5 ms an anonymous request from the cache costs).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    app.logger.removeHandler(default_handler)  # the root handler writes the app's lines too


def _timed(wsgi_app):
    def timed_app(environ, start_response):
        environ[_STARTED_KEY] = time.perf_counter()
        return wsgi_app(environ, start_response)

    return timed_app


def _finish_request(response: Response) -> Response:
    # The line's fields computed once, here (the filter would look them up again).
    identifier, method, path = request_id_of(request.environ), request.method, loggable_path()
    response.headers[REQUEST_ID_HEADER] = identifier
    log_access(identifier, method, path, response.status_code, elapsed_seconds())
    return response


def log_access(identifier: str, method: str, path: str, status: int,
               elapsed: float | None) -> None:
    """The line that ends a request."""
    if access_logger.isEnabledFor(logging.INFO):
        duration_ms = round(elapsed * 1000, 1) if elapsed is not None else None
        access_logger.info("%s %s %s %s ms", method, path, status, duration_ms,
                           extra={"request_id": identifier, "method": method, "path": path,
                                  "status": status, "duration_ms": duration_ms})


def init_logs(app: Flask) -> None:
    configure_logging(app)
    # The clock starts before any hook runs. Flask's documented way to wrap the WSGI app,
    # which its types declare as a method.
    app.wsgi_app = _timed(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(_finish_request)
