"""Follow-ups of retained proposals (« Suites données »): written by the organisers of the
proposal's territory from its moderation page, with dated updates and an audit entry; shown on
the proposal's page and on the campaign's public « Suites données » page (cached, rebuilt at the
next request after a change), filtered by département; the migration goes down and up."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.contributions import curation
from app.contributions.models import AnswerState, ContributionKind, ContributionStatus
from app.extensions import db
from app.followups.models import FollowUp, FollowUpStatus, FollowUpUpdate
from tests.conftest import IsolatedClient
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as, migration_app, post_form

STAFF_NAME = "Camille Test"  # tests.factories.make_user's
SUITES = "/demarches/cnr/suites"


def edit_url(contribution) -> str:
    return f"/gestion/contributions/{contribution.id}/suivi"


def form(**overrides) -> dict:
    data = {"status": "committed", "progress": "40",
            "measure": "Projet régional de santé 2023-2028, objectif 2.3",
            "update_date": "2022-12-15",
            "update_text": "Financement voté : deux maisons de santé ouvrent en 2023."}
    data.update(overrides)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def retained(world):
    return add(world, "Une maison de santé dans chaque canton.", title="Maisons de santé",
               answer_state=AnswerState.ADOPTED, answer="Retenue au projet régional.")


@pytest.fixture
def organiser(client, world):
    user = make_user(Role.ORGANISER, [world["aveyron"]])
    login_as(client, user)
    return user


@pytest.fixture
def visitor(app):
    """A new anonymous visitor at each call, as the page cache sees them."""
    app.test_client_class = IsolatedClient
    return app.test_client


def follow_ups() -> list[FollowUp]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(FollowUp)))


def test_an_organiser_of_the_departement_follows_up_a_retained_proposal_with_dated_updates(
        app, client, retained, organiser):
    app.config["CONCERTO_NOW"] = "2023-01-10T12:00"
    detail = text(client.get(f"/gestion/contributions/{retained.id}"))
    assert "Suites données" in detail and "Ajouter un suivi" in detail
    assert f'href="{edit_url(retained)}"' in detail
    page = client.get(edit_url(retained))
    assert page.status_code == 200
    assert 'value="2023-01-10"' in text(page)  # the new update's date: today
    response = post_form(client, edit_url(retained), form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/gestion/contributions/{retained.id}")
    [follow_up] = follow_ups()
    assert (follow_up.contribution_id, follow_up.status, follow_up.progress) == (
        retained.id, FollowUpStatus.COMMITTED, 40)
    assert follow_up.measure == "Projet régional de santé 2023-2028, objectif 2.3"
    [update] = follow_up.updates
    assert update.date.isoformat() == "2022-12-15" and update.author_id == organiser.id

    response = post_form(client, edit_url(retained), form(
        status="done", progress="100", update_date="2023-01-09",
        update_text="La première maison de santé a ouvert à Espalion."))
    assert response.status_code == 302
    [follow_up] = follow_ups()
    assert (follow_up.status, follow_up.progress) == (FollowUpStatus.DONE, 100)
    assert [u.text for u in follow_up.updates] == [
        "La première maison de santé a ouvert à Espalion.",
        "Financement voté : deux maisons de santé ouvrent en 2023."]  # newest first
    entries = list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "contribution.follow_up").order_by(AuditEntry.id)))
    assert [(e.object_type, e.object_id, e.user_id) for e in entries] == [
        ("contribution", retained.id, organiser.id)] * 2
    assert entries[1].changes["suivi"] == ["Engagée", "Réalisée"]
    assert entries[1].changes["avancement"] == ["40 %", "100 %"]
    detail = text(client.get(f"/gestion/contributions/{retained.id}"))
    assert "Mettre à jour le suivi" in detail and "suivi mis à jour" in detail
    assert "Réalisée, 100 %" in detail


def test_moderators_organisers_of_another_departement_and_visitors_may_not(
        app, client, world, retained):
    for user in (make_user(Role.MODERATOR, [world["aveyron"]]),
                 make_user(Role.ORGANISER, [world["ariege"]])):
        login_as(client, user)
        assert client.get(edit_url(retained)).status_code == 403
        assert post_form(client, edit_url(retained), form(),
                         token_from="/gestion/").status_code == 403
        assert "Ajouter un suivi" not in text(client.get(f"/gestion/contributions/{retained.id}"))
    anonymous = app.test_client()
    assert anonymous.get(edit_url(retained)).status_code == 302  # to the sign-in page
    assert follow_ups() == []


@pytest.mark.parametrize("state", [None, AnswerState.STUDYING, AnswerState.EXISTING,
                                   AnswerState.OUT_OF_SCOPE])
def test_a_proposal_not_retained_gets_no_follow_up(client, world, organiser, state):
    proposal = add(world, "Des bus vers les urgences.", answer_state=state)
    assert "Ajouter un suivi" not in text(client.get(f"/gestion/contributions/{proposal.id}"))
    response = client.get(edit_url(proposal))
    assert response.status_code == 302
    assert "n’est pas une proposition retenue" in text(client.get(response.headers["Location"]))
    response = post_form(client, edit_url(proposal), form(update_text="Texte tapé à garder"),
                         token_from="/gestion/")
    assert response.status_code == 400
    assert "n’est pas une proposition retenue" in text(response)
    assert "Texte tapé à garder" in text(response)  # nothing typed is lost
    assert follow_ups() == []


def test_a_testimony_gets_no_follow_up_even_marked_retained(client, world, organiser):
    testimony = add(world, "Mon histoire.", kind=ContributionKind.TESTIMONY,
                    answer_state=AnswerState.ADOPTED)
    assert post_form(client, edit_url(testimony), form(),
                     token_from="/gestion/").status_code == 400
    assert follow_ups() == []


def test_a_wrong_form_comes_back_filled_with_french_messages(app, client, retained, organiser):
    app.config["CONCERTO_NOW"] = "2023-01-10T12:00"
    response = post_form(client, edit_url(retained), form(
        progress="150", update_text="", measure="Mesure tapée à garder"))
    assert response.status_code == 400
    html = text(response)
    assert "Indiquez un avancement entre 0 et 100 %." in html
    assert "Décrivez où en est la proposition" in html
    assert "Mesure tapée à garder" in html and 'value="150"' in html
    response = post_form(client, edit_url(retained), form(progress="beaucoup",
                                                          update_date="2023-02-01"))
    html = text(response)
    assert html.count("Indiquez un avancement entre 0 et 100 %.") == 2  # summary and field
    assert "Un point d’étape ne peut pas être daté dans le futur." in html
    response = client.post(edit_url(retained), data=form(update_text="Sans jeton, gardé"))
    assert response.status_code == 400 and "Sans jeton, gardé" in text(response)
    assert "La page a expiré" in text(response)
    assert follow_ups() == []


def test_the_public_pages_show_it_at_the_next_request_and_filter_by_departement(
        app, client, world, retained, organiser, visitor, monkeypatch):
    # A process trusts its revisions for a minute: the change shows at once only because the
    # commit that made it tells this process's cache (app.revisions).
    monkeypatch.setattr(app.extensions["content_revisions"], "period", 60.0)
    other = add(world, "Un centre de soins non programmés à Foix.", territory="ariege",
                answer_state=AnswerState.ADOPTED)
    page = f"/contributions/{retained.reference}"
    assert "Suites données" not in text(visitor().get(page))
    before = visitor().get(SUITES)
    assert before.status_code == 200
    assert "Aucune proposition retenue n’a encore de suivi publié" in text(before)
    cache = app.extensions["page_cache"]
    builds = cache.builds
    assert visitor().get(SUITES).data == before.data and cache.builds == builds  # cached

    assert post_form(client, edit_url(retained), form()).status_code == 302
    html = text(visitor().get(page))
    assert "Suites données" in html and "Engagée" in html and "Avancement : 40 %" in html
    assert 'value="40"' in html and "Projet régional de santé 2023-2028" in html
    assert "15 décembre 2022" in html and "deux maisons de santé ouvrent" in html
    assert STAFF_NAME not in html  # the update speaks for the organisers
    html = text(visitor().get(SUITES))
    assert "1 proposition suivie" in html and "Maisons de santé" in html
    assert ">Engagée</a> : 1" in html and "À l’étude : 0" in html
    assert f'href="/contributions/{retained.reference}"' in html
    assert STAFF_NAME not in html and "csrf_token" not in html

    ariege_organiser = make_user(Role.ORGANISER, [world["ariege"]])
    login_as(client, ariege_organiser)
    assert post_form(client, edit_url(other), form(status="studying", progress="0",
                                                   measure="")).status_code == 302
    html = text(visitor().get(SUITES))
    assert "2 propositions suivies" in html and ">À l’étude</a> : 1" in html
    aveyron = text(visitor().get(f"{SUITES}?departement=12"))
    assert "Maisons de santé" in aveyron and other.reference not in aveyron
    assert "Suites données — Aveyron (12)" in aveyron
    ariege = text(visitor().get(f"{SUITES}?departement=09"))
    assert other.reference in ariege and "Maisons de santé" not in ariege
    assert visitor().get(f"{SUITES}?departement=99").status_code == 404

    # An update of an existing follow-up shows at the next request too.
    login_as(client, organiser)
    assert post_form(client, edit_url(retained), form(
        status="done", progress="100", update_text="Ouverte à Espalion.")).status_code == 302
    html = text(visitor().get(f"{SUITES}?departement=12"))
    assert ">Réalisée</a> : 1" in html and "Engagée : 0" in html and "Avancement : 100 %" in html
    assert "Ouverte à Espalion." in html

    # No longer retained, or no longer public: off the page at the next request.
    curation.answer(retained, AnswerState.STUDYING, "À l’étude finalement.",
                    make_user(Role.ADMIN))
    assert "Maisons de santé" not in text(visitor().get(SUITES))
    assert "Suites données :" not in text(visitor().get(page))
    other.status = ContributionStatus.REJECTED
    db.session.commit()
    assert "Aucune proposition retenue n’a encore de suivi publié" in text(visitor().get(SUITES))


def test_the_campaign_page_links_to_its_follow_ups(world, visitor):
    html = text(visitor().get("/demarches/cnr"))
    assert f'href="{SUITES}"' in html and "Suites données aux propositions" in html
    assert visitor().get("/demarches/inconnue/suites").status_code == 404


def test_the_migration_goes_down_and_up(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.factories import make_campaign, make_departement

    app = migration_app(tmp_path)
    with app.app_context():
        upgrade()
        campaign = make_campaign()
        world = {"campaign": campaign, "challenge": campaign.challenges[0],
                 "aveyron": make_departement(parent=campaign.territory)}
        proposal = add(world, "Un", answer_state=AnswerState.ADOPTED)
        db.session.add(FollowUp(contribution=proposal, status=FollowUpStatus.DONE, progress=100,
                                updates=[FollowUpUpdate(date=date(2023, 1, 9), text="Fait.")]))
        db.session.commit()
        # The database checks the progress too.
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE follow_up SET progress = 101"))
        db.session.remove()
        downgrade(revision="0027_synthesis_theme_snapshots")
        tables = sa.inspect(db.engine).get_table_names()
        assert "follow_up" not in tables and "follow_up_update" not in tables
        assert "contribution" in tables
        upgrade()
        tables = sa.inspect(db.engine).get_table_names()
        assert "follow_up" in tables and "follow_up_update" in tables
        db.session.remove()
        db.engine.dispose()


def test_the_suites_page_runs_the_same_queries_with_2_and_30_follow_ups(app, world, client,
                                                                        monkeypatch):
    from tests.helpers import count_queries

    monkeypatch.setattr(app.extensions["page_cache"], "capacity", 0)  # what building costs

    def followed(count: int) -> list[str]:
        for number in range(count):
            proposal = add(world, f"Proposition suivie numéro {number}.",
                           answer_state=AnswerState.ADOPTED, answer="Retenue.")
            db.session.add(FollowUp(contribution=proposal, status=FollowUpStatus.COMMITTED,
                                    progress=number, updates=[
                                        FollowUpUpdate(date=date(2023, 1, 1), text="Un."),
                                        FollowUpUpdate(date=date(2023, 2, 1), text="Deux.")]))
        db.session.commit()
        client.get(SUITES)  # a first request may load things once per process
        with count_queries() as statements:
            assert client.get(SUITES).status_code == 200
        return statements

    few = followed(2)
    many = followed(28)
    assert len(many) == len(few), many
