"""The writing help's computation tells how far it is (issue 16): the builder reports each step
in a short transaction of its own, the state the page asks for returns it, the page shows it
as a progress bar; and validating a synthesis never groups texts in the request."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import Role
from app.documents import services
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.syntheses import writing_help
from app.syntheses.models import ThemeSnapshot
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as, post_form
from tests.jobs.queues import work_the_queue
from tests.syntheses.test_writing_help import DOCTORS, PREVENTION

BASE = "/gestion/syntheses/cnr/12"
STEP_2 = "Étape 2 sur 4 : regroupement des contributions…"


def _documents() -> list[PreparedDocument]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PreparedDocument).order_by(PreparedDocument.id)))


def _seen_elsewhere(document_id: int) -> tuple:
    """The document's progress as another connection (the page's) reads it."""
    table = PreparedDocument.__table__
    with db.engine.connect() as connection:
        return tuple(connection.execute(sa.select(
            table.c.progress_done, table.c.progress_total, table.c.progress_label)
            .where(table.c.id == document_id)).one())


def test_the_builder_reports_each_step_in_its_own_transaction(client, world, monkeypatch):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    seen = []
    real_progress = services.progress

    def spy(document):
        report = real_progress(document)

        def reported(done, total, label):
            report(done, total, label)
            seen.append(_seen_elsewhere(document.id))
        return reported

    monkeypatch.setattr(services, "progress", spy)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"{BASE}/aide/{world['challenge'].id}"
    assert "Les sujets abordés" in client.get(url).get_data(as_text=True)
    # Committed at once, while the build went on: the page could read each step.
    assert seen == [(0, 4, "analyse des mots des contributions"),
                    (1, 4, "regroupement des contributions"), (2, 4, "nommage des sujets"),
                    (3, 4, "choix des phrases du résumé")]
    [document] = _documents()
    assert document.status is PreparationStatus.READY
    assert client.get(f"{url}/etat").get_json() == {"status": "ready"}  # no bar any more


def test_in_rq_mode_the_page_and_its_state_show_the_progress(app, client, world, rq_mode):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    organiser = make_user(Role.ORGANISER, [world["aveyron"]])
    login_as(client, organiser)
    url = f"{BASE}/aide/{world['challenge'].id}"
    html = client.get(url).get_data(as_text=True)
    assert "data-prepared-progress hidden" in html  # nothing told yet
    assert client.get(f"{url}/etat").get_json() == {"status": "preparing"}
    [document] = _documents()
    services.progress(document)(1, 4, "regroupement des contributions")  # as the worker does
    progress = {"done": 1, "total": 4, "label": "regroupement des contributions",
                "text": STEP_2}
    assert client.get(f"{url}/etat").get_json() == {"status": "preparing",
                                                    "progress": progress}
    # The page following any document answers the same (its script is shared).
    assert client.get(f"/gestion/documents/{document.token}/etat").get_json() == {
        "status": "preparing", "progress": progress}
    html = client.get(url).get_data(as_text=True)
    assert STEP_2 in html and "data-prepared-progress hidden" not in html
    assert ('<progress class="concerto-progress" aria-labelledby="avancement" max="4" '
            'value="1">') in html
    assert "style=" not in html and "<script>" not in html  # CSP
    work_the_queue(app)
    assert client.get(f"{url}/etat").get_json() == {"status": "ready"}
    assert "Les sujets abordés" in client.get(url).get_data(as_text=True)


def test_validation_keeps_the_stored_help_and_queues_what_is_missing(app, client, world,
                                                                       monkeypatch, rq_mode):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    client.get(f"{BASE}/aide/{world['challenge'].id}")
    work_the_queue(app)  # the help of the first question is computed
    computed_in_request = []
    real_suggest = writing_help.suggest
    monkeypatch.setattr(writing_help, "suggest",
                        lambda texts: computed_in_request.append(1) or real_suggest(texts))
    login_as(client, make_user(Role.ADMIN))
    post_form(client, f"{BASE}/valider", {}, token_from=BASE)
    assert computed_in_request == []
    db.session.expire_all()
    snapshots = {s.challenge_id: s for s in db.session.scalars(sa.select(ThemeSnapshot))}
    others = [s for c, s in snapshots.items() if c != world["challenge"].id]
    assert snapshots[world["challenge"].id].themes  # from the stored help
    assert others and all(s.themes is None for s in others)  # queued
    assert [d.status for d in _documents()][1:] == [PreparationStatus.PREPARING] * len(others)
    work_the_queue(app)
    assert computed_in_request == [1] * len(others)  # by the worker
    db.session.expire_all()
    assert all(s.themes == [] for s in db.session.scalars(sa.select(ThemeSnapshot))
               if s.challenge_id != world["challenge"].id)
