"""gunicorn with the production configuration, two workers: JSON logs with the request id,
/metrics behind its token and added up across workers (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client import CollectorRegistry, multiprocess

from app.extensions import db
from tests.operations.faults import report
from tests.operations.servers import fetch, gunicorn_server, metric_value

TOKEN = "jeton-de-test-de-supervision"
REQUESTS = 40
HEALTHZ = 'concerto_http_requests_total{endpoint="health.healthz",method="GET",status="200"}'


@pytest.fixture
def production(app, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    with gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=2,
                         PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                         METRICS_TOKEN=TOKEN) as server:
        # gunicorn answers once one worker is up: wait for the other to have built its app,
        # which ends by writing its pool's size (its files appear earlier, at import).
        deadline = time.monotonic() + 120
        while _pool_sizes(metrics_dir) < 2 * db.engine.pool.size():
            assert time.monotonic() < deadline, server.log_tail()
            time.sleep(0.2)
        yield server


def _pool_sizes(metrics_dir) -> float:
    """The workers' pool sizes added up, read from their files as the scrape reads them."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(metrics_dir))
    return registry.get_sample_value("concerto_db_pool_size") or 0.0


def test_metrics_add_up_every_worker_and_need_the_token(production):
    def healthz(number: int) -> int:
        return fetch(production.url("/healthz"),
                     headers={"X-Request-ID": f"ops-{number}"}).status

    def scrape():
        return fetch(production.url("/metrics"), headers={"Authorization": f"Bearer {TOKEN}"})

    before = metric_value(scrape().text, HEALTHZ)  # the start-up wait asked /healthz too
    with ThreadPoolExecutor(max_workers=8) as pool:  # both workers answer some
        assert set(pool.map(healthz, range(REQUESTS))) == {200}
    assert fetch(production.url("/metrics")).status == 401
    scrapes = [scrape() for _ in range(6)]
    counted = [metric_value(answer.text, HEALTHZ) - before for answer in scrapes]
    pool_sizes = [metric_value(answer.text, "concerto_db_pool_size") for answer in scrapes]
    report("gunicorn, 2 workers", healthz_requests=REQUESTS, counted_by_each_scrape=counted,
           pool_size=pool_sizes[0])
    assert {answer.status for answer in scrapes} == {200}
    assert counted == [REQUESTS] * len(scrapes)  # whichever worker answers the scrape
    expected_pool = 2 * db.engine.pool.size()  # each worker's pool, added up
    assert pool_sizes == [expected_pool] * len(scrapes)


def test_production_logs_are_json_lines_with_the_request_id(production):
    answer = fetch(production.url("/readyz"), headers={"X-Request-ID": "proxy-id-1234"})
    assert answer.status == 200 and answer.headers["X-Request-ID"] == "proxy-id-1234"
    made = fetch(production.url("/healthz"), headers={"X-Request-ID": "pas sûr !"})
    production.stop()  # flushes the workers' output
    lines = [json.loads(line) for line in production.log_text().splitlines()
             if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "concerto.access"]
    ours = [line for line in access if line["request_id"] == "proxy-id-1234"]
    assert len(ours) == 1
    assert ours[0]["method"] == "GET" and ours[0]["path"] == "/readyz"
    assert ours[0]["status"] == 200 and ours[0]["duration_ms"] >= 0
    assert ours[0]["level"] == "INFO" and ours[0]["timestamp"].endswith("Z")
    assert set(ours[0]) >= {"timestamp", "level", "logger", "message", "request_id", "method",
                            "path", "status", "duration_ms"}
    generated = made.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert [line["path"] for line in access if line["request_id"] == generated] == ["/healthz"]
