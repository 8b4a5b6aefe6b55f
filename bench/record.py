"""What each benchmark script leaves for `make bench`'s one table (bench/table.py): its lines,
as JSON in bench/results/<script>.json (not versioned), with the machine's load average
before and after it ran, so that a noisy run shows."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def line(label: str, value: float | None, unit: str, *, p50: float | None = None,
         p99: float | None = None, ratio: float | None = None, errors: int | None = None,
         note: str = "", target: list | None = None, cost: float | None = None,
         p95: float | None = None) -> dict:
    """One line of the table. ``ratio``: to the bare endpoint measured in the same run (its
    speed for req/s and ms, its size for memory and start-up); None where nothing compares.
    ``target``: the issue's goals, as (figure, "<" | "<=" | ">=", bound), figure one of value,
    p50, p95, p99, ratio, cost (the cost per request relative to the same page with the seed).
    """
    return {"label": label, "value": value, "unit": unit, "p50": p50, "p95": p95, "p99": p99,
            "ratio": ratio, "errors": errors, "note": note, "target": target or [],
            "cost": cost}


class Recorder:
    """Collects a script's sections of lines; ``save()`` writes them with the load averages."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.started = datetime.now(UTC)
        self.load_before = os.getloadavg()
        self.sections: list[dict] = []

    def section(self, title: str) -> list[dict]:
        lines: list[dict] = []
        self.sections.append({"title": title, "lines": lines})
        return lines

    def save(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.script}.json"
        path.write_text(json.dumps({
            "script": self.script, "started": self.started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_before": self.load_before, "load_after": os.getloadavg(),
            "cores": os.cpu_count(), "sections": self.sections,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        return path
