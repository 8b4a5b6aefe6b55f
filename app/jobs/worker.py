"""The processes that run jobs: ``flask worker`` and ``flask scheduler`` (README « Tâches de
fond », deploy/).

The worker is RQ's ``SimpleWorker``: it runs each job in its own process rather than forking
one per job. Our jobs are short (a mail, a sweep), a fork would each time lose the database
pool and copy a process that has imported the app; a job that hangs is stopped by RQ's
timeout, and a worker that dies is restarted by systemd — its mails come back to the queue
when their lease ends. Without Redis, ``flask worker`` runs the same jobs from the outbox on
the schedule, in the foreground.
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from typing import Any

import click
import redis
from flask import Flask
from flask.cli import with_appcontext

from app import redis_client
from app.jobs import schedule
from app.jobs.dispatch import jobs_mode, rq_queue, this_app, to_redis

_app: Flask | None = None  # the app a worker process runs its jobs in


def perform(task: str, *args: Any) -> Any:
    """What RQ calls: the named task, in an app context of this worker's app."""
    from app.jobs.tasks import run

    app = _app
    if app is None:  # a worker started some other way (rq worker …)
        from app import create_app

        app = create_app()
    with app.app_context():
        return run(task, *args)


def worker_connection(config) -> redis.Redis:
    """A worker waits for jobs in a blocking call: no short read timeout here (the web
    process's client has one), only on connecting."""
    return redis.from_url(config["REDIS_URL"], socket_connect_timeout=2,
                          health_check_interval=30)


@click.command("worker")
@click.option("--burst", is_flag=True, help="S’arrête quand la file est vide (tests, reprise).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Exécute les tâches de fond (envoi des courriels…) : `make worker`."""
    global _app
    _app = this_app()
    if jobs_mode(_app.config) != "rq":
        click.echo("Pas de REDIS_URL : les tâches sont prises dans la base, au calendrier.")
        _run_without_redis(_app, burst)
        return
    _work_through_outages(_app, burst)


def _work_through_outages(app: Flask, burst: bool) -> None:
    """RQ's loop, started again when Redis fails under it (RQ quits on an error of its own
    connection): the worker waits for Redis with a growing pause instead of exiting, so that
    an outage needs no restart. Jobs lost meanwhile are found again by the sweeps."""
    from rq import SimpleWorker

    stopping = threading.Event()
    pause = 1.0
    while not stopping.is_set():
        connection = worker_connection(app.config)
        worker = SimpleWorker([rq_queue(app.config, connection)], connection=connection)
        try:
            worker.work(burst=burst, logging_level=app.config.get("LOG_LEVEL", "INFO"))
            return  # stopped (a signal), or the queue is empty in burst mode
        except redis.RedisError as error:
            app.logger.warning("Worker : Redis injoignable (%s), nouvel essai dans %.0f s",
                               type(error).__name__, pause)
        _stop_on_signals(stopping)  # RQ's handlers are gone with its loop
        if stopping.wait(pause):
            return
        pause = min(pause * 2, 30.0)


def _run_without_redis(app: Flask, burst: bool) -> None:
    from app.jobs.local import runner_for

    runner = runner_for(app)
    if burst:
        from app.jobs.dispatch import run_now

        run_now(app, "mail.sweep", ())
        return
    _stop_on_signals(runner.stopping)
    runner.run_forever()


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Un seul passage (tests).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Met en file les tâches périodiques (relances des courriels, rappels, purge), une fois
    par créneau quel que soit le nombre d’hôtes qui le lancent."""
    app = this_app()
    if jobs_mode(app.config) != "rq":
        raise click.ClickException("flask scheduler a besoin de REDIS_URL ; sans Redis, "
                                   "flask worker (ou make run) suit le calendrier lui-même.")
    # The web's client, with its short timeouts: a Redis that never answers must not hold the
    # scheduler (the worker's client waits for jobs, without a read timeout).
    claims = schedule.RedisClaims(redis_client.client(app.config))
    stopping = threading.Event()
    _stop_on_signals(stopping)
    while True:
        try:
            started = schedule.tick(claims, lambda task: to_redis(app, [(task, ())]),
                                    prefix=app.config["JOBS_QUEUE"])
        except redis.RedisError as error:
            app.logger.warning("Planificateur : Redis injoignable (%s)", type(error).__name__)
        else:
            if started:
                app.logger.info("Planificateur : %s", ", ".join(started))
        if once or stopping.wait(_seconds_to_next_tick()):
            return


def _seconds_to_next_tick(period: float = 10.0) -> float:
    moment = datetime.now(UTC).timestamp()
    return period - moment % period + 0.05


def _stop_on_signals(stopping: threading.Event) -> None:
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopping.set())
