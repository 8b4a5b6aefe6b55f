"""The writing help is computed by a worker, once for a given set of published contributions:
the page shows « en cours de calcul » until then, and never groups texts in the request."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa
from rq import SimpleWorker

from app.accounts.models import Role
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.jobs import dispatch, worker
from app.syntheses import writing_help
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as
from tests.syntheses.test_writing_help import DOCTORS, PREVENTION

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _documents() -> list[PreparedDocument]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PreparedDocument).order_by(PreparedDocument.id)))


def test_computed_once_per_set_of_contributions(client, world):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    assert "Groupe 1" in client.get(url).get_data(as_text=True)
    assert "Groupe 1" in client.get(url).get_data(as_text=True)
    [computed] = _documents()
    assert computed.status is PreparationStatus.READY and computed.kind == "synthesis.help"
    add(world, "Un médecin de garde le dimanche dans chaque canton")
    html = client.get(url).get_data(as_text=True)
    assert "11 contributions publiées" in html
    assert len(_documents()) == 2  # new contributions, new computation


def test_in_rq_mode_the_page_waits_for_the_worker(app, client, world, monkeypatch):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    name = f"concerto-test-help-{os.getpid()}-{time.monotonic_ns()}"
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE=name)
    dispatch._redis_paused_until = 0.0
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    computed_in_request = []
    real_suggest = writing_help.suggest
    monkeypatch.setattr(writing_help, "suggest",
                        lambda texts: computed_in_request.append(1) or real_suggest(texts))
    try:
        html = client.get(url).get_data(as_text=True)
        assert "en cours de calcul" in html and "data-prepared-state" in html
        assert client.get(f"{url}/etat").get_json() == {"status": "preparing"}
        assert computed_in_request == []
        worker._app = app
        connection = worker.worker_connection(app.config)
        SimpleWorker([dispatch.rq_queue(app.config, connection)],
                     connection=connection).work(burst=True)
    finally:
        worker._app = None
        dispatch.rq_queue({**app.config, "REDIS_URL": REDIS_URL}).delete(delete_jobs=True)
    assert computed_in_request == [1]  # by the worker
    assert client.get(f"{url}/etat").get_json() == {"status": "ready"}
    assert "Groupe 1" in client.get(url).get_data(as_text=True)
