"""ProConnect in headless Chromium, at 1280 px and 390 px, against the loopback provider
(tests/oidc_provider.py): an invited organiser clicks « Se connecter avec ProConnect », signs
in at the provider, lands on the back office; « Se déconnecter » then ends the session at the
provider too, which the pages' Content-Security-Policy (form-action) must let through. The
provider's page asks for a style sheet on the Internet: every request off loopback is
refused, so nothing leaves the machine."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.accounts import services
from app.accounts.models import Role
from tests import oidc_provider as loopback
from tests.browser.conftest import click, click_text, sign_in_from_the_home_page
from tests.browser.test_moderator_journey_in_chromium import check
from tests.factories import PASSWORD, make_region, make_user
from tests.oidc_provider import configure

pytestmark = pytest.mark.browser

# The loopback provider's fixtures, used here.
_loopback_provider, oidc_provider = loopback._loopback_provider, loopback.oidc_provider
AGENT = "agent-ars-occitanie-0042"
EMAIL = "nadia.orga@ars.example"


def _loopback_only(route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def test_an_invited_organiser_signs_in_with_proconnect_and_out(app, sized_page, live_server,
                                                               oidc_provider):
    page = sized_page
    page.context.route("**/*", _loopback_only)
    configure(app, "PROCONNECT", oidc_provider)
    oidc_provider.add_user(AGENT, email=EMAIL, given_name="Nadia", usual_name="Orga",
                           siret="13002526500013")
    admin = make_user(Role.ADMIN, email="admin@ars.example")
    services.invite(EMAIL, "Nadia Orga", Role.ORGANISER, [make_region()], by=admin)

    page.goto(f"{live_server}/connexion")
    check(page, "connexion-proconnect")
    click(page, page.get_by_role("link", name="Se connecter avec ProConnect"))
    page.wait_for_url(f"{oidc_provider.url}/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(AGENT)
    click_text(page, "button", "Authorize", exact=True)

    page.wait_for_url(f"{live_server}/gestion/")
    expect(page.get_by_text("Bienvenue, Nadia Orga.")).to_be_visible()
    check(page, "gestion-apres-proconnect")

    if page.viewport_name == "mobile":
        click_text(page, "button", "Menu", exact=True)
    click(page, page.locator("button:visible", has_text="Se déconnecter").first)
    page.wait_for_url(re.compile(re.escape(f"{oidc_provider.url}/oauth2/end_session")))
    click_text(page, "button", "End session", exact=True)
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    expect(page.get_by_text("Votre session ProConnect est fermée aussi.")).to_be_visible()


def test_an_organiser_with_a_password_links_their_account_from_mon_compte(
        app, sized_page, live_server, oidc_provider):
    page = sized_page
    page.context.route("**/*", _loopback_only)
    configure(app, "PROCONNECT", oidc_provider)
    oidc_provider.add_user(AGENT, email=EMAIL, given_name="Nadia", usual_name="Orga",
                           siret="13002526500013")
    make_user(Role.ORGANISER, [make_region()], email=EMAIL)

    sign_in_from_the_home_page(page, live_server, EMAIL, PASSWORD)
    if page.viewport_name == "mobile":
        click_text(page, "button", "Menu", exact=True)
    click(page, page.locator("a:visible", has_text="Mon compte").first)
    page.wait_for_url(f"{live_server}/gestion/compte/")
    click_text(page, "button", "Relier mon identité ProConnect")
    page.wait_for_url(f"{oidc_provider.url}/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(AGENT)
    click_text(page, "button", "Authorize", exact=True)

    page.wait_for_url(f"{live_server}/gestion/compte/")
    expect(page.get_by_text("Votre compte est relié à votre identité ProConnect : vous pouvez "
                            "désormais")).to_be_visible()
    expect(page.get_by_text("Reliée", exact=True)).to_be_visible()
    check(page, "compte-proconnect-relie")
