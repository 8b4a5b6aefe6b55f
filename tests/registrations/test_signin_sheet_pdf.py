"""The sign-in sheet, read back from the PDF the worker builds: the operator's name, blank
lines for walk-ins, « x / y » page numbers, no row cut across two pages."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from app.accounts.models import Role
from app.campaigns.models import StepFormat
from app.extensions import db
from app.registrations import exports
from app.registrations.models import Attendance, Registration, RegistrationStatus
from tests import prepared
from tests.factories import make_user
from tests.helpers import login_as
from tests.registrations.helpers import open_step

# Three lines in its column: a row cut across two pages would split it.
LONG_NAME = "Maison de santé pluriprofessionnelle de Figeac"


def confirmed(step, count: int, **kw) -> None:
    for number in range(count):
        db.session.add(Registration(
            step=step, status=RegistrationStatus.CONFIRMED, first_name="Prénom",
            last_name=f"Personne{number + 1:02d}", email=f"p{number}.{kw.get('attendance')}@e.org",
            category="citoyens", organisation=LONG_NAME,
            created_at=datetime(2022, 11, 1, tzinfo=UTC) + timedelta(minutes=number), **kw))
    db.session.commit()


def sheet_pages(client, step) -> list[str]:
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    response = prepared.download(client, f"/gestion/etapes/{step.id}/emargement.pdf",
                                 token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert response.headers["Content-Type"] == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    app.config["BRAND_OPERATOR"] = "ARS Occitanie"


def test_blank_rows_follow_the_list_and_pages_say_x_of_y(client):
    step = open_step(capacity=100)
    confirmed(step, 20)
    pages = sheet_pages(client, step)
    assert len(pages) == 2
    assert "1 / 2" in pages[0] and "2 / 2" in pages[1]
    assert "ARS Occitanie" in pages[0]
    assert "ARS Occitanie — Liste d’émargement" in pages[1]  # the operator on every page
    text = "\n".join(pages)
    assert "20 participant(s) confirmé(s) ; 10 lignes libres" in text
    assert "Établie le 03/11/2022 12:00 (heure de Paris)" in text
    # Every line numbered once, across the two pages: 20 names then 10 blank lines.
    numbers = [int(n) for page in pages
               for n in re.findall(r"^(\d+)(?: PERSONNE\d\d .*)?$", page, re.M)]
    assert sorted(numbers) == list(range(1, 31))
    assert text.index("PERSONNE20") < text.rindex("\n30")
    assert "\n21\n" in pages[1]  # the first blank line, after the names
    for page in pages:  # a row is never cut: its three-line organisation stays whole
        assert page.count("Maison de santé") == page.count("Figeac") > 0


def test_a_long_list_gets_a_fifth_of_blank_rows():
    assert exports.blank_rows(0) == 10
    assert exports.blank_rows(50) == 10
    assert exports.blank_rows(51) == 11
    assert exports.blank_rows(200) == 40


def test_on_a_hybrid_step_only_those_in_the_room_sign(client):
    step = open_step(capacity=10, online_capacity=10, format=StepFormat.HYBRID,
                     meeting_url="https://visio.example/cnr")
    confirmed(step, 2, attendance=Attendance.ON_SITE)
    db.session.add(Registration(step=step, status=RegistrationStatus.CONFIRMED,
                                first_name="Dominique", last_name="Distance",
                                email="distance@e.org", category="citoyens",
                                attendance=Attendance.ONLINE))
    db.session.commit()
    text = "\n".join(sheet_pages(client, step))
    assert "2 participant(s) confirmé(s) sur place" in text
    assert "PERSONNE01" in text and "DISTANCE" not in text
