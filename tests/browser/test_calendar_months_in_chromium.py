"""The calendar one month a page, in Chromium at 1280×900 and 390×844: a visitor goes from
month to month and to the steps « date à venir » by the links they see, without JavaScript
doing anything; the pages pass axe-core and fit a phone's width."""

import pytest

from tests.browser.conftest import click_text, page_width
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser


def _fits(page) -> None:
    assert page_width(page) <= page.viewport_size["width"]


def test_visitor_goes_from_month_to_month(sized_page, live_server, seeded):
    page = sized_page
    page.goto(f"{live_server}/calendrier")
    assert page.locator("h2", has_text="novembre 2022").is_visible()
    assert page.get_by_text("13 étapes, dont 3 en novembre 2022.").is_visible()
    assert_accessible(page, f"calendrier-mois-{page.viewport_name}")
    _fits(page)
    # « Mois suivant » says its name beside its arrow on a wide screen; on a phone the months'
    # names are the links one reads.
    wide = page.viewport_name == "bureau"
    click_text(page, "link", "Mois suivant" if wide else "décembre 2022", exact=not wide)
    page.wait_for_url("**mois=2022-12**")
    assert page.locator("h2", has_text="décembre 2022").is_visible()
    assert page.locator("h2", has_text="novembre 2022").count() == 0
    _fits(page)
    click_text(page, "link", "Date à venir", exact=True)
    page.wait_for_url("**mois=a-venir**")
    assert page.locator("#date-a-venir").is_visible()
    assert page.locator(".fr-card__title").all_inner_texts() == [
        "Concertation CNR santé — Ariège", "Concertation CNR santé — Hérault"]
    assert_accessible(page, f"calendrier-date-a-venir-{page.viewport_name}")
