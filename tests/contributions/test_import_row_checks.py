"""The rows of a transcribed file, checked one column at a time (app.contributions.capture):
each column's error in French, in the columns' order, and the values a correct row gives."""

import pytest

from app.campaigns.models import AgendaItem, AgendaKind
from app.contributions.capture import check_contribution_rows
from app.contributions.models import ContributionKind
from app.extensions import db
from tests.factories import make_step


@pytest.fixture
def step(world):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    step.agenda_items = [AgendaItem(position=1, kind=AgendaKind.WORKSHOP,
                                    title="Atelier prévention")]
    db.session.commit()
    return step


def test_every_column_says_what_is_wrong_with_it_in_the_order_of_the_columns(step):
    row = {"type": "idée", "texte": "", "titre": "t" * 201, "question": "9",
           "atelier": "Cuisine", "departement": "Atlantide", "categorie": "martien",
           "age": "centenaire", "pseudonyme": "Camille"}
    checked = check_contribution_rows(step, [(2, row), (3, {**row, "question": "",
                                                             "texte": "Oui."})])
    assert checked.errors[0] == (2, (
        "Ligne 2 : type inconnu (« proposition » ou « parole ») ; texte vide ou trop long "
        "(5 000 caractères au plus) ; titre trop long (200 caractères au plus) ; question « 9 » "
        "inconnue (numéro 1 à 2 ou intitulé) ; atelier « Cuisine » absent du programme de "
        "l’étape ; département « Atlantide » inconnu ; catégorie « martien » inconnue ; "
        "tranche d’âge « centenaire » inconnue."))
    assert "Ligne 3 : type inconnu" in checked.errors[1][1]
    assert "question absente, et le texte ne permet pas d’en suggérer une (numéro 1 à 2 ou " \
        "intitulé)" in checked.errors[1][1]
    assert (checked.items, checked.preview, checked.ok) == ([], [], False)


def test_a_correct_row_gives_its_values_and_a_departement_its_text_names_is_shown(
        world, step):
    access, prevention = world["campaign"].challenges
    workshop = step.agenda_items[0]
    checked = check_contribution_rows(step, [
        (2, {"type": "P", "texte": "Un bus santé", "titre": "Bus", "question": "La prévention",
             "atelier": "atelier prévention", "departement": "09", "categorie": "usagers",
             "age": "65 ans et plus", "pseudonyme": "x" * 100}),
        (3, {"type": "parole", "texte": "À Foix, plus un seul médecin.", "question": "1"})])
    assert checked.errors == [] and checked.ok
    assert checked.items == [
        {"kind": ContributionKind.PROPOSAL, "title": "Bus", "body": "Un bus santé",
         "challenge_id": prevention.id, "workshop_id": workshop.id,
         "territory_id": world["ariege"].id, "category": "usagers",
         "age_range": "65-et-plus", "pseudonym": "x" * 80},
        {"kind": ContributionKind.TESTIMONY, "title": "", "body": "À Foix, plus un seul médecin.",
         "challenge_id": access.id, "workshop_id": None, "territory_id": world["ariege"].id,
         "category": "", "age_range": "", "pseudonym": ""}]
    assert checked.preview == [
        [2, "Proposition", "La prévention", "Atelier prévention", "Ariège (09)", "Bus",
         "Un bus santé"],
        [3, "Parole de citoyen", access.title, "", "Ariège (09) (nommé dans le texte)", "",
         "À Foix, plus un seul médecin."]]
    assert (checked.places, checked.suggested) == ({1: True}, {})
    # The person chose the step's own département for line 3: kept, and no longer « named ».
    chosen = check_contribution_rows(step, [(3, {"type": "parole", "question": "1",
                                                 "texte": "À Foix, plus un seul médecin."})],
                                     chosen_places={3: world["aveyron"].id})
    assert chosen.items[0]["territory_id"] == world["aveyron"].id
    assert chosen.places == {0: False}
