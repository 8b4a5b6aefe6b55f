"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import click
from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # each model maps one table (DeclarativeBase allows any FROM clause)
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # A type checker takes no base class from an instance's attribute: the models subclass
    # ``Model``, which to it is ``Base`` (db.Model adds only Flask-SQLAlchemy's helpers).
    Model = Base
else:
    Model = db.Model

login_manager = LoginManager()
csrf = CSRFProtect()


def init_migrations(app: Flask, directory: str, **options: Any) -> None:
    """Flask-Migrate (``flask db``), imported by the command line and on first use only: it
    imports Alembic, 11 MB and 0.2 s that a web process never needs."""
    if click.get_current_context(silent=True) is not None:  # the flask command loads the app
        from flask_migrate import Migrate

        Migrate(app, db, directory, **options)
    else:
        app.extensions["migrate"] = _MigrationsOnDemand(app, directory, options)


class _MigrationsOnDemand:
    """``app.extensions["migrate"]`` until Flask-Migrate is needed: the migrations folder at
    once (/readyz), Flask-Migrate itself on first use of anything else (its ``upgrade()`` in
    the tests, migrations/env.py), which puts its own object in this one's place."""

    def __init__(self, app: Flask, directory: str, options: dict[str, Any]) -> None:
        self.directory = directory
        self._binding = (app, options)

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") or name == "_binding":
            raise AttributeError(name)
        app, options = self._binding
        from flask_migrate import Migrate

        Migrate(app, db, self.directory, **options)
        return getattr(app.extensions["migrate"], name)
