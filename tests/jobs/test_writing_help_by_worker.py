"""The writing help is computed by a worker, once for a given set of published contributions:
the page shows « en cours de calcul » until then, and never groups texts in the request."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import Role
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.syntheses import writing_help
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as
from tests.jobs.queues import work_the_queue
from tests.syntheses.test_writing_help import DOCTORS, PREVENTION


def _documents() -> list[PreparedDocument]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PreparedDocument).order_by(PreparedDocument.id)))


def test_computed_once_per_set_of_contributions(client, world):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    assert "Les sujets abordés" in client.get(url).get_data(as_text=True)
    assert "Les sujets abordés" in client.get(url).get_data(as_text=True)
    [computed] = _documents()
    assert computed.status is PreparationStatus.READY and computed.kind == "synthesis.help"
    add(world, "Un médecin de garde le dimanche dans chaque canton")
    html = client.get(url).get_data(as_text=True)
    assert "11 contributions publiées" in html
    assert len(_documents()) == 2  # new contributions, new computation


def test_in_rq_mode_the_page_waits_for_the_worker(app, client, world, monkeypatch,
                                                  rq_mode):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    computed_in_request = []
    real_suggest = writing_help.suggest
    monkeypatch.setattr(writing_help, "suggest",
                        lambda texts: computed_in_request.append(1) or real_suggest(texts))
    html = client.get(url).get_data(as_text=True)
    assert "en cours de calcul" in html and "data-prepared-state" in html
    assert client.get(f"{url}/etat").get_json() == {"status": "preparing"}
    assert computed_in_request == []
    work_the_queue(app)
    assert computed_in_request == [1]  # by the worker
    assert client.get(f"{url}/etat").get_json() == {"status": "ready"}
    assert "Les sujets abordés" in client.get(url).get_data(as_text=True)
