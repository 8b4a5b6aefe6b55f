"""How good the writing help's suggestions are, on real texts (issue 16).

Ground truth: tests/data/cnr_proposals.toml, the proposals of the Aveyron and Ariège
territorial health schemes (seeds 002 and 003) with the CNR question of each: the scheme's own
heading for the 17 Ariège CNR proposals, a reader's mapping for the others (its note says why).
The questions' wording is the campaign's (app/seed/data/campaigns/cnr-sante-occitanie-2022.toml).

Question suggestion (app.contributions.question_suggestion), each proposal suggested by a model
that never saw it: leave-one-out, by département (trained on one scheme, tested on the other),
and from the questions' wording alone. For each: accuracy, the right question among the first
two, and accuracy and coverage of the suggestions confident enough to be chosen (CONFIDENT).
Usage: .venv/bin/python -m bench.writing_help_quality
"""

from __future__ import annotations

import itertools
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.contributions.question_suggestion import (  # noqa: E402
    CONFIDENT,
    QuestionModel,
    wording,
)
from bench.record import Recorder, line  # noqa: E402

DATASET = ROOT / "tests" / "data" / "cnr_proposals.toml"
CAMPAIGN = ROOT / "app" / "seed" / "data" / "campaigns" / "cnr-sante-occitanie-2022.toml"


def proposals() -> list[dict]:
    """The proposals that answer one of the four questions."""
    return [p for p in tomllib.loads(DATASET.read_text(encoding="utf-8"))["proposals"]
            if p["challenge"]]


def questions(with_keywords: bool = True) -> list[tuple[str, str]]:
    """Each question's code and wording, as the campaign's seed gives it."""
    campaign = tomllib.loads(CAMPAIGN.read_text(encoding="utf-8"))
    return [(c["code"], wording(SimpleNamespace(**{"keywords": "", **c} if with_keywords
                                                 else {**c, "keywords": ""})))
            for c in campaign["challenges"]]


Trainer = Callable[[dict], Sequence[dict]]


def evaluate(tested: Sequence[dict], training: Trainer, with_keywords: bool = True) -> dict:
    """Each tested proposal suggested by a model trained on ``training(proposal)``."""
    right = second = kept = kept_right = 0
    known = questions(with_keywords)
    for proposal in tested:
        model = QuestionModel(known, [(p["challenge"], p["body"]) for p in training(proposal)])
        suggestion = model.suggest(proposal["body"])
        if suggestion is None:
            continue
        ranked = [key for key, _confidence in suggestion.ranked]
        right += ranked[0] == proposal["challenge"]
        second += proposal["challenge"] in ranked[:2]
        if suggestion.confident:
            kept += 1
            kept_right += ranked[0] == proposal["challenge"]
    count = len(tested)
    return {"count": count, "accuracy": right / count, "top2": second / count,
            "coverage": kept / count, "confident_accuracy": kept_right / kept if kept else None}


def themes_of(texts: Sequence[str]):
    """The writing help's themes (app.syntheses.writing_help.suggest, as the worker runs
    it) over these texts, each a proposal whose id is its index."""
    from app import register_models
    from app.contributions.models import Contribution, ContributionKind
    from app.syntheses import writing_help

    register_models()  # every mapper, for transient contributions

    contributions = [Contribution(id=index + 1, kind=ContributionKind.PROPOSAL, title="",
                                  body=text, category="") for index, text in enumerate(texts)]
    return writing_help.suggest(contributions)


def theme_figures(pool: Sequence[dict]) -> dict:
    """Agreement of the themes with the schemes' own headings (adjusted Rand index; a text in
    no theme counts as alone), and how many labels break their rules (more than 8 words, or a
    word found in none of the theme's texts) or summary sentences cite badly (a sentence
    taken from none of its cited texts, a reference to a text outside the pool)."""
    from sklearn.metrics import adjusted_rand_score

    from app.french import fold

    found = themes_of([p["body"] for p in pool])
    assigned = list(range(-1, -len(pool) - 1, -1))
    bad_labels = 0
    for number, theme in enumerate(found.themes):
        words = " ".join(fold(member.body) for member in theme.members)
        label = [fold(word).strip(".,;:()«»’'") for word in theme.label.split()]
        bad_labels += len(label) > 8 or any(word and word not in words for word in label)
        for member in theme.members:
            assigned[member.id - 1] = number
    bad_citations = 0
    for cited in found.summary:
        sources = [pool[c.id - 1]["body"] for c in cited.references if 0 < c.id <= len(pool)]
        bad_citations += len(sources) != len(cited.references) or not any(
            cited.sentence in source for source in sources)
    return {"ari": adjusted_rand_score([p["group"] for p in pool], assigned),
            "themes": len(found.themes), "labels": [t.label for t in found.themes],
            "bad_labels": bad_labels, "sentences": len(found.summary),
            "bad_citations": bad_citations}


