"""Flat cost at scale, in process: each page's time and size with the seed (13 steps in the
featured démarche), then with 300 more steps (321 in all) and many contributions.

No server and no network: the Flask test client, ``time.perf_counter`` over N requests, on
PostgreSQL (database ``concerto_bench_flat``, dropped and re-created, migrated and seeded).
Prints ms per page (median), statements per page and HTML size: with the seed, with 300 more
steps, then with as many contributions as asked (one in ten waiting for moderation).
Usage: .venv/bin/python -m bench.flat_pages [--requests 50] [--contributions 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import sqlalchemy as sa

from bench.bench import app_env, prepare_database

DATABASE = "concerto_bench_flat"
SLUG = "cnr-sante-occitanie-2022"
PUBLIC = {
    "Accueil": "/",
    "Calendrier (démarche mise en avant)": "/calendrier",
    "Calendrier, toutes démarches": "/calendrier?demarche=toutes",
    "Calendrier filtré (Aveyron, à venir)":
        "/calendrier?demarche=toutes&departement=12&etat=upcoming",
    "Démarche": f"/demarches/{SLUG}",
    "Département (Aveyron)": "/departements/12",
    "Espace presse": "/presse/",
    "Contributions (filtre Étape)": f"/demarches/{SLUG}/contributions",
}
STAFF = {
    "Gestion (administrateur)": "/gestion/",
    "File de modération": "/gestion/moderation",
}


def add_steps(count: int) -> None:
    """``count`` published steps in the featured démarche, as bench/add_steps.py adds them."""
    from app.campaigns.models import Campaign
    from app.extensions import db
    from bench.add_steps import add_published_steps

    add_published_steps(db.session.scalar(sa.select(Campaign).where(Campaign.slug == SLUG)),
                        count)


def add_contributions(count: int) -> None:
    """``count`` contributions, one in ten waiting for moderation, spread over the steps."""
    from app.campaigns.models import Campaign, Step
    from app.extensions import db
    from app.territories.models import Territory, TerritoryKind

    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == SLUG))
    campaign.contributions_open = True
    db.session.commit()
    departements = db.session.scalars(sa.select(Territory.id).where(
        Territory.kind == TerritoryKind.DEPARTEMENT)).all()
    steps = db.session.scalars(sa.select(Step.id).where(Step.campaign_id == campaign.id)).all()
    challenges = [c.id for c in campaign.challenges]
    rng = random.Random(2022)
    table = sa.table("contribution", *(sa.column(name) for name in (
        "campaign_id", "kind", "title", "body", "territory_id", "challenge_id", "step_id",
        "pseudonym", "age_range", "category", "status", "rejection_reason", "created_at",
        "support_count", "hidden_by_reports", "source", "answer")))
    batch = []
    for number in range(count):
        batch.append({"campaign_id": campaign.id, "kind": rng.choice(["testimony", "proposal"]),
                      "title": "", "body": f"Contribution n° {number} sur l’accès aux soins.",
                      "territory_id": rng.choice(departements),
                      "challenge_id": rng.choice(challenges), "step_id": rng.choice(steps),
                      "pseudonym": "", "age_range": "", "category": "",
                      "status": "pending" if number % 10 == 0 else "published",
                      "rejection_reason": "", "support_count": 0, "hidden_by_reports": False,
                      "source": "online", "answer": ""})
        if len(batch) == 5000:
            db.session.execute(table.insert().values(created_at=sa.func.now()), batch)
            batch.clear()
    if batch:
        db.session.execute(table.insert().values(created_at=sa.func.now()), batch)
    db.session.commit()
    # What autovacuum does soon after on a server: statistics, and the visibility map that
    # lets a count read an index alone.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE contribution"))


def measure(client, engine, url: str, requests: int) -> tuple[float, float, int, int]:
    """(median ms, mean ms, SQL statements, HTML bytes) of ``url``."""
    first = client.get(url)
    assert first.status_code == 200, (url, first.status_code)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    client.get(url)
    sa.event.remove(engine, "before_cursor_execute", listener)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), statistics.fmean(samples), len(statements), \
        len(first.get_data())


def run_pages(app, requests: int) -> dict[str, tuple]:
    from app.accounts.models import Role, User
    from app.extensions import db

    results = {}
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    for name, url in PUBLIC.items():
        results[name] = measure(client, engine, url, requests)
    staff = app.test_client()
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    with staff.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["seen"] = int(time.time())
        session["_fresh"] = True
    for name, url in STAFF.items():
        results[name] = measure(staff, engine, url, requests)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--contributions", type=int, default=100_000)
    args = parser.parse_args()
    env = app_env()
    env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
    env["CONCERTO_NOW"] = "2022-11-03T12:00"  # the seed's démarche under way
    env["CONCERTO_INSTANCE"] = "/tmp/concerto-bench-flat"
    prepare_database(DATABASE, env)
    os.environ.update(env)
    from app import create_app
    from app.accounts.models import Role, User
    from app.extensions import db

    # Every request rendered (the page cache, app.page_cache, would answer from memory): what
    # is measured here is what a page costs to build.
    app = create_app(None, {"PAGE_CACHE_MAX_PAGES": 0})
    with app.app_context():
        db.session.add(User(email="admin-bench@example.org", name="Admin Bench", role=Role.ADMIN,
                            password_hash="!"))
        db.session.commit()
    phases = {"13 étapes": run_pages(app, args.requests)}
    with app.app_context():
        add_steps(300)
    phases["321 étapes"] = run_pages(app, args.requests)
    with app.app_context():
        add_contributions(args.contributions)
    phases[f"+ {args.contributions:,} contrib.".replace(",", " ")] = run_pages(app,
                                                                              args.requests)
    print(f"ms par page (médiane de {args.requests} requêtes), instructions SQL, ko de HTML; "
          f"charge de la machine : {os.getloadavg()[0]:.2f}")
    print(f"{'page':40}" + "".join(f"{name:>26}" for name in phases))
    for page in phases["13 étapes"]:
        cells = [f"{ms:7.1f} ms {count:3d} SQL {size / 1000:5.1f} ko"
                 for ms, _, count, size in (phase[page] for phase in phases.values())]
        print(f"{page:40}" + "".join(f"{cell:>26}" for cell in cells))

if __name__ == "__main__":
    main()
