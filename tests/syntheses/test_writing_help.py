"""The writing help on real-looking French contributions: groups, key phrases, duplicates,
representative testimonies; and accepting a suggestion."""

import sqlalchemy as sa

from app.accounts.models import Role
from app.contributions.models import Contribution, ContributionKind
from app.extensions import db
from app.syntheses.models import SynthesisSection
from app.syntheses.writing_help import lemmas, suggest
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as, post_form

DOCTORS = ["Trouver un médecin traitant pour chaque habitant",
           "Les médecins généralistes partent à la retraite sans remplaçant",
           "Faciliter l’installation des jeunes médecins en zone rurale",
           "Aider l’installation de médecins généralistes dans les villages",
           "Un médecin traitant pour les personnes âgées"]
PREVENTION = ["Des actions de prévention dans les écoles",
              "Le dépistage des cancers au plus près des habitants avec le mammobile",
              "Éducation à la santé dans les collèges et les lycées",
              "Prévention et dépistage dans les écoles et les collèges",
              "Développer le dépistage organisé par le mammobile"]
TESTIMONY = "Depuis le départ de mon médecin traitant, je n’ai plus de médecin généraliste."


def test_french_words_are_reduced_to_their_lemma_without_stop_words():
    assert lemmas("Les médecins généralistes partent") == ["medecin", "generaliste", "partir"]
    assert lemmas("Développons l’accès aux soins") == ["developper", "acces", "soin"]


def test_suggestions_group_what_speaks_of_the_same_thing(world):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    add(world, TESTIMONY, kind=ContributionKind.TESTIMONY)
    add(world, "Faciliter l’installation de jeunes médecins en zones rurales")
    contributions = list(db.session.scalars(sa.select(Contribution).order_by(Contribution.id)))
    help_ = suggest(contributions)
    assert [[c.body for c in group] for group in help_.duplicates] == [[
        "Faciliter l’installation des jeunes médecins en zone rurale",
        "Faciliter l’installation de jeunes médecins en zones rurales"]]
    doctors = next(g for g in help_.groups if any(c.body == TESTIMONY for c in g.members))
    screening = next(g for g in help_.groups if any(c.body == PREVENTION[1]
                                                    for c in g.members))
    # Plural and singular, with or without accents, meet in one group…
    assert {c.body for c in doctors.members} >= {DOCTORS[0], DOCTORS[4], TESTIMONY}
    assert {c.body for c in screening.members} >= {PREVENTION[1], PREVENTION[4]}
    # … and no group mixes doctors with screening.
    for group in help_.groups:
        bodies = " ".join(c.body for c in group.members)
        assert not ("médecin" in bodies and "dépistage" in bodies), bodies
    assert any("médecin" in phrase.lower() for phrase in doctors.key_phrases)
    assert [t.body for t in doctors.testimonies] == [TESTIMONY]
    assert doctors.summary.startswith("- **") and "contributions)" in doctors.summary


def test_the_organiser_sees_how_and_accepts_a_suggestion(client, world):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    html = client.get(url).get_data(as_text=True)
    assert "k-moyennes" in html and "YAKE" in html and "RapidFuzz" in html
    assert "Groupe 1" in html and "Expressions clés" in html
    response = post_form(client, f"{url}/ajouter", {"line": "- **médecin traitant** (5 "
                                                            "contributions)"})
    assert response.status_code == 302
    section = db.session.scalar(sa.select(SynthesisSection))
    assert section.text == "- **médecin traitant** (5 contributions)"
    login_as(client, make_user(Role.ORGANISER, [world["ariege"]]))
    assert client.get(url).status_code == 403
