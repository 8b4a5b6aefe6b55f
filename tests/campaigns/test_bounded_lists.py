"""Public lists that a big démarche would have made endless (issue 15): a département's page
and the press space show a few steps, the most useful first, and link to the calendar for
the rest; the contribution list's « Étape » filter offers the démarche's public steps only."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest

from app.campaigns.models import StepStatus
from app.press.routes import PRESS_STEPS
from app.territories.routes import DEPARTEMENT_STEPS
from tests.factories import make_campaign, make_departement, make_step

TODAY = date(2022, 11, 20)


@pytest.fixture
def world(app):
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    campaign = make_campaign(slug="cnr", title="CNR santé", ends_on=date(2023, 6, 30))
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    return {"campaign": campaign, "aveyron": aveyron}


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/etapes/\d+">([^<]+)</a>', html)


def test_a_departements_page_lists_the_next_steps_then_the_undated_then_the_past(
        client, world):
    for number in range(DEPARTEMENT_STEPS):  # more to come than the page lists
        make_step(world["campaign"], world["aveyron"], title=f"À venir {number:02d}",
                  day=TODAY + timedelta(days=2 * number + 1))
    make_step(world["campaign"], world["aveyron"], title="Sans date", day=None,
              start_time=None, end_time=None)
    make_step(world["campaign"], world["aveyron"], title="Tenue", day=TODAY - timedelta(days=3))
    html = client.get("/departements/12").get_data(as_text=True)
    assert _titles(html) == [f"À venir {number:02d}" for number in range(DEPARTEMENT_STEPS)]
    link = re.search(r'href="(/calendrier\?[^"]+)">Voir les (\d+) étapes du département', html)
    assert link.group(2) == str(DEPARTEMENT_STEPS + 2)
    assert "departement=12" in link.group(1) and "demarche=toutes" in link.group(1)
    # With fewer steps: all of them, soonest first, the undated, then the past; no link.
    other = make_departement("46", "Lot", "Cahors", parent=world["campaign"].territory)
    for title, day in (("Passée", TODAY - timedelta(days=9)), ("Prochaine", TODAY),
                       ("Plus tard", TODAY + timedelta(days=40)), ("Récente", TODAY - timedelta(
                           days=1)), ("À dater", None)):
        make_step(world["campaign"], other, title=title, day=day,
                  start_time=time(10) if day else None, end_time=None)
    html = client.get("/departements/46").get_data(as_text=True)
    assert _titles(html) == ["Prochaine", "Plus tard", "À dater", "Récente", "Passée"]
    assert "étapes du département au calendrier" not in html


def test_the_press_space_lists_a_few_steps_per_demarche_and_links_to_the_rest(client, world):
    for number in range(PRESS_STEPS + 4):
        make_step(world["campaign"], world["aveyron"], title=f"Réunion {number:02d}",
                  day=TODAY + timedelta(days=number), press_point_time=time(12, 30))
    make_step(world["campaign"], world["aveyron"], title="Sans date", day=None,
              start_time=None, end_time=None)
    make_step(world["campaign"], world["aveyron"], title="Passée", day=TODAY - timedelta(days=1))
    make_step(world["campaign"], world["aveyron"], title="Annulée", day=TODAY,
              status=StepStatus.CANCELLED)
    html = client.get("/presse/").get_data(as_text=True)
    assert _titles(html) == [f"Réunion {number:02d}" for number in range(PRESS_STEPS)]
    assert "5 autres étapes à venir : voir le calendrier de la démarche" in html
    assert 'href="/calendrier?demarche=cnr"' in html
    # A démarche whose few steps are all listed: no link; an ended one is not listed at all.
    other = make_campaign(world["campaign"].territory, slug="autre", title="Autre démarche",
                          starts_on=date(2022, 1, 1))
    make_step(other, world["aveyron"], title="Seule étape", day=TODAY + timedelta(days=3))
    ended = make_campaign(world["campaign"].territory, slug="finie", title="Finie",
                          ends_on=date(2022, 1, 1), starts_on=date(2021, 1, 1))
    make_step(ended, world["aveyron"], title="Jamais datée", day=None, start_time=None,
              end_time=None)
    html = client.get("/presse/").get_data(as_text=True)
    assert _titles(html)[-1] == "Seule étape"  # the most recent démarche first
    assert "Jamais datée" not in html and html.count("autres étapes à venir") == 1


def test_the_etape_filter_offers_the_demarches_public_steps_only(client, world):
    world["campaign"].contributions_open = True
    make_step(world["campaign"], world["aveyron"], title="Publique")
    make_step(world["campaign"], world["aveyron"], title="Brouillon", status=StepStatus.DRAFT)
    other = make_campaign(world["campaign"].territory, slug="autre")
    make_step(other, world["aveyron"], title="D’une autre démarche")
    html = client.get("/demarches/cnr/contributions").get_data(as_text=True)
    select = html[html.index('id="etape"'):]
    select = select[:select.index("</select>")]
    assert re.findall(r'<option value="\d+">([^<]+)</option>', select) == ["Publique"]
