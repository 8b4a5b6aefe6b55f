"""A question suggested for contributions that come without one (imported rows), from the
questions' wording and the contributions already tagged; kept or corrected by the person."""

import tomllib
from pathlib import Path

import pytest

from app.accounts.models import Role
from app.contributions import question_suggestion
from app.contributions.models import ContributionStatus
from app.contributions.question_suggestion import QuestionModel, model_for, wording
from app.extensions import db
from tests.contributions.support import add, all_contributions
from tests.contributions.test_capture import confirm, csv_file, step, upload  # noqa: F401
from tests.factories import make_user
from tests.helpers import login_as, post_form

SEED = Path(__file__).resolve().parents[2] / "app/seed/data/campaigns/cnr-sante-occitanie-2022.toml"
DATASET = Path(__file__).resolve().parents[1] / "data" / "cnr_proposals.toml"


def cnr_questions() -> list[dict]:
    return tomllib.loads(SEED.read_text(encoding="utf-8"))["challenges"]


def cnr_model(tagged=()) -> QuestionModel:
    return QuestionModel([(q["code"], f"{q['title']}. {q['description']} {q['keywords']}")
                          for q in cnr_questions()], tagged)


@pytest.mark.parametrize(("text", "question"), [
    # Proposals of the Ariège scheme, under the heading the scheme itself gives them.
    ("Développer la prévention et le repérage précoce.", "prevention"),
    ("Consolider l’organisation de la prise en charge des soins non programmés.",
     "permanence-des-soins"),
    ("Améliorer les conditions de travail, la qualité de vie au travail et la reconnaissance "
     "professionnelle.", "metiers-de-la-sante"),
    ("Libérer du temps médical.", "acces-aux-soins"),
    # Said in a room, as a facilitator would transcribe it.
    ("Le soir et le week-end, il n’y a plus de garde : on finit aux urgences à 80 km.",
     "permanence-des-soins"),
    ("Depuis le départ de notre généraliste, je n’ai plus de médecin traitant.",
     "acces-aux-soins"),
])
def test_the_questions_wording_alone_suggests_the_right_one(text, question):
    suggestion = cnr_model().suggest(text)
    assert suggestion.question == question
    assert abs(sum(confidence for _, confidence in suggestion.ranked) - 1) < 1e-9
    assert suggestion.confidence == suggestion.ranked[0][1] > 0.25


def test_contributions_already_tagged_teach_the_campaign_its_own_words():
    text = "Le mammobile doit passer dans chaque canton."
    questions = [("a", "L’accès aux soins. Trouver un médecin."),
                 ("b", "La prévention. Agir avant la maladie.")]
    assert QuestionModel(questions).suggest(text) is None  # no word in common
    taught = QuestionModel(questions, [("b", "Faire venir le mammobile dans les villages"),
                                       ("a", "Un cabinet médical avec deux généralistes")])
    assert taught.suggest(text).question == "b"


def test_a_text_without_any_meaningful_word_gets_no_suggestion():
    assert cnr_model().suggest("Oui, et alors ?") is None


def test_the_evaluation_figures_come_from_a_model_that_never_saw_the_text():
    """The bench's leave-one-out: removing the tested proposal from the training set changes
    the model (else its figures would be of texts it learnt)."""
    proposals = [p for p in tomllib.loads(DATASET.read_text(encoding="utf-8"))["proposals"]
                 if p["challenge"]]
    tested = proposals[0]
    seen = cnr_model([(p["challenge"], p["body"]) for p in proposals])
    unseen = cnr_model([(p["challenge"], p["body"]) for p in proposals if p is not tested])
    assert seen.suggest(tested["body"]).ranked != unseen.suggest(tested["body"]).ranked


@pytest.fixture
def cnr_world(world):
    """The test campaign's questions worded as the CNR seed words them."""
    seeded = {q["code"]: q for q in cnr_questions()}
    for challenge in world["campaign"].challenges:
        challenge.description = seeded[challenge.code]["description"]
        challenge.keywords = seeded[challenge.code]["keywords"]
    db.session.commit()
    return world


HEADER = ("Type", "Texte", "Question")


def test_an_imported_row_without_a_question_gets_one_suggested_then_kept_or_corrected(
        client, cnr_world, step):  # noqa: F811
    world = cnr_world
    access, prevention = world["campaign"].challenges
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    rows = [HEADER,
            ("proposition", "Développer la prévention et le repérage précoce.", ""),
            ("parole", "Depuis le départ de notre généraliste, je n’ai plus de médecin "
             "traitant.", ""),
            ("proposition", "Un bus santé dans les villages", "1")]
    html = upload(client, step, csv_file(rows), "saisie.csv").get_data(as_text=True)
    assert "3 lignes prêtes à importer" in html
    assert "Suggestions pour 2 lignes du fichier" in html
    assert f'<option value="{prevention.id}" selected>' in html  # line 2
    assert f'<option value="{access.id}" selected>' in html  # line 3
    assert "Suggestion sûre à" in html and "La prévention (suggérée)" in html
    assert all_contributions() == []
    # The person keeps line 2's suggestion and corrects line 3's.
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    answer = post_form(client, f"/gestion/etapes/{step.id}/import/confirmer",
                       {"token": token, "question-2": str(prevention.id),
                        "question-3": str(prevention.id)},
                       token_from=f"/gestion/etapes/{step.id}/import")
    assert answer.status_code == 302
    kept, corrected, given = all_contributions()
    assert kept.challenge_id == prevention.id
    assert corrected.challenge_id == prevention.id  # the person's choice, not the suggestion
    assert given.challenge_id == access.id


