"""User accounts and the territories they act for."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock
from app.clock import now
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model, db
from app.labelled_enum import LabelledEnum
from app.territories.models import Territory


class Role(LabelledEnum):
    ADMIN = "admin", "Administrateur"
    ORGANISER = "organiser", "Organisateur"
    MODERATOR = "moderator", "Modérateur"


user_territory = sa.Table(
    "user_territory",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("territory_id", sa.ForeignKey("territory.id", ondelete="CASCADE"),
              primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Model):
    __tablename__ = "user_account"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Part of every session's identity: a new value signs the account out everywhere
    # (log out everywhere, new password, account disabled).
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Consecutive failed logins; at LOGIN_MAX_FAILURES the account locks until locked_until.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Base32 TOTP secret once two-factor authentication is on; the last time step accepted,
    # so that a code seen over a shoulder cannot be used a second time.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # SHA-256 of the one-time recovery codes not used yet (for a lost phone), space-separated:
    # plain text, so that queries may SELECT DISTINCT accounts (PostgreSQL cannot compare JSON).
    totp_recovery_hashes: Mapped[str] = mapped_column(sa.Text, default="")
    # The ProConnect identity (its `sub`) linked to this account at its first ProConnect
    # sign-in, through the invitation's email address (app.accounts.proconnect).
    proconnect_sub: Mapped[str | None] = mapped_column(sa.String(255), index=True, unique=True)

    territories: Mapped[list[Territory]] = relationship(secondary=user_territory,
                                                        order_by=Territory.code)

    @validates("email")
    def _lower_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def get_id(self) -> str:
        """The session identity: id and session token, so that a new token ends old sessions."""
        return f"{self.id}.{self.session_token}"

    @property
    def has_password(self) -> bool:
        """False while an invitation has not been accepted."""
        return bool(self.password_hash)

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def recovery_hashes(self) -> list[str]:
        return self.totp_recovery_hashes.split()

    @recovery_hashes.setter
    def recovery_hashes(self, hashes: list[str]) -> None:
        self.totp_recovery_hashes = " ".join(hashes)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > clock.now()

    @property
    def state_label(self) -> str:
        if not self.active:
            return "Désactivé"
        if not self.has_password and not self.proconnect_sub:
            return "Invitation en attente"
        if self.is_locked:
            return "Verrouillé"
        return "Actif"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
