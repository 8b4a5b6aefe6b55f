"""Help to write a synthesis, computed from the published contributions of one question: the
themes they speak of, each named by a phrase of its own contributions, with its size, where it
is over-represented and its most representative testimonies and proposals; a short summary
whose every sentence is a contributor's, with its references; and the near-duplicate
proposals. The person accepts (one click adds a line to the text, which they rewrite), edits or
ignores each suggestion; nothing is written without that click. The page explains the method
at its end (HOW).

Everything runs on the machine, with no download: French words are reduced to their lemma by
simplemma ("médecins" → "médecin", "développons" → "développer"), accents folded, stop words
dropped, as app.contributions.similarity does for every comparison of proposals; TF-IDF and
k-means come from scikit-learn (in the worker only), theme names from
app.syntheses.theme_labels, the summary from app.syntheses.cited_summary, similarities from
RapidFuzz.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from app.contributions.models import Contribution, ContributionKind
from app.contributions.similarity import DUPLICATE_SCORE, lemmas
from app.contributions.similarity import near_duplicates as _near_duplicates
from app.documents.models import PreparedDocument
from app.documents.services import Built, DocumentError, Progress
from app.extensions import db
from app.participants import CATEGORIES

MAX_GROUPS = 12
LABEL_SAMPLE = 300  # contributions nearest a theme's centre whose phrases may name it
SILHOUETTE_SAMPLE = 1500  # texts scored when choosing the number of groups
SHOWN = 3  # representative proposals, and testimonies, of a theme
# A département or a category is over-represented in a theme when its share there is at
# least this many times its share of the question, with at least OVER_MIN contributions.
OVER_RATIO = 1.5
OVER_MIN = 2
# Stored payloads carry it; the variant too, so that those of an older shape are recomputed.
PAYLOAD_VERSION = 2
# What suggest() tells the page following its computation, step by step (app.documents).
STEPS = ("analyse des mots des contributions", "regroupement des contributions",
         "nommage des sujets", "choix des phrases du résumé")
_progress: ContextVar[Progress | None] = ContextVar("writing_help_progress", default=None)

HOW = {
    "themes": "Les contributions sont rapprochées par les mots qu’elles emploient : chaque mot "
              "est ramené à sa forme de base (« médecins » → « médecin »), les mots vides "
              "(« le », « pour »…) sont retirés, puis chaque mot est pondéré selon sa rareté "
              "(TF-IDF). Les contributions sont ensuite réparties en sujets par l’algorithme "
              f"des k-moyennes ; on garde le nombre de sujets (2 à {MAX_GROUPS}) qui les "
              "sépare le mieux (indice de silhouette).",
    "labels": "Le nom d’un sujet est une expression nominale recopiée telle quelle d’une de "
              "ses contributions (8 mots au plus) : celle que ses contributions emploient le "
              "plus et les autres sujets le moins (pondération c-TF-IDF).",
    "where": "« Surtout » : départements et collèges dont la part dans le sujet est au moins "
             f"{str(OVER_RATIO).replace('.', ',')} fois leur part dans la question, avec au "
             f"moins {OVER_MIN} contributions.",
    "texts": "Textes représentatifs : les propositions et témoignages les plus proches du "
             "centre du sujet (similarité cosinus).",
    "summary": "Résumé : 3 à 5 phrases recopiées des contributions, choisies une à une pour "
               "représenter le plus de sujets et de contributions sans se répéter (pertinence "
               "marginale maximale, MMR, sur les vecteurs TF-IDF des phrases). Chaque phrase "
               "renvoie à sa contribution, puis aux contributions de son sujet qui lui "
               "ressemblent le plus.",
    "duplicates": "Propositions qui se répètent : leurs mots (forme de base, sans mots vides) "
                  f"se ressemblent à {DUPLICATE_SCORE} % au moins (RapidFuzz, comparaison des "
                  "mots remis dans l’ordre alphabétique).",
}


@dataclass
class Over:
    """A département or a category that weighs more in a theme than in the question."""

    name: str
    count: int  # its contributions in the theme
    share: float  # of the theme
    question_share: float  # of the question


@dataclass
class Theme:
    label: str  # verbatim from a member's text; "" when none of them holds a noun phrase
    size: int
    share: float  # of the question's contributions
    proposals: list[Contribution]
    testimonies: list[Contribution]
    members: list[Contribution] = field(default_factory=list)
    departements: list[Over] = field(default_factory=list)
    categories: list[Over] = field(default_factory=list)

    @property
    def heading(self) -> str:
        label = self.label or "Contributions diverses"
        return label[:1].upper() + label[1:]

    @property
    def line(self) -> str:
        """The Markdown line « Ajouter au texte » adds, for the person to rewrite."""
        refs = ", ".join(c.reference for c in [*self.proposals, *self.testimonies])
        return (f"- {self.heading} : {self.size} contributions ({round(100 * self.share)} %)"
                + (f" ({refs})" if refs else ""))


@dataclass
class Help:
    duplicates: list[list[Contribution]]
    themes: list[Theme]
    count: int
    summary: list = field(default_factory=list)  # of cited_summary.Cited

    @property
    def groups(self) -> list[Theme]:  # the name bench/syntheses.py counts
        return self.themes


def near_duplicates(proposals: list[Contribution]) -> list[list[Contribution]]:
    """Sets of proposals that say the same thing, biggest first."""
    return _near_duplicates(proposals, lambda p: p.title + " " + p.body)


def _best_partition(matrix: Any) -> Any:
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


def _over_represented(members: list[Contribution], everyone: Counter[str],
                      total: int, name: Callable[[Contribution], str]) -> list[Over]:
    """The values of ``name`` (département, category) that weigh at least OVER_RATIO times
    more in the theme than in the question, with at least OVER_MIN contributions."""
    found = []
    for value, count in Counter(name(c) for c in members).most_common():
        share, question_share = count / len(members), everyone[value] / total
        if value and count >= OVER_MIN and share >= OVER_RATIO * question_share:
            found.append(Over(value, count, share, question_share))
    return found


def _departement(contribution: Contribution) -> str:
    return contribution.territory.name if contribution.territory else ""


def _category(contribution: Contribution) -> str:
    return CATEGORIES.get(contribution.category, "") if contribution.category else ""


def _text(contribution: Contribution) -> str:
    return f"{contribution.title}. {contribution.body}" if contribution.title \
        else contribution.body


def _step(done: int) -> None:
    """Tell whoever follows the computation (computed_help's document) that ``done`` steps of
    STEPS are done and the next one starts."""
    report = _progress.get()
    if report is not None:
        report(done, len(STEPS), STEPS[done])


def suggest(contributions: list[Contribution]) -> Help:
    """Suggestions for one question of a synthesis. scikit-learn and numpy are imported here,
    by the worker that computes them: the web processes and the mail worker never load them
    (some 100 MB and a second at start-up)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from app.syntheses.cited_summary import summarise

    _step(0)
    proposals = [c for c in contributions if c.kind is ContributionKind.PROPOSAL]
    help_ = Help(duplicates=near_duplicates(proposals), themes=[], count=len(contributions))
    documents = [" ".join(lemmas(_text(c))) for c in contributions]
    usable = [i for i, d in enumerate(documents) if d]
    if len(usable) < 3:
        return help_
    _step(1)
    # The documents are already lemmas joined by spaces: split on spaces only.
    vectorizer = TfidfVectorizer(analyzer="word", tokenizer=str.split, token_pattern=None,
                                 lowercase=False, ngram_range=(1, 2), sublinear_tf=True)
    matrix = vectorizer.fit_transform([documents[i] for i in usable])
    help_.themes = _themes(contributions, [contributions[i] for i in usable], matrix)
    _step(2)
    _name(help_.themes, contributions)
    _step(3)
    help_.summary = summarise([theme.members for theme in help_.themes], len(contributions))
    return help_


def _themes(contributions: list[Contribution], usable: list[Contribution], matrix: Any
            ) -> list[Theme]:
    """The groups of the best partition of ``usable`` (the contributions with words, rows of
    ``matrix``) holding two or more, biggest first, each with its members nearest its centre
    first, and where it is over-represented among all ``contributions``."""
    import numpy

    model = _best_partition(matrix)
    by_departement = Counter(map(_departement, contributions))
    by_category = Counter(map(_category, contributions))
    themes = []
    for label in range(model.n_clusters):
        rows = numpy.flatnonzero(model.labels_ == label)
        if len(rows) < 2:
            continue
        closeness = matrix[rows] @ model.cluster_centers_[label]
        ordered = [usable[int(rows[i])] for i in numpy.argsort(-closeness)]
        themes.append(Theme(
            label="", size=len(rows), share=len(rows) / len(contributions),
            proposals=[c for c in ordered if c.kind is ContributionKind.PROPOSAL][:SHOWN],
            testimonies=[c for c in ordered if c.kind is ContributionKind.TESTIMONY][:SHOWN],
            members=ordered,
            departements=_over_represented(ordered, by_departement, len(contributions),
                                           _departement),
            categories=_over_represented(ordered, by_category, len(contributions),
                                         _category)))
    themes.sort(key=lambda theme: theme.size, reverse=True)
    return themes


def _name(themes: list[Theme], contributions: list[Contribution]) -> None:
    """Name the themes biggest first (two themes never share a name), from the texts nearest
    each centre: enough to find its words, bounded however big the question."""
    from app.syntheses.theme_labels import label_themes

    texts: list[str] = []
    indexes: list[list[int]] = []
    for theme in themes:
        sample = [_text(c) for c in theme.members[:LABEL_SAMPLE]]
        indexes.append(list(range(len(texts), len(texts) + len(sample))))
        texts += sample
    places = {c.territory.name for c in contributions if c.territory}
    for theme, name in zip(themes, label_themes(texts, indexes, places), strict=True):
        theme.label = name


# ---------------------------------------------------------------- computed by a worker
# The grouping takes seconds on a large question: a worker computes it once for a given set of
# published contributions (the variant's fingerprint), and the page shows it from then on.


def variant(challenge_id: int, contributions: list[Contribution]) -> str:
    """The question, the payload's version and a fingerprint of what the suggestions are
    computed from: a payload of an older shape is never read, the page asks for a new one."""
    digest = hashlib.sha256()
    for contribution in contributions:
        digest.update(f"{contribution.id}\x1f{contribution.kind.value}\x1f{contribution.title}"
                      f"\x1f{contribution.body}\x1f{contribution.territory_id}"
                      f"\x1f{contribution.category}\x1e".encode())
    return f"{challenge_id}:v{PAYLOAD_VERSION}:{digest.hexdigest()[:32]}"


def _over_payload(found: list[Over]) -> list[dict]:
    return [{"name": o.name, "count": o.count, "share": o.share,
             "question_share": o.question_share} for o in found]


def computed_help(document: PreparedDocument) -> Built:
    """Builder of app.documents: the suggestions of one question of a synthesis, as JSON,
    telling its page how far it is; it completes the themes kept at the synthesis's latest
    validation when they waited for this computation (app.syntheses.help_changes)."""
    from app.campaigns.models import Challenge
    from app.documents.services import progress
    from app.syntheses.figures import published_texts
    from app.syntheses.help_changes import complete
    from app.syntheses.models import Synthesis

    synthesis = db.session.get(Synthesis, document.subject_id)
    challenge = db.session.get(Challenge, int(document.variant.partition(":")[0]))
    if synthesis is None or challenge is None:
        raise DocumentError("Cette synthèse ou cette question n’existe plus.")
    reporting = _progress.set(progress(document))
    try:
        found = suggest(published_texts(synthesis, challenge))
    finally:
        _progress.reset(reporting)
    ids = lambda items: [item.id for item in items]  # noqa: E731
    payload: dict[str, Any] = {
        "version": PAYLOAD_VERSION, "count": found.count,
        "duplicates": [ids(d) for d in found.duplicates],
        "themes": [{"label": t.label, "size": t.size, "share": t.share,
                    "proposals": ids(t.proposals), "testimonies": ids(t.testimonies),
                    "members": ids(t.members), "departements": _over_payload(t.departements),
                    "categories": _over_payload(t.categories)} for t in found.themes],
        "summary": [{"sentence": c.sentence, "theme": c.theme, "references": ids(c.references)}
                    for c in found.summary]}
    complete(synthesis.id, challenge.id, document.variant, payload["themes"])
    return Built("application/json", json.dumps(payload, ensure_ascii=False).encode())


def read_help(data: bytes, contributions: list[Contribution]) -> Help:
    """The suggestions computed by the worker, with the contributions they name (those since
    unpublished are left out, and a summary sentence whose own contribution is). A payload of
    another version reads as no suggestion at all rather than failing."""
    from app.syntheses.cited_summary import Cited

    payload = json.loads(data)
    by_id = {contribution.id: contribution for contribution in contributions}
    pick = lambda ids: [by_id[i] for i in ids if i in by_id]  # noqa: E731
    if payload.get("version") != PAYLOAD_VERSION:
        return Help(duplicates=[], themes=[], count=len(contributions))
    over = lambda items: [Over(o["name"], o["count"], o["share"],  # noqa: E731
                               o["question_share"]) for o in items]
    themes = [Theme(label=t["label"], size=t["size"], share=t["share"],
                    proposals=pick(t["proposals"]), testimonies=pick(t["testimonies"]),
                    members=pick(t["members"]), departements=over(t["departements"]),
                    categories=over(t["categories"])) for t in payload["themes"]]
    summary = [Cited(c["sentence"], c["theme"], pick(c["references"]))
               for c in payload["summary"] if c["references"] and c["references"][0] in by_id]
    return Help(duplicates=[pick(d) for d in payload["duplicates"]], themes=themes,
                count=payload["count"], summary=summary)
