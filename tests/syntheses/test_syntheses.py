"""Syntheses: the workspace, validation, DOCX and PDF parsed back, transmission ZIP checked,
and no personal data anywhere in what leaves."""

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from docx import Document
from pypdf import PdfReader

from app.accounts.models import Role
from app.audit import AuditEntry
from app.contributions.models import ContributionKind, ContributionStatus
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus
from app.syntheses.models import Synthesis, SynthesisState
from tests import prepared
from tests.contributions.support import add
from tests.factories import make_step, make_user
from tests.helpers import login_as, post_form

PERSONAL = ["Maëlys", "Dupontel", "inscrite@example.org", "06 12 34 56 78",
            "secret.auteur@example.org"]
BASE = "/gestion/syntheses/cnr/12"


@pytest.fixture
def held(world):
    world["campaign"].synthesis_deadline = datetime(2099, 12, 31).date()
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    for number, (category, present) in enumerate([("usagers", True), ("usagers", True),
                                                  ("professionnels", True),
                                                  ("professionnels", False)]):
        db.session.add(Registration(
            step=step, first_name="Maëlys", last_name=f"Dupontel{number}",
            email=f"inscrite{number}@example.org" if number else "inscrite@example.org",
            phone="06 12 34 56 78", category=category, status=RegistrationStatus.CONFIRMED,
            checked_in_at=datetime(2022, 12, 9, 9, tzinfo=UTC) if present else None))
    prevention = world["campaign"].challenges[1]
    add(world, "Des maisons de santé dans chaque canton", support_count=7,
        email="secret.auteur@example.org", step=step)
    add(world, "Un numéro unique pour la garde", support_count=2)
    add(world, "J’ai attendu neuf mois un ophtalmologiste.", kind=ContributionKind.TESTIMONY,
        challenge=prevention)
    add(world, "Ailleurs en Ariège", territory="ariege")
    add(world, "Encore en attente", ContributionStatus.PENDING)
    db.session.commit()
    return {**world, "step": step, "prevention": prevention}


def test_an_organiser_writes_and_quotes_then_an_admin_validates(client, held):
    login_as(client, make_user(Role.ORGANISER, [held["aveyron"]]))
    page = client.get(BASE).get_data(as_text=True)
    assert "1 étape tenue, 3 participants présents, 3 contributions publiées" in page
    assert page.index("Des maisons de santé") < page.index("Un numéro unique")  # by support
    post_form(client, f"{BASE}/texte", {"challenge_id": held["challenge"].id,
                                        "text": "Les participants **insistent** sur la "
                                                "proximité.\n\n<script>alert(1)</script>"})
    testimony = db.session.scalar(sa.text("SELECT id FROM contribution WHERE kind='testimony'"))
    post_form(client, f"{BASE}/citer/{testimony}", {}, token_from=BASE)
    page = client.get(BASE).get_data(as_text=True)
    assert "<strong>insistent</strong>" in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert post_form(client, f"{BASE}/valider", {}, token_from=BASE).status_code == 403
    login_as(client, make_user(Role.ADMIN))
    post_form(client, f"{BASE}/valider", {}, token_from=BASE)
    synthesis = db.session.scalar(sa.select(Synthesis))
    db.session.refresh(synthesis)
    assert synthesis.state is SynthesisState.VALIDATED
    assert [q.contribution_id for q in synthesis.quotes] == [testimony]
    # Validated: the text can no longer change.
    post_form(client, f"{BASE}/texte", {"challenge_id": 0, "text": "Trop tard"},
              token_from=BASE)
    db.session.refresh(synthesis)
    assert synthesis.introduction == ""


def test_organisers_of_another_departement_get_403_and_create_nothing(client, held):
    login_as(client, make_user(Role.ORGANISER, [held["ariege"]]))
    assert client.get(BASE).status_code == 403
    assert post_form(client, f"{BASE}/synthese.pdf", {},
                     token_from="/gestion/").status_code == 403
    assert post_form(client, f"{BASE}/transmettre", {},
                     token_from="/gestion/").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Synthesis)) == 0
    assert client.get("/gestion/syntheses/cnr/region").status_code == 403


def _prepare(client, held) -> None:
    login_as(client, make_user(Role.ORGANISER, [held["aveyron"]]))
    post_form(client, f"{BASE}/texte", {"challenge_id": held["challenge"].id,
                                        "text": "Texte éditorial : la **proximité**.\n\n"
                                                "- des maisons de santé\n- la garde"})
    testimony = db.session.scalar(sa.text("SELECT id FROM contribution WHERE kind='testimony'"))
    post_form(client, f"{BASE}/citer/{testimony}", {}, token_from=BASE)


