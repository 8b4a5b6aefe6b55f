"""`make bench`'s one table: the lines each benchmark script left in bench/results/*.json
(bench/record.py), in one table, each section with the machine's load average before and after
it ran, and each goal of issue 15 marked ✓ or ✗. Written to bench/results/table.txt too.
Usage: .venv/bin/python -m bench.table [FILE.json ...]
"""

from __future__ import annotations

import json
import operator
import sys
from datetime import datetime
from pathlib import Path

from bench.record import RESULTS

ORDER = ["bench", "step_page", "registrations", "contributions", "syntheses"]
FIGURES = {"value": "", "p50": "p50 ", "p95": "p95 ", "p99": "p99 ", "ratio": "/réf. ",
           "cost": "coût "}
COMPARE = {"<": operator.lt, "<=": operator.le, ">=": operator.ge}
SIGNS = {"<": "<", "<=": "≤", ">=": "≥"}
DECIMALS = {"req/s": 0, "ms": 1, "s": 2, "Mo": 0}


def _number(value: float | None, decimals: int) -> str:
    return "—" if value is None else f"{value:.{decimals}f}"


def _target(entry: dict) -> str:
    """« ✓ /réf. ≥ 0.25, p99 < 50 », or « ✗ … » when one is missed; empty without a goal."""
    if not entry["target"]:
        return ""
    parts, met = [], True
    for figure, sign, bound in entry["target"]:
        value = entry.get(figure)
        met = met and value is not None and COMPARE[sign](value, bound)
        unit = f" {entry['unit']}" if figure == "value" else ""
        parts.append(f"{FIGURES[figure]}{SIGNS[sign]} {bound:g}{unit}")
    return ("✓ " if met else "✗ ") + ", ".join(parts)


def _row(entry: dict) -> str:
    decimals = DECIMALS.get(entry["unit"], 2)
    ratio = "—" if entry["ratio"] is None else f"{entry['ratio']:.3f}"
    errors = "" if entry["errors"] is None else str(entry["errors"])
    text = (f"{entry['label'][:62]:<62} {_number(entry['value'], decimals):>8} "
            f"{entry['unit']:<5} {_number(entry['p50'], 1):>7} {_number(entry['p99'], 1):>7} "
            f"{ratio:>7} {errors:>7}  {_target(entry)}")
    return f"{text}  {entry['note']}".rstrip() if entry["note"] else text.rstrip()


def _files(paths: list[Path] | None) -> list[Path]:
    if paths:
        return paths
    found = {path.stem: path for path in RESULTS.glob("*.json")}
    return [found.pop(name) for name in ORDER if name in found] + sorted(found.values())


def render(paths: list[Path] | None = None) -> str:
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in _files(paths)]
    if not runs:
        return "Aucun résultat dans bench/results/ : lancez make bench (bench/README.md)."
    first = datetime.fromisoformat(runs[0]["started"])
    lines = [f"Concerto — bancs d’essai du {first:%d/%m/%Y}, de {first:%H:%M} à "
             f"{datetime.fromisoformat(runs[-1]['finished']):%H:%M} UTC, {runs[0]['cores']} "
             f"cœurs ; charge moyenne de la machine (1 min) {runs[0]['load_before'][0]:.2f} "
             f"au début, {runs[-1]['load_after'][0]:.2f} à la fin",
             "/réf. : rapport au point d’accès Flask nu (bench/baseline_app.py) mesuré dans la "
             "même exécution (sa vitesse pour req/s et ms, sa taille pour Mo et s).", "",
             f"{'mesure':<62} {'valeur':>8} {'unité':<5} {'p50 ms':>7} {'p99 ms':>7} "
             f"{'/réf.':>7} {'erreurs':>7}  cible (issues 15 et 16), note"]
    for run in runs:
        for section in run["sections"]:
            lines += ["", f"— {section['title']} (python -m bench.{run['script']} ; charge "
                      f"{run['load_before'][0]:.2f} → {run['load_after'][0]:.2f})"]
            lines += [_row(entry) for entry in section["lines"]]
    return "\n".join(lines)


def main() -> None:
    report = render([Path(argument) for argument in sys.argv[1:]] or None)
    print(report)
    if RESULTS.is_dir():
        (RESULTS / "table.txt").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
