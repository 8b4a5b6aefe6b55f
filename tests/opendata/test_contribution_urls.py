"""Open data and the API cite each contribution by the absolute URL of its public page."""

import csv
import io
import json

from openpyxl import load_workbook

from app.api.openapi import document
from app.extensions import db
from app.opendata.records import contribution_schema
from tests.contributions.support import add


def test_every_export_and_the_api_give_the_page_of_each_contribution(app, client, world):
    app.config["PUBLIC_BASE_URL"] = "https://concertation.example.fr/"
    first = add(world, "Des médecins salariés dans les bourgs")
    second = add(world, "Un numéro unique pour la garde")
    expected = [f"https://concertation.example.fr/contributions/{c.reference}"
                for c in (first, second)]
    rows = list(csv.DictReader(io.StringIO(
        client.get("/donnees/cnr/contributions.csv").get_data(as_text=True))))
    assert [row["url"] for row in rows] == expected
    payload = json.loads(client.get("/donnees/cnr/contributions.json").get_data())
    assert [record["url"] for record in payload["donnees"]] == expected
    sheet = list(load_workbook(io.BytesIO(client.get(
        "/donnees/cnr/contributions.xlsx").get_data())).active.iter_rows(values_only=True))
    assert [line[sheet[0].index("url")] for line in sheet[1:]] == expected
    api = client.get("/api/v1/demarches/cnr/contributions").get_json()
    assert [record["url"] for record in api["donnees"]] == expected


def test_the_url_opens_the_contributions_page(client, world):
    contribution = add(world, "Des médecins salariés dans les bourgs")
    [record] = json.loads(client.get("/donnees/cnr/contributions.json").get_data())["donnees"]
    assert record["url"] == f"http://localhost/contributions/{contribution.reference}"
    page = client.get(record["url"].removeprefix("http://localhost"))
    assert page.status_code == 200 and "Des médecins salariés" in page.get_data(as_text=True)


def test_the_schema_the_openapi_document_and_the_data_page_describe_the_url(client, world):
    field = contribution_schema()["properties"]["url"]
    assert "url" in contribution_schema()["required"] and field["format"] == "uri"
    assert document()["components"]["schemas"]["Contribution"]["properties"]["url"] == field
    html = client.get("/donnees").get_data(as_text=True)
    assert "<code>url</code>" in html and field["description"] in html
    assert "http://localhost/contributions/C-000123" in html


def test_a_hidden_contribution_leaves_the_exports_and_its_page_together(client, world):
    contribution = add(world, "Bientôt masquée")
    contribution.hidden_by_reports = True
    db.session.commit()
    payload = json.loads(client.get("/donnees/cnr/contributions.json").get_data())
    assert payload["donnees"] == []
    assert client.get(f"/contributions/{contribution.reference}").status_code == 404
