"""Prometheus metrics at ``/metrics`` (the official prometheus_client).

Counted by each process as requests come: requests and their latency per route (the endpoint's
name, never the raw path, so that a scanner's random URLs make no new series) and status, the
database pool (connections checked out, pool size), the rate limits' fallbacks when Redis is
gone (see app.ratelimits).

Read from the database when /metrics is scraped: mails by status and the age of the oldest one
waiting, registrations and contributions by status; from Redis, the job queue's depth, its
oldest job's age and its workers. Counted by the workers: mails sent, failed attempts, lease
takeovers (app.mail_delivery). Queries rather than counters fed by signals:
the database is the truth whatever process, command or import wrote the rows, and a counter
would start again from zero at each restart and count per process. They are a few grouped
counts on indexed or small tables, once per scrape (every 15 to 60 seconds).

Several processes (gunicorn workers): each has its own counters. With PROMETHEUS_MULTIPROC_DIR
set to an empty folder before the server starts, prometheus_client keeps them in files there and
/metrics adds up every worker's (README « Exploitation »; gunicorn's ``child_exit`` hook calls
``mark_worker_dead``).

/metrics is not public: METRICS_TOKEN (a bearer token) or METRICS_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, make_response, request
from flask.typing import ResponseReturnValue
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.operations.logs import elapsed_seconds

bp = Blueprint("metrics", __name__)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("concerto_http_requests", "HTTP requests answered, by route and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("concerto_http_request_duration_seconds",
                    "Time to answer an HTTP request, by route", ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
DB_POOL_CHECKED_OUT = Gauge("concerto_db_pool_checked_out",
                            "Database connections in use (all processes)",
                            multiprocess_mode="livesum")
DB_POOL_SIZE = Gauge("concerto_db_pool_size",
                     "Database connections each pool keeps (all processes, added up)",
                     multiprocess_mode="livesum")
RATELIMIT_FALLBACK_REQUESTS = Counter(
    "concerto_ratelimit_fallback_requests",
    "Rate-limited requests counted in a process's memory because Redis was unreachable")
RATELIMIT_STORAGE_LOST = Counter(
    "concerto_ratelimit_storage_lost", "Times a process lost Redis and fell back to memory")
RATELIMIT_STORAGE_DOWN = Gauge(
    "concerto_ratelimit_storage_down", "1 while a process counts its rate limits in memory",
    multiprocess_mode="livemax")


def mark_worker_dead(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook: forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


# ---------------------------------------------------------------- counted per request


def _endpoint() -> str:
    return request.url_rule.endpoint if request.url_rule is not None else "none"


def _observe(response: Response) -> Response:
    observe(_endpoint(), request.method, response.status_code, elapsed_seconds())
    return response


def observe(endpoint: str, method: str, status: int, elapsed: float | None) -> None:
    """Count an answer and its duration."""
    method = method if method in _METHODS else "other"
    REQUESTS.labels(endpoint, method, str(status)).inc()
    if elapsed is not None:
        LATENCY.labels(endpoint, method).observe(elapsed)


def instrument_pool(engine: Engine) -> None:
    """Keep the pool gauges current as connections are checked out and returned."""
    size = getattr(engine.pool, "size", None)
    if callable(size):
        DB_POOL_SIZE.set(size())

    @event.listens_for(engine, "checkout")
    def _checked_out(*_args) -> None:
        DB_POOL_CHECKED_OUT.inc()

    @event.listens_for(engine, "checkin")
    def _checked_in(*_args) -> None:
        DB_POOL_CHECKED_OUT.dec()


# ---------------------------------------------------------------- read at scrape time


class DatabaseCollector:
    """Figures read from the database at each scrape; ``concerto_database_up`` says whether
    they could be."""

    def describe(self) -> list:
        return []  # nothing to ask the database when the collector is registered

    def collect(self):
        up = GaugeMetricFamily("concerto_database_up", "1 if the database answered the scrape")
        try:
            with db.engine.connect() as connection:
                families = _database_families(connection)
        except SQLAlchemyError as error:
            current_app.logger.warning("/metrics : base de données injoignable (%s)",
                                       type(error).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]


def _by_status(connection, table: sa.Table, name: str, documentation: str,
               known: list[str]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    counts = dict.fromkeys(known, 0)
    rows = connection.execute(sa.select(table.c.status, sa.func.count()).group_by(table.c.status))
    counts.update({str(getattr(status, "value", status)): number for status, number in rows})
    for status, number in sorted(counts.items()):
        family.add_metric([status], number)
    return family


def _database_families(connection) -> list[GaugeMetricFamily]:
    from app.contributions.models import Contribution, ContributionStatus
    from app.mail import MailStatus, OutboundMail
    from app.registrations.models import Registration, RegistrationStatus

    mails = OutboundMail.__table__
    oldest = connection.scalar(sa.select(sa.func.min(mails.c.created_at))
                               .where(mails.c.status == MailStatus.PENDING))
    waiting = GaugeMetricFamily("concerto_mail_oldest_pending_age_seconds",
                                "Age of the oldest mail waiting to be sent (0: none)")
    waiting.add_metric([], _age_seconds(oldest))
    return [
        _by_status(connection, mails, "concerto_mails", "Mails in the outbox, by status",
                   [status.value for status in MailStatus]),
        waiting,
        _by_status(connection, Registration.__table__, "concerto_registrations",
                   "Registrations, by status", [status.value for status in RegistrationStatus]),
        _by_status(connection, Contribution.__table__, "concerto_contributions",
                   "Contributions, by status", [status.value for status in ContributionStatus]),
    ]


def _age_seconds(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


class QueueCollector:
    """The job queue at each scrape: jobs waiting, the oldest one's age, jobs RQ gave up on,
    workers alive (``concerto_job_queue_up`` 0 when Redis did not answer)."""

    def describe(self) -> list:
        return []

    def collect(self):
        from app.jobs.status import queue_state

        state = queue_state(current_app.config)
        if state.mode != "rq":
            return []
        up = GaugeMetricFamily("concerto_job_queue_up", "1 if Redis answered the scrape")
        up.add_metric([], int(state.reachable))
        families = [up]
        for name, documentation, value in (
                ("concerto_job_queue_waiting", "Jobs waiting in the queue", state.waiting),
                ("concerto_job_queue_oldest_age_seconds",
                 "Age of the oldest job waiting (0: none)", state.oldest_age_seconds),
                ("concerto_job_queue_failed", "Jobs in RQ's failed registry", state.failed),
                ("concerto_job_workers", "Workers listening on the queue", state.workers)):
            if state.reachable:
                family = GaugeMetricFamily(name, documentation)
                family.add_metric([], value)
                families.append(family)
        return families


# ---------------------------------------------------------------- the endpoint


def _allowed_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in setting.split(",") if part.strip()]


def _check_access() -> None:
    """A bearer token when METRICS_TOKEN is set; otherwise the client's network."""
    config = current_app.config
    if config["METRICS_TOKEN"]:
        supplied = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(supplied, f"Bearer {config['METRICS_TOKEN']}".encode()):
            refusal = make_response("Jeton de supervision absent ou incorrect.\n", 401)
            refusal.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            refusal.mimetype = "text/plain"
            abort(refusal)
        return
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        abort(403)
    if not any(client in network for network in
               _allowed_networks(config["METRICS_ALLOWED_NETWORKS"])):
        abort(403)


@bp.get("/metrics")
def scrape() -> ResponseReturnValue:
    """Every process's counters, then the database's figures, in Prometheus' text format."""
    _check_access()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    database.register(QueueCollector())
    response = Response(counted + generate_latest(database), mimetype=CONTENT_TYPE_LATEST)
    response.cache_control.no_store = True
    return response


def init_metrics(app: Flask) -> None:
    with app.app_context():
        instrument_pool(db.engine)
    app.after_request(_observe)
