"""Registrations per second under a burst of concurrent clients (PostgreSQL, gunicorn).

32 client threads each keep one session (cookie + CSRF token) and post registrations with new
email addresses to one step of 10,000 seats... then to one of 100 seats (the rest goes to the
waiting list, same locking). Mail goes to a real SMTP server (aiosmtpd) on loopback. The bare
Flask endpoint is measured by the same Python client, so the ratio compares like with like.
Usage: .venv/bin/python -m bench.registrations [--requests 2000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

from aiosmtpd.controller import Controller

from bench.bench import DATABASE, PG, ROOT, app_env, gunicorn, prepare_database

CLIENTS = 32
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Sink:
    received = 0

    async def handle_DATA(self, _server, _session, _envelope) -> str:  # noqa: N802 (aiosmtpd)
        Sink.received += 1
        return "250 OK"


def burst(send, total: int) -> tuple[float, list[float], int]:
    """Run ``send(i)`` ``total`` times from CLIENTS threads: (per second, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(number: int) -> None:
        nonlocal errors
        start = time.perf_counter()
        ok = send(number)
        with lock:
            latencies.append((time.perf_counter() - start) * 1000)
            errors += 0 if ok else 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, range(total)))
    return total / (time.perf_counter() - started), latencies, errors


class Session:
    """One client's cookies and CSRF token, reused for all its posts."""

    local = threading.local()

    @classmethod
    def get(cls, base: str) -> tuple[urllib.request.OpenerDirector, str]:
        if not hasattr(cls.local, "opener"):
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            with opener.open(f"{base}/connexion") as response:
                cls.local.token = TOKEN.search(response.read().decode()).group(1)
            cls.local.opener = opener
        return cls.local.opener, cls.local.token


def step_with_capacity(capacity: int) -> int:
    sql = (f"UPDATE step SET capacity = {capacity}, day = CURRENT_DATE + 30, "
           "registration_opens_at = NULL, registration_closes_at = NULL "
           "WHERE city = 'Mende' RETURNING id")
    return int(subprocess.run(["psql", *PG, "-d", DATABASE, "-tAc", sql], check=True,
                              capture_output=True, text=True).stdout.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    total = parser.parse_args().requests
    prepare_database()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=8125)
    smtp.start()
    env = {**app_env(), "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "8125",
           "SESSION_COOKIE_SECURE": "0"}  # the benchmark speaks plain HTTP on loopback
    departement = subprocess.run(["psql", *PG, "-d", DATABASE, "-tAc",
                                  "SELECT id FROM territory WHERE code = '48' AND "
                                  "kind = 'departement'"], check=True, capture_output=True,
                                 text=True).stdout.strip()
    rows = []
    with gunicorn("bench.baseline_app:app", 8103) as base:
        def hello(_number: int) -> bool:
            with urllib.request.urlopen(f"{base}/hello") as response:
                return response.status == 200
        rows.append(("Flask nu : GET /hello (référence)", *burst(hello, total)))
    with gunicorn("wsgi:app", 8104, env) as concerto:
        for round_number, (capacity, label) in enumerate(
                ((100_000, "inscriptions confirmées"), (100, "100 places puis liste d’attente"))):
            step = step_with_capacity(capacity)

            def register(number: int, step: int = step, tag: str = f"r{round_number}") -> bool:
                opener, token = Session.get(concerto)
                data = urllib.parse.urlencode({
                    "csrf_token": token, "first_name": "Camille", "last_name": f"Test {number}",
                    "email": f"{tag}.{number}@bench.example", "departement_id": departement,
                    "category": "citoyens", "workshop_id": "0", "consent": "y"}).encode()
                with opener.open(f"{concerto}/etapes/{step}/inscription", data=data) as reply:
                    return reply.status == 200 and "Mon inscription" in reply.read().decode()
            rows.append((f"POST inscription ({label})", *burst(register, total)))
    smtp.stop()
    counts = subprocess.run(["psql", *PG, "-d", DATABASE, "-tAc",
                             "SELECT status || '=' || count(*) FROM registration "
                             "GROUP BY status ORDER BY status"], check=True, capture_output=True,
                            text=True).stdout.split()
    baseline = rows[0][1]
    lines = [f"Concerto — inscriptions, {CLIENTS} clients, {total} requêtes par ligne, "
             "gunicorn 4 workers, PostgreSQL", "",
             f"{'mesure':<52} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'/ réf.':>7} "
             f"{'erreurs':>8}"]
    for label, rate, latencies, errors in rows:
        ordered = sorted(latencies)
        p99 = ordered[int(len(ordered) * 0.99) - 1]
        lines.append(f"{label:<52} {rate:>8.0f} {statistics.median(ordered):>8.1f} "
                     f"{p99:>8.1f} {rate / baseline:>7.2f} {errors:>8}")
    lines += ["", f"Inscriptions en base : {' '.join(counts)} ; courriels reçus : {Sink.received}"]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "registrations.txt").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
