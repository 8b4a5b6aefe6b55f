"""Registration POSTs per second (issue 13), on PostgreSQL, against a bare Flask endpoint.

Both apps run under the same gunicorn settings (4 workers; Concerto with deploy/gunicorn.conf.py
when it exists), loaded by wrk (2 threads, 32 connections) for the same time. Concerto runs as in
production: JOBS_MODE=rq on Redis (database 13 of 127.0.0.1:6379, a queue of its own), one
`flask worker` composing each mail (text, HTML, invitation, QR code) and delivering it to a real
SMTP server (aiosmtpd, in this process), during the load as in real life.

A wrk request is one registration POST with a new address, answered by its 302 to the
participant's page; that page (a GET) is measured on its own line. Every POST is checked
afterwards: the registrations in the database must be as many as the requests wrk counted,
and each must have its mail delivered (the script waits for the worker to drain the outbox).
The CPU time of the web processes, the PostgreSQL backends and the worker is read from /proc and
given per registration: on a shared machine it varies less than requests per second.

Usage: .venv/bin/python -m bench.registrations [--seconds 10] [--profile]
``--profile`` also runs 200 POSTs in this process with the statements counted and, if
pyinstrument is importable, a profile (pip install pyinstrument).
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import date
from http.cookiejar import CookieJar
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.bench import (
    CONNECTIONS,
    PG,
    ROOT,
    VENV,
    WORKERS,
    _milliseconds,
    prepare_database,
)
from bench.cpu import CpuMeter, cpu_seconds
from bench.record import Recorder, line

DATABASE = "concerto_bench_registrations"  # its own: bench.bench drops concerto_bench
REDIS_URL = "redis://127.0.0.1:6379/13"
QUEUE = "concerto-bench"
SMTP_PORT, BASELINE_PORT, CONCERTO_PORT = 8125, 8103, 8104
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# wrk: each request a registration with a new address (thread number + counter), one
# session's cookie and CSRF token for all (Flask-WTF's token is valid for the session).
POST_SCRIPT = r"""
local counter, threads = 0, {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  path, cookie, token, tag, departement = args[1], args[2], args[3], args[4], args[5]
end
function request()
  counter = counter + 1
  local body = "csrf_token=" .. token .. "&first_name=Camille&last_name=Banc&email=" ..
    tag .. "." .. id .. "." .. counter .. "%40bench.example&departement_id=" .. departement ..
    "&category=citoyens&workshop_id=&consent=y"
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded",
                                   ["Cookie"] = cookie}, body)
end
"""


class Sink:
    """The SMTP server's handler: counts what it accepts."""

    received = 0
    lock = threading.Lock()

    async def handle_DATA(self, _server, _session, _envelope) -> str:  # noqa: N802 (aiosmtpd)
        with Sink.lock:
            Sink.received += 1
        return "250 OK"


def psql(sql: str) -> str:
    return subprocess.run(["psql", *PG, "-d", DATABASE, "-tAc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def app_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("REDIS_", "PROMETHEUS_", "JOBS_", "MAIL_"))}
    env.update(CONCERTO_CONFIG="production", SECRET_KEY="bench-secret-key-not-the-default-0123",
               DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{DATABASE}",
               PUBLIC_BASE_URL=f"http://127.0.0.1:{CONCERTO_PORT}", FLASK_APP="wsgi.py",
               CONCERTO_INSTANCE="/tmp/concerto-bench-registrations",
               SESSION_COOKIE_SECURE="0",  # the benchmark speaks plain HTTP on loopback
               LOG_LEVEL="WARNING", REDIS_URL=REDIS_URL, JOBS_MODE="rq", JOBS_QUEUE=QUEUE,
               MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(SMTP_PORT))
    return env


def empty_queue() -> None:
    import redis
    from rq import Queue

    Queue(QUEUE, connection=redis.Redis.from_url(REDIS_URL)).empty()


def gunicorn_command(module: str, port: int) -> list[str]:
    """Concerto as deployed (deploy/gunicorn.conf.py, 4 workers), and the bare endpoint with
    the same processes, threads, keep-alive, recycling and access log (not the file itself:
    its hooks are Concerto's, its post_worker_init needs Concerto's database). Without the
    deployment's file, plain sync workers for both."""
    common = ["--workers", WORKERS, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if not GUNICORN_CONF.exists():
        return [str(VENV / "gunicorn"), *common, module]
    if module == "wsgi:app":
        return [str(VENV / "gunicorn"), "-c", str(GUNICORN_CONF), *common, module]
    settings = runpy.run_path(str(GUNICORN_CONF))
    same = ["--worker-class", settings["worker_class"], "--threads", str(settings["threads"]),
            "--keep-alive", str(settings["keepalive"])]
    if settings.get("max_requests"):
        same += ["--max-requests", str(settings["max_requests"]),
                 "--max-requests-jitter", str(settings["max_requests_jitter"])]
    if settings.get("preload_app"):
        same.append("--preload")
    if settings.get("accesslog"):
        same += ["--access-logfile", settings["accesslog"]]
    return [str(VENV / "gunicorn"), *same, *common, module]


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str]):
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers (404 on Concerto)
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command} does not answer") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def worker(env: dict[str, str]):
    process = subprocess.Popen([str(VENV / "flask"), "worker"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def open_step(city: str, capacity: int) -> int:
    return int(psql(f"UPDATE step SET capacity = {capacity}, day = CURRENT_DATE + 30, "
                    "registration_opens_at = NULL, registration_closes_at = NULL "
                    f"WHERE id = (SELECT min(id) FROM step WHERE city = '{city}') RETURNING id"
                    ).split()[0])


def session(base: str) -> tuple[str, str]:
    """A visitor's session cookie and CSRF token, as a browser gets them."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/connexion") as response:
        token = TOKEN.search(response.read().decode()).group(1)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), token


def load(url: str, seconds: int, options: list[str] = (), script_arguments: list[str] = ()
         ) -> dict:
    """wrk's figures for one URL (``options``: a script, headers; then its arguments)."""
    output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
                             "--timeout", "10s",
                             *options, url, "--", *script_arguments], check=True,
                            capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "requests": int(re.search(r"(\d+) requests in", output).group(1)),
            "p50": _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1)),
            "p99": _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1)),
            "errors": (int(errors.group(1)) if errors else 0)
            + (sum(int(n) for n in sockets.groups()) if sockets else 0)}


