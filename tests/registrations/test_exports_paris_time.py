"""Registrant exports read as people read them: Paris times, the exact Content-Type."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest

from app.accounts.models import Role
from app.campaigns.models import StepFormat
from app.extensions import db
from app.registrations.models import Attendance, Registration, RegistrationStatus
from tests.factories import make_user
from tests.helpers import login_as
from tests.registrations.helpers import open_step

# 11:00 UTC on 3 November 2022 is 12:00 in Paris (winter time, UTC+1); in July, UTC+2.
NOVEMBER = datetime(2022, 11, 3, 11, 0, tzinfo=UTC)
JULY = datetime(2022, 7, 1, 6, 30, tzinfo=UTC)


def registration(step, last_name: str, created_at: datetime, **kw) -> Registration:
    values = {"status": RegistrationStatus.CONFIRMED, "first_name": "Alex",
              "last_name": last_name, "email": f"{last_name.lower()}@example.org",
              "category": "citoyens", "created_at": created_at, **kw}
    person = Registration(step=step, **values)
    db.session.add(person)
    db.session.commit()
    return person


@pytest.fixture
def step(app, client):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step()
    registration(step, "Novembre", NOVEMBER)
    registration(step, "Juillet", JULY)
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    return step


def by_name(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


@pytest.mark.parametrize("query, separator", [("", ","), ("?separateur=point-virgule", ";")])
def test_csv_exports_give_paris_times_with_one_charset(client, step, query, separator):
    response = client.get(f"/gestion/etapes/{step.id}/inscriptions.csv{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=separator))
    people = by_name(rows)
    assert people["Novembre"]["Inscrit le (heure de Paris)"] == "03/11/2022 12:00"
    assert people["Juillet"]["Inscrit le (heure de Paris)"] == "01/07/2022 08:30"


def test_xlsx_export_gives_paris_times(client, step):
    response = client.get(f"/gestion/etapes/{step.id}/inscriptions.xlsx")
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    people = by_name([[cell.value for cell in row] for row in sheet.iter_rows()])
    assert people["Novembre"]["Inscrit le (heure de Paris)"] == "03/11/2022 12:00"
    assert people["Juillet"]["Inscrit le (heure de Paris)"] == "01/07/2022 08:30"


def test_hybrid_step_exports_say_how_each_person_attends(client, step):
    step.format, step.meeting_url = StepFormat.HYBRID, "https://visio.example/cnr"
    registration(step, "Distance", NOVEMBER, attendance=Attendance.ONLINE)
    response = client.get(f"/gestion/etapes/{step.id}/inscriptions.csv")
    people = by_name(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))))
    assert people["Distance"]["Participation"] == "En ligne"
    assert people["Novembre"]["Participation"] == "Sur place"  # registered before: on site


def test_registrations_page_shows_waiting_times_in_paris(client, step):
    registration(step, "Attente", NOVEMBER, status=RegistrationStatus.WAITLISTED)
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions").get_data(as_text=True)
    assert "03/11/2022 à 12 h" in html
    assert "03/11/2022 à 11 h" not in html


def test_staff_pages_show_last_login_and_lock_in_paris(app, client):
    """Beyond the exports: the account pages read the stored UTC moments in Paris too."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"  # the account is still locked
    admin = make_user(Role.ADMIN, last_login_at=NOVEMBER)
    other = make_user(Role.ORGANISER, last_login_at=NOVEMBER,
                      locked_until=datetime(2022, 11, 3, 14, 30, tzinfo=UTC))
    login_as(client, admin)
    for url, moments in ((f"/gestion/comptes/{other.id}", ("à 12 h", "à 15 h 30")),
                         ("/gestion/comptes/", ("à 12 h",)), ("/gestion/compte/", ("à 12 h",))):
        html = client.get(url).get_data(as_text=True)
        for moment in moments:
            assert f"jeudi 3 novembre 2022 {moment}" in html, (url, moment)
        assert "2022 à 11 h" not in html, url
