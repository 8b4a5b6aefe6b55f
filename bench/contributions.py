"""Contribution list and search at scale: 100,000 published contributions on PostgreSQL.

Creates the data (texts assembled from CNR-style sentences), then times, in-process through the
app (no network), the filtered list, page 500 reached by its cursor, and French searches: p50
and p95 over repeated requests, beside the bare Flask endpoint timed the same way. Target: p95
under 100 ms. ``--reuse`` keeps the benchmark database when it already holds the contributions
(`make bench`: bench.bench added them for its pages at scale).
Usage: .venv/bin/python -m bench.contributions [--count 100000] [--reuse]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import time
import tracemalloc

import sqlalchemy as sa

from app import create_app, revisions
from app.campaigns.models import Campaign
from app.extensions import db
from app.revisions import bump
from app.territories.models import Territory, TerritoryKind
from bench.bench import app_env, prepare_database, psql
from bench.record import Recorder, line

SENTENCES = [
    "Faciliter l’accès à un médecin traitant pour les personnes âgées",
    "Développer les maisons de santé pluriprofessionnelles en zone rurale",
    "Renforcer la permanence des soins le week-end et la nuit",
    "Mieux informer sur les urgences et le 116 117",
    "Rendre les métiers du soin plus attractifs pour les jeunes",
    "Des actions de prévention dans les écoles et les marchés",
    "Les infirmiers en pratique avancée pour désengorger les cabinets",
    "Des bus santé pour aller vers les villages isolés",
    "Je n’ai plus de médecin depuis le départ en retraite du mien",
    "La télémédecine dans les pharmacies pour éviter les déplacements",
]


def create(count: int) -> None:
    app = create_app()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(
            Campaign.slug == "cnr-sante-occitanie-2022"))
        campaign.contributions_open = True
        departements = db.session.scalars(sa.select(Territory.id).where(
            Territory.kind == TerritoryKind.DEPARTEMENT)).all()
        challenges = [c.id for c in campaign.challenges]
        db.session.commit()
        rng = random.Random(2022)
        table = sa.table("contribution", *(sa.column(name) for name in (
            "campaign_id", "kind", "title", "body", "territory_id", "challenge_id", "pseudonym",
            "age_range", "category", "status", "rejection_reason", "created_at",
            "published_at")))
        batch = []
        moment = sa.func.now()
        for number in range(count):
            body = ". ".join(rng.sample(SENTENCES, 3)) + f". (n° {number})"
            batch.append({"campaign_id": campaign.id, "kind": rng.choice(["testimony",
                                                                        "proposal"]),
                          "title": "", "body": body, "territory_id": rng.choice(departements),
                          "challenge_id": rng.choice(challenges), "pseudonym": "",
                          "age_range": "", "category": "", "status": "published",
                          "rejection_reason": ""})
            if len(batch) == 5000:
                db.session.execute(table.insert().values(created_at=moment,
                                                         published_at=moment), batch)
                batch.clear()
        if batch:
            db.session.execute(table.insert().values(created_at=moment, published_at=moment),
                               batch)
        # Inserted without the ORM: say so to the cached pages that count them (app.revisions).
        bump(db.session.connection(), [revisions.contributions(campaign.id)])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE contribution"))
        db.session.commit()


def timed(client, url: str, repeat: int = 40) -> tuple[float, float, int]:
    """p50 and p95 in ms, and how many contributions the page shows."""
    shown = client.get(url).get_data(as_text=True).count('class="fr-card__detail')
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], shown


def streamed(client, url: str) -> tuple[float, int, int, float]:
    """Seconds, bytes, rows and peak Python memory (MB, tracemalloc) of a streamed download,
    read chunk by chunk as a client would."""
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    response.close()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, size, lines - 1, peak


def published() -> int:
    """Published contributions in the benchmark database (0 if it does not exist)."""
    try:
        return int(psql("SELECT count(*) FROM contribution WHERE status = 'published'"))
    except subprocess.CalledProcessError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database if it already holds --count contributions")
    options = parser.parse_args()
    count = options.count
    import os

    recorder = Recorder("contributions")
    os.environ.update(app_env())
    if options.reuse and published() >= count:
        print(f"{published()} contributions publiées déjà en base : gardées")
    else:
        prepare_database()
        started = time.perf_counter()
        create(count)
        print(f"{count} contributions créées en {time.perf_counter() - started:.0f} s")
    from bench.baseline_app import app as bare

    bare_p50, bare_p95, _ = timed(bare.test_client(), "/hello", 400)
    rows = recorder.section(f"Contributions en base : {published():_}".replace("_", " ")
                            + ", liste publique en process (client de test, 40 requêtes "
                            "par ligne, chacune construite : sans cache de pages)")
    rows.append(line("Flask nu : /hello en process (référence)", bare_p50, "ms", p50=bare_p50,
                     ratio=1.0, note=f"p95 {bare_p95:.2f} ms"))
    app = create_app(overrides={"PAGE_CACHE_MAX_PAGES": 0})  # each request built
    client = app.test_client()
    base = "/demarches/cnr-sante-occitanie-2022/contributions"
    with app.app_context():
        cursor = db.session.scalar(sa.text(
            "SELECT id FROM contribution ORDER BY id DESC OFFSET 9980 LIMIT 1"))
        aveyron = db.session.scalar(sa.text(
            "SELECT id FROM territory WHERE code = '12' AND kind = 'departement'"))
    cases = [("Liste, page 1", base),
             ("Liste, page 500 (curseur)", f"{base}?avant={cursor}"),
             ("Filtre département + type", f"{base}?departement={aveyron}&type=proposal"),
             ("Recherche « médecins »", f"{base}?q=médecins"),
             ("Recherche « urgences nuit » + département",
              f"{base}?q=urgences+nuit&departement={aveyron}"),
             ("Recherche « télémédecine pharmacies »",
              f"{base}?q=t%C3%A9l%C3%A9m%C3%A9decine+pharmacies")]
    print(f"\n{'mesure':<48} {'p50 ms':>8} {'p95 ms':>8} {'affichées':>10}")
    for label, url in cases:
        p50, p95, shown = timed(client, url)
        print(f"{label:<48} {p50:>8.1f} {p95:>8.1f} {shown:>10}")
        rows.append(line(label, p50, "ms", p50=p50, p95=p95, ratio=bare_p50 / p50,
                         note=f"p95 {p95:.1f} ms, {shown} affichées",
                         target=[("p95", "<", 100)]))
    print(f"\n{'export CSV en flux':<36} {'s':>6} {'Mo':>7} {'lignes':>8} {'pic mém. Mo':>12}")
    lines = recorder.section("Données ouvertes : export CSV en flux (mémoire constante)")
    for label, url in [("Aveyron (un département)",
                        "/donnees/cnr-sante-occitanie-2022/contributions.csv?departement=12"),
                       ("Région (toutes les contributions)",
                        "/donnees/cnr-sante-occitanie-2022/contributions.csv")]:
        with app.app_context():
            seconds, size, written, peak = streamed(client, url)
        print(f"{label:<36} {seconds:>6.1f} {size / 1e6:>7.1f} {written:>8} {peak:>12.1f}")
        lines.append(line(f"Export CSV en flux : {label}", seconds, "s",
                          note=f"{written} lignes, {size / 1e6:.1f} Mo, pic Python "
                          f"{peak:.1f} Mo (tracemalloc)"))
    recorder.save()


if __name__ == "__main__":
    main()
