"""A contribution (testimony or proposal), and the history of its moderated edits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.accounts.models import User
from app.campaigns.models import AgendaItem, Campaign, Challenge, Step
from app.clock import now
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum
from app.territories.models import Territory


class ContributionKind(LabelledEnum):
    TESTIMONY = "testimony", "Parole de citoyen"
    PROPOSAL = "proposal", "Proposition"


class ContributionStatus(LabelledEnum):
    PENDING = "pending", "En attente de modération"
    PUBLISHED = "published", "Publiée"
    REJECTED = "rejected", "Refusée"


class ContributionSource(LabelledEnum):
    ONLINE = "online", "En ligne"  # typed by the author on the public form
    ROOM = "room", "Saisie en séance"  # typed by a facilitator during a step (batch entry)
    IMPORT = "import", "Import de fichier"  # transcribed from paper and imported from a file


class AnswerState(LabelledEnum):
    """The organisers' official position on a proposal."""

    STUDYING = "studying", "À l’étude"
    ADOPTED = "adopted", "Retenue"
    EXISTING = "existing", "Déjà en place"
    OUT_OF_SCOPE = "out_of_scope", "Hors champ"

    @classmethod
    def from_label(cls, text: str) -> AnswerState | None:
        """A state from its French label or its code, ignoring case and the kind of apostrophe."""
        wanted = text.strip().lower().replace("'", "’")
        return next((state for state in cls
                     if wanted in (state.value, state.label.lower())), None)


AGE_RANGES = {"moins-de-25": "Moins de 25 ans", "25-44": "25 à 44 ans", "45-64": "45 à 64 ans",
              "65-et-plus": "65 ans et plus"}


class Contribution(Model):
    __tablename__ = "contribution"
    __table_args__ = (
        sa.Index("ix_contribution_public", "campaign_id", "status", "id"),
        # The moderation queue (queries.to_review): its pages and counts read this index, so
        # they cost what the queue holds, not what every contribution ever sent.
        sa.Index("ix_contribution_to_review", "id", "territory_id",
                 postgresql_where=sa.text("status = 'pending' OR hidden_by_reports"),
                 sqlite_where=sa.text("status = 'pending' OR hidden_by_reports = 1")),
        # The home and campaign pages count what each question received
        # (queries.published_count_by_challenge) in this index alone, not in the table's rows.
        sa.Index("ix_contribution_published_by_challenge", "campaign_id", "challenge_id",
                 postgresql_where=sa.text("status = 'published' AND NOT hidden_by_reports"),
                 sqlite_where=sa.text("status = 'published' AND hidden_by_reports = 0")),
        sa.CheckConstraint("email IS NULL OR email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    kind: Mapped[ContributionKind] = mapped_column(enum_column(ContributionKind))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    # Stored exactly as typed (Unicode, emoji, line breaks); shown escaped, never as HTML.
    body: Mapped[str] = mapped_column(sa.Text)
    territory_id: Mapped[int] = mapped_column(sa.ForeignKey("territory.id"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="SET NULL"), index=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("step.id", ondelete="SET NULL"),
                                                index=True)
    pseudonym: Mapped[str] = mapped_column(sa.String(80), default="")
    age_range: Mapped[str] = mapped_column(sa.String(20), default="")
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    # Only to tell the author about moderation; never shown, never exported.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    status: Mapped[ContributionStatus] = mapped_column(enum_column(ContributionStatus),
                                                       default=ContributionStatus.PENDING)
    rejection_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The form's one-time key: a double click, or a resent form, saves one contribution.
    submission_key: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    # Kept in step with contribution_support, so sorting by support needs no join.
    support_count: Mapped[int] = mapped_column(default=0)
    # Hidden from the public once reported CONTRIBUTION_REPORT_THRESHOLD times, until a
    # moderator reviews it.
    hidden_by_reports: Mapped[bool] = mapped_column(default=False)
    # A workshop of the step's programme (an agenda item of kind "workshop").
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="SET NULL"))
    source: Mapped[ContributionSource] = mapped_column(enum_column(ContributionSource, 10),
                                                       default=ContributionSource.ONLINE)
    answer_state: Mapped[AnswerState | None] = mapped_column(enum_column(AnswerState))
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A duplicate merged into another contribution: refused, its supports moved there.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign] = relationship()
    territory: Mapped[Territory] = relationship()
    challenge: Mapped[Challenge | None] = relationship()
    step: Mapped[Step | None] = relationship()
    workshop: Mapped[AgendaItem | None] = relationship()
    merged_into: Mapped[Contribution | None] = relationship(remote_side="Contribution.id")
    revisions: Mapped[list[ContributionRevision]] = relationship(
        back_populates="contribution", cascade="all, delete-orphan",
        order_by="ContributionRevision.id")

    @validates("email")
    def _lower_email(self, _key: str, value: str | None) -> str | None:
        return value.strip().lower() or None if value else None

    @property
    def reference(self) -> str:
        return f"C-{self.id:06d}"

    @property
    def status_label(self) -> str:
        if self.merged_into_id:
            return f"Fusionnée dans C-{self.merged_into_id:06d}"
        return self.status.label

    @property
    def author_label(self) -> str:
        return self.pseudonym or "Anonyme"

    # Written once, for an instance and in SQL alike (``select(...).where(
    # Contribution.is_public)``): use it rather than testing the status and the reports.
    @hybrid_property
    def is_public(self) -> bool:
        """The public may read it: published and not hidden after reports (a merged duplicate
        is refused, so never public)."""
        return self.status is ContributionStatus.PUBLISHED and not self.hidden_by_reports

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> sa.ColumnElement[bool]:
        # As the partial index ix_contribution_published_by_challenge says it (the status
        # inline, not a parameter; NOT rather than IS false), so that the planner can read the
        # index even from a prepared statement.
        return sa.and_(cls.status == sa.literal(ContributionStatus.PUBLISHED.value,
                                                literal_execute=True),
                       sa.not_(cls.hidden_by_reports))


class ContributionSupport(Model):
    """One person's support of a proposal: once per person (their browser's signed key)."""

    __tablename__ = "contribution_support"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "supporter_key",
                                          name="uq_contribution_support_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    supporter_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ContributionReport(Model):
    """A visitor reports a published contribution (once per person)."""

    __tablename__ = "contribution_report"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "reporter_key",
                                          name="uq_contribution_report_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    reporter_key: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ContributionRevision(Model):
    """What a contribution said before a moderator edited it (to remove personal data)."""

    __tablename__ = "contribution_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    contribution: Mapped[Contribution] = relationship(back_populates="revisions")
    edited_by: Mapped[User | None] = relationship()


class ContributionMerge(Model):
    """A duplicate folded into the contribution kept, and what the fold changed, so that a
    moderator can separate them again (« Séparer »): the row stays, with ``undone_at``."""

    __tablename__ = "contribution_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    duplicate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    merged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # The duplicate as it was before the merge, given back on a split.
    previous_status: Mapped[ContributionStatus] = mapped_column(enum_column(ContributionStatus))
    previous_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_rejection_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    previous_hidden_by_reports: Mapped[bool] = mapped_column(default=False)
    # What moved to the target: support rows (ids), supports the target already had from the
    # same person (deleted; [key, ISO time]), and earlier duplicates that pointed here (ids).
    moved_support_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    shared_supports: Mapped[list[list[str]]] = mapped_column(sa.JSON, default=list)
    moved_duplicate_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)

    duplicate: Mapped[Contribution] = relationship(foreign_keys=[duplicate_id])
    target: Mapped[Contribution] = relationship(foreign_keys=[target_id])
    merged_by: Mapped[User | None] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
