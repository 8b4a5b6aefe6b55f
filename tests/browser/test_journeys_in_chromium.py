"""Each public persona's journey from the home page by links only (the home page is the one
typed address), clicked by visible text at 1280 px and 390 px: if a person could not find
the way, neither does the test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.conftest import click, click_text, download_invitation
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

STEP = "Concertation CNR santé — Lozère"


def main(page):
    return page.get_by_role("main")


def navigate(page, label: str) -> None:
    """A main-navigation entry; on a phone it sits behind the « Menu » button."""
    if page.viewport_name == "mobile":
        click_text(page, "button", "Menu", exact=True)
    click(page, page.get_by_role("navigation", name="Menu principal")
          .get_by_role("link", name=label, exact=True))


def open_lozere_step_from_the_calendar(page) -> None:
    navigate(page, "Calendrier")
    page.wait_for_url("**/calendrier**")
    click(page, main(page).get_by_role("link", name=STEP).first)
    expect(page.get_by_role("heading", level=1)).to_have_text(STEP)


def test_a_citizen_registers_then_gives_an_opinion(sized_page, live_server, seeded):
    seeded.campaign.contributions_open = True
    db.session.commit()
    page = sized_page
    page.goto(live_server)

    open_lozere_step_from_the_calendar(page)
    click(page, main(page).get_by_role("link", name="S’inscrire à cette étape"))
    page.get_by_label(re.compile(r"^Prénom\b")).fill("Éloïse")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Dupré")
    page.get_by_label("Adresse électronique").fill("eloise.dupre@example.org")
    page.get_by_label(re.compile(r"^Vous participez au titre de")).select_option(
        label="Citoyen ou citoyenne")
    click(page, page.get_by_text("J’accepte que mes données soient utilisées"))
    click_text(page, "button", "M’inscrire")
    page.wait_for_url("**/inscriptions/**")
    expect(page.locator(".fr-alert__title").first).to_have_text("Confirmée")
    expect(main(page).get_by_role("heading", name="Ajouter à mon agenda")).to_be_visible()

    navigate(page, "Accueil")
    click_text(page, "link", "Donner mon avis", exact=True)
    click(page, main(page).get_by_role("link", name="Contribuer", exact=True).first)
    click(page, page.get_by_text("Parole de citoyen", exact=True))
    page.get_by_label(re.compile(r"^Votre contribution")).fill(
        "À Mende, il faut trois mois pour voir un ophtalmologiste.\nJe fais 200 km.")
    page.get_by_label(re.compile(r"^Département concerné")).select_option(label="Lozère (48)")
    page.get_by_label(re.compile(r"^Question")).select_option(label="L’accès aux soins")
    click_text(page, "button", "Envoyer ma contribution")
    expect(page.get_by_text("Merci ! Votre contribution est enregistrée")).to_be_visible()
    assert_accessible(page, f"parcours-citoyen-fin-{page.viewport_name}")


def test_a_journalist_gets_accredited_then_takes_the_invitation(sized_page, live_server,
                                                                 seeded):
    page = sized_page
    page.goto(live_server)

    navigate(page, "Espace presse")
    click_text(page, "link", "Demander une accréditation")
    click(page, page.get_by_role("group", name="CNR santé — Occitanie 2022", exact=True)
          .get_by_text("Toutes les étapes de cette démarche"))
    page.get_by_label("Prénom et nom").fill("Claire Martin")
    page.get_by_label("Média ou rédaction").fill("Midi Libre")
    page.get_by_label("Adresse électronique").fill("claire.martin@midi-libre.example")
    click(page, page.get_by_text("J’accepte que mes coordonnées soient utilisées"))
    click_text(page, "button", "Demander l’accréditation")
    expect(page.get_by_text("Votre accréditation est enregistrée")).to_be_visible()

    navigate(page, "Accueil")
    open_lozere_step_from_the_calendar(page)
    link = main(page).get_by_role("link", name="Télécharger l’invitation (.ics)")
    event = download_invitation(page, link)
    assert str(event["SUMMARY"]) == STEP
    assert_accessible(page, f"parcours-presse-fin-{page.viewport_name}")
