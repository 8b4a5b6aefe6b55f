"""Public pages run a fixed number of SQL statements, whatever the number of steps (no N+1)."""

from datetime import date, timedelta

import pytest

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
    "calendar_filtered": "/calendrier?demarche={campaign}&departement={departement}&etat=held",
    "step": "/etapes/{step}",
    "departement": "/departements/{departement}",
    "home": "/",
    "campaign": "/demarches/{campaign}",
}


def queries_for(client, url: str) -> int:
    client.get(url)  # warm-up: the first request may load things once per process
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_the_same_queries_with_13_and_300_steps(app, client, page):
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    small = queries_for(client, PAGES[page].format(**build_calendar(13)))
    db.session.remove()
    empty_tables()
    large_ids = build_calendar(300)
    large = queries_for(client, PAGES[page].format(**large_ids))
    print(f"{page}: {large} statements")
    assert small == large
    assert large <= 8
