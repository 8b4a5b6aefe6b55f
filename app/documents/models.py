"""A document asked for by a staff member, and where its preparation stands."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.clock import wall_now
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum


class PreparationStatus(LabelledEnum):
    PREPARING = "preparing", "En préparation"
    READY = "ready", "Prêt"
    FAILED = "failed", "Échec de la préparation"


class PreparedDocument(Model):
    __tablename__ = "prepared_document"
    __table_args__ = (sa.Index("ix_prepared_document_subject", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # In the page's address: unguessable, and only its requester may open it anyway.
    token: Mapped[str] = mapped_column(sa.String(32), unique=True,
                                       default=lambda: uuid.uuid4().hex)
    kind: Mapped[str] = mapped_column(sa.String(60))  # a name of services.BUILDERS
    subject_id: Mapped[int]
    # What else it depends on (a computed result: its question and its inputs' fingerprint).
    variant: Mapped[str] = mapped_column(sa.String(120), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    download_name: Mapped[str] = mapped_column(sa.String(200))
    back_url: Mapped[str] = mapped_column(sa.String(300), default="")  # where it was asked
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[PreparationStatus] = mapped_column(
        enum_column(PreparationStatus), default=PreparationStatus.PREPARING)
    stored_key: Mapped[str | None] = mapped_column(sa.String(80))
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=wall_now)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker building it holds it until then (a killed worker's document is built again).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How far its builder is, when it tells (services.progress): steps done out of a total,
    # and the one it is at (« regroupement des contributions »).
    progress_done: Mapped[int] = mapped_column(default=0, server_default="0")
    progress_total: Mapped[int] = mapped_column(default=0, server_default="0")
    progress_label: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    requested_by: Mapped[User | None] = relationship()

    @property
    def progress_text(self) -> str:
        """« Étape 2 sur 4 : regroupement des contributions… »; "" when nothing was told."""
        if not self.progress_total:
            return ""
        step = min(self.progress_done + 1, self.progress_total)
        return f"Étape {step} sur {self.progress_total} : {self.progress_label}…"
