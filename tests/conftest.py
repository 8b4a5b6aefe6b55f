"""Shared fixtures: the app on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
emptied after each test; a client; a way to log in; CSRF tokens; SQL statement counting."""

from __future__ import annotations

import os
import socket
import threading
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
from app.extensions import db
from app.ratelimits import limiter
from app.settings import normalise_database_url
from tests.factories import make_campaign, make_departement
from tests.helpers import empty_tables

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def _database_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return normalise_database_url(TEST_DATABASE_URL)
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
