"""Load benchmark: Concerto's public pages and calendar files against a bare Flask endpoint.

Both apps run under the same gunicorn settings on loopback, on PostgreSQL, and are loaded by wrk
with 32 connections. Prints req/s, p50 and p99 latency, and the ratio to the bare endpoint.
Usage: .venv/bin/python bench/bench.py [--seconds 8] (make bench).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
DATABASE = "concerto_bench"
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
WORKERS = "4"
CONNECTIONS = 32


def run(*command: str, env: dict | None = None) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT,
                          env=env).stdout


def app_env() -> dict:
    env = dict(os.environ)
    env.update(CONCERTO_CONFIG="production", SECRET_KEY="bench-secret-key-not-the-default",
               DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{DATABASE}",
               PUBLIC_BASE_URL="http://127.0.0.1", FLASK_APP="wsgi.py",
               CONCERTO_INSTANCE="/tmp/concerto-bench")
    return env


def prepare_database(database: str = DATABASE, env: dict | None = None) -> None:
    """A new database for a benchmark: created again, migrated, the Occitanie seed loaded."""
    env = env or app_env()
    subprocess.run(["dropdb", *PG, "--if-exists", database], check=True, cwd=ROOT)
    subprocess.run(["createdb", *PG, database], check=True, cwd=ROOT)
    run(str(VENV / "flask"), "db", "upgrade", env=env)
    run(str(VENV / "flask"), "seed", env=env)


@contextmanager
def gunicorn(module: str, port: int, env: dict | None = None):
    process = subprocess.Popen(
        [str(VENV / "gunicorn"), "-w", WORKERS, "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", module], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def load(url: str, seconds: int) -> dict:
    """wrk's requests per second and latency percentiles for one URL."""
    output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
                            check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p50": p50, "p99": p99, "errors": int(errors.group(1)) if errors else 0}


def lozere_step_id() -> int:
    return int(subprocess.run(
        ["psql", *PG, "-d", DATABASE, "-tAc", "SELECT id FROM step WHERE city = 'Mende'"],
        check=True, capture_output=True, text=True).stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    seconds = parser.parse_args().seconds
    prepare_database()
    step = lozere_step_id()
    rows: list[tuple[str, dict]] = []
    with gunicorn("bench.baseline_app:app", 8101) as base:
        baseline = load(f"{base}/hello", seconds)
    rows.append(("Flask nu : /hello (référence)", baseline))
    pages = [("Flux de la démarche (.ics, 11 étapes)", "/demarches/cnr-sante-occitanie-2022.ics"),
             ("Invitation d’une étape (.ics)", f"/etapes/{step}.ics"),
             ("Page calendrier (13 étapes)", "/calendrier"),
             ("Page d’une étape", f"/etapes/{step}"),
             ("Page département (Aveyron)", "/departements/12"),
             ("Accueil", "/"),
             ("/healthz", "/healthz")]
    with gunicorn("wsgi:app", 8102, app_env()) as concerto:
        for label, path in pages:
            rows.append((label, load(concerto + path, seconds)))
        run(str(VENV / "python"), "-m", "bench.add_steps", "300", env=app_env())
        time.sleep(1.5)  # let every worker's calendar cache see the new revision
        rows.append(("Flux de toutes les démarches (.ics, 319 étapes)",
                     load(f"{concerto}/calendrier.ics", seconds)))
        rows.append(("Page calendrier, toutes démarches (321 étapes)",
                     load(f"{concerto}/calendrier?demarche=toutes", seconds)))
    report = format_report(rows, baseline, seconds)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.txt").write_text(report, encoding="utf-8")


def format_report(rows: list[tuple[str, dict]], baseline: dict, seconds: int) -> str:
    lines = [f"Concerto — banc de charge du {date.today():%d/%m/%Y} : gunicorn {WORKERS} workers "
             f"sync, PostgreSQL, wrk {CONNECTIONS} connexions, {seconds} s par adresse, "
             f"{os.cpu_count()} cœurs",
             "",
             f"{'adresse':<50} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'/ réf.':>7} "
             f"{'erreurs':>8}"]
    for label, figures in rows:
        ratio = figures["rate"] / baseline["rate"]
        lines.append(f"{label:<50} {figures['rate']:>9.0f} {figures['p50']:>8.2f} "
                     f"{figures['p99']:>8.2f} {ratio:>7.2f} {figures['errors']:>8}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
