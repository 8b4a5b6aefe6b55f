"""Open data for data.gouv.fr: every CSV export validates against its Table Schemas
(Frictionless), the Data Package and the directory `flask opendata build` writes validate as
packages, and the schemas document each field in French, like the JSON Schema."""

import csv
import io
import json
import re
from datetime import date
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import frictionless
import jsonschema
import pytest

from app.clock import now
from app.contributions.models import AnswerState, ContributionKind, ContributionSource
from app.extensions import db
from app.followups.models import FollowUp, FollowUpStatus, FollowUpUpdate
from app.opendata import columns, follow_ups, records
from tests.contributions.support import add
from tests.factories import make_step

TABLES = ("contributions", "chiffres", "suites")
PERSONAL = ["secret.auteur@example.org", "auteur.ariege@example.org"]
# Field names that would say a file holds personal data.
PERSONAL_FIELDS = {"email", "courriel", "nom", "prenom", "telephone", "adresse"}


@pytest.fixture
def data(app, world):
    """Published contributions of both kinds, in two départements and at a regional step, with
    commas, quotes, new lines, accents and a would-be formula, two followed up; and one never
    published."""
    app.config.update(BRAND_OPERATOR="ARS Occitanie",
                      BRAND_OPERATOR_LONG="Agence régionale de santé Occitanie")
    campaign = world["campaign"]
    campaign.challenges[1].title = 'La prévention, « d’abord » et "partout"'
    step = make_step(campaign, world["aveyron"], title="CNR santé, Aveyron")
    regional = make_step(campaign, campaign.territory, title="Plénière régionale")
    places = {**world, "occitanie": campaign.territory}
    retained = add(places, 'Des médecins salariés, "vraiment", dans les bourgs\net les vallées',
        email="secret.auteur@example.org", pseudonym="Lou d’Olt", step=step, support_count=4,
        category="usagers", age_range="65-et-plus", title="=SOMME(A1:A9)",
        published_at=now(), answer_state=AnswerState.ADOPTED,
        answer="Retenue au PRS, « axe 2 ».\nVoir la fiche.", answered_at=now())
    add(places, "J’attends 9 mois un ophtalmologiste 😟, à Foix", territory="ariege",
        email="auteur.ariege@example.org", kind=ContributionKind.TESTIMONY,
        challenge=campaign.challenges[1], published_at=now(), category="citoyens")
    regional_one = add(places, "Une question à part", challenge=None,
                       source=ContributionSource.ROOM, step=regional, territory="occitanie",
                       answer_state=AnswerState.ADOPTED)
    db.session.add_all([
        FollowUp(contribution=retained, status=FollowUpStatus.COMMITTED, progress=40,
                 measure="PRS 2023-2028, objectif 2.3 « accès », \"médecins\"",
                 updates=[FollowUpUpdate(date=date(2023, 6, 30), text="Engagée.")]),
        FollowUp(contribution=regional_one, status=FollowUpStatus.STUDYING)])
    add(places, "Masquée, jamais exportée", hidden_by_reports=True)
    db.session.commit()
    return world


