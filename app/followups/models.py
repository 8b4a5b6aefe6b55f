"""A retained proposal's follow-up (Decidim's "accountability"): where it stands, how far it
has gone, the measure it became, and the organisers' dated updates."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.clock import now
from app.contributions.models import AnswerState, Contribution, ContributionKind
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model
from app.labelled_enum import LabelledEnum


class FollowUpStatus(LabelledEnum):
    STUDYING = "studying", "À l’étude"
    COMMITTED = "committed", "Engagée"
    DONE = "done", "Réalisée"
    ABANDONED = "abandoned", "Abandonnée"


def may_have_follow_up(contribution: Contribution) -> bool:
    """Only a proposal the organisers retained (answer « Retenue ») gets a follow-up."""
    return (contribution.kind is ContributionKind.PROPOSAL
            and contribution.answer_state is AnswerState.ADOPTED)


def retained_proposal() -> sa.ColumnElement[bool]:
    """may_have_follow_up, in SQL."""
    return sa.and_(Contribution.kind == ContributionKind.PROPOSAL,
                   Contribution.answer_state == AnswerState.ADOPTED)


# The DSFR badge of each status, on the proposal's page and the « Suites données » page.
BADGES = {FollowUpStatus.STUDYING: "info", FollowUpStatus.COMMITTED: "new",
          FollowUpStatus.DONE: "success", FollowUpStatus.ABANDONED: "warning"}


class FollowUp(Model):
    """One per retained proposal (``contribution_id`` unique)."""

    __tablename__ = "follow_up"
    __table_args__ = (sa.CheckConstraint("progress >= 0 AND progress <= 100",
                                         name="progress_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contribution.id", ondelete="CASCADE"), unique=True)
    status: Mapped[FollowUpStatus] = mapped_column(enum_column(FollowUpStatus))
    # Per cent, 0 to 100.
    progress: Mapped[int] = mapped_column(default=0)
    # The measure it became, e.g. « Projet régional de santé 2023-2028, objectif 2.3 ».
    measure: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    contribution: Mapped[Contribution] = relationship()
    updates: Mapped[list[FollowUpUpdate]] = relationship(
        back_populates="follow_up", cascade="all, delete-orphan",
        order_by=lambda: (FollowUpUpdate.date.desc(), FollowUpUpdate.id.desc()))

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def last_update(self) -> FollowUpUpdate | None:
        return self.updates[0] if self.updates else None


class FollowUpUpdate(Model):
    """A dated update, published under the proposal. Its author is kept for the back office
    only: the public reads « les organisateurs », as for the official answer."""

    __tablename__ = "follow_up_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        sa.ForeignKey("follow_up.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(sa.Date)
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    follow_up: Mapped[FollowUp] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
