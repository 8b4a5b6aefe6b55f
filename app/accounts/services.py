"""Staff accounts: invitations, passwords, lock-out, sessions. Each function commits."""

from __future__ import annotations

import enum
import functools
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit
from app.accounts import notifications, tokens
from app.accounts.models import Role, User, new_session_token
from app.clock import now
from app.extensions import db
from app.territories.models import Territory


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so that a wrong address costs as much time
    as a wrong password and timing does not tell which accounts exist."""
    return generate_password_hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A refusal explained in French."""


class LoginOutcome(enum.Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad"
    LOCKED = "locked"


def by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> tuple[LoginOutcome, User | None]:
    """Check a password, counting failures: LOGIN_MAX_FAILURES in a row lock the account for
    LOGIN_LOCK_MINUTES and mail its owner a notice. A locked account is refused even with the
    right password, so a lock cannot be raced."""
    user = by_email(email)
    if user is None or not user.active or not user.has_password:
        check_password_hash(_dummy_hash(), password)
        return LoginOutcome.BAD_CREDENTIALS, None
    if user.is_locked:
        return LoginOutcome.LOCKED, user
    if not user.check_password(password):
        count_failure(user)
        return (LoginOutcome.LOCKED if user.is_locked else LoginOutcome.BAD_CREDENTIALS), user
    return LoginOutcome.OK, user


def count_failure(user: User) -> None:
    """One more failed password or code; the last one allowed locks the account."""
    config = current_app.config
    user.failed_logins += 1
    if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
        user.failed_logins = 0
        user.locked_until = now() + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        audit.record("user.locked", user, f"Compte verrouillé après "
                     f"{config['LOGIN_MAX_FAILURES']} échecs de connexion", user=user)
        notifications.account_locked(user)
    db.session.commit()


def record_login(user: User, summary: str = "Connexion") -> None:
    """A successful login (password, or ProConnect) clears the failure count."""
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now()
    audit.record("user.login", user, summary, user=user)
    db.session.commit()


def unlock(user: User, by: User) -> None:
    user.failed_logins, user.locked_until = 0, None
    audit.record("user.unlock", user, "Compte déverrouillé", user=by)
    db.session.commit()


def unlink_proconnect(user: User, by: User) -> None:
    """Forget the account's ProConnect identity, so that another one can be linked: by the
    next ProConnect sign-in while the invitation is pending, else from « Mon compte »."""
    if user.proconnect_sub is None:
        raise AccountError("Ce compte n’est relié à aucune identité ProConnect.")
    user.proconnect_sub = None
    audit.record("user.proconnect_unlink", user, "Identité ProConnect déliée du compte", user=by)
    db.session.commit()


def sign_out_everywhere(user: User, by: User | None = None, reason: str = "") -> None:
    """End every session of ``user`` (a new session token makes the old ones invalid)."""
    user.session_token = new_session_token()
    audit.record("user.sign_out_everywhere", user, reason or "Déconnexion de toutes les sessions",
                 user=by or user)
    db.session.commit()


def _send_link(user: User, kind: tokens.LinkKind, by: User | None) -> None:
    """Queue the link and commit it with what the caller changed (one transaction)."""
    notifications.password_link(user, kind, by)
    db.session.commit()


def invite(email: str, name: str, role: Role, territories: list[Territory], by: User) -> User:
    """Create an account without a password and mail its owner a link to choose one."""
    if by_email(email) is not None:
        raise AccountError("Un compte existe déjà pour cette adresse.")
    user = User(email=email, name=name, role=role, territories=territories, invited_at=now())
    db.session.add(user)
    db.session.flush()
    audit.record("user.invite", user, f"Invitation de {user.email} ({role.label})", user=by)
    _send_link(user, tokens.LinkKind.INVITATION, by)
    return user


def resend_invitation(user: User, by: User) -> None:
    if user.has_password:
        raise AccountError("Ce compte a déjà choisi son mot de passe.")
    if not user.active:
        raise AccountError("Ce compte est désactivé : réactivez-le d’abord.")
    user.invited_at = now()
    audit.record("user.invite", user, "Invitation renvoyée", user=by)
    _send_link(user, tokens.LinkKind.INVITATION, by)


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account with a password has this address. Says nothing
    either way, so the form does not tell which addresses have an account."""
    user = by_email(email)
    if user is None or not user.active or not user.has_password:
        return
    audit.record("user.password_reset_requested", user, "Demande de nouveau mot de passe",
                 user=user)
    _send_link(user, tokens.LinkKind.RESET, None)


def set_password(user: User, password: str, by: User | None = None) -> None:
    """A new password ends every other session, unlocks the account, and uses up any link."""
    check_password_strength(user, password)
    user.set_password(password)
    user.password_changed_at = now()
    user.session_token = new_session_token()
    user.failed_logins, user.locked_until = 0, None
    audit.record("user.password_set", user, "Mot de passe choisi", user=by or user)
    db.session.commit()


def check_password_strength(user: User, password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(f"Le mot de passe doit compter au moins {minimum} caractères.")
    lowered, local_part = password.lower(), user.email.split("@")[0]
    # A short local part (« a@… ») is too common a string to forbid.
    if (len(local_part) >= 4 and local_part in lowered) or lowered in user.email:
        raise AccountError("Le mot de passe ne doit pas reprendre votre adresse électronique.")
    if len(set(password)) < 5:
        raise AccountError("Le mot de passe est trop répétitif : variez les caractères.")


def update(user: User, name: str, role: Role, territories: list[Territory], by: User) -> None:
    """Change an account's name, role and territories (audited field by field)."""
    if user.id == by.id and role is not Role.ADMIN:
        raise AccountError("Vous ne pouvez pas retirer votre propre rôle d’administrateur.")
    before = {"name": user.name, "role": user.role,
              "territories": ", ".join(t.display_name for t in user.territories)}
    user.name, user.role, user.territories = name, role, territories
    after = {"name": user.name, "role": user.role,
             "territories": ", ".join(t.display_name for t in user.territories)}
    changes = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if changes:
        audit.record("user.update", user, "Compte modifié", changes=changes, user=by)
    db.session.commit()


def set_active(user: User, active: bool, by: User) -> None:
    """Disable (ending its sessions) or re-enable an account."""
    if user.id == by.id:
        raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
    user.active = active
    if not active:
        user.session_token = new_session_token()
    audit.record("user.enable" if active else "user.disable", user,
                 "Compte réactivé" if active else "Compte désactivé", user=by)
    db.session.commit()


def staff_list() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)))