def test_the_docx_is_an_official_report_whose_figures_match(client, held):
    _prepare(client, held)
    response = prepared.download(client, f"{BASE}/synthese.docx", token_from=BASE)
    assert response.headers["Content-Disposition"].endswith("synthese-cnr-12.docx")
    document = Document(io.BytesIO(response.get_data()))
    text = "\n".join(p.text for p in document.paragraphs)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Sommaire", "Contexte de la concertation", "Les chiffres",
                        "Les propositions clés par question", "Paroles de citoyens"]
    assert "Synthèse départementale" in text and "Aveyron (12)" in text
    xml = document.element.xml
    assert 'TOC \\o "1-2"' in xml
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml
    tables = [[[cell.text for cell in row.cells] for row in table.rows]
              for table in document.tables]
    by_departement = tables[0]
    assert by_departement[0] == ["Département", "L’accès aux soins", "La prévention", "Total"]
    assert by_departement[1] == ["Aveyron", "2", "1", "3"]
    present = next(t for t in tables if t[0] == ["Catégorie", "Présents"])
    assert sorted(present[1:]) == [["Professionnels et offreurs des services de santé", "1"],
                                   ["Usagers et associations d’usagers", "2"]]
    proposals = next(t for t in tables if t[0][0] == "Proposition")
    assert proposals[1][0].startswith("Des maisons de santé") and proposals[1][2] == "7"
    assert "Texte éditorial : la proximité." in text
    assert "« J’ai attendu neuf mois un ophtalmologiste. »" in text
    assert len(document.inline_shapes) == 1  # the chart
    for secret in PERSONAL:
        assert secret not in text and secret not in xml


def test_the_pdf_has_a_title_page_contents_page_numbers_and_the_figures(client, held):
    _prepare(client, held)
    reader = PdfReader(io.BytesIO(prepared.download(client, f"{BASE}/synthese.pdf",
                                                    token_from=BASE).get_data()))
    pages = [page.extract_text() for page in reader.pages]
    assert "Synthèse départementale" in pages[0] and "Page" not in pages[0]
    assert "Sommaire" in pages[1]
    assert re.search(r"Contexte de la concertation\s*\.*\s*3", pages[1].replace("\n", " "))
    assert f"Page 2 sur {len(pages)}" in pages[1]
    whole = "\n".join(pages)
    order = [whole.index(title) for title in ("Les chiffres", "Les propositions clés",
                                              "Paroles de citoyens")
             if title in whole]
    assert order == sorted(order) and len(order) == 3
    assert "Des maisons de santé dans chaque canton" in whole
    assert "J’ai attendu neuf mois" in whole or "J'ai attendu neuf mois" in whole
    for secret in PERSONAL:
        assert secret not in whole


def test_transmission_bundles_checksummed_files_and_is_recorded(client, app, held):
    _prepare(client, held)
    response = post_form(client, f"{BASE}/transmettre", {}, token_from=BASE,
                         follow_redirects=True)
    assert "doit d’abord être validée" in response.get_data(as_text=True)
    admin = make_user(Role.ADMIN)
    login_as(client, admin)
    post_form(client, f"{BASE}/valider", {}, token_from=BASE)
    page = client.get(prepared.ask(client, f"{BASE}/transmettre", token_from=BASE))
    assert "La synthèse est transmise au ministère" in page.get_data(as_text=True)
    synthesis = db.session.scalar(sa.select(Synthesis))
    db.session.refresh(synthesis)
    assert synthesis.state is SynthesisState.TRANSMITTED
    [sent] = synthesis.transmissions
    archive_bytes = client.get(f"{BASE}/envois/{sent.id}.zip").get_data()
    download = prepared.DOWNLOAD.search(page.get_data(as_text=True)).group(1)
    assert client.get(download).get_data() == archive_bytes
    assert hashlib.sha256(archive_bytes).hexdigest() == sent.sha256
    archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
    manifest = json.loads(archive.read("manifest.json"))
    assert {f["nom"] for f in manifest["fichiers"]} == {
        "synthese.docx", "synthese.pdf", "donnees/contributions.csv",
        "donnees/contributions.xlsx", "donnees/contributions.json", "donnees/chiffres.csv"}
    for entry in manifest["fichiers"]:
        assert hashlib.sha256(archive.read(entry["nom"])).hexdigest() == entry["sha256"]
    rows = archive.read("donnees/contributions.csv").decode().splitlines()
    assert len(rows) == 4  # header + the three published contributions of Aveyron
    for name in archive.namelist():
        content = archive.read(name)
        if name.endswith((".docx", ".xlsx")):
            content = b"".join(zipfile.ZipFile(io.BytesIO(content)).read(inner)
                               for inner in zipfile.ZipFile(io.BytesIO(content)).namelist())
        text = content.decode("utf-8", errors="ignore")
        for secret in PERSONAL:
            assert secret not in text, (name, secret)
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "synthesis.validate" in actions and "synthesis.transmit" in actions
    dashboard = client.get("/gestion/syntheses").get_data(as_text=True)
    assert "Transmise" in dashboard and "jours restants" in dashboard


def test_a_text_too_long_is_refused_and_shown_again(client, held):
    login_as(client, make_user(Role.ORGANISER, [held["aveyron"]]))
    text = "Début gardé. " + "x" * 50_001
    response = post_form(client, f"{BASE}/texte", {"challenge_id": 0, "text": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ce texte dépasse 50 000 caractères" in html and "Début gardé." in html
    assert db.session.scalar(sa.select(Synthesis.introduction)) == ""
