"""The job side of the fault tests: `flask worker`, `flask scheduler` and `flask send-mail` as
real processes on the tests' database and a Redis database of their own, an SMTP server whose
answers a test can hold back, and waits on conditions.

Redis: the host and port of REDIS_URL (127.0.0.1:6379 without it), database REDIS_DB, and a
queue name of its own per test; only the keys these tests write are ever deleted there."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import redis
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from tests.operations.servers import ROOT, ServerProcess, environment, free_port

REDIS_DB = 12  # the job fault tests' own database on a shared Redis (never another's)


def wait_for(condition: Callable[[], object], timeout: float, what: str,
             every: float = 0.2) -> object:
    """Poll ``condition`` until it is true (and return it); fail saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(every)


# ---------------------------------------------------------------------------------- Redis


class PrivateRedis:
    """The tests' Redis database and one queue name for one test."""

    def __init__(self) -> None:
        url = make_url(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
        self.host, self.port = url.host or "127.0.0.1", url.port or 6379
        self.queue = f"concerto-jobfaults-{uuid.uuid4().hex[:8]}"
        self.client = redis.Redis(self.host, self.port, db=REDIS_DB, socket_timeout=5)

    def available(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def url(self, port: int | None = None) -> str:
        """REDIS_URL for a process, straight to Redis or through a proxy on ``port``."""
        host = self.host if port is None else "127.0.0.1"
        return f"redis://{host}:{port or self.port}/{REDIS_DB}"

    def settings(self, port: int | None = None) -> dict[str, str]:
        return {"REDIS_URL": self.url(port), "JOBS_MODE": "rq", "JOBS_QUEUE": self.queue}

    def queued(self) -> int:
        return int(self.client.llen(f"rq:queue:{self.queue}"))

    def workers_idle(self) -> bool:
        """Every worker of this queue waits for a job, none is finishing one (RQ writes the
        outcome of a job to Redis after the job itself has committed its work)."""
        from rq import Queue, Worker
        from rq.registry import StartedJobRegistry

        queue = Queue(self.queue, connection=self.client)
        workers = Worker.all(queue=queue)
        return (bool(workers) and all(worker.get_state() == "idle" for worker in workers)
                and StartedJobRegistry(queue=queue).count == 0 and queue.count == 0)

    def next_minute(self) -> int:
        """Forget this minute's claim of the mail sweep, as if the next minute had come: the
        scheduler's next tick (every 10 s) sweeps again instead of a test waiting up to a
        minute. The schedule itself is what runs; only the wait is cut."""
        return self._delete(f"{self.queue}:schedule:mail.sweep:*")

    def _delete(self, pattern: str) -> int:
        keys = list(self.client.scan_iter(pattern))
        return int(self.client.delete(*keys)) if keys else 0

    def clean(self) -> None:
        """Remove this test's queue, its jobs and its schedule's claims (named after the
        queue, app.jobs.schedule)."""
        from rq import Queue

        Queue(self.queue, connection=self.client).empty()
        for registry in self.client.scan_iter(f"rq:*:{self.queue}"):  # started, failed...
            if self.client.type(registry) == b"zset":
                for job in self.client.zrange(registry, 0, -1):
                    job = job.decode().split(":")[0]  # an execution is « job:execution »
                    self._delete(f"rq:*:{job}*")
            self.client.delete(registry)
        self.client.srem("rq:queues", f"rq:queue:{self.queue}")
        self._delete(f"{self.queue}:schedule:*")


# ------------------------------------------------------------------------------ processes


def job_environment(database_url: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    """What `flask worker` and friends run with: the servers' environment (tests/operations/
    servers.py) with the development configuration, and ``settings``."""
    return environment(database_url, tmp_path, {"CONCERTO_CONFIG": "development", **settings})


class JobProcess(ServerProcess):
    """`flask <arguments>` (worker, scheduler, send-mail): a ServerProcess that serves no HTTP,
    so it is started and not waited for; its output goes to ``log``."""

    def __init__(self, arguments: list[str], env: dict[str, str], log: Path) -> None:
        super().__init__([sys.executable, "-m", "flask", "--app", "wsgi", *arguments], env, 0,
                         log)
        self.arguments = arguments

    def start(self) -> JobProcess:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def wait(self, timeout: float = 120) -> int:
        """Its exit status once it ends on its own (``--burst``, ``--once``, send-mail)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"flask {' '.join(self.arguments)} still running after "
                                 f"{timeout} s:\n{self.log_tail()}") from None

    def kill(self) -> None:
        """SIGKILL: no handler, no clean-up, as when the machine or the OOM killer does it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def flask_command(name: str, arguments: list[str], env: dict[str, str], tmp_path: Path
                  ) -> JobProcess:
    """``name`` names the log file (worker-1, scheduler...)."""
    return JobProcess(arguments, env, tmp_path / f"{name}-{uuid.uuid4().hex[:6]}.log")


# ----------------------------------------------------------------------------------- SMTP


class HoldingInbox:
    """An aiosmtpd handler that keeps what it receives, and can hold the answer to DATA: the
    first ``hold`` messages wait for ``release`` (set by the test, or by the server itself
    once ``release_at`` messages are held at the same time). A sender is then caught in the
    middle of sending, as with a slow mail server."""

    def __init__(self, hold: int = 0, release_at: int | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.held = threading.Event()  # a message is being held
        self.release = threading.Event()
        self.most_at_once = 0  # DATA commands in progress at the same time, at most
        self._to_hold, self._release_at, self._in_data = hold, release_at, 0
        self._lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope) -> str:
        with self._lock:
            self._in_data += 1
            self.most_at_once = max(self.most_at_once, self._in_data)
            hold = self._to_hold > 0 and not self.release.is_set()
            self._to_hold -= hold
            if self._release_at is not None and self._in_data >= self._release_at:
                self.release.set()
        try:
            if hold:
                self.held.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.02)
            message = message_from_bytes(envelope.content, policy=default_policy)
            with self._lock:
                self.messages.append(message)
        finally:
            with self._lock:
                self._in_data -= 1
        return "250 Message accepted"

    def copies(self) -> Counter[str]:
        """Messages received by recipient."""
        with self._lock:
            return Counter(str(message["To"]) for message in self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for message in self.messages if message["To"] == address]


class SmtpServer:
    """aiosmtpd on a free loopback port, with a HoldingInbox."""

    def __init__(self, inbox: HoldingInbox | None = None) -> None:
        self.inbox = inbox or HoldingInbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.inbox.release.set()  # a held answer must not keep the server's loop from ending
        self._controller.stop()

    def settings(self, port: int | None = None, **extra: str) -> dict[str, str]:
        """Mail settings for a worker sending here (or through a proxy on ``port``)."""
        return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(port or self.port), **extra}
