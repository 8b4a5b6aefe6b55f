"""Step reports, and the syntheses sent to the ministry (per département and regional)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.campaigns.models import Campaign, Challenge, Step
from app.clock import now
from app.contributions.models import Contribution
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum
from app.territories.models import Territory


class StepReport(Model):
    """What the organiser writes after a step is held; published on the step page."""

    __tablename__ = "step_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("step.id", ondelete="CASCADE"),
                                         unique=True)
    # Participants present by registration category, pre-filled from check-in.
    attendance: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    organisations: Mapped[str] = mapped_column(sa.Text, default="")
    discussion: Mapped[str] = mapped_column(sa.Text, default="")
    proposals: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    step: Mapped[Step] = relationship()

    @property
    def present(self) -> int:
        return sum(self.attendance.values())


class SynthesisState(LabelledEnum):
    DRAFT = "draft", "Brouillon"
    VALIDATED = "validated", "Validée"
    TRANSMITTED = "transmitted", "Transmise"


class Synthesis(Model):
    """The synthesis of a campaign for one territory (a département, or the whole region)."""

    __tablename__ = "synthesis"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "territory_id",
                                          name="uq_synthesis_campaign_territory"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    territory_id: Mapped[int] = mapped_column(sa.ForeignKey("territory.id"))
    state: Mapped[SynthesisState] = mapped_column(enum_column(SynthesisState),
                                                  default=SynthesisState.DRAFT)
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    # Each text carries its version: a save based on an older one is refused (two people
    # writing at once), and who saved it last, and when, to say so.
    introduction_version: Mapped[int] = mapped_column(default=0, server_default="0")
    introduction_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    introduction_updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    campaign: Mapped[Campaign] = relationship()
    territory: Mapped[Territory] = relationship()
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])
    introduction_updated_by: Mapped[User | None] = relationship(
        foreign_keys=[introduction_updated_by_id])
    sections: Mapped[list[SynthesisSection]] = relationship(
        back_populates="synthesis", cascade="all, delete-orphan")
    quotes: Mapped[list[SynthesisQuote]] = relationship(
        back_populates="synthesis", cascade="all, delete-orphan",
        order_by="SynthesisQuote.id")
    transmissions: Mapped[list[Transmission]] = relationship(
        back_populates="synthesis", cascade="all, delete-orphan",
        order_by="Transmission.id.desc()")

    def section_for(self, challenge: Challenge) -> SynthesisSection | None:
        return next((s for s in self.sections if s.challenge_id == challenge.id), None)


class SynthesisSection(Model):
    """The organiser's editorial text on one question (plain text or Markdown)."""

    __tablename__ = "synthesis_section"
    __table_args__ = (sa.UniqueConstraint("synthesis_id", "challenge_id",
                                          name="uq_synthesis_section_challenge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    synthesis_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    synthesis: Mapped[Synthesis] = relationship(back_populates="sections")
    challenge: Mapped[Challenge] = relationship()
    updated_by: Mapped[User | None] = relationship()


class SynthesisQuote(Model):
    """A testimony the organiser chose to quote ("paroles")."""

    __tablename__ = "synthesis_quote"
    __table_args__ = (sa.UniqueConstraint("synthesis_id", "contribution_id",
                                          name="uq_synthesis_quote_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    synthesis_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"))

    synthesis: Mapped[Synthesis] = relationship(back_populates="quotes")
    contribution: Mapped[Contribution] = relationship()


class ThemeSnapshot(Model):
    """What the writing help said of one question when the synthesis was last validated (kept
    when it is reopened, replaced at the next validation): the help page marks the themes that
    grew since (app.syntheses.help_changes)."""

    __tablename__ = "synthesis_theme_snapshot"
    __table_args__ = (sa.UniqueConstraint("synthesis_id", "challenge_id",
                                          name="uq_synthesis_theme_snapshot_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    synthesis_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"))
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The writing help's variant then (its question and contributions' fingerprint).
    variant: Mapped[str] = mapped_column(sa.String(120))
    # The ids of the question's published contributions then.
    contributions: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # [{"label", "size", "members": [ids]}]; None until a worker has computed them.
    themes: Mapped[list[dict] | None] = mapped_column(sa.JSON(none_as_null=True))


class Transmission(Model):
    """One sending of a validated synthesis to the ministry: who, when, which files."""

    __tablename__ = "synthesis_transmission"

    id: Mapped[int] = mapped_column(primary_key=True)
    synthesis_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis.id", ondelete="CASCADE"),
                                              index=True)
    transmitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    transmitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # The bundle kept as sent (its key in app.storage), and its own checksum.
    stored_name: Mapped[str] = mapped_column(sa.String(80))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # {file name: sha256} of what the bundle holds.
    manifest: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)

    synthesis: Mapped[Synthesis] = relationship(back_populates="transmissions")
    transmitted_by: Mapped[User | None] = relationship()
