"""The annex « Contributions citées » of the synthesis documents: each reference the texts carry
that designates a published contribution of the campaign, with what its public page shows and
its address; nothing for a pending, refused, hidden, foreign or unknown reference."""

import io

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from pypdf import PdfReader

from app.accounts.models import Role
from app.contributions.models import ContributionKind, ContributionStatus
from app.syntheses.citations import excerpt, referenced_ids
from tests import prepared
from tests.contributions.support import add
from tests.factories import make_campaign, make_user
from tests.helpers import login_as, post_form

BASE = "/gestion/syntheses/cnr/12"
SITE = "https://concerto.example"
LONG = ("Des maisons de santé pluriprofessionnelles dans chaque canton, avec des médecins, "
        "des infirmiers et des kinésithérapeutes salariés, ouvertes le samedi matin et reliées "
        "aux pharmacies de garde.")


@pytest.fixture
def cited(app, world):
    app.config["PUBLIC_BASE_URL"] = SITE
    prevention = world["campaign"].challenges[1]
    contributions = {
        "long": add(world, LONG, title="Maisons de santé", email="secret.auteur@example.org",
                    pseudonym="Maëlys"),
        "ariege": add(world, "J’ai attendu neuf mois un ophtalmologiste à Foix.",
                      territory="ariege", kind=ContributionKind.TESTIMONY,
                      challenge=prevention),
        "pending": add(world, "Encore en attente de modération", ContributionStatus.PENDING),
        "rejected": add(world, "Refusée par la modération", ContributionStatus.REJECTED),
        "hidden": add(world, "Masquée après signalements", hidden_by_reports=True),
    }
    other = make_campaign(world["campaign"].territory, slug="autre")
    contributions["foreign"] = add({**world, "campaign": other}, "D’une autre démarche",
                                   challenge=other.challenges[0])
    return {**world, **contributions, "prevention": prevention}


def _write(client, cited) -> dict[str, str]:
    """The organiser cites them all (the long one twice), and an unknown reference; the line
    of the question's text added by « Ajouter au texte » of the writing help."""
    refs = {name: cited[name].reference for name in
            ("long", "ariege", "pending", "rejected", "hidden", "foreign")}
    login_as(client, make_user(Role.ORGANISER, [cited["aveyron"]]))
    post_form(client, f"{BASE}/texte", {
        "challenge_id": 0, "text": f"Une parole forte ({refs['ariege']}), et C-999999."})
    question = cited["challenge"].id
    post_form(client, f"{BASE}/texte", {
        "challenge_id": question,
        "text": f"Voir {refs['pending']}, {refs['rejected']}, {refs['hidden']}, "
                f"{refs['foreign']} et XC-0000010."})
    url = f"{BASE}/aide/{question}"
    line = f"- « Des maisons de santé dans chaque canton » ({refs['long']}, {refs['ariege']})"
    assert post_form(client, f"{url}/ajouter", {"line": line},
                     token_from=BASE).status_code == 302
    return refs


def _annex(document) -> list[list[str]]:
    table = document.tables[-1]
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_docx_lists_the_published_contributions_cited_with_their_address(client, cited):
    refs = _write(client, cited)
    response = prepared.download(client, f"{BASE}/synthese.docx", token_from=BASE)
    document = Document(io.BytesIO(response.get_data()))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-2:] == ["Paroles de citoyens", "Contributions citées"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"« Des maisons de santé dans chaque canton » ({refs['long']}, {refs['ariege']})" \
        in text
    rows = _annex(document)
    assert rows[0] == ["Référence", "Début du texte", "Département", "Question", "Adresse"]
    # In order of first mention (the introduction first), once each.
    assert [row[0] for row in rows[1:]] == [refs["ariege"], refs["long"]]
    ariege, long = rows[1:]
    assert ariege[1:] == ["J’ai attendu neuf mois un ophtalmologiste à Foix.", "Ariège (09)",
                          "La prévention", f"{SITE}/contributions/{refs['ariege']}"]
    assert long[1].startswith("Maisons de santé — Des maisons de santé pluriprofessionnelles")
    assert long[1].endswith("…") and len(long[1]) <= 160
    assert long[2:] == ["Aveyron (12)", "L’accès aux soins",
                        f"{SITE}/contributions/{refs['long']}"]
    # The address is a link Word opens.
    links = {rel.target_ref for rel in document.part.rels.values()
             if rel.reltype == RELATIONSHIP_TYPE.HYPERLINK}
    assert links == {f"{SITE}/contributions/{refs['ariege']}",
                     f"{SITE}/contributions/{refs['long']}"}
    annex = "\n".join("\t".join(row) for row in rows)
    for name in ("pending", "rejected", "hidden", "foreign"):
        assert refs[name] not in annex, name
        assert cited[name].body not in document.element.xml, name
    assert "C-999999" not in annex
    # Nothing the public page does not show: neither the author's address nor pseudonym.
    assert "secret.auteur@example.org" not in document.element.xml
    assert "Maëlys" not in document.element.xml


def test_the_pdf_has_the_same_annex(client, cited):
    refs = _write(client, cited)
    response = prepared.download(client, f"{BASE}/synthese.pdf", token_from=BASE)
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Contributions citées" in reader.pages[1].extract_text()  # in the contents
    annex = " ".join(text[text.rindex("Contributions citées"):].split())
    assert refs["ariege"] in annex and refs["long"] in annex
    assert "Ariège (09)" in annex and "La prévention" in annex
    links = {annotation.get_object().get("/A", {}).get("/URI")
             for page in reader.pages for annotation in page.get("/Annots") or []}
    assert f"{SITE}/contributions/{refs['long']}" in links
    for name in ("pending", "rejected", "hidden", "foreign"):
        assert refs[name] not in annex, name
    assert "C-999999" not in annex


def test_no_annex_without_a_cited_contribution(client, cited):
    login_as(client, make_user(Role.ORGANISER, [cited["aveyron"]]))
    post_form(client, f"{BASE}/texte", {"challenge_id": 0,
                                        "text": f"Seulement {cited['pending'].reference}."})
    response = prepared.download(client, f"{BASE}/synthese.docx", token_from=BASE)
    document = Document(io.BytesIO(response.get_data()))
    assert "Contributions citées" not in [p.text for p in document.paragraphs]


def test_references_and_excerpts():
    assert referenced_ids(["C-000012 et C-000045, C-000012", "", "AC-000001 C-1234567 C-12"]) \
        == [12, 45]
    assert excerpt("court  texte\n") == "court texte"
    words = "mot " * 60
    assert excerpt(words, 20) == "mot mot mot mot…"
    assert excerpt("x" * 200, 20) == "x" * 19 + "…"
