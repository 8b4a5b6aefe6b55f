"""Signed links to set a password: an invitation or a reset.

A link works once: it carries a fingerprint of the account's password hash and session token,
both of which change when the password is set, so a used (or superseded) link is refused. Its
age is checked against ``app.clock`` so a deployment or a test can freeze time.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import clock
from app.accounts.models import User
from app.extensions import db

SALT = "account-password-link"


class LinkKind(enum.StrEnum):
    INVITATION = "invitation"
    RESET = "reset"


class LinkError(ValueError):
    """The message explains, in French, why the link does not work."""


@dataclass(frozen=True)
class PasswordLink:
    user: User
    kind: LinkKind


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    material = f"{user.password_hash}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def _lifetime(kind: LinkKind) -> timedelta:
    config = current_app.config
    if kind is LinkKind.INVITATION:
        return timedelta(days=config["INVITATION_LINK_DAYS"])
    return timedelta(minutes=config["PASSWORD_RESET_MINUTES"])


def make(user: User, kind: LinkKind) -> str:
    """A token for ``user``'s link of ``kind``, valid until the password changes."""
    return _serializer().dumps({"u": user.id, "k": kind.value, "f": _fingerprint(user)})


def read(token: str) -> PasswordLink:
    """The account and kind a token designates, or LinkError."""
    invalid = LinkError("Ce lien n’est pas valide : il a peut-être été mal copié, ou il a déjà "
                        "servi. Demandez un nouveau lien.")
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
        kind = LinkKind(payload["k"])
        user = db.session.get(User, int(payload["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    if user is None or payload.get("f") != _fingerprint(user):
        raise invalid
    if not user.active:
        raise LinkError("Ce compte est désactivé. Adressez-vous à un administrateur.")
    if clock.now() - signed_at > _lifetime(kind):
        raise LinkError("Ce lien a expiré. Demandez un nouveau lien"
                        + (" à l’administrateur qui vous a invité." if kind is LinkKind.INVITATION
                           else " depuis la page « Mot de passe oublié »."))
    return PasswordLink(user, kind)
