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
        (f"{len(ariege_cnr)} propositions CNR de l’Ariège, question du schéma ; "
         "un contre tous", ariege_cnr, others),
        (f"{len(cnr)} propositions CNR (Ariège et Aveyron) ; un contre tous", cnr, others),
        (f"{len(labelled)} propositions, défis et actions ; un contre tous", labelled, others),
        (f"{len(ariege_cnr)} CNR de l’Ariège, modèle appris sur l’Aveyron seul", ariege_cnr,
         other_scheme),
        (f"{len(labelled)} propositions, chaque schéma appris sur l’autre", labelled,
         other_scheme),
        (f"{len(ariege_cnr)} CNR de l’Ariège, libellés des questions seuls", ariege_cnr,
         nothing),
        (f"{len(labelled)} propositions, libellés des questions seuls", labelled, nothing),
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
            f"{label} ; {'avec' if with_keywords else 'sans'} mots-clés des questions",
            figures["accuracy"], "exactitude", target=[("value", ">=", 0.8)],
            note=f"la bonne parmi les 2 premières : {figures['top2']:.2f} ; confiance ≥ "
                 f"{CONFIDENT:.0%} : {figures['coverage']:.0%} des lignes, exactes à "
                 + (f"{confident:.2f}" if confident is not None else "—")))
    seconds = time.perf_counter() - started
    rows.append(line("Temps de toutes ces évaluations", seconds, "s",
                     note=f"{2 * sum(len(t) for _l, t, _f in cases)} modèles construits"))
    recorder.save()
    for row in rows:
        print(f"{row['label']:<100} {row['value']:>5.2f}  {row['note']}")


if __name__ == "__main__":
    main()
