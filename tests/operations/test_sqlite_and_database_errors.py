"""SQLite as an embedded database (WAL, busy_timeout, BEGIN IMMEDIATE on the first write), and
how a database error becomes a 503 (the database cannot serve) or a 500 (a wrong statement)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app.accounts.models import Role
from app.campaigns import queries
from app.campaigns.models import Step
from app.database import database_unavailable, lock_row_for_update
from app.extensions import db
from tests.factories import make_user
from tests.helpers import login_as
from tests.registrations.helpers import open_step


@pytest.fixture
def sqlite_engine():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings (this run is on PostgreSQL)")
    return db.engine


def test_sqlite_connections_use_wal_and_wait_for_the_lock(app, sqlite_engine):
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == \
            app.config["SQLITE_BUSY_TIMEOUT_MS"] == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_write_after_reads_never_fails_on_a_stale_snapshot(sqlite_engine):
    """Another writer commits between our reads and our write: the write waits for the lock
    and goes through (a snapshot taken at the first read would be refused at once)."""
    step = open_step(capacity=3)
    db.session.commit()
    reader = db.session.get(Step, step.id)  # a read, in this session
    assert reader.capacity == 3
    with sqlite_engine.begin() as other:  # another connection writes and commits
        other.execute(sa.update(Step).where(Step.id == step.id).values(capacity=4))
    lock_row_for_update(db.session, Step.__table__, step.id)
    db.session.refresh(reader)
    assert reader.capacity == 4  # reads before the first write see the latest commit
    db.session.commit()


def test_the_seat_lock_holds_the_write_lock_until_commit(sqlite_engine):
    step = open_step(capacity=3)
    db.session.commit()
    lock_row_for_update(db.session, Step.__table__, step.id)  # BEGIN IMMEDIATE
    outcome = {}

    def other_writer() -> None:
        connection = sqlite3.connect(sqlite_engine.url.database, timeout=0.2)
        try:
            connection.execute("UPDATE step SET capacity = 9 WHERE id = ?", (step.id,))
            connection.commit()
            outcome["wrote"] = True
        except sqlite3.OperationalError as error:
            outcome["refused"] = str(error)
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(timeout=30)
    assert outcome == {"refused": "database is locked"}
    db.session.commit()  # released: the other writer would go through now


class _DriverError(Exception):
    def __init__(self, message: str, **attributes) -> None:
        super().__init__(message)
        self.__dict__.update(attributes)


@pytest.mark.parametrize(("error", "unavailable"), [
    (OperationalError(None, None, _DriverError("connection refused")), True),  # while connecting
    (OperationalError("SELECT 1", {}, _DriverError("server closed the connection"),
                      connection_invalidated=True), True),
    (OperationalError("SELECT 1", {}, _DriverError("too many clients", sqlstate="53300")), True),
    (OperationalError("SELECT 1", {}, _DriverError("admin shutdown", sqlstate="57P01")), True),
    (OperationalError("UPDATE", {}, _DriverError("database is locked",
                                               sqlite_errorname="SQLITE_BUSY")), True),
    (OperationalError("SELEC", {}, _DriverError('near "SELEC": syntax error',
                                              sqlite_errorname="SQLITE_ERROR")), False),
    (OperationalError("SELECT", {}, _DriverError("no such column", sqlstate="42703")), False),
    (ValueError("not a database error"), False),
])
def test_only_a_database_that_cannot_serve_is_unavailable(error, unavailable):
    assert database_unavailable(error) is unavailable


def _database_gone(*_args, **_kwargs):
    raise OperationalError("SELECT campaign.id FROM campaign", {},
                           _DriverError("server closed the connection unexpectedly"),
                           connection_invalidated=True)


def test_database_gone_gives_a_french_503_with_retry_after(app, client, monkeypatch):
    monkeypatch.setattr(queries, "all_campaigns", _database_gone)
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(app.config["DATABASE_RETRY_AFTER_SECONDS"])
    page = response.get_data(as_text=True)
    assert "Service momentanément indisponible" in page and '<html lang="fr"' in page
    assert "SELECT" not in page and "server closed" not in page


def test_database_gone_for_a_signed_in_organiser_still_gives_a_french_503(client, monkeypatch,
                                                                         world):
    login_as(client, make_user(Role.ADMIN))
    monkeypatch.setattr(queries, "all_campaigns", _database_gone)
    monkeypatch.setattr("app.errors.render_template", _database_gone)  # the layout fails too
    response = client.get("/")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "Service momentanément indisponible" in response.get_data(as_text=True)
