"""``thread`` mode: one thread of this process runs the jobs and the schedule, so that
``make run`` without Redis delivers mail and sends reminders with nothing more to start.

One process only: a second process (another gunicorn worker) would run the schedule too.
Several processes need Redis (``rq`` mode).
"""

from __future__ import annotations

import queue
import threading
import weakref

from flask import Flask

from app.jobs import schedule
from app.jobs.dispatch import Job, run_now

TICK_SECONDS = 10.0

_runners: weakref.WeakKeyDictionary[Flask, LocalRunner] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class LocalRunner:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: queue.Queue[Job] = queue.Queue()
        self.claims = schedule.MemoryClaims()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread, or a new one after ``stop`` (the old one ends on its own event)."""
        if self.thread is None or self.stopping.is_set() or not self.thread.is_alive():
            self.stopping = threading.Event()
            self.thread = threading.Thread(target=self.run_forever, args=(self.stopping,),
                                           name="concerto-jobs", daemon=True)
            self.thread.start()

    def submit(self, jobs: list[Job]) -> None:
        self.start()
        for job in jobs:
            self.jobs.put(job)

    def run_forever(self, stopping: threading.Event | None = None) -> None:
        stopping = stopping or self.stopping
        while not stopping.is_set():
            schedule.tick(self.claims, lambda task: run_now(self.app, task, ()))
            try:
                task, args = self.jobs.get(timeout=TICK_SECONDS)
            except queue.Empty:
                continue
            run_now(self.app, task, args)

    def stop(self) -> None:
        self.stopping.set()


def start_with_first_request(app: Flask) -> None:
    """In ``thread`` mode, the schedule starts with the server's first request (not at import:
    `flask db upgrade` and the other commands run no schedule)."""
    from app.jobs.dispatch import jobs_mode

    if jobs_mode(app.config) != "thread":
        return
    started = threading.Event()

    @app.before_request
    def _start_jobs() -> None:
        if not started.is_set():
            started.set()
            runner_for(app).start()


def runner_for(app: Flask) -> LocalRunner:
    with _lock:
        runner = _runners.get(app)
        if runner is None:
            runner = _runners[app] = LocalRunner(app)
        return runner
