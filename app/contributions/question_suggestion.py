"""Which question an untagged contribution answers (a paper transcript, an imported row):
suggested with a confidence, for the person importing or moderating it to accept or correct.

Nearest centroid over TF-IDF vectors of the texts' content words (folded lemmas, acronyms
spelled out, the verbs every proposal opens with dropped; single words and pairs). A question's
centroid is its own wording (title, description and key words, weighted WORDING_WEIGHT times:
it decides alone while nothing is tagged yet) plus the published contributions already tagged
with it (the TAGGED_SAMPLE latest). The confidence is a softmax of the cosine similarities.
Pure Python: a suggestion takes a fraction of a millisecond in the web process (no scikit-learn
there); the campaign's model is built once in a while (_Models: about 0.6 s for 1,000 tagged
texts among 100,000 contributions, on these 2 cores). Measured on two real schemes' proposals:
bench/writing_help_quality.py, figures in bench/README.md.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.contributions.health_terms import PROPOSAL_WORDS, with_acronyms_spelled_out
from app.contributions.models import Contribution, ContributionStatus
from app.contributions.similarity import lemmas
from app.extensions import db

WORDING_WEIGHT = 10.0
TEMPERATURE = 10.0  # how sharp the confidences are: set on the evaluation, the same everywhere
TAGGED_SAMPLE = 1000
REFRESH_SECONDS = 600.0
# Below it, a suggestion is shown but not chosen for the person (bench/README.md: at 0.7,
# about three suggestions in four are right and two in three rows get one).
CONFIDENT = 0.7

Vector = dict[str, float]


def features(text: str) -> list[str]:
    """What a text is about, as terms: its content words and each pair of neighbours."""
    words = [word for word in lemmas(with_acronyms_spelled_out(text))
             if word not in PROPOSAL_WORDS]
    return words + [f"{first} {second}" for first, second in itertools.pairwise(words)]


@dataclass(frozen=True)
class Suggestion:
    question: int  # the question's id (or any key given to the model)
    confidence: float  # 0 to 1
    ranked: tuple[tuple[int, float], ...]  # every question, best first

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT


class QuestionModel:
    """``questions``: (key, wording) of each question; ``tagged``: (key, text) of texts
    already tagged (keys that are not questions are ignored)."""

    def __init__(self, questions: Sequence[tuple[int, str]],
                 tagged: Iterable[tuple[int, str]] = ()) -> None:
        keys = [key for key, _wording in questions]
        wordings = [Counter(features(wording)) for _key, wording in questions]
        examples = [(key, Counter(features(text))) for key, text in tagged if key in keys]
        documents = wordings + [terms for _key, terms in examples]
        frequency = Counter(term for terms in documents for term in terms)
        count = len(documents)
        # As scikit-learn's smoothed idf: a term in every document still counts a little.
        self.idf = {term: math.log((1 + count) / (1 + df)) + 1 for term, df in frequency.items()}
        sums: dict[int, Vector] = {}
        for key, terms in zip(keys, wordings, strict=True):
            sums[key] = {term: value * WORDING_WEIGHT
                         for term, value in self._vector(terms).items()}
        for key, terms in examples:
            centre = sums[key]
            for term, value in self._vector(terms).items():
                centre[term] = centre.get(term, 0.0) + value
        self.centroids = {key: _normalised(vector) for key, vector in sums.items()}

    def _vector(self, terms: Counter) -> Vector:
        return _normalised({term: (1 + math.log(n)) * self.idf[term]
                            for term, n in terms.items() if term in self.idf})

    def suggest(self, text: str) -> Suggestion | None:
        """The likeliest question, or None when the text shares no term with any."""
        vector = self._vector(Counter(features(text)))
        if not vector or len(self.centroids) < 2:
            return None
        scores = {key: sum(value * centre.get(term, 0.0) for term, value in vector.items())
                  for key, centre in self.centroids.items()}
        top = max(scores.values())
        weights = {key: math.exp((score - top) * TEMPERATURE) for key, score in scores.items()}
        total = sum(weights.values())
        ranked = tuple(sorted(((key, weight / total) for key, weight in weights.items()),
                              key=lambda pair: -pair[1]))
        return Suggestion(ranked[0][0], ranked[0][1], ranked)


def _normalised(vector: Vector) -> Vector:
    norm = math.sqrt(sum(value * value for value in vector.values()))
    return {term: value / norm for term, value in vector.items()} if norm else {}


# ---------------------------------------------------------------- one model per campaign


class _Models:
    """This process's model of each campaign: built again when its questions change (the
    records revision of app.revisions), and when its published contributions changed, at most
    every REFRESH_SECONDS. During a moderation session they change at every click, and a
    build costs a request about half a second; a model a few minutes behind suggests as well."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[int, tuple[tuple, float, QuestionModel]] = {}

    def get(self, campaign, questions: object, contributions: object) -> QuestionModel:
        kept = self._models.get(campaign.id)
        if kept is not None and kept[0] == (questions, contributions):
            return kept[2]
        if kept is not None and kept[0][0] == questions \
                and time.monotonic() - kept[1] < REFRESH_SECONDS:
            return kept[2]
        model = _build(campaign)
        with self._lock:
            self._models[campaign.id] = ((questions, contributions), time.monotonic(), model)
        return model


    def clear(self) -> None:
        with self._lock:
            self._models.clear()


_models = _Models()


def forget_models() -> None:
    """Build every campaign's model afresh (a database emptied or restored; tests)."""
    _models.clear()


def wording(challenge) -> str:
    """What a question says of itself: title, description and key words."""
    return " ".join(part for part in (f"{challenge.title}.", challenge.description or "",
                                      challenge.keywords or "") if part)


def _build(campaign) -> QuestionModel:
    questions = [(challenge.id, wording(challenge)) for challenge in campaign.challenges]
    rows = db.session.execute(
        sa.select(Contribution.challenge_id, Contribution.title, Contribution.body)
        .where(Contribution.campaign_id == campaign.id,
               Contribution.status == ContributionStatus.PUBLISHED,
               Contribution.challenge_id.is_not(None))
        .order_by(Contribution.id.desc()).limit(TAGGED_SAMPLE))
    return QuestionModel(questions, ((key, f"{title} {body}") for key, title, body in rows
                                     if key is not None))


def model_for(campaign) -> QuestionModel:
    """The campaign's model (see _Models for when it is built again)."""
    from app import revisions
    from app.revision_sync import revisions_of

    snapshot = current_app.extensions["content_revisions"].snapshot()
    questions, contributions = revisions_of(
        snapshot, (revisions.RECORDS, revisions.contributions(campaign.id)))
    return _models.get(campaign, questions, contributions)
