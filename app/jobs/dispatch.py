"""Hand committed jobs to whatever runs them (``JOBS_MODE``, see app.jobs).

In ``rq`` mode a web request talks to Redis once per commit (a pipeline), bounded by
REDIS_SOCKET_TIMEOUT_MS. When Redis fails, the jobs are not retried here: the work is in the
database, and the scheduler's next sweep hands it over again. For a few seconds after a
failure this process does not even try, so that a Redis that is gone costs one timeout, not
one per request.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from prometheus_client import Counter
from redis.exceptions import RedisError

from app import redis_client

Job = tuple[str, tuple[Any, ...]]

# The function RQ workers call: it opens an app context and runs the named task.
PERFORM = "app.jobs.worker.perform"
PAUSE_AFTER_REDIS_FAILURE = 5.0

JOBS_QUEUED = Counter("concerto_jobs_queued", "Jobs handed to the queue, by task", ["task"])
JOBS_NOT_QUEUED = Counter(
    "concerto_jobs_not_queued",
    "Jobs not handed to Redis because it was unreachable (the sweep hands them over later)",
    ["task"])

_redis_paused_until = 0.0


def jobs_mode(config: Mapping) -> str:
    return config.get("JOBS_MODE") or ("rq" if config.get("REDIS_URL") else "thread")


def this_app() -> Flask:
    """The app itself behind ``current_app``, to hand to other threads and to jobs (Flask's
    types declare ``current_app`` as a Flask, not as the proxy it is)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def dispatch(jobs: list[Job]) -> None:
    app = this_app()
    mode = jobs_mode(app.config)
    if mode == "eager":
        for task, args in jobs:
            run_now(app, task, args)
    elif mode == "thread":
        from app.jobs.local import runner_for

        runner_for(app).submit(jobs)
    else:
        to_redis(app, jobs)


def run_now(app: Flask, task: str, args: tuple[Any, ...]) -> None:
    """Run a job at once in its own app context (so in its own database session); an error is
    logged, never raised into the caller, as it would be by a worker."""
    from app.jobs.tasks import run

    with app.app_context():
        try:
            run(task, *args)
        except Exception:  # a job's failure must not undo or break what already committed
            app.logger.exception("Tâche %s en échec", task)


def rq_queue(config: Mapping, connection=None):
    from rq import Queue

    return Queue(config["JOBS_QUEUE"], connection=connection or redis_client.client(config))


def to_redis(app: Flask, jobs: list[Job]) -> bool:
    """Queue jobs in Redis in one round trip; False (logged, counted) if Redis failed."""
    global _redis_paused_until
    from rq import Queue

    if time.monotonic() < _redis_paused_until:
        _count(JOBS_NOT_QUEUED, jobs)
        return False
    queue = rq_queue(app.config)
    try:
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many([Queue.prepare_data(PERFORM, (task, *args), result_ttl=0,
                                                   failure_ttl=7 * 24 * 3600)
                                for task, args in jobs], pipeline=pipe)
            pipe.execute()
    except RedisError as error:
        _redis_paused_until = time.monotonic() + PAUSE_AFTER_REDIS_FAILURE
        app.logger.warning("File de tâches injoignable (%s) : %d tâche(s) reprises par le "
                           "prochain balayage", type(error).__name__, len(jobs))
        _count(JOBS_NOT_QUEUED, jobs)
        return False
    _count(JOBS_QUEUED, jobs)
    return True


def _count(counter: Counter, jobs: list[Job]) -> None:
    for task, _args in jobs:
        counter.labels(task).inc()