def load_posts(base: str, step: int, tag: str, seconds: int, script: Path, cookie: str,
               token: str, departement: str) -> dict:
    figures = load(f"{base}/etapes/{step}/inscription", seconds, ["-s", str(script)],
                   [f"/etapes/{step}/inscription", cookie, token, tag, departement])
    saved = int(psql(f"SELECT count(*) FROM registration WHERE email LIKE '{tag}.%'"))
    # A POST that did not register someone (its form came back) answers 200, which wrk
    # counts as a success: the database says how many really registered.
    figures["errors"] += max(0, figures["requests"] - saved)
    figures["saved"] = saved
    return figures


def manage_page(base: str, step: int, cookie: str, token: str, departement: str) -> str:
    data = urllib.parse.urlencode({
        "csrf_token": token, "first_name": "Camille", "last_name": "Page",
        "email": "page@bench.example", "departement_id": departement, "category": "citoyens",
        "workshop_id": "", "consent": "y"}).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_args, **_kwargs):
            return None

    request = urllib.request.Request(f"{base}/etapes/{step}/inscription", data=data,
                                     headers={"Cookie": cookie})
    try:
        urllib.request.build_opener(NoRedirect).open(request)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer.code
        return answer.headers["Location"]
    raise AssertionError("the registration did not redirect")


def wait_for_mail(expected: int, timeout: float = 900) -> float:
    """Seconds until every mail is delivered (the outbox empty, the SMTP server has them)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        left = int(psql("SELECT count(*) FROM outbound_mail WHERE status <> 'sent'"))
        if left == 0 and Sink.received >= expected:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"mail not drained after {timeout} s: {Sink.received}/{expected}")


@contextmanager
def concerto(env: dict[str, str]):
    """Concerto's web server and one job worker, and a meter of their CPU."""
    with serving(gunicorn_command("wsgi:app", CONCERTO_PORT), CONCERTO_PORT, env) as (base, web), \
            worker(env) as job_worker:
        yield base, CpuMeter(web, job_worker, backend_pids)


