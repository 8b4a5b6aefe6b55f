"""Database engine set-up: SQLite as a real embedded database, a connection timeout for
PostgreSQL, and the row lock that serialises seat changes.

SQLite (``make run``'s default) is set up for many threads or processes at once:

- ``journal_mode=WAL``: readers never wait for the writer, nor the writer for readers;
- ``busy_timeout`` (SQLITE_BUSY_TIMEOUT_MS): a writer waits that long for the write lock
  instead of failing at once with « database is locked »;
- a write transaction starts with ``BEGIN IMMEDIATE``, so it takes the write lock (waiting for
  it) with its first write and never has to upgrade a read snapshot that another writer has
  made stale (SQLite refuses such an upgrade at once, whatever the busy timeout).

Reads before a transaction's first write see the latest committed data, statement by statement,
as on PostgreSQL (READ COMMITTED): pysqlite starts the transaction itself, with the
``isolation_level`` below, just before the first INSERT, UPDATE or DELETE. Letting SQLAlchemy
emit BEGIN at the first SELECT instead (the SQLAlchemy documentation's recipe) gives every
session a snapshot that hides what other connections commit until it ends, and makes a
read-only session that may write later either hold the write lock from its first read or fail
its upgrade: measured, and explained in the README (« Exploitation »).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy import CursorResult, Engine, Result, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, scoped_session

if TYPE_CHECKING:
    from flask import Flask


def configure_engine(engine: Engine, config: Mapping) -> None:
    """Per-connection settings of the app's engine, by database."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, int(config.get("SQLITE_BUSY_TIMEOUT_MS", 5000)))
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine, int(config.get("DATABASE_CONNECT_TIMEOUT", 5)))


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores them unless each connection asks
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # Kept in the database file; an in-memory database answers "memory" and stays so.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        cursor.close()
        # pysqlite emits BEGIN IMMEDIATE before the first INSERT/UPDATE/DELETE of a transaction.
        dbapi_connection.isolation_level = "IMMEDIATE"


def _configure_postgresql(engine: Engine, connect_timeout: int) -> None:
    # A database host that does not answer must not hold a request (and its worker) forever.
    @event.listens_for(engine, "do_connect")
    def _connect_timeout(_dialect: object, _record: object, _cargs: object,
                         cparams: dict[str, Any]) -> None:
        cparams.setdefault("connect_timeout", connect_timeout)


# SQLSTATE classes that mean "try again later", not "this statement is wrong": connection
# exception, transaction rollback (serialisation failure, deadlock), insufficient resources
# (too many connections), operator intervention (shutdown, restart).
_RETRY_LATER_SQLSTATES = ("08", "40", "53", "57")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot serve right now (down, restarting, busy) rather
    than that a statement is wrong: the first deserves a 503 and a retry, the second is a bug."""
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True  # a dead pooled connection; the pool's wait for a free connection ran out
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or error.statement is None:
        return True  # the connection broke mid-statement, or could not be opened
    original = error.orig
    if str(getattr(original, "sqlstate", None) or "").startswith(_RETRY_LATER_SQLSTATES):
        return True
    # SQLite: another writer kept the lock past busy_timeout.
    return str(getattr(original, "sqlite_errorname", "")).startswith(("SQLITE_BUSY",
                                                                      "SQLITE_LOCKED"))


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE run through ``Session.execute`` matched. Its result is
    a ``CursorResult``, which SQLAlchemy's types give only to ``Connection.execute``."""
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount


def lock_row_for_update(session: Session | scoped_session[Any], table: sa.Table,
                        row_id: int) -> None:
    """Serialise writers on one row until the transaction ends: ``SELECT ... FOR UPDATE`` on
    PostgreSQL; on SQLite, a no-op write: as the transaction's first write it starts it with
    ``BEGIN IMMEDIATE``, which waits for (then holds) the database's write lock (SQLite's
    ``FOR UPDATE`` does nothing, and a read-then-write would race)."""
    if session.get_bind().dialect.name == "sqlite":
        # Plain SQL: a Core update() would also fire the table's onupdate defaults. The table
        # name comes from our own metadata, never from a request.
        statement = f'UPDATE "{table.name}" SET id = id WHERE id = :id'  # noqa: S608  # nosec B608
        session.execute(sa.text(statement), {"id": row_id})
    else:
        session.execute(sa.select(table.c.id).where(table.c.id == row_id).with_for_update())



def release_sessions_quietly(app: Flask) -> None:
    """End each app context's session without letting a dead connection turn a finished
    answer into the server's bare 500: Flask-SQLAlchemy's own teardown rolls back on the
    connection, which raises if the database went away after the page was rendered. Ours runs
    first (Flask calls teardowns in reverse order) and logs it instead."""
    import logging

    from app.extensions import db

    @app.teardown_appcontext
    def _remove_session(_exception: BaseException | None) -> None:
        try:
            db.session.remove()
        except sa_exc.DBAPIError as error:
            logging.getLogger(__name__).warning(
                "Session fermée sur une connexion perdue (%s)", type(error.orig).__name__)
            db.session.remove()  # the connection is invalidated now: this one closes cleanly
