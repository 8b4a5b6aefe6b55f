"""The step page in process, page cache off: what one rendering costs (issue 15, point 5).

No server: the Flask test client on PostgreSQL (database ``concerto_bench_step``, dropped and
re-created, migrated and seeded), an anonymous visitor, N requests per page after a warm-up.
Prints wall and CPU milliseconds per request (median), SQL statements and HTML size, for a
step already held (Mende, the load benchmark's) and one still to be scheduled (Foix: seats
and registration state are worked out too), beside the bare Flask endpoint timed the same
way. ``--profile`` adds a cProfile of the held step (CPU time), the 25 costliest functions.
Usage: .venv/bin/python -m bench.step_page [--requests 300] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time

from bench.bench import app_env, prepare_database
from bench.record import Recorder, line

DATABASE = "concerto_bench_step"
CITIES = {"Page d’une étape tenue (Mende)": "Mende",
          "Page d’une étape à programmer (Foix)": "Foix"}


def measure(client, url: str, requests: int) -> dict:
    for _ in range(20):
        assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(requests):
        started, used = time.perf_counter(), time.process_time()
        client.get(url)
        cpu.append((time.process_time() - used) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {"wall_ms": statistics.median(wall), "cpu_ms": statistics.median(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    recorder = Recorder("step_page")
    env = app_env(DATABASE)
    os.environ.update(env)
    prepare_database(DATABASE, env)

    import sqlalchemy as sa

    from app import create_app
    from app.campaigns.models import Step
    from app.extensions import db

    app = create_app(overrides={"PAGE_CACHE_MAX_PAGES": 0})  # the rendering, not the cache
    client = app.test_client()
    with app.app_context():
        ids = {label: db.session.scalar(sa.select(Step.id).where(Step.city == city)
                                        .order_by(Step.id).limit(1))
               for label, city in CITIES.items()}
        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
    from bench.baseline_app import app as bare

    reference = measure(bare.test_client(), "/hello", options.requests)
    rows = {}
    for label, step_id in ids.items():
        url = f"/etapes/{step_id}"
        client.get(url)
        statements.clear()
        size = len(client.get(url).data)
        count = len(statements)
        rows[label] = {**measure(client, url, options.requests), "statements": count,
                       "kb": size / 1024}
    print(f"{'page (en process, sans cache)':<44} {'ms':>7} {'ms CPU':>7} {'requêtes SQL':>13} "
          f"{'ko':>6}")
    for label, figures in rows.items():
        print(f"{label:<44} {figures['wall_ms']:>7.2f} {figures['cpu_ms']:>7.2f} "
              f"{figures['statements']:>13} {figures['kb']:>6.1f}")
    lines = recorder.section(f"Page d’une étape construite, en process et sans cache de pages "
                             f"(client de test, {options.requests} requêtes, médiane)")
    lines.append(line("Flask nu : /hello en process (référence)", reference["wall_ms"], "ms",
                      ratio=1.0, note=f"CPU {reference['cpu_ms']:.2f} ms"))
    for label, figures in rows.items():
        lines.append(line(label, figures["wall_ms"], "ms",
                          ratio=reference["wall_ms"] / figures["wall_ms"],
                          note=f"CPU {figures['cpu_ms']:.2f} ms, {figures['statements']} "
                          f"requêtes SQL, {figures['kb']:.1f} ko"))
    recorder.save()
    if options.profile:
        profile = cProfile.Profile(time.process_time)
        url = f"/etapes/{next(iter(ids.values()))}"
        profile.enable()
        for _ in range(options.requests):
            client.get(url)
        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
        print(text.getvalue())


if __name__ == "__main__":
    main()
