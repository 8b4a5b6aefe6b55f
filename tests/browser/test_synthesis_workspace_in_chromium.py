"""The administrator's synthesis journey in headless Chromium, at both widths, by links from
/gestion/: two texts typed are both kept (the form, then the autosave « Enregistré à »), leaving
with unsaved text asks first, a colleague's save meanwhile shows both versions, then validation,
DOCX and PDF (prepared by a worker) and the transmission. axe-core on every state."""

import io

import pytest
from docx import Document
from pypdf import PdfReader

from app.accounts.models import Role
from app.extensions import db
from tests.browser.conftest import CLICK_TIMEOUT_MS, VIEWPORTS, click, click_text
from tests.browser.test_prepared_documents_in_chromium import threaded_jobs  # noqa: F401
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/connexion")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    click_text(page, "button", "Se connecter")
    page.wait_for_url("**/gestion/")


def _open_workspace(page) -> None:
    """From /gestion/, by links, as the administrator finds it."""
    click_text(page, "link", "Synthèses", exact=True)
    page.wait_for_url("**/gestion/syntheses")
    click_text(page, "link", "Ouvrir la synthèse Ariège")
    page.wait_for_url("**/gestion/syntheses/*/09")


def _type_at_end(page, selector: str, text: str) -> None:
    """Type with the keyboard, key by key, after what the field holds."""
    field = page.locator(selector)
    field.press("Control+End")
    field.press_sequentially(text)


def _status(page):
    return page.locator("#etat-enregistrement")


def _download(page, label: str) -> bytes:
    """Click a document button; wait on its page until it is ready; download it; come back."""
    click_text(page, "button", label)
    page.wait_for_url("**/gestion/documents/*")
    page.get_by_text("Le document est prêt.").wait_for(timeout=CLICK_TIMEOUT_MS)
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click_text(page, "link", "Télécharger synthese-")
    content = download.value.path().read_bytes()
    click_text(page, "link", "Retour à la page précédente")
    page.wait_for_url("**/gestion/syntheses/*/09")
    return content


def test_the_administrator_writes_validates_and_transmits_a_synthesis(
        browser, sized_page, live_server, seeded, threaded_jobs):  # noqa: F811
    page, width = sized_page, sized_page.viewport_name
    make_user(Role.ADMIN, email="admin.synthese@ars.example")
    make_user(Role.ADMIN, email="collegue.synthese@ars.example")
    db.session.commit()
    question = seeded.campaign.challenges[0]
    _sign_in(page, live_server, "admin.synthese@ars.example")
    _open_workspace(page)
    assert_accessible(page, f"synthese-espace-{width}")

    # Two fields typed, one « Enregistrer »: both are kept after a reload.
    page.fill("#texte-0", "Une concertation **riche** en Ariège.")
    page.fill(f"#texte-{question.id}", "Les participants demandent des médecins.")
    click_text(page, "button", "Enregistrer", exact=True)
    # « Les 2 textes sont enregistrés. » (or one, if the autosave was quicker for the other)
    page.locator(".fr-alert--success", has_text="enregistré").wait_for(timeout=CLICK_TIMEOUT_MS)
    page.reload()
    assert page.input_value("#texte-0") == "Une concertation **riche** en Ariège."
    assert page.input_value(f"#texte-{question.id}") == "Les participants demandent des médecins."
    assert page.locator("strong", has_text="riche").count() == 1
    assert_accessible(page, f"synthese-enregistree-{width}")

    # Typing alone saves: the status says when (Paris time of the frozen clock, 12 h).
    _type_at_end(page, f"#texte-{question.id}", " Et des infirmiers.")
    assert _status(page).get_attribute("aria-live") == "polite"
    page.get_by_text("Enregistré à 12 h").wait_for(timeout=CLICK_TIMEOUT_MS)
    assert_accessible(page, f"synthese-autosave-{width}")
    # Leaving with text not saved yet asks first (the person stays on the page).
    _type_at_end(page, "#texte-0", " Pas encore enregistré.")
    page.once("dialog", lambda dialog: dialog.dismiss())
    with page.expect_event("dialog", timeout=CLICK_TIMEOUT_MS) as asked:
        page.locator("a", has_text="Toutes les synthèses").click(timeout=CLICK_TIMEOUT_MS)
    assert asked.value.type == "beforeunload"
    assert page.url.split("#")[0].endswith("/09")  # still on the workspace
    page.get_by_text("Enregistré à 12 h").wait_for(timeout=CLICK_TIMEOUT_MS)
    page.reload()
    assert page.input_value(f"#texte-{question.id}") == (
        "Les participants demandent des médecins. Et des infirmiers.")
    assert page.input_value("#texte-0").endswith("Pas encore enregistré.")

    # A colleague saves the introduction in another browser meanwhile.
    context = browser.new_context(locale="fr-FR", viewport=VIEWPORTS[width])
    try:
        other = context.new_page()
        _sign_in(other, live_server, "collegue.synthese@ars.example")
        _open_workspace(other)
        other.fill("#texte-0", "La version de la collègue.")
        click_text(other, "button", "Enregistrer", exact=True)
        other.get_by_text("Le texte est enregistré.").wait_for(timeout=CLICK_TIMEOUT_MS)
    finally:
        context.close()
    # The first page, opened before, types in it: its save is refused, both versions shown.
    _type_at_end(page, "#texte-0", " Et ma phrase.")
    conflict = page.locator("#conflit-0")
    conflict.wait_for(state="visible", timeout=CLICK_TIMEOUT_MS)
    assert "La version de la collègue." in conflict.inner_text()
    assert "Et ma phrase." in conflict.inner_text()
    assert "pendant que vous écriviez" in conflict.inner_text()
    assert page.input_value("#texte-0").endswith("Et ma phrase.")  # hers is kept
    assert "Non enregistré" in _status(page).inner_text()
    assert_accessible(page, f"synthese-conflit-{width}")
    # Having seen both, « Enregistrer » keeps hers, knowingly.
    click_text(page, "button", "Enregistrer", exact=True)
    page.get_by_text("Le texte est enregistré.").wait_for(timeout=CLICK_TIMEOUT_MS)
    assert page.input_value("#texte-0").endswith("Et ma phrase.")

    click_text(page, "button", "Valider la synthèse")
    page.get_by_text("La synthèse est validée").wait_for(timeout=CLICK_TIMEOUT_MS)
    assert page.locator("textarea").count() == 0
    assert_accessible(page, f"synthese-validee-{width}")

    docx = Document(io.BytesIO(_download(page, "Télécharger le DOCX")))
    assert "Et ma phrase." in "\n".join(p.text for p in docx.paragraphs)
    pdf = PdfReader(io.BytesIO(_download(page, "Télécharger le PDF")))
    assert "Synthèse départementale" in pdf.pages[0].extract_text()

    click_text(page, "button", "Transmettre au ministère")
    page.wait_for_url("**/gestion/documents/*")
    page.get_by_text("La synthèse est transmise au ministère").wait_for(
        timeout=CLICK_TIMEOUT_MS)
    assert_accessible(page, f"synthese-transmise-{width}")
    click_text(page, "link", "Retour à la page précédente")
    page.wait_for_url("**/gestion/syntheses/*/09")
    assert page.get_by_role("heading", name="Transmissions").is_visible()
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click(page, page.get_by_role("link", name="ZIP").first)
    assert download.value.path().read_bytes().startswith(b"PK")

