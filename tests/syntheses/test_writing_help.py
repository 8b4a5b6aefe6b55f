"""The writing help on real-looking French contributions: themes and their names, duplicates,
representative testimonies, where a theme is over-represented; the page; and accepting a
suggestion, which the journal records."""

import json

import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.contributions.models import Contribution, ContributionKind
from app.extensions import db
from app.syntheses.models import Synthesis, SynthesisSection, SynthesisState
from app.syntheses.writing_help import lemmas, read_help, suggest, variant
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
    # Named by a phrase of its own contributions, not by key phrases glued together.
    assert "médecin" in doctors.label.lower() and "," not in doctors.label
    assert any(doctors.label.lower() in c.body.lower() for c in doctors.members)
    assert [t.body for t in doctors.testimonies] == [TESTIMONY]
    assert doctors.share == doctors.size / 12
    assert doctors.line.startswith(f"- {doctors.heading} : {doctors.size} contributions (")
    assert all(c.reference in doctors.line for c in doctors.proposals + doctors.testimonies)


def test_where_a_theme_is_over_represented(world):
    for text in DOCTORS:
        add(world, text, territory="ariege", category="usagers")
    for text in PREVENTION:
        add(world, text, category="professionnels")
    add(world, "Des médecins traitants pour les personnes âgées", territory="aveyron",
        category="professionnels")
    help_ = suggest(list(db.session.scalars(sa.select(Contribution))))
    doctors = next(g for g in help_.themes if any(c.body == DOCTORS[1] for c in g.members))
    from_ariege = [c for c in doctors.members if c.territory is world["ariege"]]
    assert len(from_ariege) >= 2
    assert [(o.name, o.count) for o in doctors.departements] == [("Ariège", len(from_ariege))]
    assert doctors.departements[0].question_share == 5 / 11
    assert [o.name for o in doctors.categories] == ["Usagers et associations d’usagers"]
    screening = next(g for g in help_.themes if any(c.body == PREVENTION[0]
                                                    for c in g.members))
    assert [o.name for o in screening.departements] == ["Aveyron"]


def test_a_payload_of_the_old_shape_is_harmless(world):
    old = {"count": 2, "duplicates": [], "groups": [{"size": 2, "key_phrases": ["médecin"],
                                                     "proposals": [], "testimonies": [],
                                                     "members": []}]}
    contribution = add(world, DOCTORS[0])
    found = read_help(json.dumps(old).encode(), [contribution])
    assert found.themes == [] and found.summary == []
    assert ":v2:" in variant(world["challenge"].id, [contribution])  # so recomputed


def test_the_organiser_sees_how_and_accepts_a_suggestion(client, world):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    html = client.get(url).get_data(as_text=True)
    assert "Voici les sujets qui reviennent le plus dans les 10 contributions publiées" in html
    assert "En résumé" in html and "Ajouter au texte" in html and "fr-card" in html
    # The method is said once, at the end, in an accordion; never YAKE any more.
    method = html.index("Comment c’est calculé ?")
    assert html.index("fr-accordion") < method
    for word in ("k-moyennes", "silhouette", "TF-IDF", "MMR", "RapidFuzz"):
        assert html.index(word) > method, word
    assert "YAKE" not in html and "Expressions clés" not in html
    assert 'href="/contributions/C-' in html
    assert "<script>" not in html and "style=" not in html  # CSP
    response = post_form(client, f"{url}/ajouter", {"line": "- « Un médecin traitant pour "
                                                            "les personnes âgées » (C-000005)"})
    assert response.status_code == 302
    section = db.session.scalar(sa.select(SynthesisSection))
    assert section.text == "- « Un médecin traitant pour les personnes âgées » (C-000005)"
    login_as(client, make_user(Role.ORGANISER, [world["ariege"]]))
    assert client.get(url).status_code == 403


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_accepting_a_suggestion_is_in_the_journal_with_the_text(client, world):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    organiser = make_user(Role.ORGANISER, [world["aveyron"]])
    login_as(client, organiser)
    url = f"/gestion/syntheses/cnr/12/aide/{world['challenge'].id}"
    assert _entries("synthesis.suggestion_accepted") == []  # showing the page writes nothing
    client.get(url)
    assert db.session.scalar(sa.select(SynthesisSection)) is None
    line = "- « Trouver un médecin traitant pour chaque habitant » (C-000001, C-000005)"
    post_form(client, f"{url}/ajouter", {"line": line, "computation": "42"}, token_from=url)
    [entry] = _entries("synthesis.suggestion_accepted")
    assert "calcul n° 42" in entry.summary  # which computation proposed it
    synthesis = db.session.scalar(sa.select(Synthesis))
    assert (entry.object_type, entry.object_id, entry.user_id) == (
        "synthesis", synthesis.id, organiser.id)
    assert world["challenge"].title in entry.summary
    assert "C-000001, C-000005" in entry.summary
    assert db.session.scalar(sa.select(SynthesisSection)).text == line
    # A validated synthesis takes neither the line nor an entry.
    synthesis.state = SynthesisState.VALIDATED
    db.session.commit()
    post_form(client, f"{url}/ajouter", {"line": "- « autre »"}, token_from=url)
    assert len(_entries("synthesis.suggestion_accepted")) == 1
    assert db.session.scalar(sa.select(SynthesisSection)).text == line
