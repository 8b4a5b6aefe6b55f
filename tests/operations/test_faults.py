"""Faults survived by a real server process: Redis black-holed or stopped, the database stopped.

Each test puts its own proxy (tests/operations/faults.py) between the server and the service,
and breaks that, never the machine's PostgreSQL or Redis. Each reports what it did."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.extensions import db
from app.registrations.models import Registration
from tests.operations.faults import TcpProxy, report
from tests.operations.servers import Visitor, dev_server, fetch, metric_value
from tests.registrations.helpers import form, open_step

NOW = "2022-11-03T12:00"
LOGIN = {"email": "personne@example.org", "password": "pas-le-bon-mot-de-passe"}


def _server(app, tmp_path, **settings: str):
    return dev_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, CONCERTO_NOW=NOW,
                      SECRET_KEY=app.config["SECRET_KEY"], **settings)


def _logins(visitor: Visitor, count: int) -> list[tuple[int, float]]:
    token = visitor.token("/connexion")
    answers = [visitor.post("/connexion", LOGIN, "/connexion", token=token)
               for _ in range(count)]
    return [(answer.status, answer.seconds) for answer in answers]


def test_a_black_holed_redis_costs_a_rate_limited_post_less_than_a_second(app, tmp_path):
    # The same five login POSTs without Redis, for what they cost anyway (the first one builds
    # a password hash, templates...): the black hole may add less than a second to each.
    with _server(app, tmp_path, LOGIN_LIMIT_PER_IP="3 per minute") as server:
        baseline = _logins(Visitor(server.base), 5)
    with TcpProxy() as redis_black_hole, _server(
            app, tmp_path, REDIS_URL=f"redis://127.0.0.1:{redis_black_hole.port}/0",
            LOGIN_LIMIT_PER_IP="3 per minute") as server:
        answers = _logins(Visitor(server.base), 5)
        ready = fetch(server.url("/readyz"))
        metrics = fetch(server.url("/metrics")).text
        log = server.log_text()
    extra = [round(seconds - alone, 3) for (_, seconds), (_, alone) in zip(answers, baseline,
                                                                           strict=True)]
    report("redis black-holed", requests=len(answers) + 1,
           answers=dict(Counter(status for status, _ in answers)), extra_seconds=extra,
           readyz_s=round(ready.seconds, 3), connections_swallowed=redis_black_hole.accepted,
           lost="nothing")
    assert [status for status, _ in answers] == [200, 200, 200, 429, 429]  # counted in memory
    assert max(extra) < 1, (answers, baseline)
    assert max(seconds for _, seconds in answers[1:]) < 1, answers
    assert ready.status == 503 and ready.seconds < 1
    assert '"redis":"injoignable"' in ready.text.replace(" ", "")
    assert metric_value(metrics, "concerto_ratelimit_storage_lost_total") == 1
    assert metric_value(metrics, "concerto_ratelimit_storage_down") == 1
    assert metric_value(metrics, "concerto_ratelimit_fallback_requests_total") >= 5
    assert "Redis injoignable" in log


@pytest.mark.skipif(not os.environ.get("REDIS_URL") and os.environ.get("CI") != "true",
                    reason="needs a Redis server: REDIS_URL (CI sets it)")
def test_redis_stopped_then_back_pages_keep_working_and_sharing_resumes(app, tmp_path):
    redis = make_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    with TcpProxy((redis.host or "127.0.0.1", redis.port or 6379)) as proxy, _server(
            app, tmp_path, REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{redis.database or 0}",
            LOGIN_LIMIT_PER_IP="1000 per minute") as server:
        visitor = Visitor(server.base)
        before = _logins(visitor, 2)
        proxy.stop()
        during = [*_logins(visitor, 3), (visitor.get("/").status, 0.0)]
        proxy.start()
        deadline, after = time.monotonic() + 90, []
        while time.monotonic() < deadline:  # Flask-Limiter retries Redis after 1, 2, 4... s
            after += _logins(visitor, 1)
            if metric_value(fetch(server.url("/metrics")).text,
                      "concerto_ratelimit_storage_down") == 0:
                break
            time.sleep(0.5)
        metrics = fetch(server.url("/metrics")).text
        log = server.log_text()
    answers = before + during + after
    report("redis stopped then back", requests=len(answers),
           answers=dict(Counter(status for status, _ in answers)),
           slowest_s=round(max(seconds for _, seconds in during + after), 3), lost="nothing")
    assert {status for status, _ in answers} == {200}
    assert max(seconds for _, seconds in during + after) < 1, during + after
    assert metric_value(metrics, "concerto_ratelimit_storage_down") == 0
    assert metric_value(metrics, "concerto_ratelimit_storage_lost_total") == 1
    assert "Redis injoignable" in log and "Redis joignable de nouveau" in log


def test_database_stopped_gives_french_503s_then_serves_again_without_restart(
        app, tmp_path, database_behind_a_proxy):
    proxy, database_url = database_behind_a_proxy
    step = open_step(capacity=5)
    with dev_server(database_url, tmp_path, CONCERTO_NOW=NOW,
                    SECRET_KEY=app.config["SECRET_KEY"]) as server:
        visitor = Visitor(server.base)
        assert visitor.get("/").status == 200
        token = visitor.token(f"/etapes/{step.id}/inscription")
        proxy.stop()
        down = [visitor.get("/"), visitor.get(f"/etapes/{step.id}"),
                visitor.post(f"/etapes/{step.id}/inscription", form(step), "", token=token)]
        alive, ready = fetch(server.url("/healthz")), fetch(server.url("/readyz"))
        proxy.start()
        back, deadline = [], time.monotonic() + 30
        while time.monotonic() < deadline:
            back.append(visitor.get("/"))
            if back[-1].status == 200:
                break
            time.sleep(0.5)
    report("database stopped then back", requests=len(down) + len(back) + 3,
           while_down=dict(Counter(answer.status for answer in down)),
           tries_until_200=len(back), restarts=0, lost="nothing (the POST was refused, not half "
           "saved)")
    assert [answer.status for answer in down] == [503, 503, 503]
    for answer in down:
        assert answer.headers["Retry-After"] == "30"
        assert "Service momentanément indisponible" in answer.text
        assert "psycopg" not in answer.text and "SELECT" not in answer.text
    assert alive.status == 200  # alive: the supervisor must not restart it
    assert ready.status == 503 and '"database":"injoignable"' in ready.text.replace(" ", "")
    assert back[-1].status == 200 and len(back) <= 2, [answer.status for answer in back]
    saved = db.session.scalar(sa.select(sa.func.count()).select_from(Registration)
                              .where(Registration.step_id == step.id))
    assert saved == 0  # the refused POST saved nothing, not half of it
