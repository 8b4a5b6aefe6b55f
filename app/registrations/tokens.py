"""Signed, expiring links: manage a registration without an account; check in by QR code."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MANAGE_SALT = "registration-manage"
CHECK_IN_SALT = "registration-check-in"


class TokenError(ValueError):
    """The message explains, in French, why the link does not work."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make(registration_uuid: str, salt: str = MANAGE_SALT) -> str:
    return _serializer(salt).dumps(registration_uuid)


def read(token: str, salt: str = MANAGE_SALT) -> str:
    """The registration uuid a token carries, or TokenError."""
    max_age = current_app.config["REGISTRATION_LINK_DAYS"] * 86400
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("Ce lien a expiré. Demandez un nouveau lien depuis la page de "
                         "l’étape : il vous sera envoyé par courriel.") from None
    except BadSignature:
        raise TokenError("Ce lien n’est pas valide : il a peut-être été mal copié. Utilisez le "
                         "lien reçu par courriel, ou demandez-en un nouveau depuis la page de "
                         "l’étape.") from None
