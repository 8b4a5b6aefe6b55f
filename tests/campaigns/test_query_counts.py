"""Public pages run a fixed number of SQL statements and stay the same size, whatever the
number of steps (no N+1, no page listing every step)."""

import re
from datetime import date, timedelta

import pytest

from app.campaigns.calendar_queries import PAGE_SIZE, UNSCHEDULED_PREVIEW
from app.campaigns.models import AgendaItem, AgendaKind, Step, StepStatus
from app.extensions import db
from tests.factories import make_campaign, make_departement
from tests.helpers import count_queries, empty_tables


def build_calendar(size: int) -> dict:
    """``size`` public steps spread over 13 départements, each with a programme."""
    campaign = make_campaign(slug="cnr")
    departements = [make_departement(f"{code:02d}", f"Département {code}", f"Ville {code}",
                                     parent=campaign.territory) for code in range(1, 14)]
    for number in range(size):
        territory = departements[number % 13]
        scheduled = number % 5 != 0
        day = date(2022, 11, 4) + timedelta(days=number % 60)
        db.session.add(Step(
            campaign=campaign, territory=territory, title=f"Étape {number}",
            city=territory.chef_lieu, day=day if scheduled else None,
            status=StepStatus.CANCELLED if number % 7 == 0 else StepStatus.PUBLISHED,
            agenda_items=[AgendaItem(kind=AgendaKind.WORKSHOP, title="Atelier",
                                     challenge=campaign.challenges[0])]))
    db.session.commit()
    first = db.session.scalar(db.select(Step.id).order_by(Step.id))
    return {"step": first, "departement": departements[0].code, "campaign": campaign.slug}


PAGES = {
    "calendar": "/calendrier?demarche={campaign}",
    "calendar_every_campaign": "/calendrier?demarche=toutes",
    "calendar_filtered": "/calendrier?demarche={campaign}&departement={departement}&etat=held",
    "calendar_month_page": "/calendrier?demarche={campaign}&mois=2022-12&page=2",
    "calendar_undated": "/calendrier?demarche={campaign}&mois=a-venir",
    "step": "/etapes/{step}",
    "departement": "/departements/{departement}",
    "home": "/",
    "campaign": "/demarches/{campaign}",
    "press_space": "/presse/",
}
# Pages that show every one of 13 steps: with 300, at most half as long again. Every page
# links to a bounded number of steps (a month's page and a few undated ones at most).
SHOW_ALL_13 = ("calendar", "calendar_every_campaign", "press_space", "home", "campaign")
MOST_STEPS_LINKED = PAGE_SIZE + UNSCHEDULED_PREVIEW


@pytest.fixture(autouse=True)
def pages_built_each_time(app, monkeypatch):
    """What a page costs to build: the page cache (app.page_cache) would answer the second
    request from memory."""
    cache = app.extensions.get("page_cache")
    if cache is not None:
        monkeypatch.setattr(cache, "capacity", 0)


def fetch(client, url: str) -> tuple[int, str]:
    """(SQL statements, HTML) of ``url``, after a warm-up: the first request may load things
    once per process."""
    client.get(url)
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_the_same_queries_with_13_and_300_steps(app, client, page):
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    small, small_html = fetch(client, PAGES[page].format(**build_calendar(13)))
    db.session.remove()
    empty_tables()
    large, large_html = fetch(client, PAGES[page].format(**build_calendar(300)))
    print(f"{page}: {large} statements, {len(small_html)} → {len(large_html)} characters")
    assert small == large
    assert 2 <= large <= 8  # built, not answered from a cache
    assert len(set(re.findall(r'href="/etapes/(\d+)"', large_html))) <= MOST_STEPS_LINKED
    if page in SHOW_ALL_13:
        assert len(large_html) <= 1.5 * len(small_html)
