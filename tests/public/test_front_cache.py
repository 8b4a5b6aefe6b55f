"""Cached answers given before Flask (app.front_cache): the same answer Flask gives, 200 or 304,
with its own request id, access line and counts; never to a visitor with a session; gone as soon
as what it shows changes or its cache forgets it."""

from __future__ import annotations

import gzip
import logging

import pytest
from prometheus_client import REGISTRY

from app.accounts.models import Role
from app.campaigns.models import Step
from app.extensions import db
from tests.factories import make_user
from tests.helpers import login_as

PER_REQUEST = {"Date", "X-Request-ID"}


@pytest.fixture
def front(app):
    front = app.extensions["front_cache"]
    front.clear()
    front.answered = 0
    return front


def headers_of(answer) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in answer.headers.items()
                  if name not in PER_REQUEST)


def count(endpoint: str, status: str) -> float:
    return REGISTRY.get_sample_value("concerto_http_requests_total", {
        "endpoint": endpoint, "method": "GET", "status": status}) or 0.0


@pytest.mark.parametrize("page", ["step", "home", "feed", "invitation"])
def test_the_front_answers_what_flask_answered_200_and_304(app, site, visitor, front, page):
    url = {"step": f"/etapes/{site.x}", "home": "/", "feed": "/demarches/cnr.ics",
           "invitation": f"/etapes/{site.x}.ics"}[page]
    by_flask = visitor().get(url)
    assert by_flask.status_code == 200 and front.answered == 0
    by_front = visitor().get(url)
    assert front.answered == 1, "the second request was not answered in front of Flask"
    assert by_front.status_code == 200 and by_front.data == by_flask.data
    assert headers_of(by_front) == headers_of(by_flask)
    assert "Content-Security-Policy" in by_front.headers  # the hooks' headers are kept

    etag = by_flask.headers["ETag"]
    front.clear()  # Flask's own 304 first, then the front's, kept from that 304
    flask_304 = visitor().get(url, headers={"If-None-Match": etag})
    front_304 = visitor().get(url, headers={"If-None-Match": etag})
    assert flask_304.status_code == front_304.status_code == 304
    assert front.answered == 2
    assert front_304.data == b""
    assert headers_of(front_304) == headers_of(flask_304)

    head = visitor().head(url)
    assert front.answered == 3
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(by_flask.data))


def test_each_answer_has_its_own_request_id_access_line_and_count(
        app, site, visitor, front, caplog):
    url = f"/etapes/{site.x}"
    visitor().get(url)
    before = count("campaigns.step_page", "200")
    with caplog.at_level(logging.INFO, logger="concerto.access"):
        first, second = visitor().get(url), visitor().get(url)
        given = visitor().get(url, headers={"X-Request-ID": "proxy-42"})
    assert front.answered == 3
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(identifier) == 32 for identifier in ids)
    assert given.headers["X-Request-ID"] == "proxy-42"
    lines = [record for record in caplog.records if record.name == "concerto.access"]
    assert [(line.request_id, line.path, line.status) for line in lines] == [
        (first.headers["X-Request-ID"], url, 200), (second.headers["X-Request-ID"], url, 200),
        ("proxy-42", url, 200)]
    assert count("campaigns.step_page", "200") == before + 3


def test_a_visitor_with_a_session_or_credentials_goes_to_flask(app, client, site, visitor,
                                                               front):
    url = f"/etapes/{site.x}"
    visitor().get(url)
    organiser = make_user(Role.ORGANISER, [site.lot])
    login_as(client, organiser)
    mine = client.get(url)
    assert front.answered == 0
    assert "Se déconnecter" in mine.get_data(as_text=True)
    visitor().get(url, headers={"Authorization": "Bearer x"})
    visitor().get(url, headers={"If-Match": '"x"'})
    assert front.answered == 0
    assert visitor().get(url).status_code == 200 and front.answered == 1


