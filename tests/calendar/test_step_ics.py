"""One step's .ics: stable identity, content, time zones, folding, no injection."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.campaigns.models import AgendaItem, AgendaKind, StepStatus
from app.extensions import db
from tests.calendar.ics import events, parse_both, vobject_events
from tests.factories import make_campaign, make_departement, make_step

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def lozere():
    campaign = make_campaign(title="CNR santé — Occitanie 2022")
    territory = make_departement("48", "Lozère", "Mende", parent=campaign.territory)
    step = make_step(campaign, territory, title="Concertation CNR santé — Lozère",
                     venue="Espace George Frêche", city="Mende", day=date(2022, 11, 4),
                     start_time=time(10), end_time=time(16), press_point_time=time(12, 30),
                     description="Conseil territorial de santé élargi.")
    step.agenda_items = [AgendaItem(kind=AgendaKind.WORKSHOP, title="Atelier accès aux soins",
                                    start_time=time(10, 45), end_time=time(12, 15))]
    db.session.commit()
    return step


def fetch(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response.data


def test_step_ics_has_everything_a_calendar_client_needs(client, lozere):
    body = fetch(client, f"/etapes/{lozere.id}.ics")
    calendar, vcal = parse_both(body)
    [event] = events(calendar)
    assert str(event["uid"]) == f"{lozere.uid}@concerto"
    assert event["sequence"] == 0
    assert str(event["summary"]) == "Concertation CNR santé — Lozère"
    assert str(event["location"]) == "Espace George Frêche, Mende"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["url"]).endswith(f"/etapes/{lozere.id}")
    assert str(event["organizer"]) == "mailto:contact@concerto.example"
    text = str(event["description"])
    assert "Comment donner à tous un accès à un médecin traitant ?" in text
    assert "Point presse à 12 h 30." in text
    assert "10 h 45 – 12 h 15 : Atelier accès aux soins" in text
    assert event.decoded("dtstart") == datetime(2022, 11, 4, 10, tzinfo=PARIS)
    assert event.decoded("dtend") == datetime(2022, 11, 4, 16, tzinfo=PARIS)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert "DTSTAMP" in event and "LAST-MODIFIED" in event
    [vevent] = vobject_events(vcal)
    assert vevent.uid.value == f"{lozere.uid}@concerto"
    assert vevent.dtstart.value.utcoffset().total_seconds() == 3600
    assert vevent.summary.value == "Concertation CNR santé — Lozère"


def test_uid_does_not_change_when_the_step_is_edited(client, lozere):
    first = events(parse_both(fetch(client, f"/etapes/{lozere.id}.ics"))[0])[0]
    lozere.city, lozere.sequence = "Marvejols", 1
    db.session.commit()
    second = events(parse_both(fetch(client, f"/etapes/{lozere.id}.ics"))[0])[0]
    assert second["uid"] == first["uid"]
    assert second["sequence"] == 1


def test_date_only_step_is_an_all_day_tentative_event(client):
    step = make_step(day=date(2022, 12, 9), start_time=None, end_time=None)
    calendar, vcal = parse_both(fetch(client, f"/etapes/{step.id}.ics"))
    [event] = events(calendar)
    assert event["dtstart"].params["VALUE"] == "DATE"
    assert event.decoded("dtstart") == date(2022, 12, 9)
    assert event.decoded("dtend") == date(2022, 12, 10)
    assert str(event["status"]) == "TENTATIVE"
    assert vobject_events(vcal)[0].dtstart.value == date(2022, 12, 9)


def test_step_without_a_date_has_no_ics(client):
    step = make_step(day=None, start_time=None, end_time=None)
    response = client.get(f"/etapes/{step.id}.ics")
    assert response.status_code == 404
    assert "pas encore de date" in response.get_data(as_text=True)


def test_draft_step_has_no_ics(client):
    step = make_step(status=StepStatus.DRAFT)
    assert client.get(f"/etapes/{step.id}.ics").status_code == 404


def test_cancelled_step_ics_says_cancelled(client):
    step = make_step(status=StepStatus.CANCELLED)
    [event] = events(parse_both(fetch(client, f"/etapes/{step.id}.ics"))[0])
    assert str(event["status"]) == "CANCELLED"


@pytest.mark.parametrize(("day", "offset_hours"), [
    (date(2022, 10, 30), 1),  # the Sunday clocks go back, at 3:00
    (date(2023, 3, 26), 2),   # the Sunday clocks go forward, at 2:00
    (date(2022, 10, 29), 2),
])
def test_start_and_end_survive_daylight_saving_changes(client, day, offset_hours):
    step = make_step(day=day, start_time=time(10), end_time=time(12, 30))
    calendar, vcal = parse_both(fetch(client, f"/etapes/{step.id}.ics"))
    [event] = events(calendar)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == datetime.combine(day, time(10), PARIS)
    assert end == datetime.combine(day, time(12, 30), PARIS)
    assert start.utcoffset().total_seconds() == offset_hours * 3600
    vevent = vobject_events(vcal)[0]
    assert vevent.dtstart.value == datetime.combine(day, time(10), PARIS)
    assert vevent.dtstart.value.utcoffset().total_seconds() == offset_hours * 3600
    assert vevent.dtend.value == datetime.combine(day, time(12, 30), PARIS)


TRICKY_TITLE = " ".join(
    ["Étape « santé » 🩺, accès; soins — Pyrénées-Orientales, Perpignan; 2ᵉ"] * 2)
TRICKY_PLACE = "Salle des fêtes, 12 rue de l’Église; bâtiment B — Perpignan 🏥"


def test_lines_are_folded_at_75_octets_and_values_round_trip(client):
    step = make_step(title=TRICKY_TITLE, venue=TRICKY_PLACE, city="Perpignan")
    body = fetch(client, f"/etapes/{step.id}.ics")
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    calendar, vcal = parse_both(body)
    [event] = events(calendar)
    assert str(event["summary"]) == TRICKY_TITLE
    assert str(event["location"]) == f"{TRICKY_PLACE}, Perpignan"
    vevent = vobject_events(vcal)[0]
    assert vevent.summary.value == TRICKY_TITLE
    assert vevent.location.value == f"{TRICKY_PLACE}, Perpignan"


@pytest.mark.parametrize("injection", [
    "Réunion\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Piège\r\nUID:pirate",
    "Réunion\nBEGIN:VEVENT\nDTSTART:20220101T000000Z",
    "Réunion\\nBEGIN:VEVENT",
])
def test_newlines_in_titles_and_places_cannot_inject_a_component(client, injection):
    step = make_step(title=injection, venue=injection, description=injection)
    calendar, vcal = parse_both(fetch(client, f"/etapes/{step.id}.ics"))
    [event] = events(calendar)
    assert str(event["summary"]) == " ".join(injection.split())  # kept, on one line
    assert len(vobject_events(vcal)) == 1
    assert "pirate" not in str(event["uid"])
