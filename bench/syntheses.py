"""Syntheses at scale: with the 100,000 published contributions of bench/contributions.py on
PostgreSQL, time the regional DOCX and PDF and the writing help for one département (its four
questions), one regional question and the whole region, each in a fresh process whose peak
memory (max RSS) is reported. Targets: documents under 10 s; the help under 10 s for a
département, 60 s for a question, 10 minutes for the region.
Usage: .venv/bin/python -m bench.syntheses   (after python -m bench.contributions)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import sqlalchemy as sa

from app import create_app
from app.campaigns.models import Campaign
from app.extensions import db
from app.syntheses import documents, figures, services, writing_help
from app.syntheses.report import build
from app.territories.queries import departement_by_code
from bench.bench import app_env
from bench.record import Recorder, line

CASES = {"docx": "DOCX régional", "pdf": "PDF régional",
         "help": "Aide à la rédaction, Aveyron (4 questions)",
         "help_question": "Aide à la rédaction, région, une question",
         "help_region": "Aide à la rédaction, région (4 questions)"}
# Issue 16: one question of 22,000 contributions under a minute, the region under 10 minutes
# at 100,000 (the bench's regional question holds about 25,000), peak under 1 GB.
TARGETS = {"help_question": 60, "help_region": 600}


def run(case: str) -> None:
    """One measurement, printed as « seconds;peak MB;detail »."""
    app = create_app()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(
            Campaign.slug == "cnr-sante-occitanie-2022"))
        started = time.perf_counter()
        if case.startswith("help"):
            territory = departement_by_code("12") if case == "help" else campaign.territory
            synthesis = services.for_territory(campaign, territory)
            groups = texts = 0
            questions = campaign.challenges[:1] if case == "help_question" \
                else campaign.challenges
            for challenge in questions:
                contributions = figures.published_texts(synthesis, challenge)
                texts += len(contributions)
                groups += len(writing_help.suggest(contributions).groups)
            detail = f"{texts} contributions, {groups} groupes"
        else:
            synthesis = services.for_territory(campaign, campaign.territory)
            report = build(synthesis, "ARS Occitanie")
            content = documents.docx(report) if case == "docx" else documents.pdf(report)
            detail = f"{report.figures.contributions} contributions, {len(content) // 1024} ko"
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.2f};{peak:.0f};{detail}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--case":
        run(sys.argv[2])
        return
    recorder = Recorder("syntheses")
    lines = recorder.section("Synthèses sur les contributions de bench.contributions, chacune "
                             "dans un processus neuf (pic : max RSS)")
    env = {**os.environ, **app_env()}
    # The data of bench/contributions.py may predate the latest migrations.
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env,
                   check=True, capture_output=True)
    print(f"{'mesure':<44} {'s':>6} {'pic mém. Mo':>12}  détail")
    for case, label in CASES.items():
        output = subprocess.run([sys.executable, "-m", "bench.syntheses", "--case", case],
                                env=env, capture_output=True, text=True, check=True)
        seconds, peak, detail = output.stdout.strip().splitlines()[-1].split(";")
        print(f"{label:<44} {float(seconds):>6.2f} {peak:>12}  {detail}")
        # No bare counterpart: a document's goal is absolute (under 10 s).
        lines.append(line(label, float(seconds), "s", note=f"pic {peak} Mo, {detail}",
                          target=[("value", "<", TARGETS.get(case, 10))]))
    recorder.save()


if __name__ == "__main__":
    main()
