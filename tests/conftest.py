"""Shared fixtures: the app on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
emptied after each test; a client; a way to log in; CSRF tokens; SQL statement counting.

scripts/run-tests.sh runs the suite in two passes: the tests not marked ``serial`` spread over
pytest-xdist workers, then the ``serial`` ones alone. Each worker has its own database
(PostgreSQL: ``<name>_gw0``..., created when missing) and its own Redis database number.
A test is ``serial`` when marked so, or when its module starts processes or servers
(``subprocess``, tests/operations/servers.py or faults.py): those measure latencies or load the
machine, and must not share it with another worker."""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.contributions.question_suggestion import forget_models
from app.extensions import db
from app.ratelimits import limiter
from app.settings import normalise_database_url
from tests.factories import make_campaign, make_departement
from tests.helpers import empty_tables

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# "gw0", "gw1"... in a pytest-xdist worker; empty in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Modules whose tests start processes or servers: run in the serial pass (see the docstring).
_SERIAL_MODULES = ("subprocess", "tests.operations.servers", "tests.operations.faults")


def pytest_configure(config: pytest.Config) -> None:
    if WORKER and os.environ.get("REDIS_URL"):
        # Before any test module reads it. The global rate limiter may count in Redis (after a
        # test built an app from the environment) and empties its keys before each test: two
        # workers on the same Redis database would reset each other's counters.
        os.environ["REDIS_URL"] = _worker_redis_url(os.environ["REDIS_URL"])


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects on the marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("serial") is None and _starts_processes(item.module):
            item.add_marker(pytest.mark.serial)


def _starts_processes(module) -> bool:
    for value in vars(module).values() if module else ():
        name = getattr(value, "__module__", None) or getattr(value, "__name__", None)
        if isinstance(name, str) and name in _SERIAL_MODULES:
            return True
    return False


def _worker_redis_url(url: str) -> str:
    """The worker's own Redis database: the base number plus the worker's (modulo 16)."""
    parts = urllib.parse.urlsplit(url)
    number = (int(parts.path.strip("/") or 0) + int(WORKER.removeprefix("gw") or 0)) % 16
    return urllib.parse.urlunsplit(parts._replace(path=f"/{number}"))


def _worker_database(url: str) -> str:
    """The worker's own PostgreSQL database (``<name>_gw0``...), created when missing."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_{WORKER}"
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _database_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        url = normalise_database_url(TEST_DATABASE_URL)
        return _worker_database(url) if WORKER else url
    # tmp_path_factory's folder is already the worker's own.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'concerto-test.db'}"


def _reset_schema() -> None:
    """Start from an empty database, then build it with the real migrations."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": _database_uri(tmp_path_factory),
        "MAIL_FOLDER": str(tmp_path_factory.mktemp("mail")),
        # No mail server unless a test asks for the `smtp` fixture: sending fails fast.
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9,
    })
    with application.app_context():
        _reset_schema()
    yield application


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    """Each test runs in an app context and leaves the database empty behind it."""
    saved_config = dict(app.config)
    limiter.reset()  # rate-limit counters start at zero for each test
    # No page cached by an earlier test (app.page_cache): some replace what a page calls.
    app.extensions["page_cache"].clear()
    forget_models()  # the question suggestion's, built on an earlier test's campaigns
    with app.app_context():
        try:
            yield
        finally:
            db.session.rollback()
            empty_tables()
            db.session.remove()
    app.config.clear()
    app.config.update(saved_config)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own ``g`` (the logged-in
    user) and its own database session, not the test's."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


class Inbox:
    """Messages received by the test SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp(app: Flask, _smtp_server) -> Inbox:
    """A real SMTP server on loopback (aiosmtpd); the app sends its mail there."""
    inbox, port = _smtp_server
    inbox.messages.clear()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    return inbox


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def world():
    """A campaign open to contributions (slug « cnr ») and two départements."""
    campaign = make_campaign(slug="cnr", contributions_open=True)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    ariege = make_departement("09", "Ariège", "Foix", parent=campaign.territory)
    db.session.commit()
    return {"campaign": campaign, "aveyron": aveyron, "ariege": ariege,
            "challenge": campaign.challenges[0]}
