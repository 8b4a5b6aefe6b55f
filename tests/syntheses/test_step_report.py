"""The step report: pre-filled attendance, errors in French with nothing lost, publication on
the step page, and its attendance used by the synthesis."""

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus
from app.syntheses.models import StepReport
from tests.factories import make_step, make_user
from tests.helpers import login_as, post_form


def held_step(world, day=date(2022, 12, 9)):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron", day=day)
    for number in range(3):
        db.session.add(Registration(
            step=step, first_name="A", last_name=f"B{number}", email=f"p{number}@example.org",
            category="usagers" if number else "elus", status=RegistrationStatus.CONFIRMED,
            checked_in_at=datetime(2022, 12, 9, 9, tzinfo=UTC)))
    db.session.commit()
    return step


def report_form(**overrides) -> dict:
    data = {"present_usagers": "2", "present_elus": "1", "present_citoyens": "4",
            "organisations": "France Assos Santé\nURPS médecins",
            "discussion": "Les **déserts médicaux** d’abord.\n\n<script>alert(1)</script>",
            "proposals": "- Un bus santé\n- Des gardes partagées", "published": "y"}
    data.update(overrides)
    return data


def test_the_report_is_prefilled_from_check_in_and_published_on_the_step_page(client, world):
    step = held_step(world)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/etapes/{step.id}/compte-rendu"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]* id="present_usagers"[^>]* value="2"', page)
    assert re.search(r'<input[^>]* id="present_elus"[^>]* value="1"', page)
    assert post_form(client, url, report_form()).status_code == 302
    public = client.get(f"/etapes/{step.id}").get_data(as_text=True)
    assert "Compte rendu" in public and "<strong>déserts médicaux</strong>" in public
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in public and "<script>alert" not in public
    assert "<li>Un bus santé</li>" in public and "France Assos Santé" in public
    assert "<strong>7</strong>" in public  # total present
    report = db.session.scalar(sa.select(StepReport))
    assert report.attendance == {"usagers": 2, "elus": 1, "citoyens": 4}


def test_bad_numbers_are_explained_and_nothing_typed_is_lost(client, world):
    step = held_step(world)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = post_form(client, f"/gestion/etapes/{step.id}/compte-rendu",
                     report_form(present_usagers="-4")).get_data(as_text=True)
    assert "Indiquez un nombre de présents entre 0 et 100 000." in html
    assert "URPS médecins" in html and "Des gardes partagées" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StepReport)) == 0


def test_no_report_before_the_step_and_none_outside_ones_territory(client, world):
    future = held_step(world, day=date(2099, 1, 1))
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = post_form(client, f"/gestion/etapes/{future.id}/compte-rendu", report_form(),
                     follow_redirects=True).get_data(as_text=True)
    assert "n’a pas encore eu lieu" in html
    login_as(client, make_user(Role.ORGANISER, [world["ariege"]]))
    assert client.get(f"/gestion/etapes/{future.id}/compte-rendu").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StepReport)) == 0


def test_an_unpublished_report_stays_private_and_its_attendance_feeds_the_synthesis(
        client, world):
    step = held_step(world)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    post_form(client, f"/gestion/etapes/{step.id}/compte-rendu",
              report_form(published="", discussion="Brouillon interne"))
    assert "Brouillon interne" not in client.get(f"/etapes/{step.id}").get_data(as_text=True)
    page = client.get("/gestion/syntheses/cnr/12").get_data(as_text=True)
    assert "7 participants présents" in page  # the report's figures, not the 3 check-ins
