"""The deployment recipe (deploy/), run for real: backup.sh then restore.sh on PostgreSQL and
on SQLite, the data read back through the app; gunicorn with deploy/gunicorn.conf.py; nginx's
site in front of it when nginx is installed; the systemd units checked by systemd-analyze
when it is there; compose.yaml's structure.

PostgreSQL: two private databases, concerto_backup_src and concerto_backup_dst, created and
dropped here (never another one), on the server of TEST_DATABASE_URL or 127.0.0.1:5432."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from app import create_app, storage
from app.accounts.models import Role, User
from app.campaigns.models import Campaign, Step
from app.extensions import db
from app.settings import ENVIRONMENT_SETTINGS, normalise_database_url
from tests.factories import make_campaign, make_departement, make_region, make_step, make_user
from tests.operations.faults import report
from tests.operations.servers import ROOT, ServerProcess, environment, fetch, free_port

DEPLOY = ROOT / "deploy"
BACKUP, RESTORE = DEPLOY / "backup.sh", DEPLOY / "restore.sh"
SOURCE_DB, TARGET_DB = "concerto_backup_src", "concerto_backup_dst"
# Every byte value, as an uploaded PDF might hold: the restore must give them back unchanged.
PRESS_KIT = b"%PDF-1.7\n" + bytes(range(256)) * 64
STEP_TITLE = "Concertation « sauvegardée » — Lozère"

needs_pg_dump = pytest.mark.skipif(
    shutil.which("pg_dump") is None and not os.environ.get("CI"),
    reason="pg_dump absent (paquet postgresql-client) ; CI l’exige")


# ------------------------------------------------------------------ a database with some data

def _fill(database_url: str) -> dict[str, object]:
    """Migrate ``database_url`` and add some data through the app's factories and storage;
    what was written, to be found again."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                                 "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9})
    with app.app_context():
        upgrade()
        campaign = make_campaign(slug="demarche-sauvegardee", title="Démarche sauvegardée")
        lozere = make_departement("48", "Lozère", "Mende", parent=campaign.territory)
        step = make_step(campaign, lozere, title=STEP_TITLE, day=date(2022, 11, 4))
        make_user(Role.ADMIN, email="admin@ars.example")
        with storage.storing():
            key = storage.put("press", PRESS_KIT, "application/pdf")
            db.session.commit()
        facts = {"step_id": step.id, "file_key": key, "counts": _row_counts()}
        db.session.remove()
        db.engines[None].dispose()
    return facts


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table.name: connection.execute(sa.select(sa.func.count()).select_from(table))
                .scalar_one() for table in db.metadata.sorted_tables}


