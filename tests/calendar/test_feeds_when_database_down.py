"""Calendar files while the database cannot be reached: the last copy a process built is served
as it was (200, same body, same ETag, 304 on revalidation); a file it never built gets the
French 503 with Retry-After; a file gone before the outage stays gone.

In process, the database is made unreachable where the app meets it: every new connection is
refused by the driver (as when the server is stopped) and the pool is emptied, on SQLite and
PostgreSQL alike. On PostgreSQL, a real server process is also cut from its database by a proxy
(tests/operations/faults.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from app.calendar.routes import SERVED_WHILE_DATABASE_AWAY
from app.campaigns.models import Step, StepStatus
from app.extensions import db
from tests.calendar.ics import events, parse_both
from tests.factories import make_campaign, make_departement, make_step
from tests.operations.faults import report
from tests.operations.servers import dev_server, fetch

FEED = "/demarches/cnr-sante.ics"


@contextmanager
def database_unreachable() -> Iterator[list[int]]:
    """Until the block ends, the database refuses every connection, as a stopped server does;
    yields the list of refused attempts."""
    engine = db.engine
    refused = engine.dialect.loaded_dbapi.OperationalError
    attempts: list[int] = []

    def _refuse(*_args, **_kwargs):
        attempts.append(1)
        raise refused("connection refused: the test stopped the database")

    db.session.close()  # the test's own connection goes back to the pool, then is dropped
    event.listen(engine, "do_connect", _refuse)
    engine.dispose()
    try:
        yield attempts
    finally:
        event.remove(engine, "do_connect", _refuse)
        engine.dispose()


@pytest.fixture
def feeds(app):
    app.extensions["calendar_cache"].clear()  # no copy left by another test's files
    campaign = make_campaign(slug="cnr-sante", title="CNR santé — Occitanie 2022")
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    steps = {"lot": make_step(campaign, lot, title="Concertation — Lot", day=date(2022, 11, 18)),
             "other": make_step(campaign, lot, title="Atelier — Figeac", day=date(2022, 11, 25))}
    return {name: step.id for name, step in steps.items()}  # ids: the outage closes the session


def _titles(body: bytes) -> set[str]:
    return {str(event["summary"]) for event in events(parse_both(body)[0])}


def test_a_built_campaign_feed_is_served_from_its_copy_while_the_database_is_down(
        app, client, feeds, monkeypatch):
    before = client.get(FEED)
    assert before.status_code == 200
    monkeypatch.setattr(app.extensions["calendar_cache"], "outage_retry_seconds", 3600)
    counted = SERVED_WHILE_DATABASE_AWAY._value.get()
    with database_unreachable() as attempts:
        page = client.get("/")  # the database really is away: any page gets the 503
        during = client.get(FEED)
        asked = len(attempts)
        revalidated = client.get(FEED, headers={"If-None-Match": before.headers["ETag"]})
        again = client.get(FEED)
    assert page.status_code == 503
    assert during.status_code == 200
    assert during.data == before.data
    assert _titles(during.data) == {"Concertation — Lot", "Atelier — Figeac"}
    assert during.headers["ETag"] == before.headers["ETag"]
    assert during.headers["Last-Modified"] == before.headers["Last-Modified"]
    assert during.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # Clients and proxies keep an outage's copy no longer than the 503's Retry-After.
    assert during.cache_control.max_age == min(app.config["CALENDAR_MAX_AGE"],
                                               app.config["DATABASE_RETRY_AFTER_SECONDS"])
    assert revalidated.status_code == 304
    # Once the database failed, the copies are served without asking it at every request.
    assert again.data == before.data and len(attempts) == asked
    assert SERVED_WHILE_DATABASE_AWAY._value.get() == counted + 3  # /metrics shows them


def test_a_built_step_invitation_is_served_from_its_copy_while_the_database_is_down(
        client, feeds):
    url = f"/etapes/{feeds['lot']}.ics"
    before = client.get(url)
    assert before.status_code == 200
    with database_unreachable():
        during = client.get(url)
    assert during.status_code == 200
    assert (during.data, during.headers["ETag"]) == (before.data, before.headers["ETag"])
    assert during.headers["Content-Disposition"] == before.headers["Content-Disposition"]
    assert _titles(during.data) == {"Concertation — Lot"}


def test_a_file_never_built_gets_the_french_503_with_retry_after(app, client, feeds):
    assert client.get(FEED).status_code == 200  # another file's copy does not stand in
    with database_unreachable():
        answer = client.get(f"/etapes/{feeds['other']}.ics")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(app.config["DATABASE_RETRY_AFTER_SECONDS"])
    page = answer.get_data(as_text=True)
    assert "Service momentanément indisponible" in page and '<html lang="fr"' in page
    assert "connection refused" not in page


def test_a_step_withdrawn_before_the_outage_is_not_brought_back_by_it(client, feeds):
    url = f"/etapes/{feeds['other']}.ics"
    assert client.get(url).status_code == 200
    step = db.session.get(Step, feeds["other"])
    step.status = StepStatus.DRAFT
    db.session.commit()
    assert client.get(url).status_code == 404
    with database_unreachable():
        assert client.get(url).status_code == 503


def test_once_the_database_is_back_changes_show_again(client, feeds):
    before = client.get(FEED)
    with database_unreachable():
        assert client.get(FEED).status_code == 200
    db.session.get(Step, feeds["lot"]).title = "Concertation — Lot (nouvelle salle)"
    db.session.commit()
    after = client.get(FEED)
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert _titles(after.data) == {"Concertation — Lot (nouvelle salle)", "Atelier — Figeac"}
    assert after.cache_control.max_age == client.application.config["CALENDAR_MAX_AGE"]


def test_a_server_cut_from_postgresql_keeps_serving_the_feeds_it_built(
        app, tmp_path, feeds, database_behind_a_proxy):
    proxy, database_url = database_behind_a_proxy
    step_url = f"/etapes/{feeds['lot']}.ics"
    with dev_server(database_url, tmp_path, SECRET_KEY=app.config["SECRET_KEY"]) as server:
        built = {path: fetch(server.url(path)) for path in (FEED, step_url)}
        assert {answer.status for answer in built.values()} == {200}
        proxy.stop()
        home = fetch(server.url("/"))
        never_built = fetch(server.url(f"/etapes/{feeds['other']}.ics"))
        # The server trusts its revision for CALENDAR_CACHE_SECONDS (1 s in development):
        # ask until it has asked the database and logged that it serves its copies.
        answers, deadline = [], time.monotonic() + 60
        while "servis depuis le cache" not in server.log_text():
            assert time.monotonic() < deadline, server.log_tail()
            answers += [fetch(server.url(path)) for path in (FEED, step_url)]
        answers += [fetch(server.url(path)) for path in (FEED, step_url)]
        proxy.start()
        back = fetch(server.url("/"))
    report("postgresql cut, feeds", requests=len(answers) + 5,
           feed_answers=sorted({answer.status for answer in answers}),
           home=home.status, never_built=never_built.status, after=back.status,
           lost="nothing")
    assert home.status == 503 and never_built.status == 503
    assert "Retry-After" in never_built.headers
    for index, answer in enumerate(answers):
        original = built[(FEED, step_url)[index % 2]]
        assert answer.status == 200
        assert answer.body == original.body
        assert answer.headers["ETag"] == original.headers["ETag"]
    assert back.status == 200
