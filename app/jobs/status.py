"""What the job queue holds now, for the administrators' page and /metrics: read at the time
of asking (Redis in ``rq`` mode, the process's own queue in ``thread`` mode)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.exceptions import RedisError

from app.jobs.dispatch import jobs_mode, rq_queue


@dataclass(frozen=True)
class QueueState:
    mode: str
    reachable: bool = True
    waiting: int = 0
    oldest_age_seconds: float = 0.0
    failed: int = 0  # jobs RQ gave up on (a worker died, a job raised)
    workers: int = 0

    @property
    def label(self) -> str:
        return {"rq": "File Redis (RQ), traitée par flask worker",
                "thread": "Dans le processus web (sans Redis)",
                "eager": "Immédiate (tests)"}[self.mode]


def queue_state(config: Mapping) -> QueueState:
    mode = jobs_mode(config)
    if mode != "rq":
        return QueueState(mode)
    from rq import Worker
    from rq.job import Job

    queue = rq_queue(config)
    try:
        waiting = queue.count
        oldest = 0.0
        first = queue.get_job_ids(0, 0)
        if first:
            job = Job.fetch(first[0], connection=queue.connection)
            if job.enqueued_at is not None:
                enqueued = job.enqueued_at.replace(tzinfo=job.enqueued_at.tzinfo or UTC)
                oldest = max(0.0, (datetime.now(UTC) - enqueued).total_seconds())
        return QueueState(mode, waiting=waiting, oldest_age_seconds=oldest,
                          failed=queue.failed_job_registry.count,
                          workers=Worker.count(queue=queue))
    except RedisError:
        return QueueState(mode, reachable=False)
