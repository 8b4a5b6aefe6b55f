"""A document prepared by a worker, in headless Chromium at both widths: the organiser clicks
« Liste d’émargement (PDF) », waits on a page that updates itself, then downloads the PDF; the
administrator reads the outbox. Jobs run in a thread of the server here, as with `make run`."""

import io

import pytest
from pypdf import PdfReader

from app.accounts.models import Role
from app.clock import now
from app.extensions import db
from app.jobs.local import runner_for
from app.registrations.models import Registration, RegistrationStatus
from tests.browser.conftest import CLICK_TIMEOUT_MS, click_text
from tests.browser.test_contribution_tools_in_chromium import log_in_as_regional_organiser
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.factories import PASSWORD, make_user
from tests.registrations.helpers import open_step

pytestmark = pytest.mark.browser


@pytest.fixture
def threaded_jobs(app):
    app.config["JOBS_MODE"] = "thread"
    yield
    runner_for(app).stop()


def _sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/connexion")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    click_text(page, "button", "Se connecter")
    page.wait_for_url("**/gestion/")


def test_the_signin_sheet_is_prepared_then_downloaded(app, sized_page, live_server,
                                                      threaded_jobs):
    page = sized_page
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step()
    db.session.add(Registration(step=step, status=RegistrationStatus.CONFIRMED,
                                first_name="Éloïse", last_name="Dupré", category="usagers",
                                email="eloise@example.org", consented_at=now()))
    make_user(Role.ORGANISER, [step.territory], email="orga.lot@ars.example")
    db.session.commit()
    _sign_in(page, live_server, "orga.lot@ars.example")
    page.goto(f"{live_server}/gestion/etapes/{step.id}/inscriptions")
    click_text(page, "button", "Liste d’émargement (PDF)")
    page.wait_for_url("**/gestion/documents/*")
    # The page follows the preparation by itself and shows the download once it is ready.
    ready = page.get_by_text("Le document est prêt.")
    ready.wait_for(timeout=CLICK_TIMEOUT_MS)
    assert_accessible(page, f"document-pret-{page.viewport_name}")
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click_text(page, "link", f"Télécharger emargement-etape-{step.id}.pdf")
    text = "\n".join(p.extract_text() for p in
                     PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert "Liste d’émargement" in text and "DUPRÉ" in text
    click_text(page, "link", "Retour à la page précédente")
    page.wait_for_url(f"**/gestion/etapes/{step.id}/inscriptions")


def test_the_administrator_reads_the_outbox_from_the_dashboard(sized_page, live_server):
    page = sized_page
    make_user(Role.ADMIN, email="admin@ars.example")
    db.session.commit()
    _sign_in(page, live_server, "admin@ars.example")
    click_text(page, "link", "Courriels et tâches de fond")
    page.wait_for_url("**/gestion/courriels/")
    assert page.get_by_role("heading", name="Courriels et tâches de fond").is_visible()
    assert page.get_by_text("Tous les courriels sont partis.").is_visible()
    assert_accessible(page, f"courriels-{page.viewport_name}")


def test_the_synthesis_pdf_is_prepared_then_downloaded(sized_page, live_server, seeded):
    page = sized_page
    log_in_as_regional_organiser(page, live_server, seeded)
    page.goto(f"{live_server}/gestion/syntheses/{seeded.campaign.slug}/09")
    click_text(page, "button", "Télécharger le PDF")
    page.wait_for_url("**/gestion/documents/*")
    page.get_by_text("Le document est prêt.").wait_for(timeout=CLICK_TIMEOUT_MS)
    assert_accessible(page, f"synthese-pdf-{page.viewport_name}")
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click_text(page, "link", "Télécharger synthese-")
    text = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert "Synthèse départementale" in text
    click_text(page, "link", "Retour à la page précédente")
    page.wait_for_url(f"**/gestion/syntheses/{seeded.campaign.slug}/09")
