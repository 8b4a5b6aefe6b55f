"""The step page clicked as a person does, at 1280×900 and 390×844: the invitation (.ics),
Google Agenda, Outlook, « S’inscrire », « Déjà inscrit(e) ? », the programme, « Contribuer »;
and a cancelled and a held step, which offer none of the stale actions."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.campaigns import services
from app.campaigns.models import Step, StepStatus
from app.extensions import db
from app.syntheses.models import StepReport
from tests.browser.conftest import (
    CLICK_TIMEOUT_MS,
    assert_clear_of_footer,
    click,
    click_text,
    download_invitation,
)
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

ICS = "Télécharger l’invitation (.ics)"


def open_step(page, live_server, step: Step) -> None:
    page.goto(f"{live_server}/etapes/{step.id}")
    assert page.locator("h1").inner_text() == step.title


def main(page):
    """The page's content, without the header's navigation (hidden on a phone)."""
    return page.get_by_role("main")


def step_in(seeded, city: str) -> Step:
    return db.session.scalar(sa.select(Step).where(Step.city == city,
                                                   Step.campaign_id == seeded.campaign_id))


def test_invitation_downloads_a_valid_ics(sized_page, live_server, seeded):
    page = sized_page
    open_step(page, live_server, seeded)
    link = main(page).get_by_role("link", name=ICS)
    event = download_invitation(page, link)
    assert str(event["SUMMARY"]) == "Concertation CNR santé — Lozère"
    assert event.decoded("DTSTART").isoformat() == "2022-11-04T10:00:00+01:00"
    assert "Espace George Frêche" in str(event["LOCATION"])


@pytest.mark.parametrize(("name", "site"), [
    ("Google Agenda", "https://calendar.google.com/calendar/render?"),
    ("Outlook", "https://outlook.live.com/calendar/0/deeplink/compose?"),
])
def test_google_and_outlook_buttons_are_clickable(sized_page, live_server, seeded, name, site):
    page = sized_page
    open_step(page, live_server, seeded)
    link = main(page).get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    assert href.startswith(site) and "Concertation+CNR+sant%C3%A9" in href
    assert link.get_attribute("target") == "_blank"
    # The sites are out of reach here: a trial click runs every actionability check (visible,
    # stable, enabled, receiving the pointer, not covered by the footer) without following.
    assert_clear_of_footer(page, link)
    link.click(trial=True, timeout=CLICK_TIMEOUT_MS)


def test_register_comes_first_on_a_phone_and_leads_to_the_form(sized_page, live_server,
                                                               seeded):
    page = sized_page
    open_step(page, live_server, seeded)
    register = main(page).get_by_role("link", name="S’inscrire à cette étape")
    programme = page.get_by_role("button", name="Programme de la journée")
    # In the first screen, without scrolling, at both widths (no longer after the programme).
    box = register.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    assert box["y"] < programme.bounding_box()["y"]
    click(page, register)
    page.wait_for_url(f"**/etapes/{seeded.id}/inscription")
    assert page.title().startswith("Inscription — Concertation CNR santé — Lozère")
    assert page.locator("#first_name").is_visible()


def test_already_registered_leads_to_the_link_request(sized_page, live_server, seeded):
    page = sized_page
    open_step(page, live_server, seeded)
    click(page, main(page).get_by_role("link", name="Déjà inscrit(e) ? Recevoir le lien"))
    page.wait_for_url(f"**/etapes/{seeded.id}/inscription/lien")
    assert page.locator("#email").is_visible()


def test_programme_opens_from_its_accordion(sized_page, live_server, seeded):
    page = sized_page
    open_step(page, live_server, seeded)
    table = page.get_by_role("table", name="Programme de la journée")
    assert not table.is_visible()
    click_text(page, "button", "Programme de la journée (9 séquences)")
    table.wait_for(state="visible", timeout=CLICK_TIMEOUT_MS)
    assert "Atelier : l’accès aux soins" in table.inner_text()


def test_contribute_leads_to_the_form_for_this_step(sized_page, live_server, seeded):
    seeded.campaign.contributions_open = True
    db.session.commit()
    page = sized_page
    open_step(page, live_server, seeded)
    assert main(page).get_by_role("heading", name="Contribuer à cette étape").is_visible()
    click(page, main(page).get_by_role("link", name="Contribuer", exact=True))
    page.wait_for_url(f"**/contribuer?etape={seeded.id}")
    assert page.input_value("#step_id") == str(seeded.id)


def test_map_link_points_to_openstreetmap(sized_page, live_server, seeded):
    page = sized_page
    open_step(page, live_server, seeded)
    link = main(page).get_by_role("link", name="Voir le lieu sur la carte")
    assert link.get_attribute("href") == (
        "https://www.openstreetmap.org/search?query=Espace+George+Fr%C3%AAche%2C+Mende")
    assert_clear_of_footer(page, link)
    link.click(trial=True, timeout=CLICK_TIMEOUT_MS)


def test_upcoming_step_is_accessible(sized_page, live_server, seeded):
    page = sized_page
    seeded.access_info = "Navette depuis la gare de Mende.\nParking gratuit place du Foirail."
    db.session.commit()
    open_step(page, live_server, seeded)
    assert page.get_by_text("Navette depuis la gare de Mende.").is_visible()
    assert_accessible(page, f"etape-a-venir-{page.viewport_name}")


def test_cancelled_step_tells_why_and_offers_no_stale_action(sized_page, live_server, seeded):
    page = sized_page
    seeded.campaign.contributions_open = True
    step = step_in(seeded, "Cahors")
    services.cancel_step(step, None, "La salle n’est plus disponible ; une nouvelle date sera "
                                     "annoncée sur cette page.")
    open_step(page, live_server, step)
    alert = main(page).locator(".fr-alert")
    assert "Annulation annoncée le jeudi 3 novembre 2022 à 12 h." in alert.inner_text()
    assert "La salle n’est plus disponible" in alert.inner_text()
    for name in ("Ajouter à mon agenda", ICS, "Google Agenda", "Outlook",
                 "S’inscrire à cette étape", "Déjà inscrit(e) ?"):
        assert main(page).get_by_text(name).count() == 0, name
    assert_accessible(page, f"etape-annulee-{page.viewport_name}")
    click(page, main(page).get_by_role("link", name="Contribuer en ligne"))
    page.wait_for_url(f"**/demarches/{step.campaign.slug}/contribuer")


def test_held_step_shows_its_report_and_what_was_said(sized_page, app, live_server, seeded):
    page = sized_page
    step = step_in(seeded, "Foix")  # the demo's Ariège proposals were made there
    step.day, step.status = date(2022, 10, 14), StepStatus.HELD
    db.session.add(StepReport(
        step=step, attendance={"usagers": 38, "elus": 12},
        discussion="Les participants ont surtout parlé de l’**accès aux soins** en zone rurale.",
        published_at=datetime(2022, 10, 20, tzinfo=UTC)))
    db.session.commit()
    open_step(page, live_server, step)
    content = main(page)
    assert content.get_by_role("heading", name="Compte rendu").is_visible()
    assert content.get_by_role("heading", name="Ce qui s’est dit").is_visible()
    assert content.get_by_text("publié prochainement").count() == 0
    for name in ("Ajouter à mon agenda", ICS, "S’inscrire à cette étape", "Déjà inscrit(e) ?"):
        assert content.get_by_text(name).count() == 0, name
    assert_accessible(page, f"etape-tenue-{page.viewport_name}")
    first = content.get_by_role("region", name="Ce qui s’est dit").get_by_role("link").first
    title = first.inner_text()
    click(page, first)
    if "contributions.detail" in app.view_functions:  # each contribution's own page
        page.wait_for_url("**/contributions/C-*")
        assert page.locator("h1").inner_text() == title
    else:  # its card in the step's list
        page.wait_for_url(f"**/contributions?etape={step.id}#c*")
