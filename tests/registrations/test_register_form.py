"""The registration form as a person meets it: their département already chosen, only the
fields that apply, journalists sent to the press accreditation, and « Ajouter à mon agenda »
once registered."""

from __future__ import annotations

import lxml.html
import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.calendar.links import step_links
from app.extensions import db
from app.participants import category_label, registration_categories
from app.registrations.models import Registration, RegistrationStatus
from tests.factories import make_user
from tests.helpers import login_as, post_form
from tests.registrations.helpers import form, open_step


@pytest.fixture(autouse=True)
def before_the_step(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


def form_page(client, step) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(client.get(f"/etapes/{step.id}/inscription")
                                .get_data(as_text=True))


def register(client, step, **overrides):
    return post_form(client, f"/etapes/{step.id}/inscription", form(step, **overrides),
                     token_from="/connexion")


def test_the_departement_of_the_step_is_chosen_already(client):
    step = open_step()
    document = form_page(client, step)
    assert document.xpath("//select[@id='departement_id']/option[@selected]/@value") == [
        str(step.territory_id)]


def test_every_placeholder_uses_an_empty_value(client):
    document = form_page(client, open_step())
    for name in ("departement_id", "category", "workshop_id", "subcategory"):
        assert document.xpath(f"//select[@id='{name}']/option[1]/@value") == [""], name


def test_an_unchosen_departement_is_explained_in_french(client):
    step = open_step()
    response = register(client, step, departement_id="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choisissez votre département." in html
    assert "coerce" not in html and "Invalid" not in html
    assert "Maison de santé de Figeac" in html  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_no_workshop_preference_is_stored_as_none(client):
    step = open_step()
    assert register(client, step, workshop_id="").status_code == 302
    assert db.session.scalar(sa.select(Registration.workshop_id)) is None


def test_press_is_not_offered_and_journalists_are_sent_to_the_accreditation(client):
    step = open_step()
    document = form_page(client, step)
    offered = document.xpath("//select[@id='category']/option/text()")
    assert "Presse" not in offered
    assert len(offered) == 1 + len(registration_categories())
    [link] = document.xpath("//a[normalize-space()='Demandez votre accréditation presse']")
    assert link.get("href") == "/presse/accreditation"
    assert "Journaliste ?" in link.getparent().text_content()
    response = register(client, step, category="presse")
    assert "choix valide" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_older_press_registrations_keep_their_label(client):
    step = open_step()
    assert register(client, step).status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    registration.category = "presse"  # registered before press had its own accreditation
    db.session.commit()
    assert category_label("presse") == "Presse"
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    url = f"/gestion/etapes/{step.id}/inscriptions"
    document = lxml.html.fromstring(client.get(url).get_data(as_text=True))
    assert "Presse" in [" ".join(td.text_content().split()) for td in document.iter("td")]


def test_structure_type_is_marked_as_for_health_professionals_only(client):
    document = form_page(client, open_step())
    [block] = document.xpath("//*[@data-shown-for][.//select[@id='subcategory']]")
    assert block.get("data-depends-on") == "category"
    assert block.get("data-shown-for") == "professionnels"
    assert document.xpath("//script[contains(@src, 'js/registration-form.js')]")
    assert not document.xpath("//script[not(@src)]")  # CSP: no inline script


def test_structure_type_is_ignored_for_other_categories(client):
    step = open_step()
    register(client, step, category="usagers", subcategory="liberal")
    assert db.session.scalar(sa.select(Registration.subcategory)) == ""


def confirmation_page(client, response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(client.get(response.headers["Location"])
                                .get_data(as_text=True))


def test_the_confirmation_offers_to_add_the_step_to_a_calendar(app, client):
    step = open_step()
    document = confirmation_page(client, register(client, step))
    assert document.xpath("//h2[normalize-space()='Ajouter à mon agenda']")
    with app.test_request_context():
        links = step_links(step)
    hrefs = document.xpath("//a/@href")
    assert {links["ics"], links["google"], links["outlook"]} <= set(hrefs)
    assert "Un courriel récapitulatif est en route" in document.text_content()


def test_the_waiting_list_keeps_the_date_too(client):
    step = open_step(capacity=1)
    register(client, step, email="first@example.org")
    response = register(client, step, email="second@example.org")
    document = confirmation_page(client, response)
    assert "liste d’attente" in document.text_content()
    assert document.xpath("//h2[normalize-space()='Ajouter à mon agenda']")


def test_no_calendar_buttons_once_the_step_is_held_or_the_registration_cancelled(app, client):
    step = open_step()
    response = register(client, step)
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    assert not confirmation_page(client, response).xpath(
        "//h2[normalize-space()='Ajouter à mon agenda']")
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    registration = db.session.scalar(sa.select(Registration))
    registration.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert not confirmation_page(client, response).xpath(
        "//h2[normalize-space()='Ajouter à mon agenda']")
