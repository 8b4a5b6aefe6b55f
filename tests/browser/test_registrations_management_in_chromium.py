"""Registrations management clicked as people do it, at 1280×900 and 390×844: the organiser
opens « Inscriptions » from the back office's home, reads the waiting list in its order,
promotes a person over capacity (after confirming), removes another, downloads the CSV and
the sign-in sheet (prepared by a worker); a participant of a hybrid step registers online."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from app.accounts.models import Role
from app.campaigns.models import StepFormat
from app.extensions import db
from app.jobs.local import runner_for
from app.registrations.models import Registration, RegistrationStatus
from tests.browser.conftest import CLICK_TIMEOUT_MS, click, click_text
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.factories import PASSWORD, make_user
from tests.registrations.helpers import open_step

pytestmark = pytest.mark.browser

STEP_TITLE = "Concertation CNR santé — Lot"
# 09:00 UTC on 1 November 2022 is 10:00 in Paris.
FIRST_REGISTRATION = datetime(2022, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def threaded_jobs(app):
    """Documents built by a worker thread of the server, as with `make run`."""
    app.config["JOBS_MODE"] = "thread"
    yield
    runner_for(app).stop()


def add_person(step, last_name: str, minutes: int, status: RegistrationStatus) -> None:
    db.session.add(Registration(step=step, status=status, first_name="Alex",
                                last_name=last_name, email=f"{last_name.lower()}@example.org",
                                category="citoyens",
                                created_at=FIRST_REGISTRATION + timedelta(minutes=minutes)))


@pytest.fixture
def full_step(app):
    """Two seats, both taken; three people waiting, registered in the order Zola, Bernard,
    Martin (not the alphabetical one)."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step(capacity=2)
    for minutes, name in enumerate(("Assis", "Installe")):
        add_person(step, name, minutes, RegistrationStatus.CONFIRMED)
    for minutes, name in ((10, "Zola"), (20, "Bernard"), (30, "Martin")):
        add_person(step, name, minutes, RegistrationStatus.WAITLISTED)
    make_user(Role.ORGANISER, [step.territory], email="orga.lot@ars.example")
    db.session.commit()
    return step


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/connexion")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    click_text(page, "button", "Se connecter")
    page.wait_for_url("**/gestion/")


def waiting_names(page) -> list[str]:
    """The waiting list's names as the table shows them, position by position."""
    items = page.locator("section.concerto-waiting-list li.concerto-waiting-item")
    return [f"{item.locator('.concerto-waiting-item__position').inner_text()} "
            f"{item.locator('.concerto-waiting-item__name').inner_text()}"
            for item in items.all()]


def test_organiser_manages_the_waiting_list_and_prints_the_sheet(
        sized_page, live_server, full_step, threaded_jobs):
    page, width = sized_page, sized_page.viewport_name
    sign_in(page, live_server, "orga.lot@ars.example")
    click_text(page, "link", f"Inscriptions « {STEP_TITLE} »")
    page.wait_for_url(f"**/gestion/etapes/{full_step.id}/inscriptions")
    assert waiting_names(page) == ["1 ZOLA Alex", "2 BERNARD Alex", "3 MARTIN Alex"]
    expect(page.get_by_text("2 inscriptions confirmées pour 2 places (complet)")).to_be_visible()
    assert_accessible(page, f"inscriptions-liste-attente-{width}")

    # Bernard, second in line, by hand: the step is full, so the app asks first.
    click(page, page.get_by_role("button", name="Promouvoir Alex Bernard"))
    expect(page.get_by_role("heading", name="Donner une place au-delà de la jauge ?",
                            level=1)).to_be_visible()
    assert_accessible(page, f"inscriptions-promouvoir-confirmer-{width}")
    click_text(page, "button", "Confirmer la promotion au-delà de la jauge")
    page.wait_for_url(f"**/gestion/etapes/{full_step.id}/inscriptions#liste-attente")
    expect(page.get_by_text("Alex Bernard a une place : le courriel de confirmation part."
                            )).to_be_visible()
    assert waiting_names(page) == ["1 ZOLA Alex", "2 MARTIN Alex"]
    assert_accessible(page, f"inscriptions-promu-{width}")

    click(page, page.get_by_role("button", name="Retirer Alex Zola de la liste d’attente"))
    page.wait_for_url(f"**/gestion/etapes/{full_step.id}/inscriptions#liste-attente")
    expect(page.get_by_text("Inscription de Alex Zola annulée.")).to_be_visible()
    assert waiting_names(page) == ["1 MARTIN Alex"]
    assert_accessible(page, f"inscriptions-retire-{width}")

    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click_text(page, "link", "Export CSV")
    rows = list(csv.DictReader(io.StringIO(
        download.value.path().read_bytes().decode("utf-8-sig"))))
    people = {row["Nom"]: row for row in rows}
    assert people["Bernard"]["Statut"] == "Confirmée"
    assert people["Zola"]["Statut"] == "Annulée"
    assert people["Assis"]["Inscrit le (heure de Paris)"] == "01/11/2022 10:00"

    click_text(page, "button", "Liste d’émargement (PDF)")
    page.wait_for_url("**/gestion/documents/*")
    page.get_by_text("Le document est prêt.").wait_for(timeout=CLICK_TIMEOUT_MS)
    assert_accessible(page, f"inscriptions-emargement-pret-{width}")
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click_text(page, "link", f"Télécharger emargement-etape-{full_step.id}.pdf")
    text = "\n".join(p.extract_text() for p in
                     PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert "3 participant(s) confirmé(s) ; 10 lignes libres" in text
    assert "BERNARD" in text and "MARTIN" not in text
    assert "1 / 1" in text


def test_participant_of_a_hybrid_step_registers_online(app, sized_page, live_server):
    page, width = sized_page, sized_page.viewport_name
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step(capacity=1, online_capacity=50, format=StepFormat.HYBRID,
                     meeting_url="https://visio.example/cnr")
    add_person(step, "Assis", 0, RegistrationStatus.CONFIRMED)  # the room is full
    db.session.commit()
    page.goto(f"{live_server}/etapes/{step.id}")
    main = page.get_by_role("main")
    expect(main.get_by_text("Sur place : complet, inscription en liste d’attente")).to_be_visible()
    expect(main.get_by_text("En ligne : 50 places disponibles")).to_be_visible()
    assert_accessible(page, f"etape-hybride-places-{width}")
    click(page, main.get_by_role("link", name="S’inscrire à cette étape"))
    page.wait_for_url(f"**/etapes/{step.id}/inscription")
    page.get_by_label(re.compile(r"^Prénom\b")).fill("Camille")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Distance")
    page.get_by_label("Adresse électronique").fill("camille.distance@example.org")
    page.get_by_label(re.compile(r"^Vous participez au titre de")).select_option(
        label="Citoyen ou citoyenne")
    assert_accessible(page, f"inscription-hybride-formulaire-{width}")
    # DSFR radios: the label is what a person clicks.
    click(page, page.get_by_text("En ligne — 50 places disponibles"))
    expect(page.get_by_role("radio", name="En ligne — 50 places disponibles")).to_be_checked()
    click(page, page.get_by_text("J’accepte que mes données soient utilisées"))
    click_text(page, "button", "M’inscrire")
    page.wait_for_url("**/inscriptions/**")
    expect(page.locator(".fr-alert__title").first).to_have_text("Confirmée")
    expect(page.get_by_text("Vous participez en ligne.")).to_be_visible()
    assert_accessible(page, f"inscription-hybride-confirmee-{width}")
