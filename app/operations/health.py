"""Probes for the process supervisor and the load balancer.

``/healthz``: the process answers (liveness: no database, no Redis; restart it if this fails).
``/readyz``: the process can serve (readiness: the database answers, its schema is at the
migrations' head, Redis answers when REDIS_URL is set); 503 with the failed checks otherwise,
so a load balancer sends no traffic to an instance whose database is gone or not migrated.
"""

from __future__ import annotations

import functools

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from app import redis_client
from app.extensions import db

bp = Blueprint("health", __name__)

OK = "ok"


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Alive: answers without touching the database."""
    return _no_store(jsonify(status=OK))


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready: database, migrations and (if configured) Redis all answer."""
    checks = {**_database_checks(), "redis": _redis_check()}
    failed = sorted(name for name, state in checks.items() if state not in (OK, "non configuré"))
    body = {"status": "error" if failed else OK, "checks": checks}
    if failed:
        body["failed"] = failed
    return _no_store(jsonify(body)), 503 if failed else 200


def _database_checks() -> dict[str, str]:
    # Alembic here, not at import: a web process that is never asked /readyz does not load it.
    from alembic.runtime.migration import MigrationContext

    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        current_app.logger.warning("readyz : base de données injoignable (%s)",
                                   type(error).__name__)
        return {"database": "injoignable", "migrations": "inconnu"}
    expected = _migration_heads(current_app.extensions["migrate"].directory)
    if current == expected:
        return {"database": OK, "migrations": OK}
    return {"database": OK, "migrations": f"base en {', '.join(sorted(current)) or 'aucune'}, "
            f"code en {', '.join(sorted(expected))} : lancer flask db upgrade"}


@functools.cache
def _migration_heads(directory: str) -> frozenset[str]:
    """The revisions the code expects (read once per process: the scripts do not change)."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _redis_check() -> str:
    if not current_app.config["REDIS_URL"]:
        return "non configuré"
    try:
        redis_client.client(current_app.config).ping()
    except RedisError as error:
        current_app.logger.warning("readyz : Redis injoignable (%s)", type(error).__name__)
        return "injoignable"
    return OK


def _no_store(response):
    response.cache_control.no_store = True
    return response
