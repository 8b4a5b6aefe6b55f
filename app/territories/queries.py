"""Territory look-ups shared by pages, forms and permissions."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.territories.models import Territory, TerritoryKind


def departements() -> list[Territory]:
    """Every département, in INSEE code order."""
    return list(db.session.scalars(
        sa.select(Territory).where(Territory.kind == TerritoryKind.DEPARTEMENT)
        .order_by(Territory.code)))


def departement_by_code(code: str) -> Territory | None:
    return db.session.scalar(sa.select(Territory).where(
        Territory.kind == TerritoryKind.DEPARTEMENT, Territory.code == code))


def descendant_ids(root_ids: set[int]) -> set[int]:
    """The given territories and every territory below them (one query per level, at most 3)."""
    found = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(db.session.scalars(
            sa.select(Territory.id).where(Territory.parent_id.in_(frontier)))) - found
        found |= frontier
    return found


def territory_chain(territory: Territory) -> list[Territory]:
    """The territory and its ancestors, nearest first."""
    chain: list[Territory] = []
    link: Territory | None = territory
    while link is not None and link not in chain:
        chain.append(link)
        link = link.parent
    return chain
