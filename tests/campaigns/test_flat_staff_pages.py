"""The staff home page and the moderation queue at scale (issue 15): the same statements and a
bounded page with a few steps or contributions and with hundreds; what is not listed is a
link away (a campaign's steps page by page, the queue's next contributions)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.accounts.models import Role
from app.campaigns.dashboard import CAMPAIGN_PAGE, STEPS_PER_CAMPAIGN
from app.campaigns.dashboard_queries import TO_DO_STEPS
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.contributions.queries import PAGE_SIZE
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus
from tests.factories import aveyron_and_lot, make_step, make_user
from tests.helpers import count_queries, login_as, post_form

TODAY = date(2022, 11, 3)


@pytest.fixture
def region(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    return aveyron_and_lot()


def _steps(region, count: int) -> None:
    """Steps around today: held, today, to come; each with a registration to approve."""
    for number in range(count):
        step = make_step(region["campaign"], region["aveyron"] if number % 2 else region["lot"],
                         title=f"Étape {number:03d}",
                         day=TODAY + timedelta(days=number - count // 2), capacity=50,
                         registration_closes_at=datetime(2022, 11, 5, tzinfo=UTC))
        db.session.add(Registration(
            step=step, status=RegistrationStatus.PENDING, first_name="Éloïse",
            last_name=f"Dupré {number}", category="usagers",
            email=f"e{number}@example.org", consented_at=datetime(2022, 10, 1, tzinfo=UTC)))
    db.session.commit()


def _pending(region, count: int) -> list[Contribution]:
    rows = [Contribution(campaign=region["campaign"], kind=ContributionKind.PROPOSAL,
                         body=f"Plus de médecins le samedi, n° {number}.",
                         territory=region["aveyron"] if number % 2 else region["lot"],
                         status=ContributionStatus.PENDING if number % 3 else
                         ContributionStatus.PUBLISHED) for number in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return [row for row in rows if row.status is ContributionStatus.PENDING]


def _fetch(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm-up: what a process loads once
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def _step_links(html: str) -> set[str]:
    return set(re.findall(r'href="/etapes/(\d+)"', html))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ORGANISER])
def test_staff_home_runs_the_same_statements_and_stays_bounded_with_300_steps(
        client, region, role):
    login_as(client, make_user(role, [region["aveyron"], region["lot"]]))
    _steps(region, 13)
    small, small_html = _fetch(client, "/gestion/")
    _steps(region, 287)
    large, large_html = _fetch(client, "/gestion/")
    print(f"{role.value}: {large} statements, {len(small_html)} → {len(large_html)}")
    assert small == large
    # A public page per step listed, and the to-do's steps (at most TO_DO_STEPS).
    assert len(_step_links(large_html)) <= STEPS_PER_CAMPAIGN + TO_DO_STEPS
    assert len(large_html) <= 3 * len(small_html)
    assert "Voir les 300 étapes" in large_html


def test_a_campaigns_steps_are_listed_page_by_page(client, region):
    login_as(client, make_user(Role.ADMIN))
    _steps(region, 2 * CAMPAIGN_PAGE + 5)
    html = client.get("/gestion/?demarche=cnr").get_data(as_text=True)
    steps_part = html[html.index('id="vos-etapes"'):]
    assert "Étapes de vos territoires — " + region["campaign"].title in steps_part
    titles = re.findall(r"<h4[^>]*>(?:<a [^>]+>)?(Étape \d+)", steps_part)
    assert len(titles) == CAMPAIGN_PAGE
    seen = set(titles)
    for number in (2, 3):
        page = client.get(f"/gestion/?demarche=cnr&page={number}").get_data(as_text=True)
        seen |= set(re.findall(r"<h4[^>]*>(?:<a [^>]+>)?(Étape \d+)",
                               page[page.index('id="vos-etapes"'):]))
    assert len(seen) == 2 * CAMPAIGN_PAGE + 5
    assert 'aria-label="Pages des étapes de' in html and "page=3" in html
    assert 'href="/gestion/">Toutes vos démarches' in html


def test_the_queue_runs_the_same_statements_with_5_and_300_contributions(client, region):
    login_as(client, make_user(Role.MODERATOR, [region["aveyron"], region["lot"]]))
    _pending(region, 7)  # 4 waiting
    small, small_html = _fetch(client, "/gestion/moderation")
    _pending(region, 443)  # 295 more waiting
    large, large_html = _fetch(client, "/gestion/moderation")
    assert small == large
    assert "299 contributions à examiner, les plus anciennes d’abord : 20 sur cette page" \
        in large_html
    assert small_html.count("data-moderation-card") == 4
    assert large_html.count("data-moderation-card") == PAGE_SIZE
    home, _ = _fetch(client, "/gestion/")
    _pending(region, 30)
    assert _fetch(client, "/gestion/")[0] == home


def test_the_queue_goes_on_page_by_page_oldest_first(client, region):
    login_as(client, make_user(Role.MODERATOR, [region["aveyron"], region["lot"]]))
    waiting = _pending(region, 45)  # 30 waiting
    first = client.get("/gestion/moderation").get_data(as_text=True)
    references = re.findall(r'data-reference="(C-\d+)"', first)
    assert references == [c.reference for c in waiting[:PAGE_SIZE]]
    after = re.search(r'href="/gestion/moderation\?apres=(\d+)">Contributions suivantes',
                      first)
    second = client.get(f"/gestion/moderation?apres={after.group(1)}").get_data(as_text=True)
    assert re.findall(r'data-reference="(C-\d+)"', second) == [
        c.reference for c in waiting[PAGE_SIZE:]]
    assert 'href="/gestion/moderation">Début de la file' in second
    assert 'aria-disabled="true" role="link">Contributions suivantes' in second
    # A refusal without its reason, sent from the second page, comes back on its card.
    late = waiting[-1]
    response = post_form(client, f"/gestion/moderation/{late.id}/refuser", {"reason": ""},
                         token_from="/gestion/moderation")
    assert response.status_code == 400
    card = response.get_data(as_text=True)
    assert f'id="carte-{late.id}"' in card and "Indiquez le motif du refus." in card