def main() -> None:
    recorder = Recorder("writing_help_quality")
    labelled = proposals()
    cnr = [p for p in labelled if p["kind"] == "cnr"]
    ariege_cnr = [p for p in cnr if p["departement"] == "09"]

    def others(proposal: dict) -> list[dict]:
        return [p for p in labelled if p is not proposal]

    def other_scheme(proposal: dict) -> list[dict]:
        return [p for p in labelled if p["departement"] != proposal["departement"]]

    def nothing(_proposal: dict) -> list[dict]:
        return []

    cases = [
        (f"{len(ariege_cnr)} CNR Ariège, un contre tous", ariege_cnr, others),
        (f"{len(cnr)} CNR Ariège + Aveyron, un contre tous", cnr, others),
        (f"{len(labelled)} textes, un contre tous", labelled, others),
        (f"{len(ariege_cnr)} CNR Ariège, appris sur l’Aveyron", ariege_cnr, other_scheme),
        (f"{len(labelled)} textes, chaque schéma sur l’autre", labelled, other_scheme),
        (f"{len(ariege_cnr)} CNR Ariège, intitulés seuls", ariege_cnr, nothing),
        (f"{len(labelled)} textes, intitulés seuls", labelled, nothing),
    ]
    rows = recorder.section(
        "Suggestion de question (app.contributions.question_suggestion) sur les propositions "
        "réelles des schémas de l’Aveyron et de l’Ariège (tests/data/cnr_proposals.toml) ; "
        f"choisie pour la personne au-delà d’une confiance de {CONFIDENT:.0%}")
    started = time.perf_counter()
    for (label, tested, training), with_keywords in itertools.product(cases, (True, False)):
        figures = evaluate(tested, training, with_keywords)
        confident = figures["confident_accuracy"]
        rows.append(line(
            f"{label}, {'avec' if with_keywords else 'sans'} mots-clés",
            figures["accuracy"], "exactitude", target=[("value", ">=", 0.8)],
            note=f"la bonne parmi les 2 premières : {figures['top2']:.2f} ; confiance ≥ "
                 f"{CONFIDENT:.0%} : {figures['coverage']:.0%} des lignes, exactes à "
                 + (f"{confident:.2f}" if confident is not None else "—")))
    themes = recorder.section(
        "Thèmes de l’aide à la rédaction (app.syntheses.writing_help) comparés au classement "
        "des schémas eux-mêmes (indice de Rand ajusté : 1 = le même, 0 = le hasard) ; "
        "intitulés et phrases citées vérifiés")
    everything = tomllib.loads(DATASET.read_text(encoding="utf-8"))["proposals"]
    for label, pool in (
            (f"{len(ariege_cnr)} CNR de l’Ariège / ses 4 rubriques", ariege_cnr),
            ("Ariège, tout / rubriques du schéma",
             [p for p in everything if p["departement"] == "09"]),
            ("Aveyron, tout / rubriques du schéma",
             [p for p in everything if p["departement"] == "12"])):
        figures = theme_figures(pool)
        themes.append(line(
            f"{label} ({len(pool)} textes)", figures["ari"], "ARI",
            note=f"{figures['themes']} thèmes, intitulés hors règle : {figures['bad_labels']} ; "
                 f"{figures['sentences']} phrases de résumé, mal citées : "
                 f"{figures['bad_citations']} ; intitulés : "
                 + " · ".join(f"« {name} »" for name in figures["labels"][:6])))
    seconds = time.perf_counter() - started
    rows.append(line("Temps de toutes ces évaluations", seconds, "s",
                     note=f"{2 * sum(len(t) for _l, t, _f in cases)} modèles construits"))
    recorder.save()
    for row in rows + themes:
        print(f"{row['label']:<60} {row['value']:>5.2f}  {row['note']}")


if __name__ == "__main__":
    main()
