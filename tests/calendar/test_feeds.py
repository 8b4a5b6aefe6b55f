"""Subscribable feeds: content, caching headers, 304, changes, bounded queries."""

from datetime import date, time, timedelta

import pytest

from app.accounts.models import Role
from app.campaigns.models import Step, StepStatus
from app.extensions import db
from tests.calendar.ics import events, parse_both, vobject_events
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import count_queries, login_as, post_form


@pytest.fixture
def campaign_steps():
    campaign = make_campaign(slug="cnr-sante", title="CNR santé — Occitanie 2022")
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    return {
        "campaign": campaign, "lot": lot, "aveyron": aveyron,
        "timed": make_step(campaign, lot, title="Lot", day=date(2022, 11, 18)),
        "date_only": make_step(campaign, aveyron, title="Aveyron", start_time=None,
                               end_time=None),
        "unscheduled": make_step(campaign, aveyron, title="Sans date", day=None,
                                 start_time=None, end_time=None),
        "draft": make_step(campaign, lot, title="Brouillon", status=StepStatus.DRAFT),
        "cancelled": make_step(campaign, lot, title="Annulée", status=StepStatus.CANCELLED),
    }


def summaries(body: bytes) -> dict[str, str]:
    calendar, vcal = parse_both(body)
    assert len(vobject_events(vcal)) == len(events(calendar))
    return {str(e["summary"]): str(e["status"]) for e in events(calendar)}


def test_campaign_feed_holds_dated_public_steps_and_cancelled_ones(client, campaign_steps):
    response = client.get("/demarches/cnr-sante.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert summaries(response.data) == {"Lot": "CONFIRMED", "Aveyron": "TENTATIVE",
                                        "Annulée": "CANCELLED"}
    calendar, _ = parse_both(response.data)
    assert str(calendar["method"]) == "PUBLISH"
    assert str(calendar["x-wr-calname"]) == "CNR santé — Occitanie 2022"
    assert str(calendar["x-wr-timezone"]) == "Europe/Paris"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.data
    assert b"X-PUBLISHED-TTL:PT1H" in response.data


def test_departement_and_global_feeds(client, campaign_steps):
    assert set(summaries(client.get("/departements/12.ics").data)) == {"Aveyron"}
    other = make_campaign(campaign_steps["campaign"].territory, slug="autre")
    make_step(other, campaign_steps["lot"], title="Autre démarche")
    assert set(summaries(client.get("/calendrier.ics").data)) == {
        "Lot", "Aveyron", "Annulée", "Autre démarche"}
    assert client.get("/departements/99.ics").status_code == 404
    assert client.get("/demarches/inconnue.ics").status_code == 404


def test_feed_sends_validators_and_answers_304(client, campaign_steps):
    first = client.get("/demarches/cnr-sante.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    assert "public" in first.headers["Cache-Control"]
    again = client.get("/demarches/cnr-sante.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/demarches/cnr-sante.ics", headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_rescheduling_shows_one_event_with_new_time_and_higher_sequence(client,
                                                                        campaign_steps):
    step = campaign_steps["timed"]
    before = client.get("/demarches/cnr-sante.ics")
    old = next(e for e in events(parse_both(before.data)[0]) if str(e["summary"]) == "Lot")
    organiser = make_user(Role.ORGANISER, [campaign_steps["lot"]])
    login_as(client, organiser)
    post_form(client, f"/gestion/etapes/{step.id}/reprogrammer",
              {"schedule": "timed", "day": "2022-11-25", "start_time": "14:00",
               "end_time": "17:00"})
    after = client.get("/demarches/cnr-sante.ics", headers={"If-None-Match":
                                                            before.headers["ETag"]})
    assert after.status_code == 200
    lot_events = [e for e in events(parse_both(after.data)[0])
                  if str(e["uid"]) == str(old["uid"])]
    assert len(lot_events) == 1
    [new] = lot_events
    assert new.decoded("dtstart").isoformat() == "2022-11-25T14:00:00+01:00"
    assert new["sequence"] == old["sequence"] + 1


def test_cancelling_keeps_the_event_as_cancelled(client, campaign_steps):
    step = campaign_steps["timed"]
    login_as(client, make_user(Role.ORGANISER, [campaign_steps["lot"]]))
    post_form(client, f"/gestion/etapes/{step.id}/annuler", {"reason": ""})
    feed = summaries(client.get("/demarches/cnr-sante.ics").data)
    assert feed["Lot"] == "CANCELLED"


def _many_steps(campaign, territory, count: int) -> None:
    db.session.add_all(Step(campaign=campaign, territory=territory, title=f"Étape {n}",
                            city="Cahors", day=date(2022, 11, 1) + timedelta(days=n % 90),
                            start_time=time(10) if n % 2 else None,
                            end_time=time(12) if n % 2 else None,
                            status=StepStatus.PUBLISHED) for n in range(count))
    db.session.commit()


def test_building_a_feed_costs_the_same_queries_with_13_or_300_steps(client):
    campaign = make_campaign(slug="charge")
    territory = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    counts = []
    for size in (13, 300):
        db.session.query(Step).delete()
        db.session.commit()
        _many_steps(campaign, territory, size)
        # A process reads the whole revision table once after the database was emptied (the
        # previous test's rows deleted): another file's request pays for it.
        client.get("/calendrier.ics")
        with count_queries() as statements:
            body = client.get("/demarches/charge.ics").data
        assert body.count(b"BEGIN:VEVENT") == size
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


def test_a_cached_feed_is_served_without_building_it_again(client, campaign_steps, app):
    app.config["CALENDAR_CACHE_SECONDS"] = 60
    app.extensions["calendar_cache"].max_age = 60
    client.get("/demarches/cnr-sante.ics")
    with count_queries() as statements:
        assert client.get("/demarches/cnr-sante.ics").status_code == 200
    assert statements == []
    app.extensions["calendar_cache"].max_age = 0


def test_pages_offer_add_to_calendar_and_subscription_links(app, client, campaign_steps):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"  # before the step: a held one offers none
    step = campaign_steps["timed"]
    html = client.get(f"/etapes/{step.id}").get_data(as_text=True)
    assert f'href="http://localhost/etapes/{step.id}.ics"' in html
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "dates=20221118T090000Z%2F20221118T150000Z" in html
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in html
    calendar_page = client.get("/calendrier?demarche=cnr-sante").get_data(as_text=True)
    assert 'href="webcal://localhost/demarches/cnr-sante.ics"' in calendar_page
    assert 'href="http://localhost/demarches/cnr-sante.ics"' in calendar_page
    departement = client.get("/departements/12").get_data(as_text=True)
    assert "webcal://localhost/departements/12.ics" in departement


def test_unscheduled_step_page_offers_no_calendar_file(client, campaign_steps):
    html = client.get(f"/etapes/{campaign_steps['unscheduled'].id}").get_data(as_text=True)
    assert ".ics" not in html.split("Informations pratiques")[1].split("</main>")[0]
