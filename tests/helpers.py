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
    """Delete every row, keeping the schema (faster than rebuilding it)."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
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
