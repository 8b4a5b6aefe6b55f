"""The writing help in headless Chromium, at both widths: the demo administrator signs in from
the home page, reaches the Ariège synthesis by links, opens « Aide à la rédaction » of « La
prévention » (computed by a worker: the page updates itself), adds a sentence of the summary to
the question's text, then downloads the DOCX: the sentence, its references, and the annex «
Contributions citées » with the address of each, which opens its public page. axe-core on the
help page."""

import io
import re
from pathlib import Path

import pytest
from docx import Document

from tests.browser.conftest import CLICK_TIMEOUT_MS, click, click_text, sign_in_from_the_home_page
from tests.browser.test_prepared_documents_in_chromium import threaded_jobs  # noqa: F401
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-helper22")
# « sentence » (C-000012, C-000045): a line of the summary as the page shows it.
SUMMARY_ITEM = re.compile(r"«\s*(?P<sentence>.+?)\s*»\s*\((?P<refs>C-\d{6}(?:, C-\d{6})*)\)")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _download_docx(page) -> bytes:
    """« Télécharger le DOCX »; wait on the document's page until it is ready; download it."""
    click_text(page, "button", "Télécharger le DOCX")
    page.wait_for_url("**/gestion/documents/*")
    page.get_by_text("Le document est prêt.").wait_for(timeout=CLICK_TIMEOUT_MS)
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        click_text(page, "link", "Télécharger synthese-")
    return download.value.path().read_bytes()


def test_a_summary_sentence_is_added_then_cited_in_the_docx(
        app, sized_page, live_server, seeded, threaded_jobs, monkeypatch):  # noqa: F811
    page, width = sized_page, sized_page.viewport_name
    # The annex's addresses lead to this server's public pages.
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    question = next(c for c in seeded.campaign.challenges if c.code == "prevention")
    sign_in_from_the_home_page(page, live_server, "admin@concerto.example")
    click_text(page, "link", "Synthèses", exact=True)
    page.wait_for_url("**/gestion/syntheses")
    click_text(page, "link", "Ouvrir la synthèse Ariège")
    page.wait_for_url("**/gestion/syntheses/*/09")
    click_text(page, "link", "Aide à la rédaction sur « La prévention »")
    page.wait_for_url(f"**/aide/{question.id}")

    # Computed by a worker: the page reloads itself once the suggestions are there.
    summary = page.get_by_role("heading", name="En résumé")
    summary.wait_for(timeout=CLICK_TIMEOUT_MS)
    items = page.locator("li", has=page.get_by_role("button", name="Ajouter au texte la phrase"))
    assert items.count() >= 1
    found = SUMMARY_ITEM.search(items.first.inner_text())
    assert found, items.first.inner_text()
    sentence, refs = found["sentence"], found["refs"].split(", ")
    assert_accessible(page, f"aide-redaction-{width}")
    _shot(page, f"aide-{width}")

    # By what the person reads: the item showing this sentence, its « Ajouter au texte ».
    item = page.locator("li", has_text=sentence).filter(
        has=page.get_by_role("button", name="Ajouter au texte"))
    click(page, item.get_by_role("button", name="Ajouter au texte"))
    page.wait_for_url(f"**/gestion/syntheses/*/09#question-{question.id}")
    page.get_by_text("La suggestion est ajoutée au texte").wait_for(timeout=CLICK_TIMEOUT_MS)
    text = page.input_value(f"#texte-{question.id}")
    assert f"« {sentence} » ({', '.join(refs)})" in text
    field = page.locator(f"#texte-{question.id}")
    field.scroll_into_view_if_needed()
    _shot(page, f"texte-ajoute-{width}")

    document = Document(io.BytesIO(_download_docx(page)))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert f"« {sentence} » ({', '.join(refs)})" in paragraphs
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "Contributions citées"
    annex = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    assert annex[0] == ["Référence", "Début du texte", "Département", "Question", "Adresse"]
    rows = {row[0]: row for row in annex[1:]}
    assert list(rows) == refs
    for ref in refs:
        assert rows[ref][2:] == ["Ariège (09)", "La prévention",
                                 f"{live_server}/contributions/{ref}"]
    assert sentence in rows[refs[0]][1]  # its own contribution first

    # The annex's address is the contribution's public page.
    page.goto(rows[refs[0]][4])
    assert page.locator("h1").inner_text().endswith(refs[0])
    assert page.get_by_text(sentence).first.is_visible()
    _shot(page, f"contribution-citee-{width}")