def test_a_choice_outside_the_campaign_is_ignored_and_the_suggestion_stands(
        client, cnr_world, step):  # noqa: F811
    world = cnr_world
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    rows = [HEADER, ("proposition", "Développer la prévention et le repérage précoce.", "")]
    html = upload(client, step, csv_file(rows), "saisie.csv").get_data(as_text=True)
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    post_form(client, f"/gestion/etapes/{step.id}/import/confirmer",
              {"token": token, "question-2": "999999"},
              token_from=f"/gestion/etapes/{step.id}/import")
    (saved,) = all_contributions()
    assert saved.challenge_id == world["campaign"].challenges[1].id


def test_a_row_whose_text_suggests_nothing_must_be_given_its_question(
        client, cnr_world, step):  # noqa: F811
    login_as(client, make_user(Role.MODERATOR, [cnr_world["aveyron"]]))
    html = upload(client, step, csv_file([HEADER, ("parole", "Oui, et alors ?", "")]),
                  "saisie.csv").get_data(as_text=True)
    assert "Ligne 2 : question absente, et le texte ne permet pas d’en suggérer une" in html
    assert all_contributions() == []


def test_the_campaign_model_learns_from_published_contributions_once_in_a_while(
        app, cnr_world, monkeypatch):
    world = cnr_world
    campaign = world["campaign"]
    text = "Le mammobile doit passer dans chaque canton."
    first = model_for(campaign)
    assert model_for(campaign) is first  # built once while nothing changes
    add(world, "Faire venir le mammobile dans les villages",
        challenge=campaign.challenges[1])
    app.extensions["content_revisions"].invalidate()
    assert model_for(campaign) is first  # changed, but built less than REFRESH_SECONDS ago
    monkeypatch.setattr(question_suggestion, "REFRESH_SECONDS", 0.0)
    taught = model_for(campaign)
    assert taught is not first
    assert taught.suggest(text).question == campaign.challenges[1].id
    assert "mammobile" not in wording(campaign.challenges[1])
    monkeypatch.setattr(question_suggestion, "REFRESH_SECONDS", 600.0)
    campaign.challenges[0].keywords = "mammobile"  # new wording: built again at once
    db.session.commit()
    app.extensions["content_revisions"].invalidate()
    assert model_for(campaign) is not taught


def test_in_moderation_a_contribution_without_a_question_has_one_preselected_to_confirm(
        client, cnr_world):
    world = cnr_world
    prevention = world["campaign"].challenges[1]
    contribution = add(world, "Développer la prévention et le repérage précoce.",
                       ContributionStatus.PENDING, challenge=None)
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    html = client.get(f"/gestion/contributions/{contribution.id}").get_data(as_text=True)
    assert "Sans question : « La prévention » est suggérée d’après le texte" in html
    assert f'<option selected value="{prevention.id}">' in html \
        or f'<option value="{prevention.id}" selected>' in html
    db.session.expire_all()
    assert contribution.challenge_id is None  # nothing saved before the person confirms
    answer = post_form(client, f"/gestion/contributions/{contribution.id}/reclasser", {
        "kind": "proposal", "territory_id": world["aveyron"].id,
        "challenge_id": prevention.id, "step_id": 0, "workshop_id": 0},
        token_from=f"/gestion/contributions/{contribution.id}")
    assert answer.status_code == 302
    db.session.expire_all()
    assert contribution.challenge_id == prevention.id
    tagged = client.get(f"/gestion/contributions/{contribution.id}").get_data(as_text=True)
    assert "est suggérée d’après le texte" not in tagged


def test_an_imported_row_that_names_another_departement_is_filed_there_unless_corrected(
        client, cnr_world, step):  # noqa: F811
    world = cnr_world
    login_as(client, make_user(Role.MODERATOR, [world["campaign"].territory]))
    rows = [("Type", "Texte", "Question"),
            ("parole", "À Foix, la maternité ferme l’été.", "2"),
            ("parole", "Entre Foix et Rodez, il faut deux heures de route.", "2"),
            ("parole", "À Rodez, trois généralistes sont partis.", "2"),
            ("parole", "En Ariège aussi, on manque de kinés.", "2")]
    html = upload(client, step, csv_file(rows), "saisie.csv").get_data(as_text=True)
    assert html.count("Ariège (09) (nommé dans le texte)") == 2  # lines 2 and 5
    assert html.count("Nommé dans le texte ; celui de l’étape sinon") == 2
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    post_form(client, f"/gestion/etapes/{step.id}/import/confirmer",
              {"token": token, "departement-2": str(world["ariege"].id),
               "departement-5": str(world["aveyron"].id)},
              token_from=f"/gestion/etapes/{step.id}/import")
    named, two, home, corrected = all_contributions()
    assert named.territory_id == world["ariege"].id
    assert two.territory_id == home.territory_id == world["aveyron"].id  # the step's
    assert corrected.territory_id == world["aveyron"].id  # the person's choice
