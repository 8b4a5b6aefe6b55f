"""Issue 18's pages in headless Chromium, at 1280 px and 390 px, with axe: the open-data page
and its « Publier sur data.gouv.fr » section, reached from the home page by links; an
administrator unlinking an account's ProConnect identity by its button; a participant filling
the registration form with FranceConnect (the loopback provider, tests/oidc_provider.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Role, User
from app.extensions import db
from app.territories.models import Territory, TerritoryKind
from tests import oidc_provider as loopback
from tests.browser.conftest import click, click_text, sign_in_from_the_home_page
from tests.browser.test_moderator_journey_in_chromium import check, main
from tests.browser.test_proconnect_in_chromium import _loopback_only
from tests.factories import make_user
from tests.oidc_provider import configure

pytestmark = pytest.mark.browser
# The loopback OpenID provider's fixtures, used here.
_loopback_provider, oidc_provider = loopback._loopback_provider, loopback.oidc_provider


def test_the_press_and_ministry_find_how_to_publish_on_data_gouv(sized_page, live_server,
                                                                 seeded):
    page = sized_page
    page.goto(live_server)
    click(page, page.locator("footer a", has_text="Données ouvertes et API").first)
    page.wait_for_url("**/donnees")
    section = main(page).get_by_role("heading", name="Publier sur data.gouv.fr")
    section.scroll_into_view_if_needed()
    expect(section).to_be_visible()
    check(page, "donnees-data-gouv")
    click(page, main(page).get_by_role("link").filter(
        has_text="/donnees/schemas/contributions.json"))
    page.wait_for_url("**/donnees/schemas/contributions.json")


def test_an_administrator_unlinks_a_proconnect_identity(sized_page, live_server, seeded):
    page = sized_page
    region = db.session.scalar(sa.select(Territory).where(
        Territory.kind == TerritoryKind.REGION, Territory.code == "76"))  # Occitanie
    agent = make_user(Role.ORGANISER, [region], email="nadia.orga@ars.example",
                      proconnect_sub="agent-ars-occitanie-0042")  # named « Camille Test »
    sign_in_from_the_home_page(page, live_server, "admin@concerto.example")
    if page.viewport_name == "mobile":
        click_text(page, "button", "Menu", exact=True)
    click(page, page.locator("a:visible", has_text="Comptes").first)
    page.wait_for_url("**/gestion/comptes**")
    click(page, main(page).get_by_role("link", name="Camille Test"))
    page.wait_for_url(f"**/gestion/comptes/{agent.id}**")
    check(page, "compte-relie-proconnect")
    click_text(page, "button", "Délier l’identité ProConnect")
    expect(page.get_by_text("L’identité ProConnect est déliée de ce compte.")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.proconnect_sub).where(User.id == agent.id)) is None


def test_a_participant_fills_the_registration_form_with_franceconnect(
        app, sized_page, live_server, seeded, oidc_provider):
    page = sized_page
    page.context.route("**/*", _loopback_only)
    configure(app, "FRANCECONNECT", oidc_provider)
    oidc_provider.add_user("citoyen-fc-0001", email="angela.dubois@example.fr",
                           given_name="Angela", family_name="Dubois")
    page.goto(f"{live_server}/etapes/{seeded.id}")
    click(page, main(page).get_by_role("link", name="S’inscrire à cette étape"))
    page.wait_for_url(f"**/etapes/{seeded.id}/inscription")
    click(page, main(page).get_by_role("link", name="S’identifier avec FranceConnect"))
    page.wait_for_url(f"{oidc_provider.url}/oauth2/authorize**")
    page.get_by_placeholder("sub").fill("citoyen-fc-0001")
    click_text(page, "button", "Authorize", exact=True)
    # The FranceConnect session ends at once: the provider's page, then back to the form.
    page.wait_for_url(f"{oidc_provider.url}/oauth2/end_session**")
    click_text(page, "button", "End session", exact=True)
    page.wait_for_url(f"**/etapes/{seeded.id}/inscription")
    expect(page.locator("#first_name")).to_have_value("Angela")
    expect(page.locator("#last_name")).to_have_value("Dubois")
    expect(page.locator("#email")).to_have_value("angela.dubois@example.fr")
    check(page, "inscription-franceconnect")
