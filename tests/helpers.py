"""Test helpers: CSRF-aware form posts, logging in, counting SQL statements."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/connexion") -> str:
    """The CSRF token of the client's session, read from a page's form like a browser would."""
    # The login page sends signed-in users on to the back office, whose header has a form.
    response = client.get(url, follow_redirects=True)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, token_from: str | None = None, **kw):
    """POST a form with a valid CSRF token, as a browser would."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from or url)},
                       **kw)


def login_as(client: FlaskClient, user) -> None:
    """Open a session for ``user`` without going through the password form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # "<id>.<session token>"
        session["seen"] = int(time.time())  # a session idle for too long ends
        session["_fresh"] = True


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def _record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _record)


def empty_tables() -> None:
    """Delete every row, keeping the schema; numbering starts again at 1 (as after TRUNCATE ...
    RESTART IDENTITY). Only the tables that hold rows are touched: a test fills a few."""
    tables = _tables_with_rows()
    if db.engine.dialect.name == "postgresql":
        _empty_postgresql(tables)
    elif tables:
        # SQLite has no TRUNCATE: lift the audit log's DELETE guard while emptying it.
        guards = db.session.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'audit_entry_no_delete'")).all()
        for name, _sql in guards:
            db.session.execute(sa.text(f'DROP TRIGGER "{name}"'))
        for table in tables:
            db.session.execute(table.delete())
        for _name, sql in guards:
            db.session.execute(sa.text(sql))
    db.session.commit()


def _tables_with_rows() -> list[sa.Table]:
    """The tables holding at least one row, children before parents (one query)."""
    tables = list(reversed(db.metadata.sorted_tables))
    probe = sa.union_all(*(
        sa.select(sa.literal(position)).where(sa.exists(sa.select(sa.literal(1)).select_from(t)))
        for position, t in enumerate(tables)))
    filled = set(db.session.scalars(probe))
    return [table for position, table in enumerate(tables) if position in filled]


def _empty_postgresql(tables: list[sa.Table]) -> None:
    """DELETE is much cheaper than TRUNCATE on small tables (no new files for each table and
    index). A table whose rows a trigger refuses to delete (the append-only audit log) is
    truncated; every sequence that handed out a number starts again at 1."""
    guarded = set(db.session.scalars(sa.text(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgtype & 8 <> 0 "  # 8: the trigger fires on DELETE
        "AND c.relnamespace = current_schema()::regnamespace")))
    truncated = [table for table in tables if table.name in guarded]
    if truncated:
        names = ", ".join(f'"{table.name}"' for table in truncated)
        db.session.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    for table in tables:
        if table.name not in guarded:
            db.session.execute(table.delete())
    db.session.execute(sa.text(
        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
        "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"))


def migration_app(tmp_path, **config):
    """An app on its own SQLite file, empty, for a migration test to upgrade and downgrade
    (no mail leaves it: port 9 is discard)."""
    from app import create_app

    database = f"sqlite:///{tmp_path / 'migration.db'}"
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database,
                                  "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9, **config})
