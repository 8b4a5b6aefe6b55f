"""Numbers read from URLs, bounded by what the database stores.

An id beyond a 32-bit integer cannot exist, yet reaching the database with it fails (SQLite:
OverflowError; PostgreSQL: « integer out of range »), which showed as a 500 page. Path ids
beyond the bound match no route (404); query values read with ``type=database_id`` fall back
to the default.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

# The largest value of an INTEGER column (PostgreSQL's int4; SQLite's is larger).
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most MAX_DATABASE_ID unless a rule sets its own max."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_DATABASE_ID if max is None else max,
                         signed)


def database_id(value: str) -> int:
    """A query or form value as an id (``request.args.get(name, type=database_id)``):
    ValueError, hence the default, when it is not a whole number a database can hold."""
    number = int(value)
    if not -MAX_DATABASE_ID <= number <= MAX_DATABASE_ID:
        raise ValueError(f"{value!r} dépasse la taille d’un identifiant")
    return number
