"""Database engine set-up."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine, event


def enable_sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite ignores foreign keys unless each connection asks for them."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def lock_row_for_update(session, table: sa.Table, row_id: int) -> None:
    """Serialise writers on one row until the transaction ends: ``SELECT ... FOR UPDATE`` on
    PostgreSQL; on SQLite, a no-op write that takes the database's write lock at once (its
    ``FOR UPDATE`` does nothing, and a read-then-write would race)."""
    if session.get_bind().dialect.name == "sqlite":
        # Plain SQL: a Core update() would also fire the table's onupdate defaults. The table
        # name comes from our own metadata, never from a request.
        statement = f'UPDATE "{table.name}" SET id = id WHERE id = :id'  # noqa: S608  # nosec B608
        session.execute(sa.text(statement), {"id": row_id})
    else:
        session.execute(sa.select(table.c.id).where(table.c.id == row_id).with_for_update())
