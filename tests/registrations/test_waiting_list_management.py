"""Organisers manage the waiting list: its order, promotion by hand (over capacity only once
confirmed), removal; each with the usual mail, through the outbox."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.extensions import db
from app.mail import OutboundMail
from app.registrations import seats, services
from app.registrations.models import Registration, RegistrationStatus
from tests.factories import make_user
from tests.helpers import login_as, post_form
from tests.registrations.helpers import open_step

START = datetime(2022, 11, 1, 9, 0, tzinfo=UTC)


def person(step, last_name: str, minutes: int, status=RegistrationStatus.WAITLISTED,
           category: str = "citoyens") -> Registration:
    registration = Registration(step=step, status=status, first_name="Alex",
                                last_name=last_name, email=f"{last_name.lower()}@example.org",
                                category=category,
                                created_at=START + timedelta(minutes=minutes))
    db.session.add(registration)
    db.session.commit()
    return registration


@pytest.fixture
def step(app, client):
    """Two seats, both taken; three waiting, registered out of alphabetical order."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = open_step(capacity=2)
    person(step, "Assis", 0, RegistrationStatus.CONFIRMED)
    person(step, "Installe", 1, RegistrationStatus.CONFIRMED)
    person(step, "Zola", 10)
    person(step, "Bernard", 20)
    person(step, "Martin", 30)
    login_as(client, make_user(Role.ORGANISER, [step.territory]))
    return step


def named(last_name: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).where(Registration.last_name == last_name))


def queued_to(email: str) -> list[str]:
    return list(db.session.scalars(sa.select(OutboundMail.purpose)
                                   .where(OutboundMail.recipient == email)))


def waiting_rows(html: str) -> list[str]:
    """The names of the waiting-list table, in the page's order, with their position."""
    section = html.split('id="liste-attente"', 1)[1].split("</section>", 1)[0]
    return [f"{position} {name}" for position, name in re.findall(
        r'__position">(\d+)</span> <strong class="concerto-waiting-item__name">([^<]+)</strong>',
        section)]


def test_the_page_shows_the_waiting_list_in_promotion_order(client, step):
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions").get_data(as_text=True)
    assert waiting_rows(html) == ["1 ZOLA Alex", "2 BERNARD Alex", "3 MARTIN Alex"]
    assert "2 inscriptions confirmées pour 2 places (complet)" in html
    assert "3 personnes en liste d’attente" in html
    # The same order as the positions people are told, and as automatic promotion.
    assert [seats.waitlist_position(named(n)) for n in ("Zola", "Bernard", "Martin")] == [1, 2, 3]
    services.cancel(named("Assis"))
    assert named("Zola").status is RegistrationStatus.CONFIRMED


def test_same_instant_is_settled_by_registration_number(step):
    late = person(step, "Meme", 40)
    later = person(step, "Instant", 40)
    order = [r.last_name for r in seats.waiting_list(step)]
    assert order.index(late.last_name) < order.index(later.last_name)
    assert seats.waitlist_position(later) == seats.waitlist_position(late) + 1


def test_promotion_over_capacity_asks_first_then_confirms_with_a_mail(client, step):
    page = f"/gestion/etapes/{step.id}/inscriptions"
    bernard = named("Bernard")
    asked = post_form(client, f"/gestion/inscriptions/{bernard.id}/promouvoir", {},
                      token_from=page)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Donner une place au-delà de la jauge ?" in html
    assert "2 confirmée(s) pour 2 places" in html
    assert named("Bernard").status is RegistrationStatus.WAITLISTED  # nothing done yet
    assert "registration.promoted" not in queued_to("bernard@example.org")

    done = post_form(client, f"/gestion/inscriptions/{bernard.id}/promouvoir",
                     {"au_dela": "1"}, token_from=page)
    assert done.status_code == 302 and done.location.endswith("#liste-attente")
    assert named("Bernard").status is RegistrationStatus.CONFIRMED
    assert queued_to("bernard@example.org") == ["registration.promoted"]
    assert db.session.scalar(sa.select(AuditEntry.summary).where(
        AuditEntry.action == "registration.promote")).endswith("(au-delà de la jauge)")
    html = client.get(page).get_data(as_text=True)
    assert waiting_rows(html) == ["1 ZOLA Alex", "2 MARTIN Alex"]
    assert "3 inscriptions confirmées pour 2 places (complet)" in html


def test_promotion_with_a_free_seat_needs_no_confirmation(client, step, smtp):
    step.capacity = 3  # set directly: no automatic promotion
    db.session.commit()
    martin = named("Martin")  # third in line, chosen by hand
    response = post_form(client, f"/gestion/inscriptions/{martin.id}/promouvoir", {},
                         token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert response.status_code == 302
    assert named("Martin").status is RegistrationStatus.CONFIRMED
    assert named("Zola").status is RegistrationStatus.WAITLISTED
    assert [m["Subject"] for m in smtp.to("martin@example.org")] == [
        "Une place s’est libérée : Concertation CNR santé — Lot"]


def test_only_the_waiting_list_can_be_promoted(client, step):
    assis = named("Assis")
    response = post_form(client, f"/gestion/inscriptions/{assis.id}/promouvoir",
                         {"au_dela": "1"}, token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert response.status_code == 302
    assert "n’est plus sur la liste d’attente" in client.get(
        response.location).get_data(as_text=True)


def test_removing_from_the_waiting_list_cancels_with_the_usual_mail(client, step):
    zola = named("Zola")
    response = post_form(client, f"/gestion/inscriptions/{zola.id}/annuler",
                         {"retour": "attente"},
                         token_from=f"/gestion/etapes/{step.id}/inscriptions")
    assert response.location.endswith("#liste-attente")
    assert named("Zola").status is RegistrationStatus.CANCELLED
    assert queued_to("zola@example.org") == ["registration.cancelled"]
    assert named("Bernard").status is RegistrationStatus.WAITLISTED  # no seat was freed
    html = client.get(f"/gestion/etapes/{step.id}/inscriptions").get_data(as_text=True)
    assert waiting_rows(html) == ["1 BERNARD Alex", "2 MARTIN Alex"]


def test_another_territorys_organiser_cannot_promote(client, step):
    from tests.factories import make_departement

    aveyron = make_departement("12", "Aveyron", "Rodez", parent=step.campaign.territory)
    login_as(client, make_user(Role.ORGANISER, [aveyron]))
    response = post_form(client, f"/gestion/inscriptions/{named('Zola').id}/promouvoir",
                         {"au_dela": "1"}, token_from="/gestion/")
    assert response.status_code == 403
    assert named("Zola").status is RegistrationStatus.WAITLISTED
