"""Organisers: list and filters, approvals, exports, sign-in sheet, check-in, statistics."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.accounts.models import Role
from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests import prepared
from tests.factories import make_departement, make_user
from tests.helpers import login_as, post_form
from tests.registrations.helpers import form, open_step

PEOPLE = [("Éloïse", "Dupré", "usagers"), ("=HYPERLINK(\"http://x\")", "Martin", "citoyens"),
          ("Jean", "+33612345678", "elus"), ("Zoé", "Abadie", "professionnels")]


@pytest.fixture
def step(app, client):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step(capacity=3)
    for number, (first, last, category) in enumerate(PEOPLE):
        post_form(client, f"/etapes/{step.id}/inscription",
                  form(step, email=f"p{number}@example.org", first_name=first, last_name=last,
                       category=category, subcategory=""), token_from="/connexion")
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    return step


def statuses() -> dict[str, str]:
    db.session.expire_all()
    return {r.last_name: r.status.value for r in db.session.scalars(sa.select(Registration))}


def test_list_counts_by_category_and_filters(client, step):
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions").get_data(as_text=True)
    assert "4 inscriptions" in html
    assert "Usagers et associations d’usagers" in html
    filtered = client.get(f"/gestion/etapes/{step.id}/inscriptions?statut=waitlisted"
                          ).get_data(as_text=True)
    assert "1 inscription" in filtered and "ABADIE" in filtered
    search = client.get(f"/gestion/etapes/{step.id}/inscriptions?q=dupr").get_data(as_text=True)
    assert "1 inscription" in search and "DUPRÉ" in search


def test_csv_export_is_excel_safe(client, step):
    response = client.get(f"/gestion/etapes/{step.id}/inscriptions.csv?separateur=point-virgule")
    assert response.headers["Content-Disposition"].startswith("attachment")
    raw = response.data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Prénom", "Courriel"]
    names = {row[0]: row for row in rows[1:]}
    assert names["Dupré"][1] == "Éloïse"
    assert names["Martin"][1] == "'=HYPERLINK(\"http://x\")"
    assert "'+33612345678" in names
    comma = client.get(f"/gestion/etapes/{step.id}/inscriptions.csv").data.decode("utf-8-sig")
    assert comma.splitlines()[0].startswith("Nom,Prénom,Courriel")


def test_xlsx_export_opens_with_text_not_formulas(client, step):
    response = client.get(f"/gestion/etapes/{step.id}/inscriptions.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Nom", "Prénom"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "=HYPERLINK(\"http://x\")" in [row[1] for row in values]  # text, as written
    assert "Éloïse" in [row[1] for row in values]


def test_signin_sheet_lists_every_confirmed_participant_by_name(client, step):
    response = prepared.download(client, f"/gestion/etapes/{step.id}/emargement.pdf",
                                 token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert response.headers["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Liste d’émargement" in text
    assert "3 participant(s) confirmé(s)" in text
    for name in ("DUPRÉ", "MARTIN", "+33612345678"):
        assert name in text
    assert "ABADIE" not in text  # waiting list
    assert text.index("+33612345678") < text.index("DUPRÉ") < text.index("MARTIN")


def test_check_in_by_search_and_by_code(client, step):
    html = client.get(f"/gestion/etapes/{step.id}/pointage?q=dupr").get_data(as_text=True)
    assert "Marquer présent·e" in html
    dupre = db.session.scalar(sa.select(Registration).where(Registration.last_name == "Dupré"))
    post_form(client, f"/gestion/inscriptions/{dupre.id}/presence",
              {"present": "1", "retour": "pointage", "q": "dupr"},
              token_from=f"/gestion/etapes/{step.id}/pointage")
    db.session.refresh(dupre)
    assert dupre.checked_in_at is not None
    martin = db.session.scalar(sa.select(Registration).where(Registration.last_name == "Martin"))
    url = f"/gestion/pointage/{tokens.make(martin.uuid, tokens.CHECK_IN_SALT)}"
    assert "Marquer présent·e" in client.get(url).get_data(as_text=True)
    post_form(client, url, {})
    db.session.refresh(martin)
    assert martin.checked_in_at is not None


def test_attendance_after_the_day_by_category(app, client, step):
    dupre = db.session.scalar(sa.select(Registration).where(Registration.last_name == "Dupré"))
    post_form(client, f"/gestion/inscriptions/{dupre.id}/presence", {"present": "1"},
              token_from=f"/gestion/etapes/{step.id}/inscriptions")
    app.config["CONCERTO_NOW"] = "2022-11-19T12:00"
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions").get_data(as_text=True)
    assert "Présence par catégorie" in html and "Présents" in html


def test_approval_flow(client, step, smtp):
    step.requires_approval = True
    db.session.commit()
    post_form(client, f"/etapes/{step.id}/inscription",
              form(step, email="demande@example.org", last_name="Demande"),
              token_from="/connexion")
    assert statuses()["Demande"] == "pending"
    pending = db.session.scalar(sa.select(Registration).where(Registration.last_name == "Demande"))
    post_form(client, f"/gestion/inscriptions/{pending.id}/valider", {},
              token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert statuses()["Demande"] == "waitlisted"  # the room is full
    assert any(m["Subject"].startswith("Inscription en liste d’attente")
               for m in smtp.to("demande@example.org"))


def test_organiser_cancellation_promotes_and_message_reaches_everyone(client, step, smtp):
    dupre = db.session.scalar(sa.select(Registration).where(Registration.last_name == "Dupré"))
    post_form(client, f"/gestion/inscriptions/{dupre.id}/annuler", {},
              token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert statuses() == {"Dupré": "cancelled", "Martin": "confirmed",
                          "+33612345678": "confirmed", "Abadie": "confirmed"}
    smtp.messages.clear()
    post_form(client, f"/gestion/etapes/{step.id}/message",
              {"subject": "Accès au parking", "body": "Le parking est rue de la Préfecture."})
    assert len(smtp.messages) == 3
    assert "Le parking est rue de la Préfecture." in smtp.messages[0].get_body(
        preferencelist=("plain",)).get_content()


def test_seat_alerts_reach_the_steps_organisers_once(app, client, smtp):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step(capacity=2)
    make_user(Role.ORGANISER, [step.territory], email="orga.lot@ars.example")
    for number in range(3):
        post_form(client, f"/etapes/{step.id}/inscription", form(step, email=f"x{number}@e.org"),
                  token_from="/connexion")
    subjects = [m["Subject"] for m in smtp.to("orga.lot@ars.example")]
    assert subjects == ["Étape remplie à 50 % : Concertation CNR santé — Lot",
                        "Étape remplie à 100 % : Concertation CNR santé — Lot"]


def test_registrant_data_is_for_the_steps_organisers_only(client, step):
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=step.campaign.territory)
    login_as(client, make_user(Role.ORGANISER, [aveyron]))
    for url in (f"/gestion/etapes/{step.id}/inscriptions",
                f"/gestion/etapes/{step.id}/inscriptions.csv",
                f"/gestion/etapes/{step.id}/inscriptions.xlsx",
                f"/gestion/etapes/{step.id}/pointage?q=a"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, f"/gestion/etapes/{step.id}/emargement.pdf", {},
                     token_from="/gestion/").status_code == 403
    login_as(client, make_user(Role.MODERATOR, [step.campaign.territory]))
    assert client.get(f"/gestion/etapes/{step.id}/inscriptions").status_code == 403
    before = statuses()
    dupre = db.session.scalar(sa.select(Registration).where(Registration.last_name == "Dupré"))
    response = post_form(client, f"/gestion/inscriptions/{dupre.id}/annuler", {})
    assert response.status_code == 403 and statuses() == before


def test_public_pages_never_show_registrants(client, step):
    for url in ("/", f"/etapes/{step.id}", "/calendrier", "/presse/"):
        html = client.get(url).get_data(as_text=True)
        assert "p0@example.org" not in html and "Dupré" not in html


def test_reminders_and_purge_commands(app, client, step, smtp):
    app.config["CONCERTO_NOW"] = "2022-11-17T09:00"
    runner = app.test_cli_runner()
    assert "3 rappel(s) envoyé(s)" in runner.invoke(args=["send-reminders"]).output
    assert "0 rappel(s) envoyé(s)" in runner.invoke(args=["send-reminders"]).output
    assert smtp.to("p0@example.org")[-1]["Subject"].startswith("Rappel : c’est demain")
    app.config["CONCERTO_NOW"] = "2024-01-01T09:00"
    result = runner.invoke(args=["purge-personal-data", "--days", "365"])
    assert "4 inscription(s) anonymisée(s)" in result.output
    db.session.expire_all()
    people = db.session.scalars(sa.select(Registration)).all()
    assert all(r.first_name == "" and r.email.startswith("anonyme-") for r in people)
    assert sorted(r.category for r in people) == ["citoyens", "elus", "professionnels",
                                                  "usagers"]
    assert {r.status for r in people} >= {RegistrationStatus.CONFIRMED}


def test_seat_quotas_are_offered_for_registration_categories_only(client, step):
    """Journalists go through the press accreditation: no seats are reserved for « Presse »."""
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions/reglages").get_data(as_text=True)
    assert 'name="quota_usagers"' in html
    assert 'name="quota_presse"' not in html
