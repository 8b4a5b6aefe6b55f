"""French full-text search over contributions, on PostgreSQL and on SQLite.

PostgreSQL matches the ``concerto_french`` text-search configuration of migration 0006 (French
stemming: « médecins » finds « médecin »; accents ignored through unaccent). SQLite matches its
FTS5 table (porter stemming, accents folded). Either way the visitor's words are data, never
query syntax.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.contributions.models import Contribution
from app.extensions import db

WORD = re.compile(r"\w+", re.UNICODE)


def matching(query: str) -> sa.ColumnElement[bool] | None:
    """A condition on Contribution for the words of ``query``, or None if it has none."""
    words = WORD.findall(query)[:12]
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        return sa.literal_column("contribution.search_vector").op("@@")(
            sa.func.plainto_tsquery(sa.literal_column("'concerto_french'::regconfig"),
                                    " ".join(words)))
    phrase = " ".join(f'"{word}"' for word in words)  # quoted: FTS5 operators stay words
    return Contribution.id.in_(
        sa.select(sa.literal_column("rowid")).select_from(sa.table("contribution_fts"))
        .where(sa.literal_column("contribution_fts").op("MATCH")(phrase)))
