"""Real server processes for the fault and rush tests: the development server (as ``make run``
starts it) or gunicorn (as production does), on a free port, on the tests' database. Each one
is waited for until it answers, and stopped by the test that started it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120  # seconds: a busy machine imports the app slowly; the wait ends at success


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def metric_value(metrics: str, name: str) -> float:
    """The value of one series (``name`` with its labels) in a /metrics page."""
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", metrics, re.MULTILINE)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


class Answer:
    """An HTTP answer, whatever its status."""

    def __init__(self, status: int, headers, body: bytes, seconds: float) -> None:
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(url: str, data: bytes | None = None, headers: dict | None = None,
          timeout: float = 60, opener=None) -> Answer:
    """GET (or POST ``data``) and return the answer, error statuses included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    started = time.monotonic()
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=timeout) as reply:
            return Answer(reply.status, reply.headers, reply.read(), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read(), time.monotonic() - started)


CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Visitor:
    """One browser: its own cookies and CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str, **kw) -> Answer:
        return fetch(self.base + path, opener=self.opener, timeout=120, **kw)

    def token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_TOKEN.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status})"
        return match.group(1)

    def post(self, path: str, data: dict, token_from: str, token: str | None = None) -> Answer:
        """POST a form as a browser would, with the token of a page it opened (or ``token``)."""
        body = urllib.parse.urlencode({**data, "csrf_token": token or self.token(token_from)})
        return fetch(self.base + path, data=body.encode(), opener=self.opener, timeout=120)


class ServerProcess:
    """A server started with ``command``; its output goes to ``log``."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.command, self.env, self.port, self.log_path = command, env, port, log
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_until_answering()

    def wait_until_answering(self, path: str = "/healthz") -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped ({self.process.returncode}):\n"
                                     + self.log_tail())
            try:
                if fetch(self.base + path, timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"no answer on {self.base}{path} after {START_TIMEOUT} s:\n"
                             + self.log_tail())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def url(self, path: str) -> str:
        return self.base + path

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def environment(database_url: str, tmp_path: Path, settings: dict[str, str]) -> dict[str, str]:
    (tmp_path / "mail").mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("REDIS_", "PROMETHEUS_", "LOG_", "METRICS_"))}
    env.update({"PYTHONPATH": str(ROOT), "DATABASE_URL": database_url,
                "CONCERTO_INSTANCE": str(tmp_path / "instance"), "MAIL_BACKEND": "folder",
                "MAIL_FOLDER": str(tmp_path / "mail")})
    env.update(settings)
    return env


def dev_server(database_url: str, tmp_path: Path, **settings: str) -> ServerProcess:
    """``flask run`` with threads and the development configuration: what ``make run`` serves."""
    port = free_port()
    env = environment(database_url, tmp_path, {"CONCERTO_CONFIG": "development", **settings})
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
               "--port", str(port), "--with-threads", "--no-reload", "--no-debugger"]
    return ServerProcess(command, env, port, tmp_path / f"dev-server-{port}.log")


def gunicorn_server(database_url: str, tmp_path: Path, workers: int = 2,
                    **settings: str) -> ServerProcess:
    """gunicorn with the production configuration (plain HTTP on loopback)."""
    port = free_port()
    env = environment(database_url, tmp_path, {
        "CONCERTO_CONFIG": "production", "SECRET_KEY": "s" * 48,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "SESSION_COOKIE_SECURE": "0",
        "HSTS_SECONDS": "0", **settings})
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "1",
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"]
    return ServerProcess(command, env, port, tmp_path / f"gunicorn-{port}.log")
