"""Themes are named by a French noun phrase taken word for word from their contributions
(« soins non programmés »), never by key phrases glued together (« notamment le mammobile,
département de l'Ariège, Développer les actions »)."""

import re

import pytest

from app.contributions.models import ContributionKind
from app.syntheses.theme_labels import MAX_WORDS, candidate_phrases, label_themes
from app.syntheses.writing_help import suggest
from tests.contributions.support import add, all_contributions
from tests.syntheses.cnr_texts import QUESTIONS, add_question

OPENING_VERBS = re.compile(r"^(développer|renforcer|améliorer|favoriser|mettre|permettre)\b",
                           re.IGNORECASE)


def _surfaces(text: str) -> set[str]:
    return {phrase.surface for phrase in candidate_phrases(text)}


def test_candidates_are_noun_phrases_of_the_text():
    found = _surfaces("Consolider l’organisation de la prise en charge des soins non "
                      "programmés.")
    assert "soins non programmés" in found
    assert "prise en charge des soins non programmés" in found
    assert all(len(s.split()) <= MAX_WORDS for s in found)
    # Never a verb, a participle or a function word at either end; never « prise » alone.
    assert not {s for s in found if s.startswith(("Consolider", "programmés", "de ", "la "))}
    assert "prise" not in found and "soins non" not in found
    assert "maisons de santé pluriprofessionnelles" in _surfaces(
        "Ouvrir des maisons de santé pluriprofessionnelles dans les bourgs.")
    # A proper name is not cut in two.
    assert "Communautés Professionnelles" not in _surfaces(
        "Le déploiement des Communautés Professionnelles Territoriales de Santé.")


def test_the_authors_apostrophes_are_kept():
    [label] = label_themes(["L'accès aux soins des jeunes d'Ariège.",
                            "L'accès aux soins pour tous."], [[0, 1]])
    assert label == "accès aux soins"
    assert "l'accès" not in label


def test_each_theme_has_its_own_label():
    texts = ["Plus de maisons de santé pluriprofessionnelles.",
             "Des maisons de santé pluriprofessionnelles dans chaque canton.",
             "Les maisons de santé pluriprofessionnelles attirent les jeunes médecins.",
             "Une maison de santé pluriprofessionnelle près de chez moi."]
    first, second = label_themes(texts, [[0, 1], [2, 3]])
    assert first and second and first.lower() != second.lower()


def _assert_readable(label: str, members: list[str]) -> None:
    assert label, members
    assert len(label.split()) <= MAX_WORDS, label
    assert not re.search(r"[,;·|]", label), label  # never phrases joined
    assert not OPENING_VERBS.match(label), label
    # A contiguous span of one contribution of the theme, as written.
    assert any(label.casefold() in text.casefold() for text in members), (label, members)


@pytest.mark.parametrize("question", QUESTIONS)
def test_labels_of_the_real_proposals_are_phrases_of_their_theme(world, question):
    add_question(world, question)
    help_ = suggest(all_contributions())
    assert len(help_.themes) >= 2
    for theme in help_.themes:
        _assert_readable(theme.label, [c.body for c in theme.members])
    labels = [theme.label.casefold() for theme in help_.themes]
    assert len(set(labels)) == len(labels)
    assert "ariège" not in labels and "aveyron" not in labels  # places name no subject


def test_paraphrased_testimonies_get_the_phrase_they_share(world):
    for text in ["Les soins non programmés ferment le week-end, il faut aller aux urgences.",
                 "Pour des soins non programmés, on attend des heures aux urgences de Foix.",
                 "Aucun cabinet ne prend les soins non programmés le samedi.",
                 "Le soir, les soins non programmés se font à l’hôpital, faute de médecin."]:
        add(world, text, kind=ContributionKind.TESTIMONY)
    for text in ["Ouvrir des maisons de santé pluriprofessionnelles dans les bourgs.",
                 "Les maisons de santé pluriprofessionnelles attirent les jeunes médecins.",
                 "Financer les maisons de santé pluriprofessionnelles des villages.",
                 "Une maison de santé pluriprofessionnelle dans chaque canton rural."]:
        add(world, text)
    help_ = suggest(all_contributions())
    labels = {theme.label.casefold() for theme in help_.themes}
    assert "soins non programmés" in labels
    assert "maisons de santé pluriprofessionnelles" in labels
    for theme in help_.themes:
        _assert_readable(theme.label, [c.body for c in theme.members])