def served(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data()


def problems(report: frictionless.Report) -> list:
    return [*(error.message for error in report.errors),
            *report.flatten(["rowNumber", "fieldName", "type", "note"])]


def validate_csv(content: bytes, schema: dict, directory: Path, name: str
                 ) -> frictionless.Report:
    (directory / name).write_bytes(content)
    resource = frictionless.Resource(path=name, basepath=str(directory), format="csv",
                                     encoding="utf-8",
                                     schema=frictionless.Schema.from_descriptor(schema))
    return resource.validate()


def local(url: str) -> str:
    """The path and query of an absolute URL of the app (the test client's host)."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("query", ["", "?departement=12"])
def test_every_csv_export_validates_against_its_stable_and_campaign_table_schemas(
        client, data, tmp_path, query):
    for table in TABLES:
        content = served(client, f"/donnees/cnr/{table}.csv{query}")
        assert content.count(b"\n") > 1, table  # some rows
        for schema_url in [f"/donnees/schemas/{table}.json",
                           f"/donnees/cnr/{table}.tableschema.json"]:
            schema = json.loads(served(client, schema_url))
            report = validate_csv(content, schema, tmp_path, f"{table}.csv")
            assert report.valid, (schema_url, problems(report))


def test_the_campaign_schema_lists_its_questions_and_territories(client, data):
    fields = {field["name"]: field for field in json.loads(
        served(client, "/donnees/cnr/contributions.tableschema.json"))["fields"]}
    assert fields["question_code"]["constraints"]["enum"] == ["acces-aux-soins", "prevention"]
    assert fields["question"]["constraints"]["enum"][1] == 'La prévention, « d’abord » et "partout"'
    assert fields["departement_code"]["constraints"]["enum"] == ["09", "12", "76"]
    assert "pattern" not in fields["departement_code"]["constraints"]
    stable = {field["name"]: field for field in json.loads(
        served(client, "/donnees/schemas/contributions.json"))["fields"]}
    assert "enum" not in stable["question_code"]["constraints"]
    assert stable["departement_code"]["constraints"]["pattern"] == "([0-9]{2}|2A|2B|[0-9]{3})"
    assert stable["type"]["constraints"]["enum"] == ["testimony", "proposal"]
    assert stable["reference"]["constraints"] == {"required": True, "unique": True,
                                                  "pattern": "C-[0-9]{6,}"}
    # Enum values as the CSV writes them: one a spreadsheet would evaluate gets its apostrophe.
    assert columns.QUESTION.table_field(["=SOMME(A1)", "Accès"])["constraints"]["enum"] == [
        "'=SOMME(A1)", "Accès"]


def test_the_data_package_and_its_resources_validate(client, data, tmp_path):
    package = json.loads(served(client, "/donnees/cnr/datapackage.json"))
    assert frictionless.Package.validate_descriptor(package).valid
    assert package["licenses"] == [{
        "name": "etalab-2.0", "title": "Licence Ouverte 2.0 (Etalab)",
        "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}]
    assert package["contributors"] == [{
        "title": "Agence régionale de santé Occitanie (ARS Occitanie)", "role": "publisher",
        "path": "http://localhost/"}]
    assert package["title"].endswith(data["campaign"].title)
    assert [resource["name"] for resource in package["resources"]] == list(TABLES)
    for resource in package["resources"]:
        assert (resource["format"], resource["mediatype"], resource["encoding"]) == (
            "csv", "text/csv", "utf-8")
        assert resource["title"] and resource["description"] and resource["licenses"]
        assert resource["schema"] == (
            f"http://localhost/donnees/cnr/{resource['name']}.tableschema.json")
        # Served, then read from files as data.gouv.fr would (no request leaves the test).
        name = resource["name"]
        (tmp_path / f"{name}.csv").write_bytes(served(client, local(resource["path"])))
        (tmp_path / f"{name}.schema.json").write_bytes(served(client, local(resource["schema"])))
        resource.update(path=f"{name}.csv", schema=f"{name}.schema.json")
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, problems(report)
    assert [task.name for task in report.tasks] == list(TABLES)
    assert [task.stats["rows"] for task in report.tasks] == [3, 3, 2]


def test_the_cli_builds_a_directory_that_validates_as_a_package(app, client, data, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "http://localhost/"  # the CLI's URLs: the served ones
    target = tmp_path / "upload"
    result = app.test_cli_runner().invoke(args=["opendata", "build", "cnr", str(target)])
    assert result.exit_code == 0, result.output
    names = [*(f"{table}-cnr.{extension}" for table in TABLES for extension in ("csv", "json")),
             *(f"{table}.tableschema.json" for table in TABLES), "datapackage.json"]
    assert sorted(path.name for path in target.iterdir()) == sorted(names)
    for name in names:
        assert f"Écrit : {target / name}" in result.output
    report = frictionless.validate(str(target / "datapackage.json"))
    assert report.valid, problems(report)
    package = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    assert [(r["path"], r["schema"]) for r in package["resources"]] == [
        (f"{table}-cnr.csv", f"{table}.tableschema.json") for table in TABLES]
    # The files are the downloads themselves.
    for table in TABLES:
        assert (target / f"{table}-cnr.csv").read_bytes() == served(
            client, f"/donnees/cnr/{table}.csv"), table
        assert json.loads((target / f"{table}.tableschema.json").read_text()) == json.loads(
            served(client, f"/donnees/cnr/{table}.tableschema.json")), table
    payload = json.loads((target / "contributions-cnr.json").read_text(encoding="utf-8"))
    assert len(payload["donnees"]) == 3 and payload["licence"] == "Licence Ouverte 2.0 (Etalab)"
    for record in payload["donnees"]:
        jsonschema.validate(record, records.contribution_schema())
    everything = "".join(path.read_text(encoding="utf-8") for path in target.iterdir())
    assert not [secret for secret in PERSONAL if secret in everything]
    assert "jamais exportée" not in everything


def test_the_cli_refuses_an_unknown_campaign(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["opendata", "build", "inconnue", str(tmp_path)])
    assert result.exit_code != 0 and "Démarche inconnue : inconnue." in result.output


def schema_urls() -> list[str]:
    return [*(f"/donnees/schemas/{table}.json" for table in TABLES),
            *(f"/donnees/cnr/{table}.tableschema.json" for table in TABLES)]


def test_every_field_has_a_french_title_and_description(client, data):
    for url in schema_urls():
        schema = json.loads(served(client, url))
        assert frictionless.Schema.validate_descriptor(schema).valid, url
        assert schema["title"] and "UTF-8" in schema["description"]
        assert schema["licenses"][0]["name"] == "etalab-2.0"
        assert schema["missingValues"] == [""]
        for field in schema["fields"]:
            assert field["title"] and field["title"] != field["name"], (url, field["name"])
            # French: sentences ending with a full stop, with French words and typography.
            assert field["description"].endswith("."), (url, field["name"])
            assert re.search(r"\b(de|du|la|le|les|des|par|pour|en)\b|’", field["description"]), (
                url, field["name"])
        assert not PERSONAL_FIELDS & {field["name"] for field in schema["fields"]}
    assert json.loads(served(client, "/donnees/schemas/contributions.json"))[
        "primaryKey"] == ["reference"]


def test_the_json_schema_and_the_table_schemas_list_the_same_fields(client, data):
    properties = records.contribution_schema()["properties"]
    table = json.loads(served(client, "/donnees/schemas/contributions.json"))["fields"]
    assert [field["name"] for field in table] == list(properties)
    json_types = {"string": "string", "integer": "integer", "datetime": "string"}
    for field in table:
        prop = properties[field["name"]]
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert json_types[field["type"]] in kinds, field["name"]
        assert (field["type"] == "datetime") == (prop.get("format") == "date-time")
        assert (field["title"], field["description"]) == (prop["title"], prop["description"])
        if "enum" in field["constraints"]:
            assert field["constraints"]["enum"] == [v for v in prop["enum"] if v is not None]
        if field["constraints"]["required"]:
            assert "null" not in kinds, field["name"]
    # The CSV headers and the records are the schemas' fields, in their order.
    for name in TABLES:
        header = next(csv.reader(io.StringIO(served(client, f"/donnees/cnr/{name}.csv")
                                             .decode("utf-8"))))
        fields = json.loads(served(client, f"/donnees/schemas/{name}.json"))["fields"]
        assert header == [field["name"] for field in fields], name
    record = next(records.published(records.Scope(campaign=data["campaign"])))
    assert list(record) == list(properties)
    for table, row in [("chiffres", records.figures(data["campaign"])[0]),
                       ("suites", next(follow_ups.rows(data["campaign"])))]:
        assert list(row) == [field["name"] for field in json.loads(
            served(client, f"/donnees/schemas/{table}.json"))["fields"]], table


def _rewritten(content: bytes, change) -> bytes:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(change(rows))
    return buffer.getvalue().encode("utf-8")


def test_a_column_or_a_value_the_schema_does_not_know_fails_validation(client, data, tmp_path):
    content = served(client, "/donnees/cnr/contributions.csv")
    schema = json.loads(served(client, "/donnees/cnr/contributions.tableschema.json"))

    def error_types(changed: bytes) -> set[str]:
        report = validate_csv(changed, schema, tmp_path, "changed.csv")
        assert not report.valid
        return {row[0] for row in report.flatten(["type"])}

    added = _rewritten(content, lambda rows: [[*row, "x@example.org" if i else "email"]
                                              for i, row in enumerate(rows)])
    assert "extra-label" in error_types(added)
    removed = _rewritten(content, lambda rows: [row[:-1] for row in rows])
    assert "missing-label" in error_types(removed)
    kind = next(csv.reader(io.StringIO(content.decode("utf-8")))).index("type")
    unknown = _rewritten(content, lambda rows: [rows[0]] + [
        [*row[:kind], "petition", *row[kind + 1:]] for row in rows[1:]])
    assert "constraint-error" in error_types(unknown)


def test_schemas_and_package_are_public_cached_json(client, data):
    for url in [*schema_urls(), "/donnees/cnr/datapackage.json"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/json", url
        assert response.cache_control.public and response.cache_control.max_age >= 3600, url
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.get_data(as_text=True)
        assert not [secret for secret in PERSONAL if secret in body], url
        assert not re.search(r"[\w.+-]+@[\w-]+\.\w", body), url  # no address of any kind
    for url in ["/donnees/inconnue/contributions.tableschema.json",
                "/donnees/inconnue/datapackage.json", "/donnees/schemas/autre.json"]:
        assert client.get(url).status_code == 404, url
    schema = client.get("/donnees/contribution.schema.json")
    assert schema.mimetype == "application/schema+json"
    assert schema.get_json(force=True)["properties"]["reference"]["title"] == "Référence"


def test_the_open_data_page_explains_how_to_publish_on_data_gouv(client, data):
    page = client.get("/donnees").get_data(as_text=True)
    html = page[page.index("<main"):page.index("</main>")]
    assert "Publier sur data.gouv.fr" in html
    for text in ["flask opendata build cnr", "Licence Ouverte 2.0", "Fréquence de mise à jour",
                 "Couverture temporelle", "Couverture territoriale", "Producteur",
                 "Mots-clés", "http://localhost/donnees/schemas/contributions.json",
                 "http://localhost/donnees/schemas/chiffres.json",
                 'href="/donnees/cnr/datapackage.json"',
                 'href="/donnees/cnr/contributions.tableschema.json"']:
        assert text in html, text
    # Headings never skip a level; every link says where it goes.
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels))
    texts = [re.sub(r"<[^>]+>", "", text).strip().lower()
             for text in re.findall(r"<a\b[^>]*>(.*?)</a>", html, flags=re.S)]
    assert not {"ici", "lien", "cliquez ici", ""} & set(texts)
