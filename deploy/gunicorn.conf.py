"""gunicorn settings for Concerto: ``gunicorn -c deploy/gunicorn.conf.py`` (wsgi:app).

Every value can be overridden from the environment (the systemd unit's EnvironmentFile, or
compose): GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE, GUNICORN_MAX_REQUESTS, GUNICORN_PRELOAD,
GUNICORN_ACCESS_LOG, FORWARDED_ALLOW_IPS, and the app's own LOG_FORMAT and LOG_LEVEL.
deploy/README.md explains the sizing.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gunicorn import glogging

ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return default if not raw else raw in {"1", "true", "yes", "on"}


def _cores() -> int:
    """The cores this process may run on (a CPU set from systemd or a container counts)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# --- Where the app is, where it listens ------------------------------------------------------
wsgi_app = "wsgi:app"
chdir = str(ROOT)
# nginx on the same host proxies here; /metrics is scraped here too (with METRICS_TOKEN), never
# through nginx. In a container: GUNICORN_BIND=0.0.0.0:8000.
bind = [address.strip() for address in
        os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]

# --- Processes and threads -------------------------------------------------------------------
# Two processes per core, four threads each: a request spends most of its time waiting for
# PostgreSQL (about 25 statements for a registration), and threads overlap those waits, while
# HTML rendering and calendar files are CPU work that only more processes spread over the
# cores. 2 cores: 4 × 4 = 16 requests at once, each thread with its own database connection
# (SQLAlchemy's pool keeps 5 per process, so threads never wait for one); PostgreSQL must
# allow workers × threads plus the job workers (max_connections = 100 by default).
workers = _env_int("GUNICORN_WORKERS", 2 * _cores())
worker_class = "gthread"  # explicit: with threads = 1 gunicorn would pick the sync worker
threads = _env_int("GUNICORN_THREADS", 4)

# --- Time limits -----------------------------------------------------------------------------
# The slowest requests measured (bench/README.md, 2-core machine) take about 8 s: the writing
# help for one département (7,709 contributions, 7.8 s) and the region's open-data CSV
# (100,000 rows, 7.9 s, streamed). A loaded machine runs them three or four times slower, so
# 60 s leaves room for them and for the 5 s database connection timeout. With gthread
# workers this is not a limit on one request: the master kills a worker whose main loop stops
# beating for this long (a deadlock, a C extension holding the GIL); a request that is merely
# slow is bounded by nginx's proxy_read_timeout (also 60 s, between two reads). Heavier work
# (documents, mails) belongs to `flask worker`, not to a request.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
# On restart or stop (SIGTERM, SIGHUP), requests in flight get this long to finish; the
# systemd unit waits a little longer (TimeoutStopSec=45).
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (with jitter, so not all at once): the memory
# that scikit-learn, matplotlib or WeasyPrint grew in it goes back to the system.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0

# --- Preloading --------------------------------------------------------------------------------
# The app is imported once, in the master, and the workers are forked from it: faster starts
# and restarts (max_requests), memory shared until written. Safe here: create_app opens no
# connection (the database pool and Redis connect on first use, and post_worker_init below
# drops anything a pool might still have inherited) and starts no thread (in "thread" jobs
# mode the runner starts with a worker's first request). The price: new code needs a restart
# (systemctl restart concerto-web), not a HUP. GUNICORN_PRELOAD=0 turns it off.
preload_app = _env_flag("GUNICORN_PRELOAD", True)

# The heartbeat file lives in memory: a slow or read-only disk must not make the master
# believe a worker is stuck (and the units' ProtectSystem leaves /dev/shm writable).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicornc's control socket: in the unit's RuntimeDirectory (/run/concerto-web), which
# systemd gives the service; elsewhere gunicorn's default ($XDG_RUNTIME_DIR, else the home
# folder; a warning and no socket if neither is writable).
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")

