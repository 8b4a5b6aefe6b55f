"""/healthz, /readyz and /metrics in the test app: what they answer, and who may read /metrics."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus
from config import ProductionConfig
from tests.operations.faults import TcpProxy
from tests.registrations.helpers import open_step


def test_healthz_answers_without_the_database(client, monkeypatch):
    def no_database(*_args, **_kwargs):
        raise AssertionError("/healthz must not touch the database")

    monkeypatch.setattr(db.engine, "connect", no_database)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


def test_readyz_checks_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {
        "database": "ok", "migrations": "ok", "redis": "non configuré"}}


def test_readyz_fails_while_the_database_is_behind_the_migrations(client):
    head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001_initial_schema'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"),
                           {"head": head})
        db.session.commit()
    assert response.status_code == 503
    assert response.json["failed"] == ["migrations"]
    assert "flask db upgrade" in response.json["checks"]["migrations"]


def test_readyz_fails_fast_when_redis_never_answers(app, client):
    with TcpProxy() as black_hole:  # accepts, never answers
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{black_hole.port}/0"
        started = time.monotonic()
        response = client.get("/readyz")
        took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json["failed"] == ["redis"]
    assert response.json["checks"]["redis"] == "injoignable"
    assert took < 1, took


def test_request_id_is_taken_when_safe_and_made_otherwise(client):
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-42.a_b"}).headers[
        "X-Request-ID"] == "proxy-42.a_b"
    for unsafe in ("<script>", "a" * 65, "deux mots", ""):
        made = client.get("/healthz", headers={"X-Request-ID": unsafe}).headers["X-Request-ID"]
        assert made != unsafe and len(made) == 32 and made.isalnum()


def test_metrics_count_routes_by_endpoint_and_read_the_database(client):
    step = open_step(capacity=1)
    for number, status in enumerate([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                     RegistrationStatus.WAITLISTED]):
        db.session.add(Registration(step=step, status=status, email=f"m{number}@example.org",
                                    first_name="A", last_name="B", category="usagers",
                                    consented_at=step.created_at))
    db.session.commit()
    before = client.get("/metrics").get_data(as_text=True)
    client.get(f"/etapes/{step.id}")
    client.get("/une/adresse/qui/n-existe/pas-12345")
    text = client.get("/metrics").get_data(as_text=True)

    def counted(page: str, labels: str) -> float:
        name = f"concerto_http_requests_total{{{labels}}}"
        return sum(float(line.rsplit(" ", 1)[1]) for line in page.splitlines()
                   if line.startswith(name))

    step_page = 'endpoint="campaigns.step_page",method="GET",status="200"'
    assert counted(text, step_page) == counted(before, step_page) + 1
    unknown = 'endpoint="none",method="GET",status="404"'
    assert counted(text, unknown) == counted(before, unknown) + 1
    assert "n-existe" not in text  # a route's name, never the raw path
    assert 'concerto_http_request_duration_seconds_bucket{endpoint="campaigns.step_page"' in text
    assert 'concerto_registrations{status="confirmed"} 1.0' in text
    assert 'concerto_registrations{status="waitlisted"} 2.0' in text
    assert 'concerto_mails{status="failed"} 0.0' in text
    assert "concerto_database_up 1.0" in text
    assert "concerto_db_pool_size" in text and "concerto_db_pool_checked_out" in text
    assert "concerto_ratelimit_fallback_requests_total" in text


def test_metrics_need_the_bearer_token_once_one_is_set(app, client):
    app.config["METRICS_TOKEN"] = "jeton-de-supervision"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer faux"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer jeton-de-supervision"})
    assert answer.status_code == 200 and "concerto_http_requests_total" in answer.text
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # security headers apply


@pytest.mark.parametrize(("networks", "address", "status"), [
    ("127.0.0.0/8,::1/128", "127.0.0.1", 200),
    ("127.0.0.0/8,::1/128", "203.0.113.9", 403),
    ("10.0.0.0/8", "10.1.2.3", 200),
    ("", "127.0.0.1", 403),  # production's default: no network, a token is needed
])
def test_metrics_without_a_token_are_for_the_allowed_networks(app, client, networks, address,
                                                             status):
    app.config["METRICS_ALLOWED_NETWORKS"] = networks
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == status


def test_production_writes_json_logs_and_keeps_metrics_private():
    assert ProductionConfig.LOG_FORMAT == "json"
    assert ProductionConfig.METRICS_ALLOWED_NETWORKS == ""
    assert ProductionConfig.METRICS_TOKEN == ""
