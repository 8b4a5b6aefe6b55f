"""Faults the tests make themselves, between the app and its services, never to the machine's
PostgreSQL or Redis: a TCP proxy that forwards, stops (connections refused, open ones cut) or
turns into a black hole (accepts, reads, never answers)."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from app.extensions import db
from tests.operations.servers import ROOT, free_port

FORWARD, STOPPED, BLACK_HOLE = "forward", "stopped", "black hole"


class TcpProxy:
    """Listens on 127.0.0.1:``port`` (the same port for its whole life) and forwards to
    ``target``; with no target it is a black hole from the start."""

    def __init__(self, target: tuple[str, int] | None = None) -> None:
        self.target = target
        self.port = free_port()
        self.mode = STOPPED
        self.accepted = 0  # connections the proxy took, to show what a test did
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ what a test does

    def start(self) -> TcpProxy:
        """Forward (or swallow, without a target) from now on."""
        self.mode = FORWARD if self.target else BLACK_HOLE
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        """The service is gone: new connections are refused, open ones are cut."""
        self.mode = STOPPED
        if self._listener is not None:
            # Shut down first: it wakes the thread blocked in accept(), which otherwise keeps
            # the port bound and makes the next start() fail (« Address already in use »).
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def black_hole(self) -> None:
        """The service accepts and never answers, on new and already open connections."""
        if self._listener is None:
            self.start()
        self.mode = BLACK_HOLE

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ the plumbing

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            self.accepted += 1
            self._track(client)
            upstream = None
            if self.mode == FORWARD:
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                    self._track(upstream)
                except OSError:
                    _close(client)
                    continue
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            if upstream is not None:
                threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket | None) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if self.mode != FORWARD or destination is None:
                continue  # swallowed: the other side waits for an answer that never comes
            try:
                destination.sendall(data)
            except OSError:
                break
        _close(source)
        if destination is not None:
            _close(destination)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def report(name: str, **facts: object) -> str:
    """What a fault test did (requests, failures by kind, what was lost): printed, and kept in
    tests/artifacts/fault-reports.txt for whoever reads the run."""
    line = f"{name}: " + ", ".join(f"{key}={value}" for key, value in facts.items())
    print(line)
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with (artifacts / "fault-reports.txt").open("a", encoding="utf-8") as file:
        file.write(line + "\n")
    return line


@pytest.fixture
def database_behind_a_proxy(app):
    """The test database (PostgreSQL) behind a TcpProxy: (proxy, URL through it). Import it
    into a test module to use it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: a SQLite file does not go away like a server (CI runs "
                    "this on PostgreSQL)")
    url = db.engine.url
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
