"""Public pages served from the page cache: the same bytes for every anonymous visitor, nothing
personal in them, validators and 304, a change visible on the next request, and scoped:
changing one step rebuilds what shows it, nothing else (app.page_cache, app.revisions)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from app import create_app
from app.accounts.models import Role
from app.campaigns.models import Step
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.page_cache import MAX_BYTES
from tests.conftest import IsolatedClient
from tests.factories import make_user
from tests.helpers import count_queries, login_as, post_form
from tests.registrations.helpers import form as registration_form

STAFF_NAME = "Camille Test"  # tests.factories.make_user's


def text(response) -> str:
    return response.get_data(as_text=True)


def test_every_anonymous_visitor_gets_the_same_cached_page_with_nothing_personal(
        app, site, visitor):
    cache = app.extensions["page_cache"]
    make_user(Role.ORGANISER, [site.lot])
    for url in site.pages:
        first = visitor().get(url)
        builds = cache.builds
        second = visitor().get(url)
        assert first.status_code == second.status_code == 200, url
        assert second.data == first.data, url
        assert cache.builds == builds, f"{url} built again"
        for answer in (first, second):
            assert "Set-Cookie" not in answer.headers, url
            assert answer.headers["ETag"] == first.headers["ETag"]
            assert answer.headers["Last-Modified"] == first.headers["Last-Modified"]
            assert {"public", "no-cache"} == {
                part.strip() for part in answer.headers["Cache-Control"].split(",")}
            assert "Cookie" in answer.headers["Vary"]
        html = text(second)
        assert "csrf_token" not in html and STAFF_NAME not in html, url
        assert "Se déconnecter" not in html and "Mon compte" not in html, url
        assert "fr-alert--sm" not in html, url  # no flash message


def test_a_signed_in_organiser_gets_their_own_bar_never_the_cached_page_nor_gives_it(
        app, client, site, visitor):
    url = f"/etapes/{site.x}"
    organiser = make_user(Role.ORGANISER, [site.lot])
    login_as(client, organiser)
    for anonymous_first in (True, False):
        app.extensions["page_cache"].clear()
        before = visitor().get(url) if anonymous_first else None
        mine = client.get(url)
        after = visitor().get(url)
        assert "Se déconnecter" in text(mine) and "Modifier cette étape" in text(mine)
        assert "private" in mine.headers["Cache-Control"]
        assert "public" not in mine.headers["Cache-Control"]
        assert "Cookie" in mine.headers["Vary"]
        assert "Se déconnecter" not in text(after) and "Modifier cette étape" not in text(after)
        assert before is None or after.data == before.data


def test_a_flash_message_stays_with_its_visitor(app, site, visitor):
    flashed = visitor()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("success", "Votre inscription est enregistrée.")]
    mine = flashed.get("/")
    assert "Votre inscription est enregistrée." in text(mine)
    assert "private" in mine.headers["Cache-Control"]
    others = visitor().get("/")
    assert "Votre inscription est enregistrée." not in text(others)
    assert "Set-Cookie" not in others.headers and "public" in others.headers["Cache-Control"]


def test_validators_give_304_and_head_answers_without_a_body(app, site, visitor):
    for url in site.pages:
        first = visitor().get(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        again = visitor().get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == etag
        since = visitor().get(url, headers={"If-Modified-Since": modified})
        assert since.status_code == 304, url
        head = visitor().head(url)
        assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == etag


def test_publishing_and_rescheduling_show_on_the_next_request(app, client, site, visitor):
    login_as(client, make_user(Role.ORGANISER, [site.lot]))
    draft = f"/etapes/{site.draft}"
    assert visitor().get(draft).status_code == 404
    assert "Forum — Gourdon" not in text(visitor().get("/calendrier?mois=2022-12"))
    post_form(client, f"/gestion/etapes/{site.draft}/publier", {})
    assert "Forum — Gourdon" in text(visitor().get(draft))
    assert "Forum — Gourdon" in text(visitor().get("/calendrier?mois=2022-12"))
    assert "Forum — Gourdon" in text(visitor().get("/departements/46"))

    step_page = f"/etapes/{site.x}"
    before = visitor().get(step_page)
    assert "vendredi 18 novembre 2022, de 10 h à 16 h" in text(before)
    post_form(client, f"/gestion/etapes/{site.x}/reprogrammer",
              {"schedule": "timed", "day": "2022-11-25", "start_time": "14:00",
               "end_time": "17:00"})
    after = visitor().get(step_page, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "vendredi 25 novembre 2022, de 14 h à 17 h" in text(after)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_published_contribution_shows_on_the_next_request(app, client, site, visitor):
    contribution = Contribution(
        campaign_id=site.campaign.id, kind=ContributionKind.PROPOSAL, title="Un bus vers Cahors",
        body="Une navette depuis les villages vers la maison de santé.", territory_id=site.lot.id,
        challenge_id=site.challenge, step_id=site.x, status=ContributionStatus.PENDING)
    db.session.add(contribution)
    db.session.commit()
    pages = {"step": f"/etapes/{site.x}", "campaign": "/demarches/cnr", "home": "/"}
    before = {name: text(visitor().get(url)) for name, url in pages.items()}
    assert "Un bus vers Cahors" not in before["step"]
    assert "Aucune contribution publiée pour l’instant" in before["campaign"]
    login_as(client, make_user(Role.MODERATOR, [site.lot]))
    post_form(client, f"/gestion/moderation/{contribution.id}/publier", {},
              token_from="/gestion/moderation")
    after = {name: text(visitor().get(url)) for name, url in pages.items()}
    assert "Un bus vers Cahors" in after["step"]
    assert "1 contribution publiée" in after["campaign"]
    assert "1 contribution publiée" in after["home"]
    assert "Un bus vers Cahors" not in text(visitor().get(f"/etapes/{site.y}"))


def test_a_registration_changes_the_seats_left_on_the_step_page_only(app, site, visitor):
    cache = app.extensions["page_cache"]
    step_page = f"/etapes/{site.x}"
    assert "2 places disponibles" in text(visitor().get(step_page))
    for url in ("/calendrier", "/departements/46", "/demarches/cnr"):
        visitor().get(url)
    person = visitor()
    step = db.session.get(Step, site.x)
    answer = post_form(person, f"{step_page}/inscription", registration_form(step),
                       token_from="/connexion")
    assert answer.status_code == 302
    builds = cache.builds
    for url in ("/calendrier", "/departements/46", "/demarches/cnr"):
        visitor().get(url)
    assert cache.builds == builds  # the seats are on the step page only
    assert "1 place disponible" in text(visitor().get(step_page))
    assert cache.builds == builds + 1


def test_changing_one_step_rebuilds_the_pages_and_files_that_show_it_and_no_other(
        app, site, visitor):
    cache = app.extensions["page_cache"]
    y_page, y_file = f"/etapes/{site.y}", f"/etapes/{site.y}.ics"
    untouched = [y_page, "/departements", "/departements/12"]
    for url in (*site.pages, *untouched, y_file, "/demarches/autre.ics", "/departements/12.ics"):
        assert visitor().get(url).status_code == 200, url
    step = db.session.get(Step, site.x)
    step.title = "Concertation — Cahors (salle du conseil)"
    db.session.commit()
    builds = cache.builds
    for url in untouched:
        visitor().get(url)
    assert cache.builds == builds, "a page that does not show the step was rebuilt"
    with count_queries() as statements:
        for url in (y_file, "/demarches/autre.ics", "/departements/12.ics"):
            assert visitor().get(url).status_code == 200
    assert not [s for s in statements if "content_revision" not in s], "a feed was rebuilt"
    for url in (f"/etapes/{site.x}", "/calendrier", "/demarches/cnr", "/departements/46"):
        assert "Concertation — Cahors (salle du conseil)" in text(visitor().get(url)), url
    assert cache.builds == builds + 4
    assert "(salle du conseil)" in text(visitor().get("/demarches/cnr.ics"))


def test_another_process_sees_a_change_within_its_period(app, site):
    other = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "CALENDAR_CACHE_SECONDS": 0.2, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9,
        "CONCERTO_NOW": app.config["CONCERTO_NOW"]})
    other.test_client_class = IsolatedClient
    url, cache = f"/etapes/{site.x}", other.extensions["page_cache"]
    try:
        assert "Concertation — Cahors" in text(other.test_client().get(url))
        assert other.test_client().get(url).status_code == 200 and cache.builds == 1
        step = db.session.get(Step, site.x)
        step.title = "Concertation — Cahors, nouvelle salle"
        db.session.commit()  # in this process: the other one learns it from the database
        deadline = time.monotonic() + 15
        while "nouvelle salle" not in text(other.test_client().get(url)):
            assert time.monotonic() < deadline, "the other process never saw the change"
        assert cache.builds == 2
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_cache_keeps_a_bounded_number_of_pages(app, site, visitor):
    cache = app.extensions["page_cache"]
    cache.capacity = 3
    try:
        for number in range(10):
            assert visitor().get(f"/calendrier?n={number}").status_code == 200
        assert len(cache) == 3
        builds = cache.builds
        visitor().get("/calendrier?n=9")  # the latest ones are kept
        assert cache.builds == builds
        cache.capacity, cache.max_bytes = 100, 2 * len(visitor().get("/calendrier?n=9").data)
        for number in range(10, 15):
            visitor().get(f"/calendrier?n={number}")
        assert len(cache) == 2  # and no more bytes than allowed
    finally:
        cache.capacity = app.config["PAGE_CACHE_MAX_PAGES"]
        cache.max_bytes = MAX_BYTES


def test_a_step_page_is_kept_until_its_registrations_open(app, site, visitor):
    cache = app.extensions["page_cache"]
    opening = datetime(2022, 11, 4, 8, 0, tzinfo=UTC)  # tomorrow morning, as the clock says
    db.session.get(Step, site.x).registration_opens_at = opening
    db.session.commit()
    assert "pas encore ouvertes" in text(visitor().get(f"/etapes/{site.x}"))
    [(key, page)] = [(key, page) for key, page in cache._pages.items()
                     if key[0] == "campaigns.step_page"]
    assert page.until == opening
    snapshot = app.extensions["content_revisions"].snapshot()
    assert cache.find(key, snapshot, page.today, opening - timedelta(seconds=1)) is page
    assert cache.find(key, snapshot, page.today, opening) is None  # built again then
