"""The calendar one month a page (issue 15): months holding a step linked, « Mois précédent /
suivant » skipping empty months, a busy month in numbered pages, the steps « date à venir »
previewed under each month and listed on their own pages, the filters kept by every link."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.campaigns.calendar_queries import PAGE_SIZE, UNSCHEDULED_PREVIEW
from app.campaigns.models import StepStatus
from tests.factories import aveyron_and_lot, make_campaign, make_step


@pytest.fixture
def world(app):
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    return aveyron_and_lot()


def _steps(world, count: int, first: date | None, prefix: str, **kw) -> None:
    for number in range(count):
        day = first + timedelta(days=number % 28) if first else None
        make_step(world["campaign"], world["aveyron"] if number % 2 else world["lot"],
                  title=f"{prefix} {number:02d}", day=day,
                  start_time=None if day is None else kw.get("start_time"), end_time=None,
                  status=kw.get("status", StepStatus.PUBLISHED))


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _cards(html: str) -> list[str]:
    return re.findall(r'<a href="/etapes/\d+">([^<]+)</a>', html)


def _nav(html: str, label: str) -> str:
    start = html.index(f'aria-label="{label}"')
    return html[start:html.index("</nav>", start)]


def test_a_busy_month_has_numbered_pages_of_bounded_size(client, world):
    _steps(world, 45, date(2022, 11, 1), "Novembre")
    html = _html(client, "/calendrier?demarche=cnr&mois=2022-11")
    assert "45 étapes, dont 45 en novembre 2022." in html
    assert len(_cards(html)) == PAGE_SIZE
    pages = _nav(html, "Pages de novembre 2022")
    assert 'aria-current="page">1<' in pages
    assert "mois=2022-11&amp;page=3" in pages.replace("demarche=cnr&amp;", "")
    last = _html(client, "/calendrier?demarche=cnr&mois=2022-11&page=3")
    assert len(_cards(last)) == 45 - 2 * PAGE_SIZE
    # Every step once over the three pages, in date order.
    seen = [title for number in (1, 2, 3) for title in _cards(
        _html(client, f"/calendrier?demarche=cnr&mois=2022-11&page={number}"))]
    assert sorted(seen) == sorted(f"Novembre {n:02d}" for n in range(45))
    # A page past the end is the last one, a page that is no number the first.
    assert _cards(_html(client, "/calendrier?demarche=cnr&mois=2022-11&page=99")) \
        == _cards(last)
    assert len(_cards(_html(client, "/calendrier?demarche=cnr&mois=2022-11&page=x"))) \
        == PAGE_SIZE


def test_previous_and_next_month_skip_the_months_without_a_step(client, world):
    _steps(world, 2, date(2023, 1, 10), "Janvier")
    _steps(world, 1, date(2023, 4, 3), "Avril")
    html = _html(client, "/calendrier?demarche=cnr&mois=2023-01")
    months = _nav(html, "Mois du calendrier")
    assert "janvier 2023" in months and "avril 2023" in months and "mars 2023" not in months
    following = months[months.index("Mois précédent"):]
    assert 'href="/calendrier?mois=2023-04&amp;demarche=cnr">Mois suivant' in following
    assert 'aria-disabled="true" role="link">Mois précédent' in months
    april = _html(client, "/calendrier?demarche=cnr&mois=2023-04")
    assert _cards(april) == ["Avril 00"]
    assert 'href="/calendrier?mois=2023-01&amp;demarche=cnr">Mois précédent' in april


def test_the_calendar_opens_on_this_month_else_the_next_else_the_last(app, client, world):
    _steps(world, 1, date(2022, 10, 3), "Octobre")
    _steps(world, 1, date(2023, 2, 6), "Février")
    # 20 November 2022: nothing this month, February is next.
    assert _cards(_html(client, "/calendrier?demarche=cnr")) == ["Février 00"]
    app.config["CONCERTO_NOW"] = "2023-06-01T12:00"  # everything past: the latest month
    assert _cards(_html(client, "/calendrier?demarche=cnr")) == ["Février 00"]
    app.config["CONCERTO_NOW"] = "2022-10-15T12:00"
    assert _cards(_html(client, "/calendrier?demarche=cnr")) == ["Octobre 00"]


def test_undated_steps_are_previewed_under_each_month_and_listed_on_their_own(client, world):
    _steps(world, 1, date(2022, 11, 25), "Novembre")
    _steps(world, PAGE_SIZE + 5, None, "À programmer")
    html = _html(client, "/calendrier?demarche=cnr")
    undated = html[html.index('id="date-a-venir"'):]
    assert len(_cards(undated)) == UNSCHEDULED_PREVIEW
    assert f"Voir les {PAGE_SIZE + 5} étapes à date à venir" in undated
    own = _html(client, "/calendrier?demarche=cnr&mois=a-venir")
    assert f"{PAGE_SIZE + 6} étapes, dont {PAGE_SIZE + 5} à date à venir." in own
    assert len(_cards(own)) == PAGE_SIZE and 'id="mois-' not in own
    assert 'aria-current="page">Date à venir<' in _nav(own, "Mois du calendrier")
    second = _html(client, "/calendrier?demarche=cnr&mois=a-venir&page=2")
    assert len(_cards(second)) == 5
    # A démarche whose steps are all undated: its calendar opens on them.
    other = make_campaign(world["campaign"].territory, slug="autre")
    make_step(other, world["lot"], title="Sans date", day=None, start_time=None,
              end_time=None)
    assert _cards(_html(client, "/calendrier?demarche=autre")) == ["Sans date"]


def test_links_keep_the_filters_and_the_form_starts_again_from_this_month(client, world):
    _steps(world, 4, date(2022, 11, 21), "Novembre")
    _steps(world, 4, date(2022, 12, 5), "Décembre")
    html = _html(client, "/calendrier?demarche=cnr&departement=12&etat=upcoming")
    following = html[html.index("Mois précédent"):html.index("Mois suivant")]
    assert "mois=2022-12&amp;demarche=cnr&amp;departement=12&amp;etat=upcoming" in following
    # The filter form has no month: new filters open on the month they start from.
    form = html[html.index('aria-label="Filtrer le calendrier"'):html.index("</form>")]
    assert 'name="mois"' not in form
    assert all(title.endswith(("01", "03")) for title in _cards(html))  # the Aveyron's


def test_an_empty_or_malformed_month_is_said_plainly(client, world):
    _steps(world, 1, date(2022, 11, 25), "Novembre")
    html = _html(client, "/calendrier?demarche=cnr&mois=2023-03")
    assert "1 étape, aucune en mars 2023." in html
    assert "Aucune étape en mars 2023" in html and _cards(html) == []
    for wrong in ("2023-13", "<script>", "0000-01", "9999-12", "a" * 500):
        html = _html(client, f"/calendrier?demarche=cnr&mois={wrong}")
        assert _cards(html) == ["Novembre 00"], wrong
        assert "<script>" not in html
