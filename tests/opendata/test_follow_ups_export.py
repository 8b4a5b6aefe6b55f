"""The follow-ups of retained proposals in the open data (« Suites données »): CSV and JSON
parsed back, the same records, public follow-ups only, by département, nothing personal."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from app.accounts.models import Role
from app.contributions.models import AnswerState, ContributionStatus
from app.extensions import db
from app.followups import services
from app.followups.models import FollowUpStatus
from app.opendata.follow_ups import FIELDS
from tests.contributions.support import add
from tests.factories import make_user

STAFF_NAME = "Camille Test"  # tests.factories.make_user's


def follow(contribution, user, status=FollowUpStatus.COMMITTED, progress=40, measure="",
           day=date(2022, 12, 15), text="Point d’étape.") -> None:
    services.save(contribution, services.FollowUpChange(
        status=status, progress=progress, measure=measure, update_date=day, update_text=text),
        user)


@pytest.fixture
def data(world):
    admin = make_user(Role.ADMIN, email="chef.projet@example.org")
    kept = add(world, "Des maisons de santé dans chaque canton", title="Maisons de santé",
               answer_state=AnswerState.ADOPTED, email="secret.auteur@example.org")
    measure = "=PRS 2023-2028, objectif 2.3"
    follow(kept, admin, measure=measure, day=date(2022, 12, 1))
    follow(kept, admin, status=FollowUpStatus.DONE, progress=100, measure=measure,
           day=date(2023, 1, 9), text="Ouverte à Espalion.")
    foix = add(world, "Un centre de soins non programmés à Foix", territory="ariege",
               answer_state=AnswerState.ADOPTED)
    follow(foix, admin, status=FollowUpStatus.STUDYING, progress=0)
    # Not public, or no longer retained: never exported.
    hidden = add(world, "Masquée", hidden_by_reports=True, answer_state=AnswerState.ADOPTED)
    follow(hidden, admin)
    changed = add(world, "Plus retenue", answer_state=AnswerState.ADOPTED)
    follow(changed, admin)
    changed.answer_state = AnswerState.STUDYING
    refused = add(world, "Refusée", answer_state=AnswerState.ADOPTED)
    follow(refused, admin)
    refused.status = ContributionStatus.REJECTED
    db.session.commit()
    return {**world, "kept": kept, "foix": foix}


def download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def test_csv_and_json_give_the_public_follow_ups_and_the_same_records(client, data):
    rows = list(csv.DictReader(io.StringIO(download(client, "/donnees/cnr/suites.csv"))))
    document = json.loads(download(client, "/donnees/cnr/suites.json"))
    assert list(rows[0]) == FIELDS
    kept, foix = data["kept"], data["foix"]
    assert [row["reference"] for row in rows] == [kept.reference, foix.reference]
    first = rows[0]
    assert first["url"] == f"http://localhost/contributions/{kept.reference}"
    assert (first["titre"], first["departement_code"], first["departement"]) == (
        "Maisons de santé", "12", "Aveyron")
    assert first["question"] == data["challenge"].title and first["question_code"]
    assert (first["statut"], first["statut_libelle"], first["avancement"]) == (
        "done", "Réalisée", "100")
    assert first["mesure"] == "'=PRS 2023-2028, objectif 2.3"  # never a spreadsheet formula
    assert first["derniere_mise_a_jour"] == "2023-01-09"
    assert (rows[1]["statut_libelle"], rows[1]["mesure"]) == ("À l’étude", "")

    assert document["demarche"] == "cnr" and "licence" in document
    records = document["donnees"]
    assert [r["reference"] for r in records] == [kept.reference, foix.reference]
    assert records[0]["avancement"] == 100 and records[1]["mesure"] is None
    assert records[0]["derniere_mise_a_jour"] == "2023-01-09"
    for row, record in zip(rows, records, strict=True):
        assert set(record) == set(FIELDS)
        for name in ("reference", "url", "statut", "departement_code"):
            assert row[name] == record[name]


def test_one_departement_and_nothing_personal(client, data):
    rows = list(csv.DictReader(io.StringIO(download(
        client, "/donnees/cnr/suites.csv?departement=09"))))
    assert [row["reference"] for row in rows] == [data["foix"].reference]
    document = json.loads(download(client, "/donnees/cnr/suites.json?departement=12"))
    assert [r["reference"] for r in document["donnees"]] == [data["kept"].reference]
    assert client.get("/donnees/cnr/suites.csv?departement=99").status_code == 404
    assert client.get("/donnees/inconnue/suites.json").status_code == 404
    for url in ("/donnees/cnr/suites.csv", "/donnees/cnr/suites.json"):
        body = download(client, url)
        for personal in ("secret.auteur@example.org", "chef.projet@example.org", STAFF_NAME):
            assert personal not in body, (url, personal)


def test_the_open_data_page_links_the_follow_ups(client, data):
    html = client.get("/donnees").get_data(as_text=True)
    assert 'href="/donnees/cnr/suites.csv"' in html and 'href="/donnees/cnr/suites.json"' in html
    assert 'href="/demarches/cnr/suites"' in html


def test_an_empty_campaign_gives_a_header_and_no_rows(client, world):
    body = download(client, "/donnees/cnr/suites.csv")
    assert body.splitlines() == [",".join(FIELDS)]
    assert json.loads(download(client, "/donnees/cnr/suites.json"))["donnees"] == []
