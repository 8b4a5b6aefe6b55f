"""Load benchmark: Concerto's public pages and calendar files against a bare Flask endpoint.

Both apps run under the same gunicorn settings on loopback, on PostgreSQL, and are loaded by wrk
with 32 connections, the bare endpoint just before each address (so that each ratio compares
two loads seconds apart, whatever the machine's neighbours do meanwhile); each address gets a
second of load first, so every worker has built its copy, and its first answer is timed apart.
Prints req/s, p50 and p99 latency, and the ratio to the bare endpoint:
every public page and feed with the seed (13 steps in the featured démarche), asked as browsers
and calendar applications ask (Accept-Encoding: gzip), a 304 (the step
page asked again with its ETag), then the same pages with 500 steps and 100,000 contributions;
each worker's resident memory after the load (/proc), and how long `import wsgi` and a
gunicorn start take, each beside the bare app's.
Usage: .venv/bin/python -m bench.bench [--seconds 5] [--contributions 100000] (make bench).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import cpu_seconds
from bench.record import Recorder, line

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
DATABASE = "concerto_bench"
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
WORKERS = "4"
CONNECTIONS = 32


def run(*command: str, env: dict | None = None) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT,
                          env=env).stdout


def app_env(database: str = DATABASE) -> dict:
    env = dict(os.environ)
    env.update(CONCERTO_CONFIG="production", SECRET_KEY="bench-secret-key-not-the-default",
               DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
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


class Server:
    """A gunicorn master on loopback: its address, its process, how long it took to answer."""

    def __init__(self, url: str, process: subprocess.Popen, start_seconds: float) -> None:
        self.url, self.process, self.start_seconds = url, process, start_seconds

    def cpu_seconds(self) -> float:
        """CPU time used so far by its workers (and the master), from /proc."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                  text=True).stdout.split()
        return cpu_seconds(self.process.pid, True) + sum(cpu_seconds(int(pid))
                                                         for pid in children)

    def workers_rss_mb(self) -> list[float]:
        """Resident memory of each worker (VmRSS, /proc), in MB."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                  text=True).stdout.split()
        sizes = []
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue  # a worker that was just replaced
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sorted(sizes)


@contextmanager
def gunicorn(module: str, port: int, env: dict | None = None):
    """gunicorn serving ``module``; its log (the app's lines too, as in production) goes to
    bench/results/gunicorn-<port>.log."""
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    log = (ROOT / "bench" / "results" / f"gunicorn-{port}.log").open("w", encoding="utf-8")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(VENV / "gunicorn"), "-w", WORKERS, "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", module], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        while True:  # until it answers (a busy machine imports the app slowly)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # it answers (404 from the bare endpoint)
            except OSError:
                if process.poll() is not None or time.monotonic() - started > 180:
                    raise RuntimeError(f"gunicorn {module} ne répond pas") from None
                time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}", process, time.monotonic() - started)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def load(url: str, seconds: int, headers: tuple[str, ...] = (), server: Server | None = None
         ) -> dict:
    """wrk's requests per second and latency percentiles for one URL; with ``server``, also
    the CPU milliseconds its processes spent per request (what neighbours on a shared machine
    change least)."""
    used = server.cpu_seconds() if server else 0.0
    options = [argument for header in headers for argument in ("-H", header)]
    output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
                             "--timeout", "10s", *options, url],
                            check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    cpu_ms = (server.cpu_seconds() - used) * 1000 / max(requests, 1) if server else None
    return {"rate": rate, "p50": p50, "p99": p99, "cpu_ms": cpu_ms,
            "errors": (int(errors.group(1)) if errors else 0)
            + (sum(int(n) for n in sockets.groups()) if sockets else 0)}


def psql(sql: str, database: str = DATABASE) -> str:
    return subprocess.run(["psql", *PG, "-d", database, "-tAc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def lozere_step_id() -> int:
    return int(psql("SELECT min(id) FROM step WHERE city = 'Mende'"))


def featured_steps() -> int:
    return int(psql("SELECT count(*) FROM step JOIN campaign ON campaign.id = step.campaign_id "
                    "WHERE slug = 'cnr-sante-occitanie-2022' AND status <> 'draft'"))


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET: status, headers, body (a 304 or an error is an answer too)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), answer.read()


def not_modified(url: str, servers: Servers, seconds: int) -> tuple[dict | None, str]:
    """The page asked again with the ETag of its first answer: wrk's figures (beside the bare
    endpoint's, loaded just before) if the app says 304, else None and why not."""
    status, headers, _body = fetch(url)
    etag = headers.get("ETag")
    if status != 200 or not etag:
        return None, "pas d’ETag dans la réponse : ligne non mesurée"
    again, _headers, body = fetch(url, {"If-None-Match": etag})
    if again != 304 or body:
        return None, f"If-None-Match → {again}, pas 304"
    return compared(servers, seconds, url, (f"If-None-Match: {etag}",)), f"ETag {etag[:18]}…"


def import_seconds(module: str, env: dict, repeat: int = 3) -> float:
    """Median time of `import module` in a fresh interpreter (the app's settings included)."""
    code = ("import time; started = time.perf_counter(); import " + module
            + "; print(time.perf_counter() - started)")
    return statistics.median(float(run(str(VENV / "python"), "-c", code, env=env).split()[-1])
                             for _ in range(repeat))


PAGES = [("Accueil", "/"),
         ("Calendrier (démarche mise en avant, {steps} étapes)", "/calendrier"),
         ("Calendrier, toutes démarches", "/calendrier?demarche=toutes"),
         ("Page de la démarche", "/demarches/cnr-sante-occitanie-2022"),
         ("Page département (Aveyron)", "/departements/12"),
         ("Page d’une étape (Mende)", "/etapes/{step}")]
FEEDS = [("Flux de la démarche (.ics)", "/demarches/cnr-sante-occitanie-2022.ics"),
         ("Flux d’un département (.ics, Aveyron)", "/departements/12.ics"),
         ("Flux de toutes les démarches (.ics)", "/calendrier.ics"),
         ("Invitation d’une étape (.ics)", "/etapes/{step}.ics")]
PAGE_TARGET = [("ratio", ">=", 0.25), ("p99", "<", 50)]  # issue 15
# What browsers and calendar applications send with every request: wrk sends nothing of the
# kind unless told (the bare endpoint's 5 bytes are never compressed).
CLIENT = ("Accept-Encoding: gzip, deflate, br",)
FEED_TARGET = [("ratio", ">=", 0.5)]


def measure_line(url: str, servers: Servers, seconds: int) -> dict:
    """One address under load, beside the bare endpoint loaded just before it (the machine's
    load moves during a run: each ratio compares two loads a few seconds apart). The first
    answer is timed apart (a page or feed built for the first time since a change), then a
    second of load lets every worker build its copy before the measure."""
    started = time.perf_counter()
    status, _headers, _body = fetch(url)
    first_ms = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{url} : {status}")
    load(url, 1)
    return {**compared(servers, seconds, url), "first_ms": first_ms}


def compared(servers: Servers, seconds: int, url: str, headers: tuple[str, ...] = (),
             client: tuple[str, ...] = CLIENT) -> dict:
    """``url`` under load just after the bare endpoint, both asked as ``client`` asks: its
    figures, the bare endpoint's rate, and both ratios (requests per second; CPU per request,
    bare / Concerto)."""
    bare = load(servers.bare_url, seconds, client, server=servers.bare)
    figures = load(url, seconds, (*client, *headers), server=servers.concerto)
    return {**figures, "bare": bare["rate"], "ratio": figures["rate"] / bare["rate"],
            "bare_cpu_ms": bare["cpu_ms"], "cpu_ratio": bare["cpu_ms"] / figures["cpu_ms"]}


@dataclass
class Servers:
    bare: Server
    concerto: Server

    @property
    def bare_url(self) -> str:
        return f"{self.bare.url}/hello"


def measure_all(servers: Servers, seconds: int, step: int, steps: int
                ) -> list[tuple[str, dict, list]]:
    """Every page and feed, checked (200) then loaded: (label, wrk figures, target)."""
    base = servers.concerto.url
    return [(label.format(steps=steps), measure_line(base + path.format(step=step), servers,
                                                     seconds), target)
            for (label, path), target in [(page, PAGE_TARGET) for page in PAGES]
            + [(feed, FEED_TARGET) for feed in FEEDS]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--contributions", type=int, default=100_000,
                        help="published contributions added for the pages at scale")
    options = parser.parse_args()
    seconds = options.seconds
    recorder = Recorder("bench")
    prepare_database()
    step, steps = lozere_step_id(), featured_steps()
    with gunicorn("bench.baseline_app:app", 8101) as bare, \
            gunicorn("wsgi:app", 8102, app_env()) as concerto:
        servers = Servers(bare, concerto)
        small = measure_all(servers, seconds, step, steps)
        healthz = measure_line(f"{concerto.url}/healthz", servers, seconds)
        etag_figures, etag_note = not_modified(f"{concerto.url}/etapes/{step}", servers,
                                               seconds)
        large_steps = int(run(str(VENV / "python"), "-m", "bench.add_steps",
                              env=app_env()).split()[-1])
        run(str(VENV / "python"), "-c", "from bench.contributions import create; "
            f"create({options.contributions})", env=app_env())
        time.sleep(1.5)  # let every worker's caches see the new revisions
        large = measure_all(servers, seconds, step, large_steps)
        uncompressed = compared(servers, seconds, f"{concerto.url}/calendrier.ics", client=())
        load(f"{concerto.url}/readyz", 1)  # as a load balancer would: it loads Alembic
        rss, start = concerto.workers_rss_mb(), concerto.start_seconds
        bare_rss, bare_start = bare.workers_rss_mb(), bare.start_seconds
    bares = [figures["bare"] for _label, figures, _target in small + large]
    rows = recorder.section(f"Sous charge : gunicorn {WORKERS} workers sync, PostgreSQL, wrk 2 "
                            f"threads, {CONNECTIONS} connexions, {seconds} s par ligne, chacune "
                            "juste après le point d’accès nu (/réf. : rapport à celui-ci)")
    rows.append(line("Flask nu : /hello (référence, médiane des mesures)",
                     statistics.median(bares), "req/s", ratio=1.0,
                     note=f"de {min(bares):.0f} à {max(bares):.0f} req/s selon le moment"))
    for label, figures, target in small:
        rows.append(wrk_line(label, figures, target=target))
    rows.append(wrk_line("/healthz (sans base de données)", healthz))
    if etag_figures is None:
        rows.append(line("Page d’une étape redemandée avec son ETag (304)", None, "req/s",
                         note=etag_note))
    else:
        rows.append(wrk_line("Page d’une étape redemandée avec son ETag (304)", etag_figures,
                             [("ratio", ">=", 0.5)], etag_note))
    scale = recorder.section(f"À l’échelle : {large_steps} étapes dans la démarche, "
                             f"{options.contributions:_} contributions publiées".replace("_", " "))
    for (label, figures, target), (_, before, _) in zip(large, small, strict=True):
        # CPU per request relative to the seed's: what a busy neighbour changes least.
        cost = before["cpu_ratio"] / figures["cpu_ratio"]
        scale.append(wrk_line(label, figures, [*target, ("cost", "<=", 1.2)],
                              f"coût ×{cost:.2f} de celui à {steps} étapes", cost=cost))
    scale.append(wrk_line("Flux de toutes les démarches (.ics), client sans compression",
                          uncompressed, note="wrk sans Accept-Encoding, comme les autres "
                          "lignes avant l’issue 15"))
    memory = recorder.section("Empreinte : mémoire résidente (VmRSS, /proc) après la charge, "
                              "démarrage")
    memory.append(line(f"Mémoire d’un worker, charge et /readyz (pire des {len(rss)})",
                       max(rss), "Mo", ratio=max(rss) / max(bare_rss),
                       note="workers : " + ", ".join(f"{size:.0f}" for size in rss)
                       + f" Mo ; Flask nu : {max(bare_rss):.0f} Mo",
                       target=[("value", "<", 150)]))
    wsgi, flask = import_seconds("wsgi", app_env()), import_seconds("bench.baseline_app", None)
    memory.append(line("import wsgi (create_app, médiane de 3)", wsgi, "s", ratio=wsgi / flask,
                       note=f"Flask nu : {flask:.2f} s", target=[("value", "<", 1.5)]))
    memory.append(line(f"gunicorn {WORKERS} workers : première réponse après", start, "s",
                       ratio=start / bare_start, note=f"Flask nu : {bare_start:.2f} s"))
    saved = recorder.save()
    from bench.table import render

    report = render([saved])
    print(report)
    (ROOT / "bench" / "results" / "latest.txt").write_text(report, encoding="utf-8")


def wrk_line(label: str, figures: dict, target: list | None = None, note: str = "",
             cost: float | None = None) -> dict:
    cpu = (f"CPU {figures['cpu_ms']:.2f} ms/req (nu : {figures['bare_cpu_ms']:.2f}, "
           f"rapport {figures['cpu_ratio']:.2f})")
    first = f"1re réponse {figures['first_ms']:.0f} ms" if "first_ms" in figures else ""
    return line(label, figures["rate"], "req/s", p50=figures["p50"], p99=figures["p99"],
                ratio=figures["ratio"], errors=figures["errors"],
                note=" ; ".join(part for part in (note, cpu, first) if part),
                target=target or [], cost=cost)


if __name__ == "__main__":
    sys.exit(main())
