"""Which proposals say the same thing, in French: one module behind the synthesis writing
help's near-duplicates and the public form's « Des propositions proches existent déjà ».

A text is reduced to its *signature*: its content words as lemmas (simplemma: « médecins » →
« médecin », « développons » → « développer »), accents folded, stop words dropped (YAKE's
French list), each word once, in alphabetical order. Two signatures are compared with
RapidFuzz's token-sort ratio (0–100, ``likeness``): word order, plurals, conjugation and
accents no longer count, only the words chosen. Near-duplicates are pairs above
DUPLICATE_SCORE.

The public form asks a looser question: does the proposal being typed say what a published one
says? People state their idea then explain it, so the form compares each sentence and the
title too (``phrasings``), and also counts a published proposal as found when most of its words
are in a short typed phrasing (``most_alike``); it shows those above ALIKE_SCORE.

Light on purpose, as it runs on the public path: RapidFuzz and simplemma only (no numpy, no
scikit-learn, and YAKE's stop-word file is read without importing YAKE), both imported on first
use, so that a web process that never compares texts does not load them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar

from app.campaigns.models import Campaign
from app.contributions import queries
from app.contributions.models import Contribution
from app.french import fold

# Two proposals above this repeat each other (the synthesis merges them into one line).
DUPLICATE_SCORE = 85
# A proposal being typed above this looks like a published one and the form shows it.
# Chosen on real French rephrasings of Ariège's CNR proposals and on other ideas of the same
# campaign sharing words with them (tests/contributions/test_similar_proposals.py):
# rephrasings score 71 to 100, alone or inside a longer text; other ideas 32 to 68; a long
# text about many things at most 49 against any of them.
ALIKE_SCORE = 70
# The public form shows at most this many look-alikes: enough to find one's own idea, short
# enough to read on a phone.
SHOWN = 4
# A text of fewer content words than this is never compared: « médecin » alone would look
# like every proposal about doctors.
MIN_WORDS = 2
# A typed phrasing that holds this many words of a published proposal, out of at most
# CONTAINED_MAX_WORDS words (longer, it would hold a bit of everything), may contain it.
SHARED_WORDS = 3
CONTAINED_MAX_WORDS = 40
# Letters of a lemma kept to find a word's family: « installer » and « installation »,
# « organiser » and « organisation ».
STEM = 6
MAX_SENTENCES = 10
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")

K = TypeVar("K")
T = TypeVar("T")


@cache
def stop_words() -> frozenset[str]:
    """YAKE's French stop words, folded. The file is found without importing YAKE (a third
    of a second and hundreds of modules the public form does not need)."""
    spec = find_spec("yake")
    if spec is None or spec.origin is None:
        raise RuntimeError("YAKE (requirements.txt) is missing: its stop-word list is needed")
    path = Path(spec.origin).parent / "core" / "StopwordsList" / "stopwords_fr.txt"
    text = path.read_text(encoding="utf-8", errors="ignore")
    return frozenset(fold(word) for word in text.split())


@lru_cache(maxsize=100_000)
def _content_lemma(token: str) -> str | None:
    """The folded lemma of a token, or None for a stop word. Cached: a campaign's
    vocabulary is small, and lemmatizing then folding each token was most of the time."""
    token = token.split("'")[-1]  # l'accès → accès
    if len(token) < 2 or not any(c.isalpha() for c in token):
        return None
    import simplemma

    lemma = fold(simplemma.lemmatize(token.lower(), lang="fr"))
    return lemma if lemma not in stop_words() and len(lemma) > 1 else None


def lemmas(text: str) -> list[str]:
    """Content words of a French text, as folded lemmas: « Les médecins traitants » →
    ["medecin", "traitant"]."""
    import simplemma

    tokens = simplemma.simple_tokenizer(text.replace("’", "'"))
    return [lemma for lemma in map(_content_lemma, tokens) if lemma is not None]


@lru_cache(maxsize=16_384)
def signature(text: str) -> str:
    """The words a text is about, each once, in alphabetical order (see the module's
    docstring). Cached: the same published proposals are compared at every submission."""
    return " ".join(sorted(set(lemmas(text))))


def _ratio() -> Callable[..., float]:
    """The one comparison of near-duplicates and look-alikes: RapidFuzz's own function, so
    that its loops (process.extract) stay in C."""
    from rapidfuzz import fuzz

    return fuzz.token_sort_ratio


def likeness(first: str, second: str) -> float:
    """How alike two signatures are, from 0 to 100."""
    return _ratio()(first, second)


PAIR_BLOCK = 512  # signatures compared at once with all the others: a block's scores stay small


def _alike_pairs(signatures: list[str], cutoff: float) -> Iterable[tuple[int, int]]:
    """Pairs (i, j) of non-empty signatures at least ``cutoff`` alike, enough to join every
    such set: the same signature twice joins at once; each distinct one is scored against the
    others (RapidFuzz's cdist, in C++ on every core, a block of rows at a time: 12,000
    distinct proposals are 70 million pairs, some 20 s on 2 cores). Signatures are sorted
    words already, so the plain ratio equals the token-sort one."""
    import numpy
    from rapidfuzz import fuzz, process

    first: dict[str, int] = {}
    for index, text in enumerate(signatures):
        if text and first.setdefault(text, index) != index:
            yield first[text], index
    distinct, owners = list(first), list(first.values())
    for start in range(0, len(distinct), PAIR_BLOCK):
        block = distinct[start:start + PAIR_BLOCK]
        scores = process.cdist(block, distinct, scorer=fuzz.ratio, score_cutoff=cutoff,
                               dtype=numpy.uint8, workers=-1)
        for row, column in zip(*numpy.nonzero(scores), strict=True):
            if start + int(row) < int(column):
                yield owners[start + int(row)], owners[int(column)]


def near_duplicates(items: Sequence[T], text: Callable[[T], str],
                    cutoff: float = DUPLICATE_SCORE) -> list[list[T]]:
    """Sets of items whose texts say the same thing (likeness ≥ ``cutoff``, step by step:
    if A is like B and B like C, the three make one set), biggest first."""
    signatures = [signature(text(item)) for item in items]
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _alike_pairs(signatures, cutoff):
        parent[root(i)] = root(j)
    sets: dict[int, list[T]] = {}
    for index, item in enumerate(items):
        sets.setdefault(root(index), []).append(item)
    return sorted((s for s in sets.values() if len(s) > 1), key=len, reverse=True)


def sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """The first sentences (or lines) of a text."""
    return [part for part in SENTENCE_END.split(text) if part.strip()][:limit]


def phrasings(title: str, body: str) -> list[str]:
    """A proposal said several ways: title and text, title alone, each sentence. A citizen
    often states the idea in one sentence, then explains; published proposals are often one
    short sentence."""
    return [f"{title} {body}", title, *sentences(body)]


@lru_cache(maxsize=16_384)
def _stems(words: str) -> frozenset[str]:
    return frozenset(word[:STEM] for word in words.split())


def _containment(mine: frozenset[str], theirs: frozenset[str]) -> float:
    """The share (0–100) of a published proposal's words found in a short typed phrasing,
    when at least SHARED_WORDS are; else 0. « Libérer du temps médical pour les médecins
    généralistes » contains « Libérer du temps médical », which the likeness alone misses
    because the typed text is longer."""
    shared = len(mine & theirs)
    if shared < SHARED_WORDS or len(mine) > CONTAINED_MAX_WORDS:
        return 0.0
    return 100 * shared / len(theirs)


def _comparable(texts: Iterable[str]) -> list[str]:
    found = []
    for text in texts:
        words = signature(text)
        if words.count(" ") + 1 >= MIN_WORDS and words not in found:
            found.append(words)
    return found


def most_alike(typed: Sequence[str], candidates: Iterable[tuple[K, Sequence[str]]],
               cutoff: float = ALIKE_SCORE, limit: int = SHOWN) -> list[tuple[K, float]]:
    """The candidates most like a proposal being typed, best first, with their score
    (≥ ``cutoff``): the likeness of their signatures, or the share of a candidate's words the
    typed phrasing contains, whichever is higher. The typed proposal and each candidate come
    in several phrasings (see ``phrasings``): the best pair counts."""
    wanted = _comparable(typed)
    keys: list[K] = []
    choices: list[str] = []
    for key, texts in candidates:
        for words in _comparable(texts):
            keys.append(key)
            choices.append(words)
    best: dict[K, float] = {}
    their_stems = [_stems(choice) for choice in choices]
    from rapidfuzz import process

    for words in wanted:
        # The best of the likeness and the containment, for every choice at once.
        scores = {index: score for _match, score, index in process.extract(
            words, choices, scorer=_ratio(), score_cutoff=cutoff, limit=None)}
        mine = _stems(words)
        for index, theirs in enumerate(their_stems):
            contained = _containment(mine, theirs)
            if contained >= cutoff:
                scores[index] = max(contained, scores.get(index, 0.0))
        for index, score in scores.items():
            best[keys[index]] = max(score, best.get(keys[index], 0.0))
    return sorted(best.items(), key=lambda pair: pair[1], reverse=True)[:limit]


def published_look_alikes(campaign: Campaign, challenge_id: int | None, title: str, body: str,
                          limit: int = SHOWN) -> list[Contribution]:
    """The published proposals of the campaign (on the same question when one is chosen)
    most like the one being typed, best first: the public form offers to support one of them
    instead."""
    rows = queries.proposals_to_compare(campaign, challenge_id)
    found = most_alike(phrasings(title, body),
                       ((row.id, phrasings(row.title, row.body)) for row in rows), limit=limit)
    return queries.by_ids([key for key, _score in found])


# A moderator sees a few more suggestions than the public form: the choice is theirs.
SUGGESTED = 5


def merge_suggestions(contribution: Contribution, territory_ids: set[int] | None,
                      limit: int = SUGGESTED) -> list[tuple[Contribution, float]]:
    """The contributions ``contribution`` most likely repeats, best first, with their score
    (0–100): what the moderator is offered to merge it into. As on the public form, plus the
    other way round: a short duplicate whose words all stand in a longer contribution
    (« Une maison de santé par canton » in « Ouvrir une maison de santé dans chaque canton du
    département ») is suggested too."""
    rows = queries.merge_candidates(contribution, territory_ids)
    mine = phrasings(contribution.title, contribution.body)
    best = dict(most_alike(mine, ((row.id, phrasings(row.title, row.body)) for row in rows),
                           limit=len(rows) or 1))
    my_stems = [_stems(words) for words in _comparable(mine)]
    for row in rows:
        for words in _comparable(phrasings(row.title, row.body)):
            for stems in my_stems:
                score = _containment(_stems(words), stems)
                if score >= ALIKE_SCORE:
                    best[row.id] = max(score, best.get(row.id, 0.0))
    found = sorted(best.items(), key=lambda pair: pair[1], reverse=True)[:limit]
    scores = dict(found)
    return [(item, scores[item.id]) for item in queries.by_ids([key for key, _ in found])]
