"""Help to write a synthesis, computed from the published contributions of one question:
near-duplicate proposals, groups of contributions that speak of the same thing, the key phrases
of each group and its most representative testimonies. The organiser accepts, edits or ignores
each suggestion; the interface says how each was found (HOW).

Everything runs on the machine, with no download: French words are reduced to their lemma by
simplemma ("médecins" → "médecin", "développons" → "développer"), accents kept for the lemma
then folded, stop words dropped (YAKE's French list), as app.contributions.similarity does for
every comparison of proposals (the public form's look-alikes too); TF-IDF and k-means come from
scikit-learn, similarities from RapidFuzz, key phrases from YAKE.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from app.contributions.models import Contribution, ContributionKind
from app.contributions.similarity import DUPLICATE_SCORE, fold, lemmas, stop_words
from app.contributions.similarity import near_duplicates as _near_duplicates
from app.documents.services import Built, DocumentError
from app.extensions import db

MAX_GROUPS = 12
KEY_PHRASE_SAMPLE = 150  # texts nearest the group's centre given to YAKE
SILHOUETTE_SAMPLE = 1500  # texts scored when choosing the number of groups

HOW = {
    "duplicates": "Quasi-doublons : propositions dont les mots (ramenés à leur forme de base, "
                  f"sans mots vides) se ressemblent à {DUPLICATE_SCORE} % au moins (RapidFuzz, "
                  "comparaison des mots remis dans l’ordre alphabétique).",
    "groups": "Groupes : contributions rapprochées par les mots qu’elles emploient (forme de "
              "base des mots, pondération TF-IDF, mots vides retirés), réparties par "
              "k-moyennes (scikit-learn) ; on garde le nombre de groupes (2 à "
              f"{MAX_GROUPS}) qui les sépare le mieux (indice de silhouette).",
    "phrases": "Expressions clés : extraites par YAKE des textes les plus proches du centre du "
               "groupe (expressions fréquentes dans le groupe, rares ailleurs dans le texte).",
    "testimonies": "Paroles représentatives : les témoignages du groupe les plus proches de son "
                   "centre (similarité cosinus).",
}


@dataclass
class Group:
    size: int
    key_phrases: list[str]
    proposals: list[Contribution]
    testimonies: list[Contribution]
    members: list[Contribution] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """A Markdown line the organiser can add to the text, then edit."""
        phrases = ", ".join(self.key_phrases[:3]) or "contributions apparentées"
        return f"- **{phrases}** ({self.size} contributions)"


@dataclass
class Help:
    duplicates: list[list[Contribution]]
    groups: list[Group]
    count: int


def near_duplicates(proposals: list[Contribution]) -> list[list[Contribution]]:
    """Sets of proposals that say the same thing, biggest first."""
    return _near_duplicates(proposals, lambda p: p.title + " " + p.body)


def _key_phrases(texts: list[str]) -> list[str]:
    """YAKE's best phrases, without those that begin or end with a stop word, nor single words
    already inside a longer phrase kept."""
    import yake
    extractor = yake.KeywordExtractor(lan="fr", n=3, top=15, dedupLim=0.7)
    kept: list[str] = []
    for phrase, _score in extractor.extract_keywords("\n".join(texts)):
        words = [fold(word) for word in phrase.replace("’", "'").split()]
        if len(phrase) <= 3 or words[0] in stop_words() or words[-1] in stop_words():
            continue
        if len(words) == 1 and any(words[0] in fold(longer).split() for longer in kept):
            continue
        kept.append(phrase)
    return kept[:5]


def _best_partition(matrix):
    """k-means for each number of groups from 2 to MAX_GROUPS (at most one group per two
    texts); keep the partition whose groups are most distinct (silhouette, cosine)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    best, best_score = None, -2.0
    for clusters in range(2, max(2, min(MAX_GROUPS, matrix.shape[0] // 2)) + 1):
        model = KMeans(n_clusters=clusters, n_init=3, random_state=2022).fit(matrix)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(matrix, model.labels_, metric="cosine",
                                 sample_size=min(matrix.shape[0], SILHOUETTE_SAMPLE),
                                 random_state=2022)
        if score > best_score:
            best, best_score = model, score
    return best or KMeans(n_clusters=2, n_init=3, random_state=2022).fit(matrix)


def suggest(contributions: list[Contribution]) -> Help:
    """Suggestions for one question of a synthesis. scikit-learn, numpy and YAKE are imported
    here, by the worker that computes them: the web processes and the mail worker never load
    them (some 100 MB and a second at start-up)."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer

    proposals = [c for c in contributions if c.kind is ContributionKind.PROPOSAL]
    help_ = Help(duplicates=near_duplicates(proposals), groups=[], count=len(contributions))
    documents = [" ".join(lemmas(c.title + " " + c.body)) for c in contributions]
    usable = [i for i, d in enumerate(documents) if d]
    if len(usable) < 3:
        return help_
    # The documents are already lemmas joined by spaces: split on spaces only.
    vectorizer = TfidfVectorizer(analyzer="word", tokenizer=str.split, token_pattern=None,
                                 lowercase=False, ngram_range=(1, 2), sublinear_tf=True)
    matrix = vectorizer.fit_transform([documents[i] for i in usable])
    model = _best_partition(matrix)
    clusters = model.n_clusters
    for label in range(clusters):
        rows = numpy.flatnonzero(model.labels_ == label)
        if len(rows) < 2:
            continue
        centre = model.cluster_centers_[label]
        closeness = matrix[rows] @ centre
        ordered = [contributions[usable[int(rows[i])]] for i in numpy.argsort(-closeness)]
        help_.groups.append(Group(
            size=len(rows),
            key_phrases=_key_phrases([c.title + ". " + c.body
                                      for c in ordered[:KEY_PHRASE_SAMPLE]]),
            proposals=[c for c in ordered if c.kind is ContributionKind.PROPOSAL][:5],
            testimonies=[c for c in ordered if c.kind is ContributionKind.TESTIMONY][:3],
            members=ordered))
    help_.groups.sort(key=lambda group: group.size, reverse=True)
    return help_


# ---------------------------------------------------------------- computed by a worker
# The grouping takes seconds on a large question: a worker computes it once for a given set of
# published contributions (the variant's fingerprint), and the page shows it from then on.


def variant(challenge_id: int, contributions: list[Contribution]) -> str:
    """The question and a fingerprint of what the suggestions are computed from."""
    digest = hashlib.sha256()
    for contribution in contributions:
        digest.update(f"{contribution.id}\x1f{contribution.kind.value}\x1f{contribution.title}"
                      f"\x1f{contribution.body}\x1e".encode())
    return f"{challenge_id}:{digest.hexdigest()[:32]}"


def computed_help(document) -> Built:
    """Builder of app.documents: the suggestions of one question of a synthesis, as JSON."""
    from app.campaigns.models import Challenge
    from app.syntheses.figures import published_texts
    from app.syntheses.models import Synthesis

    synthesis = db.session.get(Synthesis, document.subject_id)
    challenge = db.session.get(Challenge, int(document.variant.partition(":")[0]))
    if synthesis is None or challenge is None:
        raise DocumentError("Cette synthèse ou cette question n’existe plus.")
    found = suggest(published_texts(synthesis, challenge))
    ids = lambda items: [item.id for item in items]  # noqa: E731
    payload = {"count": found.count, "duplicates": [ids(d) for d in found.duplicates],
               "groups": [{"size": g.size, "key_phrases": g.key_phrases,
                           "proposals": ids(g.proposals), "testimonies": ids(g.testimonies),
                           "members": ids(g.members)} for g in found.groups]}
    return Built("application/json", json.dumps(payload, ensure_ascii=False).encode())


def read_help(data: bytes, contributions: list[Contribution]) -> Help:
    """The suggestions computed by the worker, with the contributions they name (those since
    unpublished are left out)."""
    payload = json.loads(data)
    by_id = {contribution.id: contribution for contribution in contributions}
    pick = lambda ids: [by_id[i] for i in ids if i in by_id]  # noqa: E731
    return Help(duplicates=[pick(d) for d in payload["duplicates"]],
                groups=[Group(size=g["size"], key_phrases=g["key_phrases"],
                              proposals=pick(g["proposals"]),
                              testimonies=pick(g["testimonies"]), members=pick(g["members"]))
                        for g in payload["groups"]],
                count=payload["count"])