def _read_back(database_url: str, facts: dict[str, object]) -> dict[str, object]:
    """What the app finds in a restored database, through its models and its pages."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                                 "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9})
    with app.app_context():
        config = AlembicConfig()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        with db.engine.connect() as connection:
            at = set(MigrationContext.configure(connection).get_current_heads())
        stored = storage.get(facts["file_key"], "press")
        found = {
            "migrations_at_head": at == set(ScriptDirectory.from_config(config).get_heads()),
            "counts": _row_counts(),
            "step": db.session.get(Step, facts["step_id"]).title,
            "campaigns": sorted(db.session.scalars(sa.select(Campaign.slug))),
            "admin": db.session.scalar(sa.select(User.email).where(User.role == Role.ADMIN)),
            "file": stored.data if stored else None,
        }
        client = app.test_client()
        page = client.get(f"/etapes/{facts['step_id']}.ics")
        found["invitation"] = page.status_code, STEP_TITLE.encode() in page.data.replace(
            b"\r\n ", b"")
        db.session.remove()
        db.engines[None].dispose()
    return found


def _add_a_campaign_after_the_backup(database_url: str) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)})
    with app.app_context():
        make_campaign(make_region("84", "Auvergne-Rhône-Alpes"), slug="apres-la-sauvegarde")
        db.session.commit()
        db.session.remove()
        db.engines[None].dispose()


def _run(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(CONCERTO_ENV_FILE="/dev/null", **env)
    result = subprocess.run([str(script), *args], env=environment, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{script.name}: {result.stderr}"
    return result


def _backup(database_url: str, folder: Path, **env: str) -> Path:
    made = Path(_run(BACKUP, str(folder), DATABASE_URL=database_url, **env)
                .stdout.strip().splitlines()[-1])
    assert made.parent == folder and made.stat().st_size > 0
    return made


# ------------------------------------------------------------------ PostgreSQL

def _server_url() -> sa.URL:
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if test_url.startswith(("postgres://", "postgresql")):
        return sa.make_url(normalise_database_url(test_url))
    return sa.make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def postgres_pair():
    """Two empty private databases; dropped afterwards (these two only)."""
    server = _server_url()
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL injoignable ({error.orig})")

    def drop_and_create(create: bool) -> None:
        with admin.connect() as connection:
            for name in (SOURCE_DB, TARGET_DB):
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                if create:
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    drop_and_create(create=True)
    try:
        yield tuple(server.set(drivername="postgresql", database=name)
                    .render_as_string(hide_password=False) for name in (SOURCE_DB, TARGET_DB))
    finally:
        drop_and_create(create=False)
        admin.dispose()


@needs_pg_dump
def test_postgresql_backup_restores_every_row_into_another_database(postgres_pair, tmp_path):
    source, target = postgres_pair
    facts = _fill(source)
    made = _backup(source.replace("postgresql://", "postgresql+psycopg://"), tmp_path)
    assert made.name.startswith("concerto-") and made.suffix == ".dump"
    listing = subprocess.run(["pg_restore", "--list", str(made)], capture_output=True,
                             text=True, check=True).stdout
    assert "TABLE DATA public step" in listing and "TABLE DATA public stored_file" in listing

    _run(RESTORE, str(made), target)
    first = _read_back(target, facts)
    # Restoring over a database that has moved on gives back the backup, nothing more.
    _add_a_campaign_after_the_backup(target)
    _run(RESTORE, str(made), target)
    second = _read_back(target, facts)

    report("backup/restore PostgreSQL", backup_bytes=made.stat().st_size,
           tables=len(facts["counts"]), rows=sum(facts["counts"].values()), lost="nothing")
    for found in (first, second):
        assert found["counts"] == facts["counts"]
        assert found["migrations_at_head"]
        assert found["step"] == STEP_TITLE
        assert found["campaigns"] == ["demarche-sauvegardee"]
        assert found["admin"] == "admin@ars.example"
        assert found["file"] == PRESS_KIT
        assert found["invitation"] == (200, True)


@needs_pg_dump
def test_postgresql_restore_into_a_missing_database_says_to_create_it(postgres_pair, tmp_path):
    source, _target = postgres_pair
    _fill(source)
    made = _backup(source, tmp_path)
    missing = source.rsplit("/", 1)[0] + "/concerto_backup_absente"
    result = subprocess.run([str(RESTORE), str(made), missing], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "createdb" in result.stderr


# ------------------------------------------------------------------ SQLite

def test_sqlite_online_backup_restores_every_row(tmp_path):
    source = tmp_path / "instance" / "concerto.db"
    source.parent.mkdir()
    facts = _fill(f"sqlite:///{source}")
    # Another connection is in the middle of a write: the backup neither waits for it nor
    # holds its uncommitted row (WAL: readers and the writer do not block each other).
    writer = sqlite3.connect(source, timeout=5)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE pas_encore_validee (x)")
    writer.execute("INSERT INTO pas_encore_validee VALUES (1)")
    try:
        # A relative URL is in the instance folder, as the app reads it.
        made = _backup("sqlite:///concerto.db", tmp_path / "sauvegardes",
                       CONCERTO_INSTANCE=str(source.parent))
    finally:
        writer.rollback()
        writer.close()
    assert made.suffix == ".sqlite3"
    with sqlite3.connect(made) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        assert copy.execute("SELECT count(*) FROM sqlite_master WHERE name = "
                            "'pas_encore_validee'").fetchone()[0] == 0

    target = tmp_path / "restauree" / "concerto.db"
    _run(RESTORE, str(made), f"sqlite:///{target}")
    found = _read_back(f"sqlite:///{target}", facts)
    report("backup/restore SQLite", backup_bytes=made.stat().st_size,
           rows=sum(facts["counts"].values()), lost="nothing")
    assert found["counts"] == facts["counts"]
    assert found["migrations_at_head"] and found["step"] == STEP_TITLE
    assert found["file"] == PRESS_KIT and found["invitation"] == (200, True)
    assert found["admin"] == "admin@ars.example"


def test_backup_keeps_the_newest_ones_it_is_told_to(tmp_path):
    source = tmp_path / "concerto.db"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE t (x)")
    made = [_backup(f"sqlite:///{source}", tmp_path / "b", BACKUP_KEEP="2") for _ in range(3)]
    assert sorted((tmp_path / "b").iterdir()) == made[1:]


# ------------------------------------------------------------------ gunicorn

def _production_env(tmp_path: Path, database_url: str, **settings: str) -> dict[str, str]:
    return environment(database_url, tmp_path, {
        "CONCERTO_CONFIG": "production", "SECRET_KEY": "s" * 48,
        "PUBLIC_BASE_URL": "https://concertations.example.fr", **settings})


def _gunicorn(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gunicorn", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180, check=False)


def test_gunicorn_accepts_the_deploy_config(app, tmp_path):
    env = _production_env(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    checked = _gunicorn("--check-config", "-c", "deploy/gunicorn.conf.py", "wsgi:app", env=env)
    assert checked.returncode == 0, checked.stderr
    printed = _gunicorn("--print-config", "-c", "deploy/gunicorn.conf.py", env=env).stdout
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", printed, re.MULTILINE))
    assert settings["workers"] == str(2 * len(os.sched_getaffinity(0)))
    assert settings["worker_class"] == "gthread" and settings["threads"] == "4"
    assert settings["timeout"] == "60" and settings["preload_app"] == "True"
    assert settings["secure_scheme_headers"] == "{'X-FORWARDED-PROTO': 'https'}"
    overridden = _gunicorn("--print-config", "-c", "deploy/gunicorn.conf.py",
                           env={**env, "GUNICORN_WORKERS": "3", "GUNICORN_TIMEOUT": "90",
                                "GUNICORN_PRELOAD": "0"}).stdout
    assert re.search(r"^workers\s+= 3$", overridden, re.MULTILINE)
    assert re.search(r"^timeout\s+= 90$", overridden, re.MULTILINE)
    assert re.search(r"^preload_app\s+= False$", overridden, re.MULTILINE)


def _deploy_gunicorn(app, tmp_path: Path, **settings: str) -> ServerProcess:
    port = free_port()
    metrics = tmp_path / "prometheus"
    metrics.mkdir(exist_ok=True)
    (metrics / "counter_999999.db").write_bytes(b"")  # left by a previous run: removed
    env = _production_env(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"],
                          GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
                          PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SESSION_COOKIE_SECURE="0",
                          HSTS_SECONDS="0", PROMETHEUS_MULTIPROC_DIR=str(metrics),
                          METRICS_TOKEN="jeton", **settings)
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    return ServerProcess(command, env, port, tmp_path / f"gunicorn-deploy-{port}.log")


def _json_lines(text: str, logger: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == logger]


def test_gunicorn_with_the_deploy_config_logs_json_access_lines_without_secrets(app, tmp_path):
    secret = "IjEyMyI.ZZZ.jeton-tres-secret"
    with _deploy_gunicorn(app, tmp_path) as server:
        assert not (tmp_path / "prometheus" / "counter_999999.db").exists()
        seen = fetch(server.url(f"/inscriptions/{secret}"), headers={"X-Request-ID": "acces-1"})
        metrics = fetch(server.url("/metrics"), headers={"Authorization": "Bearer jeton"})
        server.stop()
        log = server.log_text()
    access = _json_lines(log, "gunicorn.access")
    [line] = [line for line in access if line["request_id"] == "acces-1"]
    assert line["path"] == "/inscriptions/…" and line["status"] == seen.status
    assert line["method"] == "GET" and line["bytes"] == len(seen.body)
    assert line["duration_ms"] >= 0 and line["timestamp"].endswith("Z")
    assert secret not in log
    assert metrics.status == 200
    assert any(line["message"].startswith("Booting worker")
               for line in _json_lines(log, "gunicorn.error"))


# ------------------------------------------------------------------ nginx in front

def _render_nginx_site(tmp_path: Path, http_port: int, https_port: int, app_port: int) -> Path:
    site = (DEPLOY / "nginx" / "concerto.conf").read_text()
    site = (site.replace("/srv/concerto", str(ROOT))
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
            .replace("/etc/letsencrypt/live/concertations.example.fr", str(tmp_path))
            .replace("/var/log/nginx", str(tmp_path))
            .replace("/var/www/letsencrypt", str(tmp_path)))
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (tmp_path / "concerto.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(f"""daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/concerto.conf;
}}
""")
    return main


def _https(port: int, path: str):
    """A GET to nginx over HTTPS as the site's host name (a self-signed certificate)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    handlers = [urllib.request.HTTPSHandler(context=context), _NoRedirect()]
    request = urllib.request.Request(f"https://127.0.0.1:{port}{path}",
                                     headers={"Host": "concertations.example.fr"})
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=60) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def _announce_a_large_body(port: int, size: int) -> tuple[int, str]:
    """A POST whose Content-Length is over the limit: nginx answers before any body is sent."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
    try:
        connection.putrequest("POST", "/demarches", skip_host=True)
        connection.putheader("Host", "concertations.example.fr")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    finally:
        connection.close()


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log.exists() else "nginx stopped"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("nginx does not listen")


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx ou openssl absent (apt-get install nginx-light)")
def test_nginx_site_serves_static_files_proxies_the_app_and_hides_metrics(app, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=concertations.example.fr", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    gunicorn = _deploy_gunicorn(app, tmp_path, TRUSTED_PROXIES="1")
    config = _render_nginx_site(tmp_path, http_port, https_port, gunicorn.port)
    tested = subprocess.run(["nginx", "-t", "-c", str(config), "-p", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stderr
    assert "[warn]" not in tested.stderr and "[emerg]" not in tested.stderr, tested.stderr
    nginx = subprocess.Popen(["nginx", "-c", str(config), "-p", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(https_port, nginx, tmp_path / "nginx-error.log")
        with gunicorn:
            plain = fetch(f"http://127.0.0.1:{http_port}/calendrier?x=1",
                          headers={"Host": "concertations.example.fr"},
                          opener=urllib.request.build_opener(_NoRedirect()))
            home = _https(https_port, "/healthz")
            vendor = _https(https_port, "/static/vendor/dsfr/dsfr.min.css")
            own = _https(https_port, "/static/css/concerto.css")
            hidden = _https(https_port, "/metrics")
            too_big = _announce_a_large_body(https_port, 17 * 1024 * 1024)
        down = _https(https_port, "/healthz")  # gunicorn stopped: nginx's own French page
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
    assert plain.status == 301
    assert plain.headers["Location"] == "https://concertations.example.fr/calendrier?x=1"
    status, headers, _body = home
    assert status == 200 and re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    status, headers, body = vendor
    assert status == 200 and headers["Cache-Control"] == "public, max-age=2592000"
    assert "X-Request-ID" not in headers and body  # served by nginx, not by the app
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert own[0] == 200 and own[1]["Cache-Control"] == "public, max-age=3600"
    assert hidden[0] == 404 and "X-Request-ID" not in hidden[1]
    assert too_big[0] == 413 and "Envoi trop volumineux" in too_big[1]
    assert down[0] == 502 and down[1]["Retry-After"] == "30"
    assert "Service momentanément indisponible" in down[2].decode()
    access = [json.loads(line) for line in
              (tmp_path / "concerto.access.log").read_text().splitlines()]
    assert home[1]["X-Request-ID"] in {line["request_id"] for line in access}


# ------------------------------------------------------------------ systemd units

UNITS = ("concerto-web.service", "concerto-worker@.service", "concerto-scheduler.service",
         "concerto-backup.service", "concerto-backup.timer", "concerto.target")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_systemd_units_are_valid_and_hardened(tmp_path):
    rendered = []
    for name in UNITS:
        text = ((DEPLOY / "systemd" / name).read_text()
                .replace("/srv/concerto", str(ROOT))
                .replace("/etc/concerto/concerto.env", str(DEPLOY / "concerto.env.example")))
        path = tmp_path / name.replace("@.", "@1.")
        path.write_text(text)
        rendered.append(path)
    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, rendered)],
                              capture_output=True, text=True, check=False)
    problems = [line for line in verified.stderr.splitlines() if "concerto" in line]
    assert problems == [], verified.stderr
    exposure = {}
    for path in rendered:
        if path.suffix == ".service":
            answer = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                                     "--no-pager", str(path)], capture_output=True, text=True,
                                    check=False).stdout
            exposure[path.name] = float(re.search(r"exposure level for \S+: ([0-9.]+)",
                                                  answer).group(1))
    report("systemd units", exposure=exposure)
    assert max(exposure.values()) < 2.0, exposure  # systemd's scale: 0 (safe) to 10


# ------------------------------------------------------------------ compose and settings

KNOWN_ELSEWHERE = {"CONCERTO_CONFIG", "CONCERTO_INSTANCE", "FORWARDED_ALLOW_IPS",
                   "PROMETHEUS_MULTIPROC_DIR"}


def _known(name: str) -> bool:
    return name in ENVIRONMENT_SETTINGS or name in KNOWN_ELSEWHERE or name.startswith(
        "GUNICORN_")


def test_compose_file_describes_the_whole_stack():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "app", "worker", "scheduler"} <= set(services)
    concerto = {name: services[name] for name in ("migrate", "app", "worker", "scheduler")}
    for name, service in concerto.items():
        environment = service["environment"]
        assert environment["CONCERTO_CONFIG"] == "production", name
        assert "@postgres:5432/" in environment["DATABASE_URL"], name
        assert environment["REDIS_URL"].startswith("redis://redis:6379/"), name
        assert [key for key in environment if not _known(key)] == [], name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert (DEPLOY / service["build"]["context"] / "deploy/Dockerfile").is_file(), name
    assert services["app"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["scheduler"]["command"] == ["flask", "scheduler"]
    assert services["app"]["ports"] == ["127.0.0.1:8000:8000"]  # only the host's nginx
    assert services["app"]["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "--maxmemory-policy" in services["redis"]["command"]  # RQ's keys are never evicted
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}


def test_env_example_sets_only_settings_the_app_reads():
    names = [line.split("=", 1)[0].lstrip("# ").strip()
             for line in (DEPLOY / "concerto.env.example").read_text().splitlines()
             if re.match(r"^#? ?[A-Z_]+=", line)]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL",
            "TRUSTED_PROXIES"} <= set(names)
    assert [name for name in names if not _known(name)] == []