# --- Behind the reverse proxy ---------------------------------------------------------------
# Who may tell gunicorn that the request came over HTTPS (X-Forwarded-Proto): nginx on this
# host. The app itself reads X-Forwarded-For/-Proto/-Host from TRUSTED_PROXIES hops (ProxyFix,
# app/__init__.py): keep both in step (deploy/README.md, « Derrière nginx »). Only
# X-Forwarded-Proto counts: nginx sets it, and the two other headers gunicorn would believe
# by default could be sent by a client and contradict it (a 400).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# --- Logs ------------------------------------------------------------------------------------
# The app's own lines (LOG_FORMAT=json in production) go to stderr, with the request id.
# gunicorn's access log goes to stdout, one line per response once its last byte is sent
# (with bytes and full time, streaming included); in JSON when LOG_FORMAT is json, with the
# same request id and the secret of a signed link masked, as in the app's lines.
# GUNICORN_ACCESS_LOG= (empty) turns it off: the app's concerto.access line says nearly as much.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").lower()
access_log_format = ('%(h)s - - %(t)s "%(m)s %({masked_path}e)s %(H)s" %(s)s %(B)s '
                     '"%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s')
proc_name = "concerto-web"

_worker_app: dict[str, object] = {}  # the Flask app this worker serves (post_worker_init)


def masked_path(environ: dict) -> str:
    """The request's path, with each ``<token>`` of the matched route replaced by « … » (a
    registration's management link, a password link: operators must not be able to use
    them), as the app's own log lines do. Without the app, the bare path."""
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
    app = _worker_app.get("app")
    if app is None:
        return path
    from werkzeug.routing import RequestRedirect

    try:
        adapter = app.create_url_adapter(app.request_class(environ, shallow=True))
        try:
            _endpoint, arguments = adapter.match(method=environ.get("REQUEST_METHOD"))
        except RequestRedirect as redirect:  # e.g. merged slashes: the target holds the token
            _endpoint, arguments = adapter.match(unquote(urlsplit(redirect.new_url).path))
    except Exception:  # no route (404, 405): no token in it to hide
        return path
    for name, value in arguments.items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, "…")
    return path


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line, with the field names of the app's lines
    (app/operations/logs.py): a collector reads both alike. Not that module's formatter: this
    file is read by gunicorn's master, which without preloading never imports the app."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ConcertoLogger(glogging.Logger):
    """gunicorn's logger, with JSON lines when LOG_FORMAT=json and masked paths always."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if LOG_FORMAT == "json":
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonLineFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        environ["masked_path"] = masked_path(environ)
        if LOG_FORMAT != "json":
            super().access(resp, req, environ, request_time)
            return
        try:
            status = int(str(resp.status).split(None, 1)[0])
            headers = {name.lower(): value for name, value in resp.headers}
            duration_ms = round(request_time.total_seconds() * 1000, 1)
            fields = {
                "request_id": headers.get("x-request-id"),
                "method": environ.get("REQUEST_METHOD"),
                "path": environ["masked_path"],
                "status": status,
                "duration_ms": duration_ms,
                "bytes": getattr(resp, "sent", None),
            }
            self.access_log.info("%s %s %s %s ms", fields["method"], fields["path"], status,
                                 duration_ms, extra={"fields": fields})
        except Exception:
            self.exception("Ligne d’accès impossible à écrire")


logger_class = ConcertoLogger


# --- Hooks -----------------------------------------------------------------------------------
def on_starting(server) -> None:
    """Before the workers: empty the metrics folder (files of a previous run would be added to
    this one's), and say what a missing Redis means with several workers."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    if not os.environ.get("REDIS_URL") and server.cfg.workers > 1:
        server.log.warning(
            "REDIS_URL absent : les limites anti-abus sont comptées par worker et chaque worker "
            "suit le calendrier des tâches ; réglez REDIS_URL et lancez flask worker / flask "
            "scheduler (deploy/README.md).")


def post_worker_init(worker) -> None:
    """In each new worker: remember its app (for masked_path) and drop the database
    connections a preloaded app might have opened in the master, so that no two processes
    ever share one (SQLAlchemy's advice for forks: dispose(close=False))."""
    app = getattr(worker, "wsgi", None)
    if app is None or "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not Concerto (the benchmark's bare endpoint runs with this file too)
    _worker_app["app"] = app
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def child_exit(_server, worker) -> None:
    """A worker is gone: forget its live gauges in /metrics (app.operations.metrics)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from app.operations.metrics import mark_worker_dead

        mark_worker_dead(worker.pid)


def worker_abort(worker) -> None:
    """The master is killing a worker that gave no sign of life for ``timeout`` seconds."""
    worker.log.critical("Worker %s arrêté : aucun signe de vie depuis %s s (voir timeout, "
                        "deploy/gunicorn.conf.py)", worker.pid, worker.cfg.timeout)
