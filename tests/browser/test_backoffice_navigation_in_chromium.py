"""The back office found and walked by links, as the Aveyron organiser does it at 1280×900 and
390×844: the home page's « Nouvelle étape » with its text, a step's card, then every moment of
the step by its side menu (grouped Préparer / Inscrire / Le jour J / Après, folded on a
phone, « Annuler l'étape » set apart at its end). axe-core on every page reached."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    click,
    click_text,
    open_step_menu_entry,
    sign_in_from_the_home_page,
)
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

ORGANISER = "organisation.aveyron@concerto.example"  # app/seed/data/demo.toml
STEP_TITLE = "Concertation CNR santé — Aveyron"
GROUPS = ["Préparer", "Inscrire", "Le jour J", "Après"]


def main(page):
    return page.locator("main")


def menu_heading(page, name: str):
    return page.locator("nav.concerto-step-nav .concerto-step-nav__heading", has_text=name)


def test_organiser_reaches_every_moment_of_a_step_from_the_side_menu(
        sized_page, live_server, seeded):
    page, width = sized_page, sized_page.viewport_name
    sign_in_from_the_home_page(page, live_server, ORGANISER)

    # « Nouvelle étape » shows its text (it once was a bare « + » square).
    new_step = main(page).get_by_role("link", name="Nouvelle étape", exact=True)
    expect(new_step).to_have_text(re.compile("Nouvelle étape"))
    assert new_step.bounding_box()["width"] > 100
    assert_accessible(page, f"gestion-tableau-de-bord-{width}")
    click(page, new_step)
    page.wait_for_url("**/gestion/etapes/nouvelle")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Nouvelle étape")
    page.go_back()

    card = main(page).locator(".concerto-staff-step", has_text=STEP_TITLE).first
    click(page, card.get_by_role("link", name=re.compile("^Inscriptions")))
    page.wait_for_url("**/inscriptions")
    menu = page.locator("nav.concerto-step-nav")
    current = menu.locator("[aria-current='page']")
    if width == "mobile":  # folded above the page: the page's own heading comes first
        expect(current).to_be_hidden()
        click_text(page, "button", "Menu de l’étape")
    expect(current).to_be_visible()
    # The menu unfolds with a transition: measure where its entries end up, not on the way.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    expect(current).to_have_text("Inscriptions")
    for group in GROUPS:
        expect(menu_heading(page, group)).to_be_visible()
    # Each entry sits under its moment, and the cancellation comes last, apart.
    cancel = menu.get_by_role("link", name="Annuler l’étape")
    assert menu_heading(page, "Inscrire").bounding_box()["y"] < current.bounding_box()["y"] \
        < menu_heading(page, "Le jour J").bounding_box()["y"]
    assert cancel.bounding_box()["y"] > menu.get_by_role(
        "link", name="Historique").bounding_box()["y"]
    assert_accessible(page, f"gestion-menu-etape-{width}")

    for entry, address, heading in (("Accueil", "**/pointage", "Accueil des participants"),
                                    ("Compte rendu", "**/compte-rendu", "Compte rendu"),
                                    ("Programme", "**/programme", None)):
        if width == "mobile":
            page.reload()  # the menu folded again, as a person finds it on each page
        open_step_menu_entry(page, entry)
        page.wait_for_url(address)
        if heading:
            expect(main(page).get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("nav.concerto-step-nav [aria-current='page']")).to_have_text(entry)
        assert_accessible(page, f"gestion-{entry.lower().replace(' ', '-')}-{width}")

    open_step_menu_entry(page, "Mur pour la salle")
    page.wait_for_url("**/mur")
    expect(page.locator(".concerto-wall__link")).to_have_text(re.compile(r"/c/\d+$"))
