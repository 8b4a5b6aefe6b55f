"""ProConnect for staff: which ProConnect identity signs in to which account.

ProConnect proves who someone is (its ``sub``, their professional email address, their
organisation's SIRET); an invitation still decides who is staff, with which role and
territories. The first ProConnect sign-in of an identity links its ``sub`` to the account
invited at the same address, while that invitation is still pending (no password, no second
factor yet); an account already in use is linked by its holder, signed in, from « Mon compte ».
From then on the ``sub`` finds the account. No account is ever created here: an identity
without an invitation, or with a disabled account, is refused. An account with a second factor
still asks for its code after ProConnect (app.accounts.routes.continue_login).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, session
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app import audit, oidc
from app.accounts import services
from app.accounts.models import User
from app.extensions import db
from app.urls import absolute_url

PROVIDER = oidc.Provider(
    name="proconnect", label="ProConnect", prefix="PROCONNECT",
    # openid gives the sub; the others, who the agent is and for which organisation.
    scope="openid email given_name usual_name siret uid")
# The ID token of a session opened with ProConnect: the hint that ends it there too.
ID_TOKEN_KEY = "proconnect_id_token"  # noqa: S105 -- a session key  # nosec B105


class RefusalError(oidc.SignInError):
    """ProConnect vouched for someone who may not sign in here; the reason, in French."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message, status)


@dataclass(frozen=True)
class Identity:
    sub: str
    email: str
    siret: str

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        sub = str(claims.get("sub") or "")
        email = str(claims.get("email") or "").strip().lower()
        if not sub or not email:
            raise RefusalError("ProConnect n’a pas transmis votre adresse électronique : "
                          "impossible de retrouver votre compte.", 400)
        return cls(sub=sub, email=email, siret=str(claims.get("siret") or ""))

    @property
    def organisation(self) -> str:
        return f" (SIRET {self.siret})" if self.siret else ""


def account_for(identity: Identity) -> User:
    """The account ``identity`` signs in to: the one linked to its ``sub``, or else, at its
    first sign-in, the one invited at its address, which it is linked to (and committed)."""
    user = _linked_to(identity.sub)
    if user is None:
        user = services.by_email(identity.email)
        if user is None:
            raise RefusalError(
                f"Aucun compte {_site()} n’a été ouvert pour l’adresse {identity.email}. Les "
                "comptes sont créés sur invitation : demandez-en une à un administrateur de "
                f"{_site()}, puis connectez-vous de nouveau avec ProConnect.")
        if user.has_password or user.has_second_factor:
            # An account already in use: an address alone, vouched for by any identity
            # provider of the federation, must not open it. Its holder links it once signed in.
            raise RefusalError(
                f"Le compte {_site()} de l’adresse {identity.email} est déjà utilisé avec un mot "
                "de passe. Connectez-vous une fois avec votre mot de passe, puis reliez votre "
                "identité ProConnect depuis « Mon compte ».")
        if user.proconnect_sub is not None:
            # Another identity was linked first: ProConnect's sub is per identity provider,
            # so this may be a new provider for the same person, or someone else.
            raise RefusalError(
                f"Le compte {_site()} de l’adresse {identity.email} est déjà relié à une autre "
                f"identité ProConnect. Demandez à un administrateur de {_site()} de vérifier "
                "votre compte.")
        if user.active:
            user = _link(user, identity)
    if not user.active:
        raise RefusalError(f"Ce compte {_site()} est désactivé : un administrateur peut le "
                      "réactiver.")
    return user


def _site() -> str:
    return str(current_app.config["BRAND_SITE_NAME"])


def _linked_to(sub: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.proconnect_sub == sub))


def _link(user: User, identity: Identity) -> User:
    user.proconnect_sub = identity.sub
    audit.record("user.proconnect_link", user,
                 f"Identité ProConnect reliée au compte{identity.organisation}", user=user)
    try:
        db.session.commit()
    except IntegrityError:  # the same identity's first sign-in, twice at once: one link won
        db.session.rollback()
        linked = _linked_to(identity.sub)
        if linked is None:
            raise
        return linked
    return user


def link_to(user: User, identity: Identity) -> None:
    """Link the signed-in ``user``'s account to ``identity`` (« Mon compte »: they proved
    both, the password and the ProConnect identity)."""
    linked = _linked_to(identity.sub)
    if linked is not None and linked.id != user.id:
        raise RefusalError("Cette identité ProConnect est déjà reliée à un autre compte "
                           f"{_site()} : un administrateur peut la délier.")
    if user.proconnect_sub not in (None, identity.sub):
        raise RefusalError("Votre compte est déjà relié à une autre identité ProConnect : un "
                           "administrateur peut la délier.")
    if linked is None:
        _link(user, identity)


def login_summary(identity: Identity) -> str:
    return f"Connexion avec ProConnect{identity.organisation}"


def signed_in_with_proconnect() -> bool:
    return ID_TOKEN_KEY in session


def end_session(id_token: str) -> Response | None:
    """After the local logout: the browser goes on to end the ProConnect session too (None
    when ProConnect cannot be reached or has no end-session endpoint)."""
    return oidc.end_session(PROVIDER, id_token, absolute_url("proconnect.logged_out"))