def backend_pids() -> list[int]:
    """The PostgreSQL backends serving the bench database."""
    return [int(pid) for pid in psql(
        f"SELECT pid FROM pg_stat_activity WHERE datname = '{DATABASE}'").split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    seconds = arguments.seconds
    recorder = Recorder("registrations")
    prepare_database(DATABASE, app_env())
    empty_queue()
    env = app_env()
    big, small = open_step("Mende", 1_000_000), open_step("Rodez", 100)
    departement = psql("SELECT id FROM territory WHERE code = '48' AND kind = 'departement'")
    smtp = Controller(Sink(), hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "post.lua"
        script.write_text(POST_SCRIPT, encoding="utf-8")
        with serving(gunicorn_command("bench.baseline_app:app", BASELINE_PORT), BASELINE_PORT,
                     env) as (base, _process):
            rows.append(("Flask nu : GET /hello (référence)", load(f"{base}/hello", seconds)))
        with concerto(env) as (app, meter):
            cookie, token = session(app)
            load_posts(app, big, "chauffe", 2, script, cookie, token, departement)  # warm-up
            drain_started, worker_before = time.monotonic(), cpu_seconds(meter.job_worker)
            mails_before = Sink.received
            for label, step, tag in (("POST inscription (place confirmée)", big, "confirmee"),
                                     ("POST inscription (100 places puis liste d’attente)",
                                      small, "attente")):
                with meter.measure() as used:
                    figures = load_posts(app, step, tag, seconds, script, cookie, token,
                                         departement)
                rows.append((label, {**figures, "cpu": used}))
            location = manage_page(app, big, cookie, token, departement)
            rows.append(("GET « Mon inscription » (la page après le POST)",
                         load(f"{app}{location}", seconds, ["-H", f"Cookie: {cookie}"])))
            loaded_for = time.monotonic() - drain_started
            mails = int(psql("SELECT count(*) FROM outbound_mail"))
            drained_after = wait_for_mail(mails)
            per_mail = ((cpu_seconds(meter.job_worker) - worker_before)
                        / max(1, Sink.received - mails_before))
    smtp.stop()
    counts = psql("SELECT status || '=' || count(*) FROM registration GROUP BY status "
                  "ORDER BY status").split()
    # The step of 100 places, filled by the load: exactly its capacity confirmed (or everyone,
    # had fewer come), the rest on its waiting list. Counted now: requests still in flight
    # when wrk stopped have been answered since.
    confirmed, registered = map(int, psql(
        f"SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FROM registration "
        f"WHERE step_id = {small}").split("|"))
    report = format_report(rows, seconds, (load_before, os.getloadavg()[0]), [
        f"Inscriptions en base : {' '.join(counts)} ; courriels : {mails} en file, "
        f"{Sink.received} reçus par le serveur SMTP, le dernier {drained_after:.0f} s après la "
        f"fin des mesures ({mails / (loaded_for + drained_after):.0f} courriels/s en moyenne) ; "
        f"le worker : {per_mail * 1000:.1f} ms de CPU par courriel (composition et envoi)"])
    print(report)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "registrations.txt").write_text(report, encoding="utf-8")
    record(recorder, rows, seconds, (confirmed, registered), Sink.received == mails)
    if arguments.profile:
        from bench.registration_profile import profile

        profile(big, departement)
        empty_queue()  # the profile's jobs: no worker runs them


def record(recorder: Recorder, rows: list[tuple[str, dict]], seconds: int,
           small_step: tuple[int, int], mails_delivered: bool) -> None:
    """The lines of `make bench`'s table (bench/table.py)."""
    baseline = rows[0][1]
    lines = recorder.section(f"Inscriptions : gunicorn comme en production "
                             f"(deploy/gunicorn.conf.py, {WORKERS} workers), RQ + 1 flask worker "
                             f"→ SMTP, wrk {CONNECTIONS} connexions, {seconds} s par ligne")
    for label, figures in rows:
        note, errors = "", figures["errors"]
        if "cpu" in figures and figures["saved"]:
            note = "CPU par inscription : " + ", ".join(
                f"{part} {1000 * used / figures['saved']:.1f} ms"
                for part, used in figures["cpu"].items())
        if "liste d’attente" in label:  # as many confirmed as places, if enough came
            confirmed, registered = small_step
            right = confirmed == min(100, registered)
            note = (f"{confirmed} confirmées pour 100 places, {registered - confirmed} en "
                    f"attente {'✓' if right else '✗'} ; {note}")
            errors += not right
        if label.startswith("POST") and not mails_delivered:
            note += " ; des courriels manquent ✗"
        lines.append(line(label, figures["rate"], "req/s", p50=figures["p50"],
                          p99=figures["p99"], ratio=figures["rate"] / baseline["rate"],
                          errors=errors, note=note))
    recorder.save()


def format_report(rows: list[tuple[str, dict]], seconds: int, load: tuple[float, float],
                  footer: list[str]) -> str:
    baseline = rows[0][1]["rate"]
    command = " ".join(gunicorn_command("wsgi:app", CONCERTO_PORT)[1:-1]).replace(
        str(ROOT) + "/", "")
    lines = [f"Concerto — inscriptions, {date.today():%d/%m/%Y}, {os.cpu_count()} cœurs "
             f"(charge de la machine {load[0]:.1f} avant, {load[1]:.1f} après) : gunicorn "
             f"{command} ; PostgreSQL ; RQ + 1 flask worker → SMTP (aiosmtpd) ; wrk 2 threads, "
             f"{CONNECTIONS} connexions, {seconds} s par ligne", "",
             f"{'mesure':<52} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'/ réf.':>7} "
             f"{'erreurs':>8}"]
    for label, figures in rows:
        lines.append(f"{label:<52} {figures['rate']:>8.0f} {figures['p50']:>8.1f} "
                     f"{figures['p99']:>8.1f} {figures['rate'] / baseline:>7.3f} "
                     f"{figures['errors']:>8}")
    lines += ["", "CPU par inscription enregistrée, pendant la mesure (ms) : web (gunicorn), "
              "PostgreSQL, worker (courriels, à son rythme)"]
    for label, figures in rows:
        if "cpu" in figures and figures["saved"]:
            per = {part: 1000 * used / figures["saved"] for part, used in figures["cpu"].items()}
            lines.append(f"  {label:<50} {per['web']:>6.1f} {per['database']:>6.1f} "
                         f"{per['worker']:>6.1f}")
    return "\n".join([*lines, "", *footer])


if __name__ == "__main__":
    main()
