"""The one place Redis connections are set up: every user of Redis (rate limits, readiness)
gives up quickly when Redis is slow or gone, instead of holding a request.

A Redis that accepts connections and never answers (« black-holed ») would otherwise keep a
request waiting on the operating system's TCP timeouts, many seconds. With these options a
command fails after REDIS_SOCKET_TIMEOUT_MS (to connect, or to read the answer), and is not
retried: the caller decides what to do without Redis (rate limits count in memory).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def connection_options(config: Mapping) -> dict[str, object]:
    """Keyword arguments for ``redis.from_url`` (and Flask-Limiter's storage options)."""
    timeout = int(config.get("REDIS_SOCKET_TIMEOUT_MS", 300)) / 1000
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout,
            # redis-py retries some failures by default: each retry would cost another timeout.
            "retry": Retry(NoBackoff(), 0)}


def client(config: Mapping) -> redis.Redis:
    """A client for ``REDIS_URL`` with the short timeouts above (one connection pool per
    process and URL)."""
    return _client(config["REDIS_URL"], int(config.get("REDIS_SOCKET_TIMEOUT_MS", 300)))


@functools.cache
def _client(url: str, timeout_ms: int) -> redis.Redis:
    return redis.from_url(url, **connection_options({"REDIS_SOCKET_TIMEOUT_MS": timeout_ms}))
