"""The summary of a question: sentences written by contributors, each with the references of
the contributions it stands for, which must exist, be published, belong to the question and
say something of the sentence."""

import re

import pytest

from app.contributions.models import ContributionStatus
from app.contributions.similarity import lemmas
from app.syntheses import figures, services
from app.syntheses.cited_summary import SENTENCES, split_sentences, summarise
from app.syntheses.writing_help import suggest
from tests.contributions.support import add
from tests.syntheses.cnr_texts import QUESTIONS, add_question

LINE = re.compile(r"^- « (?P<sentence>.+) » \((?P<refs>C-\d{6}(?:, C-\d{6})*)\)$")


def test_sentences_are_cut_as_written():
    assert split_sentences("Libérer du temps médical. Les IPA aident !\nEt le SAS…") == [
        "Libérer du temps médical.", "Les IPA aident !", "Et le SAS…"]
    assert split_sentences("Le Dr. Martin part en 2024, soit 1.5 ETP.") == [
        "Le Dr. Martin part en 2024, soit 1.5 ETP."]


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_sentence_is_a_contributors_and_cites_the_right_ones(world, question):
    mine = add_question(world, question)
    other = "acces-aux-soins" if question != "acces-aux-soins" else "prevention"
    elsewhere = add_question(world, other, challenge=world["campaign"].challenges[1])
    pending = add(world, mine[0].body, status=ContributionStatus.PENDING)
    synthesis = services.for_territory(world["campaign"], world["campaign"].territory)
    published = figures.published_texts(synthesis, world["challenge"])
    help_ = suggest(published)
    assert SENTENCES[0] <= len(help_.summary) <= SENTENCES[1]
    by_reference = {c.reference: c for c in mine}
    assert pending.reference not in {c.reference for cited in help_.summary
                                     for c in cited.references}
    assert not {c.id for c in elsewhere} & {c.id for cited in help_.summary
                                            for c in cited.references}
    sentences = [cited.sentence for cited in help_.summary]
    assert len(set(sentences)) == len(sentences)
    for cited in help_.summary:
        source = cited.references[0]
        assert cited.sentence in split_sentences(source.body)  # verbatim, from its source
        theme = help_.themes[cited.theme]
        words = set(lemmas(cited.sentence))
        for contribution in cited.references:
            assert by_reference[contribution.reference] is contribution
            assert contribution.status is ContributionStatus.PUBLISHED
            assert contribution in theme.members
            assert words & set(lemmas(contribution.body)), (cited.sentence, contribution.body)
        match = LINE.match(cited.line)
        assert match and match["sentence"] == cited.sentence
        assert match["refs"].split(", ") == [c.reference for c in cited.references]


def test_the_summary_covers_several_themes_without_repeating_itself(world):
    add_question(world, "prevention")
    help_ = suggest(figures.published_texts(
        services.for_territory(world["campaign"], world["campaign"].territory),
        world["challenge"]))
    assert len({cited.theme for cited in help_.summary}) >= 3


def test_too_few_contributions_make_no_summary(world):
    add(world, "Libérer du temps médical pour les médecins généralistes.")
    assert summarise([], 1) == []
