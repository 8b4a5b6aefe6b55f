"""Background jobs: what a web request must not wait for (mail, reminders, purges).

A job is asked for inside the transaction of the change that needs it (``enqueue``) and handed
to the queue only once that transaction commits: a rolled-back change runs nothing, and a job
never sees data that is not there yet. The durable record is the database (the mail outbox,
the reminder flags), never the queue: if Redis loses a job, or a worker dies in the middle of
one, the scheduler's sweep every minute finds the work still to do (app.jobs.schedule).

Three ways to run them (``JOBS_MODE``, README « Tâches de fond »):
- ``rq``: queued in Redis (RQ), run by ``flask worker`` processes, on any host;
- ``thread``: a thread of the web process runs them, and the schedule (``make run`` without
  Redis: nothing more to start);
- ``eager``: run as soon as the transaction commits, in the same thread (tests).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING_KEY = "concerto_jobs"


def enqueue(task: str, *args: Any) -> None:
    """Run ``task`` (a name of app.jobs.tasks.TASKS) with ``args`` once the current
    transaction commits; forgotten if it rolls back."""
    from app.extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even of nothing else, forgets the job
    session.info.setdefault(_PENDING_KEY, []).append((task, args))


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    jobs = session.info.pop(_PENDING_KEY, None)
    if jobs:
        from app.jobs.dispatch import dispatch

        dispatch(jobs)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing committed
        session.info.pop(_PENDING_KEY, None)
