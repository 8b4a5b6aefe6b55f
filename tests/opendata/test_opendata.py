"""Open data downloads and the JSON API: parsed back, checked against the database and the
schema, and searched for personal data."""

import csv
import io
import json

import jsonschema
import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate
from openpyxl import load_workbook

from app.api.openapi import document
from app.contributions.models import AnswerState, ContributionKind, ContributionStatus
from app.extensions import db
from app.opendata.records import contribution_schema
from app.registrations.models import Registration, RegistrationStatus
from tests.contributions.support import add
from tests.factories import make_step

PERSONAL = ["secret.auteur@example.org", "Dupontel", "Maëlys", "06 12 34 56 78",
            "inscrite@example.org", "Mutuelle Dupontel"]


@pytest.fixture
def data(world):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    prevention = world["campaign"].challenges[1]
    add(world, "Des médecins salariés dans les bourgs", email="secret.auteur@example.org",
        pseudonym="Lou", step=step, support_count=4, category="usagers",
        answer_state=AnswerState.ADOPTED, answer="Retenue au PRS.")
    add(world, "=HYPERLINK(\"http://evil\")", email="secret.auteur@example.org")
    add(world, "J’attends 9 mois un ophtalmologiste 😟\nà Foix", territory="ariege",
        kind=ContributionKind.TESTIMONY, challenge=prevention)
    add(world, "En attente, jamais exportée", ContributionStatus.PENDING)
    add(world, "Refusée, jamais exportée", ContributionStatus.REJECTED)
    add(world, "Masquée, jamais exportée", hidden_by_reports=True)
    db.session.add(Registration(step=step, first_name="Maëlys", last_name="Dupontel",
                                email="inscrite@example.org", phone="06 12 34 56 78",
                                organisation="Mutuelle Dupontel", category="usagers",
                                status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    return world


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"].count("charset") <= 1, url
    return response.get_data()


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_contributions_csv_json_and_xlsx_say_the_same_and_hold_only_published(client, data):
    rows = list(csv.DictReader(io.StringIO(download(
        client, "/donnees/cnr/contributions.csv").decode("utf-8"))))
    assert [row["texte"] for row in rows] == [
        "Des médecins salariés dans les bourgs", "'=HYPERLINK(\"http://evil\")",
        "J’attends 9 mois un ophtalmologiste 😟\nà Foix"]
    first = rows[0]
    assert (first["type"], first["departement_code"], first["question_code"], first["etat"],
            first["reponse"], first["soutiens"], first["pseudonyme"], first["etape"]) == (
        "proposal", "12", "acces-aux-soins", "Retenue", "Retenue au PRS.", "4", "Lou",
        "CNR santé Aveyron")
    assert first["categorie_auteur"] == "Usagers et associations d’usagers"
    payload = json.loads(download(client, "/donnees/cnr/contributions.json"))
    assert payload["licence"] == "Licence Ouverte 2.0 (Etalab)"
    for record in payload["donnees"]:
        jsonschema.validate(record, contribution_schema())
    assert [r["reference"] for r in payload["donnees"]] == [r["reference"] for r in rows]
    sheet = xlsx_rows(download(client, "/donnees/cnr/contributions.xlsx"))
    assert sheet[0] == list(contribution_schema()["properties"])
    # Typed as text, XLSX cells hold the texts as written (CSV's apostrophe is for CSV only).
    assert [line[sheet[0].index("texte")] for line in sheet[1:]] == [
        r["texte"] for r in payload["donnees"]]
    ariege = list(csv.DictReader(io.StringIO(download(
        client, "/donnees/cnr/contributions.csv?departement=09").decode("utf-8"))))
    assert [row["departement"] for row in ariege] == ["Ariège"]


def test_figures_match_the_database(client, data):
    figures = json.loads(download(client, "/donnees/cnr/chiffres.json"))["donnees"]
    counted: dict[tuple, int] = {}
    for f in figures:  # one row per author category too
        key = (f["departement_code"], f["question_code"], f["type"])
        counted[key] = counted.get(key, 0) + f["contributions"]
    assert {f["categorie_auteur"] for f in figures if f["departement_code"] == "12"} == {
        None, "Usagers et associations d’usagers"}
    assert counted == {("12", "acces-aux-soins", "proposal"): 2,
                       ("09", "prevention", "testimony"): 1}
    assert sum(f["soutiens"] for f in figures) == 4
    rows = list(csv.DictReader(io.StringIO(download(client, "/donnees/cnr/chiffres.csv")
                                           .decode("utf-8"))))
    assert sum(int(row["contributions"]) for row in rows) == 3
    assert len(xlsx_rows(download(client, "/donnees/cnr/chiffres.xlsx"))) == len(rows) + 1


def test_no_export_or_api_answer_holds_personal_data(client, data):
    step_id = db.session.scalar(sa.text("SELECT id FROM step"))
    texts = []
    for url in ["/donnees/cnr/contributions.csv", "/donnees/cnr/contributions.json",
                "/donnees/cnr/chiffres.csv", "/donnees/cnr/chiffres.json",
                "/api/v1/demarches/cnr/contributions", "/api/v1/etapes",
                f"/api/v1/etapes/{step_id}", "/api/v1/territoires", "/api/v1/demarches",
                "/api/v1/demarches/cnr/questions"]:
        texts.append(download(client, url).decode("utf-8"))
    for url in ["/donnees/cnr/contributions.xlsx", "/donnees/cnr/chiffres.xlsx"]:
        texts.append(json.dumps(xlsx_rows(download(client, url)), ensure_ascii=False))
    everything = "\n".join(texts)
    assert "Des médecins salariés" in everything
    for secret in [*PERSONAL, "jamais exportée"]:
        assert secret not in everything, secret
    # JSON may escape non-ASCII characters: search the decoded answers too.
    for url in ["/donnees/cnr/contributions.json", "/api/v1/demarches/cnr/contributions"]:
        decoded = json.dumps(json.loads(download(client, url)), ensure_ascii=False)
        assert not [secret for secret in PERSONAL if secret in decoded]


def test_spreadsheet_cells_never_start_a_formula(client, data):
    for url in ["/donnees/cnr/contributions.xlsx", "/donnees/cnr/chiffres.xlsx"]:
        workbook = load_workbook(io.BytesIO(download(client, url)))
        for row in workbook.active.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (url, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.data_type == "s", url  # a text cell, shown as written


def test_the_api_pages_published_contributions(client, data):
    first = client.get("/api/v1/demarches/cnr/contributions?limite=2").get_json()
    assert [r["texte"][:10] for r in first["donnees"]] == ["Des médeci", "=HYPERLINK"]
    assert first["suivant"].startswith("http://localhost/api/v1/demarches/cnr/contributions?")
    second = client.get(first["suivant"]).get_json()
    assert len(second["donnees"]) == 1 and second["suivant"] is None
    testimonies = client.get("/api/v1/demarches/cnr/contributions?type=testimony").get_json()
    assert [r["departement_code"] for r in testimonies["donnees"]] == ["09"]
    assert client.get("/api/v1/demarches/cnr/contributions?limite=500").status_code == 400
    bad = client.get("/api/v1/demarches/cnr/contributions?apres=abc")
    assert bad.status_code == 400 and "apres" in bad.get_json()["message"]
    assert client.get("/api/v1/demarches/inconnue/contributions").status_code == 404
    assert client.get("/api/v1/etapes/999999").get_json()["error"] == "Page non trouvée"


def test_the_openapi_document_is_valid_and_served(client):
    validate(document())
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.get_json()["openapi"] == "3.1.0"


def test_the_open_data_page_documents_every_field_and_the_licence(client, data):
    html = client.get("/donnees").get_data(as_text=True)
    assert "Licence Ouverte 2.0" in html
    for name in contribution_schema()["properties"]:
        assert f"<code>{name}</code>" in html
    schema = client.get("/donnees/contribution.schema.json")
    assert json.loads(schema.get_data())["title"] == "Contribution publiée"
