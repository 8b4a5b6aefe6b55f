"""A short summary of a question that cites its sources: three to five sentences taken word for
word from the contributions, each followed by the references of the contributions it stands for.

Sentences are chosen greedily by maximal marginal relevance (MMR) over TF-IDF vectors of their
lemmas: the next sentence is the one closest to the centre of its theme, weighted by the
theme's share of the question (a sentence should stand for many contributions), minus its
likeness to the sentences already chosen (no redundancy), and worth less once its theme has a
sentence (cover as many themes as possible). A sentence cites its own contribution first, then
the contributions of its theme most like it: every one shares words with it.

Pure Python (lemmas from app.contributions.similarity): it runs in the worker after the
clustering, on at most SAMPLE contributions per theme, so its cost does not grow with the
question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.contributions.models import Contribution
from app.contributions.similarity import lemmas

SENTENCES = (3, 5)  # at least, at most (fewer when the question has fewer sentences)
SAMPLE = 200  # contributions of a theme, nearest its centre, a sentence may cite
CANDIDATES = 40  # of those, the ones whose sentences may be chosen
CITED = 3  # references after a sentence
MIN_WORDS, MAX_WORDS = 5, 35  # a shorter sentence says little, a longer one is a paragraph
MIN_CONTENT_WORDS = 3
RELEVANCE = 0.7  # MMR's balance: relevance against novelty
COVERED = 0.4  # what a sentence of a theme that already has one is worth
# After a full stop, a question or exclamation mark, or at a line break; not after « Dr. »
# nor inside « 1.5 ».
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ«“\"(0-9])|\s*\n+\s*")

ABBREVIATION = re.compile(r"(?:\b(?:Dr|Pr|Me|Mme|Mlle|MM|St|Ste|cf|ex|etc|art|n°)|\b[A-Z])\.$")

Vector = dict[str, float]


@dataclass
class Cited:
    sentence: str  # verbatim, from the first reference's contribution
    theme: int  # index of its theme
    references: list[Contribution] = field(default_factory=list)

    @property
    def line(self) -> str:
        """The Markdown line « Ajouter au texte » adds, for the person to rewrite."""
        refs = ", ".join(c.reference for c in self.references)
        return f"- « {self.sentence} » ({refs})"


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, each as written (stripped of surrounding spaces)."""
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        before = text[start:match.start()]
        if "\n" not in match.group(0) and ABBREVIATION.search(before):
            continue  # « Dr. Martin »: the sentence goes on
        sentences.append(before)
        start = match.end()
    sentences.append(text[start:])
    return [sentence.strip() for sentence in sentences if sentence.strip()]


def _vector(words: list[str], idf: dict[str, float]) -> Vector:
    """Sublinear TF-IDF, unit length."""
    counts = Counter(words)
    vector = {word: (1 + math.log(n)) * idf.get(word, 0.0) for word, n in counts.items()}
    norm = math.sqrt(sum(value * value for value in vector.values()))
    return {word: value / norm for word, value in vector.items()} if norm else {}


def _cosine(first: Vector, second: Vector) -> float:
    if len(first) > len(second):
        first, second = second, first
    return sum(value * second.get(word, 0.0) for word, value in first.items())


def _centre(vectors: list[Vector]) -> Vector:
    total: Counter[str] = Counter()
    for vector in vectors:
        total.update(vector)
    norm = math.sqrt(sum(value * value for value in total.values()))
    return {word: value / norm for word, value in total.items()} if norm else {}


@dataclass
class _Candidate:
    sentence: str
    theme: int
    source: Contribution
    vector: Vector
    relevance: float


def summarise(themes: Sequence[Sequence[Contribution]], total: int) -> list[Cited]:
    """The cited summary of a question whose contributions (``total`` of them) fall into
    ``themes``, each listed from its most representative contribution."""
    samples = [list(members[:SAMPLE]) for members in themes]
    words = {c.id: lemmas(c.body) for sample in samples for c in sample}
    documents = len(words) or 1
    holders: Counter[str] = Counter()
    for found in words.values():
        holders.update(set(found))
    idf = {word: math.log((1 + documents) / (1 + n)) + 1 for word, n in holders.items()}
    vectors = {cid: _vector(found, idf) for cid, found in words.items()}
    candidates: list[_Candidate] = []
    seen: set[str] = set()
    for theme, sample in enumerate(samples):
        centre = _centre([vectors[c.id] for c in sample])
        weight = math.sqrt(len(themes[theme]) / max(total, 1))
        for contribution in sample[:CANDIDATES]:
            for sentence in split_sentences(contribution.body):
                content = lemmas(sentence)
                length = len(sentence.split())
                if (not MIN_WORDS <= length <= MAX_WORDS or len(content) < MIN_CONTENT_WORDS
                        or sentence.casefold() in seen):
                    continue
                seen.add(sentence.casefold())
                vector = _vector(content, idf)
                candidates.append(_Candidate(sentence, theme, contribution, vector,
                                             _cosine(vector, centre) * weight))
    chosen: list[_Candidate] = []
    wanted = min(SENTENCES[1], max(SENTENCES[0], len(themes)))
    while candidates and len(chosen) < wanted:
        best = max(candidates, key=lambda candidate: _gain(candidate, chosen))
        candidates.remove(best)
        chosen.append(best)
    return [Cited(c.sentence, c.theme, _references(c, samples[c.theme], vectors))
            for c in chosen]


def _gain(candidate: _Candidate, chosen: list[_Candidate]) -> float:
    """MMR: how relevant the sentence is (less when its theme already has one), minus how
    much it repeats the sentences already chosen."""
    covered = any(c.theme == candidate.theme for c in chosen)
    relevance = candidate.relevance * (COVERED if covered else 1)
    redundancy = max((_cosine(candidate.vector, c.vector) for c in chosen), default=0.0)
    return RELEVANCE * relevance - (1 - RELEVANCE) * redundancy


def _references(candidate: _Candidate, sample: list[Contribution],
                vectors: dict[int, Vector]) -> list[Contribution]:
    """Its own contribution, then the theme's contributions most like the sentence, only
    those that share a word with it."""
    alike = sorted(((_cosine(candidate.vector, vectors[c.id]), c) for c in sample
                    if c.id != candidate.source.id),
                   key=lambda pair: (-pair[0], pair[1].id))
    return [candidate.source, *[c for score, c in alike if score > 0][:CITED - 1]]
