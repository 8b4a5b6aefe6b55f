"""The check-in desk clicked as the organiser does it at the door, at 1280×900 and 390×844:
open « Accueil » from the step's back office, type a name (results as one types), « Marquer
présent·e », read the accessibility needs, undo, register a walk-in. Two desks at once (two
browser contexts) see each other's arrivals and never count one twice. The camera: a
dedicated Chromium whose fake camera films a confirmation's QR code (a Y4M file made here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect

from app.accounts.models import Role
from app.extensions import db
from app.registrations import notifications
from app.registrations.models import Registration, RegistrationStatus
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    click_text,
    open_step_menu_entry,
)
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.browser.test_registrations_management_in_chromium import sign_in
from tests.factories import make_user
from tests.registrations.helpers import open_step

pytestmark = pytest.mark.browser

STEP_TITLE = "Concertation CNR santé — Lot"
ORGANISER = "orga.lot@ars.example"
NEEDS = "Fauteuil roulant : place près de la porte"
# Several polls of the other desk (every 2.5 s) on a busy machine; met early, it returns.
LIVE_MS = 20_000


@pytest.fixture
def door(app):
    """The day of the step, 14:02 in Paris; two people expected, one with a wheelchair."""
    app.config["CONCERTO_NOW"] = "2022-11-18T14:02"
    step = open_step(capacity=10)
    for first, last, category, needs in (("Éloïse", "Dupré", "usagers", NEEDS),
                                         ("Jean", "Martin", "elus", "")):
        db.session.add(Registration(step=step, status=RegistrationStatus.CONFIRMED,
                                    first_name=first, last_name=last, category=category,
                                    email=f"{last.lower()}@example.org",
                                    accessibility_needs=needs))
    make_user(Role.ORGANISER, [step.territory], email=ORGANISER)
    db.session.commit()
    return step


def counter(page):
    return page.locator("[data-counter='label']")


def open_desk(page, live_server: str, step) -> None:
    sign_in(page, live_server, ORGANISER)
    click_text(page, "link", f"Inscriptions « {STEP_TITLE} »")
    page.wait_for_url(f"**/gestion/etapes/{step.id}/inscriptions")
    open_step_menu_entry(page, "Accueil")
    page.wait_for_url(f"**/gestion/etapes/{step.id}/pointage")


def test_organiser_checks_people_in_at_the_door(sized_page, live_server, door):
    page, width = sized_page, sized_page.viewport_name
    open_desk(page, live_server, door)
    expect(page.locator("#q")).to_be_focused()  # the search first, ready to type
    expect(counter(page)).to_have_text("0 présent / 2 attendus")
    assert_accessible(page, f"accueil-{width}")

    # Typed without accents, found as one types (no « Rechercher » pressed).
    page.locator("#q").press_sequentially("eloise")
    card = page.locator("#resultats li", has_text="DUPRÉ")
    expect(card).to_be_visible()
    expect(card.get_by_text(NEEDS)).to_be_visible()
    assert_accessible(page, f"accueil-recherche-{width}")

    click_text(page, "button", "Marquer présent·e")
    arrival = page.locator("#arrivee")
    expect(arrival.get_by_text("Arrivée de Éloïse Dupré enregistrée.")).to_be_visible()
    expect(arrival.get_by_text(NEEDS)).to_be_visible()
    expect(arrival.get_by_text("Présent·e depuis 14 h 02")).to_be_visible()
    expect(counter(page)).to_have_text("1 présent / 2 attendus")
    assert_accessible(page, f"accueil-arrivee-{width}")

    click_text(page, "button", "Annuler l’arrivée")
    expect(arrival.get_by_text("Arrivée de Éloïse Dupré annulée.")).to_be_visible()
    expect(counter(page)).to_have_text("0 présent / 2 attendus")

    # A walk-in: one short form, present at once, counted apart.
    page.fill("#sur-place-first_name", "Paul")
    page.fill("#sur-place-last_name", "Passant")
    page.select_option("#sur-place-category", "citoyens")
    click_text(page, "button", "Inscrire et marquer présent·e")
    expect(page.get_by_text("Paul Passant est inscrit·e sur place et présent·e.")).to_be_visible()
    expect(counter(page)).to_have_text("1 présent / 2 attendus")
    expect(page.get_by_text("dont 1 inscrit sur place")).to_be_visible()
    assert_accessible(page, f"accueil-sur-place-{width}")


def test_two_desks_see_each_other_and_count_an_arrival_once(browser, live_server, door):
    """Desk A (laptop) and desk B (phone): B's timers are frozen, so its button is still
    « Marquer présent·e » when A has already marked the same person."""
    contexts = [browser.new_context(locale="fr-FR", viewport=VIEWPORTS[name])
                for name in ("bureau", "mobile")]
    try:
        desk_a, desk_b = (context.new_page() for context in contexts)
        for desk in (desk_a, desk_b):
            sign_in(desk, live_server, ORGANISER)
        desk_b.clock.install()
        desk_b.goto(f"{live_server}/gestion/etapes/{door.id}/pointage?q=dupre")
        desk_a.goto(f"{live_server}/gestion/etapes/{door.id}/pointage")
        desk_a.locator("#q").press_sequentially("dupre")
        expect(desk_a.locator("#resultats li", has_text="DUPRÉ")).to_be_visible()

        click_text(desk_a, "button", "Marquer présent·e")
        expect(desk_a.get_by_text("Arrivée de Éloïse Dupré enregistrée.")).to_be_visible()
        click_text(desk_b, "button", "Marquer présent·e")  # the stale button
        expect(desk_b.get_by_text("Éloïse Dupré est déjà présent·e depuis 14 h 02.")
               ).to_be_visible()
        expect(counter(desk_b)).to_have_text("1 présent / 2 attendus")
        assert_accessible(desk_b, "accueil-deja-present-mobile")

        # An arrival at desk B appears at desk A, which only polls.
        desk_b.goto(f"{live_server}/gestion/etapes/{door.id}/pointage?q=martin")
        click_text(desk_b, "button", "Marquer présent·e")
        expect(desk_b.get_by_text("Arrivée de Jean Martin enregistrée.")).to_be_visible()
        expect(counter(desk_a)).to_have_text("2 présents / 2 attendus", timeout=LIVE_MS)
        expect(desk_a.locator("[data-desk-latest]").get_by_text("14 h 02 — Jean Martin")
               ).to_be_visible(timeout=LIVE_MS)
        assert_accessible(desk_a, "accueil-deux-postes-bureau")
    finally:
        for context in contexts:
            context.close()


def write_y4m(path: Path, text: str, frames: int = 10) -> None:
    """A few frames of a QR code, as the raw video Chromium's fake camera plays in a loop."""
    width, height = 640, 480
    code = Image.open(_qr_png(text)).convert("L")
    side = 400
    code = code.resize((side, side), Image.NEAREST)
    picture = Image.new("L", (width, height), 255)
    picture.paste(code, ((width - side) // 2, (height - side) // 2))
    luma = picture.tobytes()
    chroma = bytes([128]) * (width // 2) * (height // 2)  # grey: no colour
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def _qr_png(text: str):
    from io import BytesIO

    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_camera_reads_the_confirmation_qr_code(browser, live_server, door, tmp_path,
                                                   width):
    martin = next(r for r in door_registrations(door) if r.last_name == "Martin")
    with door_app_request(live_server):
        url = notifications.check_in_url(martin)
    video = tmp_path / "qr.y4m"
    write_y4m(video, url)
    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera_browser.new_context(locale="fr-FR", viewport=VIEWPORTS[width])
        page = context.new_page()
        sign_in(page, live_server, ORGANISER)
        page.goto(f"{live_server}/gestion/etapes/{door.id}/pointage")
        click_text(page, "button", "Scanner avec l’appareil photo")
        expect(page.get_by_text("Arrivée de Jean Martin enregistrée.")).to_be_visible(
            timeout=LIVE_MS)
        expect(counter(page)).to_have_text("1 présent / 2 attendus")
        decoder = page.locator("[data-desk-camera]").get_attribute("data-decoder")
        assert decoder in ("BarcodeDetector", "jsQR")
        assert_accessible(page, f"accueil-code-qr-{width}")
    finally:
        camera_browser.close()


def door_registrations(step) -> list[Registration]:
    return list(db.session.scalars(db.select(Registration).where(Registration.step_id == step.id)))


def door_app_request(live_server: str):
    """The check-in URL as the mail would carry it: absolute, on the live server's host."""
    from flask import current_app

    return current_app.test_request_context(base_url=live_server)
