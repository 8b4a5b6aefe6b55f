"""The territory hierarchy: region > département > territoire de proximité."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum


class TerritoryKind(LabelledEnum):
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    PROXIMITE = "proximite", "Territoire de proximité"


class Territory(Model):
    __tablename__ = "territory"
    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_territory_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TerritoryKind] = mapped_column(enum_column(TerritoryKind))
    # INSEE code: "12" for Aveyron, "76" for Occitanie; free for territoires de proximité.
    code: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    chef_lieu: Mapped[str | None] = mapped_column(sa.String(120))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    # A département of a region merged in 2016 keeps a link to its former region
    # (Midi-Pyrénées), whose historical campaigns still cover it.
    former_region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territory.id"))
    valid_until: Mapped[date | None]
    # Key figures quoted from the seed documents: [{"label", "value", "comparison", "source"}].
    figures: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    parent: Mapped[Territory | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children")
    children: Mapped[list[Territory]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Territory.code")
    former_region: Mapped[Territory | None] = relationship(
        remote_side=[id], foreign_keys=[former_region_id])

    @property
    def display_name(self) -> str:
        if self.kind is TerritoryKind.DEPARTEMENT:
            return f"{self.name} ({self.code})"
        return self.name

    def __repr__(self) -> str:
        return f"<Territory {self.kind.value} {self.code} {self.name}>"