def test_a_change_is_seen_at_the_next_request(app, site, visitor, front):
    url = f"/etapes/{site.x}"
    visitor().get(url)
    visitor().get(url)
    assert front.answered == 1
    step = db.session.get(Step, site.x)
    step.title = "Concertation — Cahors, salle des fêtes"
    db.session.commit()
    changed = visitor().get(url)
    assert front.answered == 1, "an answer showing the old title came from the front"
    assert "salle des fêtes" in changed.get_data(as_text=True)
    assert "salle des fêtes" in visitor().get(url).get_data(as_text=True)
    assert front.answered == 2


def test_another_day_or_a_forgotten_page_goes_to_flask(app, site, visitor, front,
                                                       monkeypatch):
    url = f"/etapes/{site.x}"
    visitor().get(url)
    app.extensions["page_cache"].clear()
    visitor().get(url)
    assert front.answered == 0
    visitor().get(url)
    assert front.answered == 1
    # The day after, with the settings out of the key as in production: the date it shows is
    # what sends the page back to Flask.
    monkeypatch.setattr("app.front_cache.settings_key", lambda _app: 0)
    visitor().get(url)
    assert front.answered == 1  # a new key
    visitor().get(url)
    assert front.answered == 2
    app.config["CONCERTO_NOW"] = "2022-11-04T12:00"
    assert visitor().get(url).status_code == 200
    assert front.answered == 2
    visitor().get(url)
    assert front.answered == 3


@pytest.mark.parametrize("url", ["/demarches/cnr.ics", "/calendrier"])
def test_a_client_that_accepts_gzip_gets_the_body_compressed_once(app, site, visitor, front,
                                                                  url):
    identity = visitor().get(url)
    accepts = {"Accept-Encoding": "gzip, deflate, br"}
    compressed = visitor().get(url, headers=accepts)
    assert front.answered == 1
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.data) == identity.data
    assert len(compressed.data) < len(identity.data) / 2
    assert compressed.headers["Content-Length"] == str(len(compressed.data))
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert "Cookie" in compressed.headers["Vary"] or url.endswith(".ics")
    etag = compressed.headers["ETag"]
    assert etag != identity.headers["ETag"] and etag.endswith('-gz"')
    assert compressed.headers["Content-Type"] == identity.headers["Content-Type"]

    again = visitor().get(url, headers={**accepts, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    # A client holding Flask's uncompressed copy is told it is current, with its ETag.
    held = visitor().get(url, headers={**accepts, "If-None-Match": identity.headers["ETag"]})
    assert held.status_code == 304 and held.headers["ETag"] == identity.headers["ETag"]
    assert "Content-Encoding" not in held.headers
    # Compressed once per body: when Flask looks again (its trust expired) and answers the
    # same body (uncompressed: Flask compresses nothing), the copy made before is kept.
    (kept,) = front._answers.values()
    made = kept.gzipped()
    app.extensions["content_revisions"].invalidate()
    by_flask = visitor().get(url, headers=accepts)
    assert "Content-Encoding" not in by_flask.headers and front.answered == 3
    (renewed,) = front._answers.values()
    assert renewed is not kept and renewed.gzipped() is made
    assert visitor().get(url, headers=accepts).data == compressed.data
    # Identity for the client that refuses it, and from Flask (first request of a new body).
    refused = visitor().get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == identity.data
    assert front.answered == 5


def test_the_front_keeps_a_bounded_number_of_answers_oldest_first_out(app, site, visitor,
                                                                       front, monkeypatch):
    monkeypatch.setattr("app.front_cache.MAX_ANSWERS", 2)
    urls = ["/", f"/etapes/{site.x}", f"/etapes/{site.y}"]
    for url in urls:
        visitor().get(url)
    assert [key[0] for key in front._answers] == urls[1:]
    visitor().get("/")  # dropped: Flask answers, and it is kept again
    assert front.answered == 0
    assert [key[0] for key in front._answers] == [f"/etapes/{site.y}", "/"]
