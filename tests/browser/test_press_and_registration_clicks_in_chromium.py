"""The press space, the press accreditation and the registration, clicked as a person does at
1280×900 and 390×844: only what is to come, steps grouped by démarche, « Toutes les étapes
de cette démarche », the département already chosen, journalists sent to the press side, and
« Ajouter à mon agenda » once registered."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.press.models import PressAccreditation, PressCampaignFollow, PressFollow
from tests.browser.conftest import (
    click,
    click_text,
    download_invitation,
)
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

CNR = "CNR santé — Occitanie 2022"
WHOLE = "Toutes les étapes de cette démarche"
ICS = "Télécharger l’invitation (.ics)"
# Required fields read « … * »; the structure type's hint names the category too.
CATEGORY = re.compile(r"^Vous participez au titre de")


def main(page):
    return page.get_by_role("main")


def cnr_group(page):
    """The démarche's fieldset, found by its legend as a screen reader announces it."""
    return page.get_by_role("group", name=CNR, exact=True)


def go_to_accreditation(page, live_server) -> None:
    """From the press space, by its link (no typed URL)."""
    page.goto(f"{live_server}/presse/")
    click_text(page, "link", "Demander une accréditation")
    page.wait_for_url("**/presse/accreditation")


def fill_journalist(page, email: str = "claire.martin@midi-libre.example") -> None:
    page.get_by_label("Prénom et nom").fill("Claire Martin")
    page.get_by_label("Média ou rédaction").fill("Midi Libre")
    page.get_by_label("Adresse électronique").fill(email)
    click(page, page.get_by_text("J’accepte que mes coordonnées soient utilisées"))


def test_press_space_lists_no_2010_date_a_venir_step_as_upcoming(sized_page, live_server,
                                                                 seeded):
    page = sized_page
    page.goto(f"{live_server}/presse/")
    content = main(page)
    expect(content.get_by_role("heading", name=CNR, exact=True).first).to_be_visible()
    expect(content.get_by_role("link", name="Concertation CNR santé — Lozère")).to_be_visible()
    assert content.get_by_text("Installation de la conférence de territoire").count() == 0
    assert content.get_by_text("Midi-Pyrénées 2010").count() == 0
    rows = content.locator("table tbody tr")
    assert rows.count() == 13  # the CNR steps, the day before the first one
    assert_accessible(page, f"presse-espace-{page.viewport_name}")


def test_journalist_follows_the_whole_cnr_campaign(sized_page, live_server, seeded):
    page = sized_page
    go_to_accreditation(page, live_server)
    group = cnr_group(page)
    expect(group.get_by_text("Lozère — vendredi 4 novembre 2022")).to_be_visible()
    expect(group.get_by_text("Ariège — date à venir")).to_be_visible()
    assert page.get_by_text("Installation de la conférence de territoire").count() == 0
    click(page, group.get_by_text(WHOLE))
    # The script ticks every step of the démarche (the server would include them anyway).
    expect(group.get_by_role("checkbox", name="Lozère — vendredi 4 novembre 2022")).to_be_checked()
    fill_journalist(page)
    assert_accessible(page, f"presse-accreditation-toutes-{page.viewport_name}")
    click_text(page, "button", "Demander l’accréditation")
    page.wait_for_url(re.compile(r".*/presse/$"))
    expect(page.get_by_text("Votre accréditation est enregistrée")).to_be_visible()
    db.session.expire_all()
    person = db.session.scalar(sa.select(PressAccreditation))
    assert person.outlet == "Midi Libre"
    assert db.session.scalar(sa.select(PressCampaignFollow.campaign_id)) == seeded.campaign_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressFollow)) == 13
    assert_accessible(page, f"presse-accreditation-enregistree-{page.viewport_name}")


def test_accreditation_error_keeps_what_was_typed(sized_page, live_server, seeded):
    page = sized_page
    go_to_accreditation(page, live_server)
    click(page, cnr_group(page).get_by_text(WHOLE))
    fill_journalist(page, email="pas-une-adresse@")
    click_text(page, "button", "Demander l’accréditation")
    expect(page.locator("#email-messages")).to_contain_text("adresse électronique valide")
    expect(page.get_by_label("Prénom et nom")).to_have_value("Claire Martin")
    expect(page.get_by_label("Média ou rédaction")).to_have_value("Midi Libre")
    expect(page.get_by_label("Adresse électronique")).to_have_value("pas-une-adresse@")
    expect(cnr_group(page).get_by_role("checkbox", name=WHOLE)).to_be_checked()
    assert_accessible(page, f"presse-accreditation-erreur-{page.viewport_name}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 0


def go_to_registration(page, live_server, step) -> None:
    page.goto(f"{live_server}/etapes/{step.id}")
    click(page, main(page).get_by_role("link", name="S’inscrire à cette étape"))
    page.wait_for_url(f"**/etapes/{step.id}/inscription")


def test_registration_form_fits_the_person(sized_page, live_server, seeded):
    page = sized_page
    go_to_registration(page, live_server, seeded)
    expect(page.get_by_label("Département")).to_have_value(str(seeded.territory_id))
    category = page.get_by_label(CATEGORY)
    assert "Presse" not in category.locator("option").all_inner_texts()
    structure = page.get_by_label("Type de structure (professionnels de santé)")
    expect(structure).to_be_hidden()  # no category chosen yet
    category.select_option(label="Professionnels et offreurs des services de santé")
    expect(structure).to_be_visible()
    category.select_option(label="Usagers et associations d’usagers")
    expect(structure).to_be_hidden()
    assert_accessible(page, f"inscription-formulaire-{page.viewport_name}")
    click_text(page, "link", "Demandez votre accréditation presse")
    page.wait_for_url("**/presse/accreditation")
    expect(page.get_by_role("heading", name="Accréditation presse", level=1)).to_be_visible()


def test_registered_person_adds_the_step_to_their_calendar(sized_page, live_server, seeded):
    page = sized_page
    go_to_registration(page, live_server, seeded)
    page.get_by_label(re.compile(r"^Prénom\b")).fill("Éloïse")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Dupré")
    page.get_by_label("Adresse électronique").fill("eloise.dupre@example.org")
    page.get_by_label(CATEGORY).select_option(
        label="Citoyen ou citoyenne")
    click(page, page.get_by_text("J’accepte que mes données soient utilisées"))
    click_text(page, "button", "M’inscrire")
    page.wait_for_url("**/inscriptions/**")
    expect(page.locator(".fr-alert__title").first).to_have_text("Confirmée")
    expect(main(page).get_by_role("heading", name="Ajouter à mon agenda")).to_be_visible()
    assert_accessible(page, f"inscription-confirmation-{page.viewport_name}")
    link = main(page).get_by_role("link", name=ICS)
    event = download_invitation(page, link)
    assert str(event["SUMMARY"]) == "Concertation CNR santé — Lozère"
    assert event.decoded("DTSTART").isoformat() == "2022-11-04T10:00:00+01:00"
