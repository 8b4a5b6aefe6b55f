"""A job queue of the test's own in the tests' Redis, and a worker that empties it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from rq import SimpleWorker

from app.jobs import dispatch, worker


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@contextmanager
def private_queue(app: Flask) -> Iterator[str]:
    """``JOBS_MODE=rq`` on a queue named for this test alone, deleted afterwards."""
    name = f"concerto-test-{os.getpid()}-{time.monotonic_ns()}"
    app.config.update(JOBS_MODE="rq", REDIS_URL=redis_url(), JOBS_QUEUE=name)
    dispatch._redis_paused_until = 0.0
    try:
        yield name
    finally:
        dispatch.rq_queue({**app.config, "REDIS_URL": redis_url()}).delete(delete_jobs=True)


def work_the_queue(app: Flask) -> None:
    """What `flask worker --burst` does: every job waiting, run in this app, then return."""
    worker._app = app
    try:
        connection = worker.worker_connection(app.config)
        SimpleWorker([dispatch.rq_queue(app.config, connection)],
                     connection=connection).work(burst=True)
    finally:
        worker._app = None
