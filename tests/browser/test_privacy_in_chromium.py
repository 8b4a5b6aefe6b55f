"""The legal pages and the erasure of one's data, in headless Chromium, pass axe-core."""

import pytest

from app.registrations import tokens
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.privacy.conftest import register
from tests.registrations.helpers import open_step

pytestmark = pytest.mark.browser


@pytest.fixture
def token(app) -> str:
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    return tokens.make(register(open_step(), "camille.durand@example.org").uuid)


@pytest.mark.parametrize(("path", "name", "title"), [
    ("/mentions-legales", "mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "donnees-personnelles", "Données personnelles"),
    ("/accessibilite", "accessibilite", "Déclaration d’accessibilité"),
])
def test_legal_pages_are_accessible(page, live_server, path, name, title):
    page.goto(f"{live_server}{path}")
    assert page.locator("h1").inner_text() == title
    assert_accessible(page, name)


def test_management_and_erasure_pages_are_accessible(page, live_server, token):
    page.goto(f"{live_server}/inscriptions/{token}")
    assert page.get_by_role("link", name="Effacer mes données").is_visible()
    assert_accessible(page, "inscription-mes-donnees")
    page.get_by_role("link", name="Effacer mes données").click()
    page.wait_for_url("**/effacement")
    assert page.get_by_text("pour toutes les étapes").is_visible()
    assert_accessible(page, "effacement-des-donnees")
