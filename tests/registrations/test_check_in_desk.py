"""The check-in desk (« Accueil ») on the day: search, arrivals counted once whatever the
number of desks, undo, walk-ins, the JSON the desks poll, who may use it, CSRF."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.factories import make_departement, make_step, make_user
from tests.helpers import csrf_token, login_as, post_form
from tests.registrations.helpers import open_step

DESK_HEADERS = {"X-Check-In-Desk": "1"}


def person(step, first: str, last: str, category: str = "usagers", needs: str = "",
           status: RegistrationStatus = RegistrationStatus.CONFIRMED) -> Registration:
    registration = Registration(step=step, status=status, first_name=first, last_name=last,
                                email=f"{last.lower().replace(' ', '')}@example.org",
                                category=category, accessibility_needs=needs)
    db.session.add(registration)
    db.session.commit()
    return registration


@pytest.fixture
def step(app):
    # 14:02 in Paris on the day of the step (13:02 UTC).
    app.config["CONCERTO_NOW"] = "2022-11-18T14:02"
    step = open_step(capacity=10)
    person(step, "Éloïse", "Dupré", needs="Fauteuil roulant : place près de la porte")
    person(step, "Jean", "Martin", category="elus")
    person(step, "Zoé", "Abadie", status=RegistrationStatus.WAITLISTED)
    return step


@pytest.fixture
def organiser(step):
    return make_user(Role.ORGANISER, [step.territory])


@pytest.fixture
def desk(client, organiser):
    login_as(client, organiser)
    return client


def named(last_name: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).where(Registration.last_name == last_name))


def desk_page(step) -> str:
    return f"/gestion/etapes/{step.id}/pointage"


def state(client, step) -> dict:
    response = client.get(f"/gestion/etapes/{step.id}/pointage/etat.json")
    assert response.status_code == 200
    return response.get_json()


def check_in_actions(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action))


def test_search_ignores_accents_and_case_and_shows_the_needs(desk, step):
    for typed in ("eloise", "ÉLOÏSE", "dupre", "Dupré", "eloise dup"):
        html = desk.get(f"{desk_page(step)}/resultats?q={typed}").get_data(as_text=True)
        assert "DUPRÉ" in html, typed
        assert "Fauteuil roulant : place près de la porte" in html
        assert "Marquer présent·e" in html
    # The page itself, without JavaScript: the same search by GET.
    html = desk.get(f"{desk_page(step)}?q=eloise").get_data(as_text=True)
    assert "DUPRÉ" in html and "MARTIN" not in html
    # Only confirmed people are at the desk: the waiting list is not.
    assert "ABADIE" not in desk.get(f"{desk_page(step)}/resultats?q=abadie").get_data(
        as_text=True)


def test_check_in_twice_is_counted_once_and_says_since_when(desk, step):
    dupre = named("Dupré")
    url = f"/gestion/inscriptions/{dupre.id}/arrivee"
    first = post_form(desk, url, {}, token_from=desk_page(step), follow_redirects=True)
    assert "Arrivée de Éloïse Dupré enregistrée." in first.get_data(as_text=True)
    # The person's card after the arrival: the accessibility needs, the undo.
    page = first.get_data(as_text=True)
    assert "Fauteuil roulant" in page and "Annuler l’arrivée" in page
    second = post_form(desk, url, {}, token_from=desk_page(step), headers=DESK_HEADERS)
    # 14:02 in Paris, not 13:02 UTC.
    assert "Éloïse Dupré est déjà présent·e depuis 14 h 02." in second.get_data(as_text=True)
    assert state(desk, step)["counter"]["present"] == 1
    assert check_in_actions("registration.check_in") == 1


def test_two_desks_racing_on_one_person_count_one_arrival(app, step, organiser):
    """Two requests at the same moment: the conditional UPDATE lets only one through."""
    desks = [app.test_client() for _ in range(2)]
    tokens_by_desk = []
    for client in desks:
        login_as(client, organiser)
        tokens_by_desk.append(csrf_token(client, desk_page(step)))
    url = f"/gestion/inscriptions/{named('Martin').id}/arrivee"
    start, answers = threading.Barrier(len(desks)), []

    def arrive(client, token):
        with app.app_context():
            start.wait()
            answers.append(client.post(url, data={"csrf_token": token}, headers=DESK_HEADERS)
                           .get_data(as_text=True))

    threads = [threading.Thread(target=arrive, args=pair)
               for pair in zip(desks, tokens_by_desk, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted("déjà présent·e" in answer for answer in answers) == [False, True]
    assert check_in_actions("registration.check_in") == 1
    assert state(desks[0], step)["counter"]["present"] == 1


def test_undo_the_arrival(desk, step):
    dupre = named("Dupré")
    post_form(desk, f"/gestion/inscriptions/{dupre.id}/arrivee", {}, token_from=desk_page(step))
    response = post_form(desk, f"/gestion/inscriptions/{dupre.id}/annuler-arrivee", {},
                         token_from=desk_page(step), follow_redirects=True)
    assert "Arrivée de Éloïse Dupré annulée." in response.get_data(as_text=True)
    assert named("Dupré").checked_in_at is None
    assert state(desk, step)["counter"]["present"] == 0
    assert check_in_actions("registration.check_out") == 1


def test_walk_in_is_checked_in_at_once_and_counted_apart(desk, step):
    for first, last in (("Paul", "Sansmail"), ("Rose", "Sansmail Aussi")):
        response = post_form(desk, f"{desk_page(step)}/sur-place", {
            "sur-place-first_name": first, "sur-place-last_name": last,
            "sur-place-category": "citoyens", "sur-place-email": ""},
            token_from=desk_page(step), follow_redirects=True)
        assert f"{first} {last} est inscrit·e sur place et présent·e." in response.get_data(
            as_text=True)
    walk_in = named("Sansmail")
    assert walk_in.walk_in and walk_in.checked_in_at is not None and walk_in.email == ""
    assert walk_in.status is RegistrationStatus.CONFIRMED
    counter = state(desk, step)["counter"]
    # Two walk-ins present; the expected are the two who registered before the day.
    assert (counter["present"], counter["expected"], counter["walk_ins"]) == (2, 2, 2)
    citoyens = next(line for line in counter["categories"] if line["code"] == "citoyens")
    assert (citoyens["present"], citoyens["expected"], citoyens["walk_ins"]) == (2, 0, 2)
    assert check_in_actions("registration.walk_in") == 2


def test_walk_in_form_keeps_what_was_typed_on_an_error(desk, step):
    response = post_form(desk, f"{desk_page(step)}/sur-place", {
        "sur-place-first_name": "Paul", "sur-place-last_name": "",
        "sur-place-category": "citoyens", "sur-place-email": "paul@example.org"},
        token_from=desk_page(step))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Indiquez le nom." in html and 'value="Paul"' in html
    assert 'value="paul@example.org"' in html
    assert named("Paul") is None


def test_counter_json_by_category(desk, step):
    post_form(desk, f"/gestion/inscriptions/{named('Dupré').id}/arrivee", {},
              token_from=desk_page(step))
    body = state(desk, step)
    assert body["counter"]["present"] == 1 and body["counter"]["expected"] == 2
    lines = {line["code"]: line for line in body["counter"]["categories"]}
    assert (lines["usagers"]["present"], lines["usagers"]["expected"]) == (1, 1)
    assert (lines["elus"]["present"], lines["elus"]["expected"]) == (0, 1)
    assert body["present"] == {str(named("Dupré").id): "14 h 02"}
    assert body["latest"][0]["name"] == "Éloïse Dupré"
    page = desk.get(desk_page(step)).get_data(as_text=True)
    assert "1 présent / 2 attendus" in page


def test_scanned_code_checks_in_and_a_code_of_another_step_does_not(desk, step):
    martin = named("Martin")
    code = f"http://localhost/gestion/pointage/{tokens.make(martin.uuid, tokens.CHECK_IN_SALT)}"
    response = post_form(desk, f"{desk_page(step)}/code", {"code": code},
                         token_from=desk_page(step), headers=DESK_HEADERS)
    assert "Arrivée de Jean Martin enregistrée." in response.get_data(as_text=True)
    other = make_step(step.campaign, make_departement("12", "Aveyron", "Rodez",
                                                      parent=step.campaign.territory))
    stranger = person(other, "Ana", "Ailleurs")
    response = post_form(desk, f"{desk_page(step)}/code",
                         {"code": tokens.make(stranger.uuid, tokens.CHECK_IN_SALT)},
                         token_from=desk_page(step), headers=DESK_HEADERS)
    assert response.status_code == 422 and named("Ailleurs").checked_in_at is None
    response = post_form(desk, f"{desk_page(step)}/code", {"code": "pas-un-code"},
                         token_from=desk_page(step), follow_redirects=True)
    assert "Ce code n’est pas un code d’accueil valide." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ORGANISER])
def test_staff_of_another_territory_cannot_use_the_desk(client, step, role):
    aveyron = make_departement("12", "Aveyron", "Rodez")
    login_as(client, make_user(role, [aveyron]))
    martin = named("Martin")
    assert client.get(desk_page(step)).status_code == 403
    assert client.get(f"{desk_page(step)}/etat.json").status_code == 403
    assert client.get(f"{desk_page(step)}/resultats?q=martin").status_code == 403
    token = csrf_token(client, "/gestion/")
    for url in (f"/gestion/inscriptions/{martin.id}/arrivee", f"{desk_page(step)}/sur-place"):
        response = client.post(url, data={"csrf_token": token, "sur-place-first_name": "X",
                                          "sur-place-last_name": "Y",
                                          "sur-place-category": "citoyens"})
        assert response.status_code == 403, url
    assert named("Martin").checked_in_at is None and named("Y") is None


def test_anonymous_visitors_are_sent_to_login(client, step):
    response = client.get(f"{desk_page(step)}/etat.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")


def test_a_post_without_csrf_token_changes_nothing(desk, step):
    martin = named("Martin")
    for url, data in ((f"/gestion/inscriptions/{martin.id}/arrivee", {}),
                      (f"{desk_page(step)}/sur-place", {"sur-place-first_name": "X",
                                                        "sur-place-last_name": "Sanscsrf",
                                                        "sur-place-category": "citoyens"})):
        response = desk.post(url, data=data)
        assert response.status_code in (400, 422), url
    assert named("Martin").checked_in_at is None and named("Sanscsrf") is None
