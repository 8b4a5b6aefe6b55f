"""Press accreditations, the steps each journalist follows, and press-kit files."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.accounts.models import User
from app.campaigns.models import Campaign, Step
from app.clock import now
from app.db_types import UTCDateTime
from app.extensions import Model


class PressAccreditation(Model):
    """A journalist who asked to be invited; managed without an account through ``token``."""

    __tablename__ = "press_accreditation"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(36), unique=True,
                                       default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(sa.String(120))
    outlet: Mapped[str] = mapped_column(sa.String(160))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    follows: Mapped[list[PressFollow]] = relationship(
        back_populates="accreditation", cascade="all, delete-orphan")
    campaign_follows: Mapped[list[PressCampaignFollow]] = relationship(
        back_populates="accreditation", cascade="all, delete-orphan")

    @validates("email")
    def _lower_email(self, _key: str, value: str) -> str:
        return value.strip().lower()


class PressFollow(Model):
    """A journalist follows a step: invited when it is scheduled, moved or cancelled."""

    __tablename__ = "press_follow"
    __table_args__ = (sa.UniqueConstraint("accreditation_id", "step_id",
                                          name="uq_press_follow_accreditation_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("press_accreditation.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("step.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    accreditation: Mapped[PressAccreditation] = relationship(back_populates="follows")
    step: Mapped[Step] = relationship()


class PressCampaignFollow(Model):
    """« Toutes les étapes de cette démarche »: the journalist follows every step of the
    campaign, those published or dated later included (each gets its PressFollow then)."""

    __tablename__ = "press_campaign_follow"
    __table_args__ = (sa.UniqueConstraint("accreditation_id", "campaign_id",
                                          name="uq_press_campaign_follow_accreditation_campaign"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("press_accreditation.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    accreditation: Mapped[PressAccreditation] = relationship(back_populates="campaign_follows")
    campaign: Mapped[Campaign] = relationship()


class PressKitFile(Model):
    """A file of a press kit, for a whole campaign or one of its steps."""

    __tablename__ = "press_kit_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("step.id", ondelete="CASCADE"),
                                                index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # The visitor's file name, cleaned; the file itself is in app.storage, under the key
    # ``stored_name`` (never under the visitor's name).
    original_name: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign] = relationship()
    step: Mapped[Step | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
