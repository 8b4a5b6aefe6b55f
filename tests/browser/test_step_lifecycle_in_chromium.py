"""A step's lifecycle clicked as an organiser does it, at 1280×900 and 390×844 (issue 14,
points 10 and 11): « Reprogrammer » says who will be told before confirming and how many
mails left after; « Copier » fails with one message per field, names its target, then leads
to the new step."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Role
from app.campaigns.models import Step, StepStatus
from app.extensions import db
from app.mail import OutboundMail
from app.press.models import PressAccreditation, PressFollow
from app.registrations.models import Registration, RegistrationStatus
from tests.browser.conftest import click, click_text, open_step_menu_entry
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.browser.test_registrations_management_in_chromium import sign_in
from tests.factories import make_user
from tests.registrations.helpers import open_step

pytestmark = pytest.mark.browser

STEP_TITLE = "Concertation CNR santé — Lot"
ORGANISER = "orga.lot@ars.example"


@pytest.fixture
def lot(app):
    """The Lot step (18 November 2022, 10 h – 16 h), two weeks before: two registrants and
    a journalist who follows it."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step()
    for first_name in ("Camille", "Dominique"):
        db.session.add(Registration(step=step, status=RegistrationStatus.CONFIRMED,
                                    first_name=first_name, last_name="Durand",
                                    email=f"{first_name.lower()}@example.org",
                                    category="citoyens"))
    journalist = PressAccreditation(name="Jean Presse", outlet="La Dépêche",
                                    email="jean@presse.example")
    db.session.add(PressFollow(accreditation=journalist, step=step))
    make_user(Role.ORGANISER, [step.territory], email=ORGANISER)
    db.session.commit()
    return step


def queued_mails() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMail))


def one_message_per_field(page) -> dict[str, int]:
    """How many messages each field shows under it."""
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('.fr-messages-group')].map(
            group => [group.id.replace(/-messages$/, ''),
                      group.querySelectorAll('.fr-message').length]))""")


def test_organiser_reschedules_and_sees_who_is_told(sized_page, live_server, lot):
    page, width = sized_page, sized_page.viewport_name
    sign_in(page, live_server, ORGANISER)
    click_text(page, "link", STEP_TITLE, exact=True)
    page.wait_for_url(f"**/gestion/etapes/{lot.id}/modifier")
    open_step_menu_entry(page, "Reprogrammer")
    page.wait_for_url(f"**/gestion/etapes/{lot.id}/reprogrammer")
    expect(page.get_by_text("Seront prévenus par courriel du changement, avec l’ancienne et "
                            "la nouvelle date : 2 inscrits et 1 journaliste qui suit "
                            "l’étape.")).to_be_visible()
    assert_accessible(page, f"reprogrammer-apercu-{width}")

    page.fill("#day", "2022-11-25")
    page.fill("#start_time", "14:00")
    page.fill("#end_time", "17:00")
    click_text(page, "button", "Enregistrer la nouvelle date")
    page.wait_for_url(f"**/gestion/etapes/{lot.id}/modifier")
    expect(page.get_by_text("La date de l’étape est mise à jour. 3 courriels en file "
                            "d’envoi : 2 inscrits et 1 journaliste qui suit l’étape sont "
                            "prévenus.")).to_be_visible()
    assert queued_mails() == 3
    assert_accessible(page, f"reprogrammer-fait-{width}")


def test_organiser_copies_after_an_error_and_lands_on_the_new_step(sized_page, live_server,
                                                                   lot):
    page, width = sized_page, sized_page.viewport_name
    sign_in(page, live_server, ORGANISER)
    click_text(page, "link", STEP_TITLE, exact=True)
    page.wait_for_url(f"**/gestion/etapes/{lot.id}/modifier")
    open_step_menu_entry(page, "Copier")
    page.wait_for_url(f"**/gestion/etapes/{lot.id}/copier")
    heading = (f"Copier l’étape « {STEP_TITLE} » (Lot, 18 novembre 2022) vers une nouvelle "
               "étape")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    # A date but no times, at « Horaire précis »: one message under each time.
    page.fill("#day", "2022-12-02")
    click_text(page, "button", "Créer la nouvelle étape")
    expect(page.get_by_text("La nouvelle étape n’est pas encore créée")).to_be_visible()
    assert one_message_per_field(page) == {"start_time": 1, "end_time": 1}
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    # Nothing on the page acts on the original: no menu of its actions, no « Annuler ».
    expect(page.locator("nav.concerto-step-nav")).to_have_count(0)
    expect(page.get_by_role("link", name="Annuler l’étape")).to_have_count(0)
    assert_accessible(page, f"copier-erreur-{width}")

    page.fill("#start_time", "10:00")
    page.fill("#end_time", "16:00")
    click(page, page.get_by_role("button", name="Créer la nouvelle étape"))
    page.wait_for_url(lambda url: "/modifier" in url and f"/etapes/{lot.id}/" not in url)
    copy = db.session.scalar(sa.select(Step).where(Step.id != lot.id))
    assert page.url.endswith(f"/gestion/etapes/{copy.id}/modifier")
    assert copy.status is StepStatus.DRAFT
    expect(page.get_by_text(f"Nouvelle étape créée en brouillon : « {STEP_TITLE} » (Lot, "
                            "2 décembre 2022).")).to_be_visible()
    db.session.refresh(lot)
    assert lot.status is StepStatus.PUBLISHED and queued_mails() == 0
    assert_accessible(page, f"copier-fait-{width}")
