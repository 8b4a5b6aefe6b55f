"""OpenID Connect sign-in with the State's identity federations: ProConnect for staff
(app.accounts.proconnect), FranceConnect for participants (app.registrations.franceconnect).

One Authlib registry per app. A provider's client is built from its settings at its first use
and again when they change: nothing is fetched at start-up, the provider's discovery document
and keys are read at the first sign-in (once per process), each call with a short timeout.
Every flow is the authorization code flow with PKCE (S256), a ``state`` and a ``nonce`` kept in
the session until the callback; the ID token's signature is checked against the provider's
published keys (JWKS), and its issuer, audience, expiry and nonce too. Whatever goes wrong is
raised as a ``SignInError`` that says it in French.

Authlib, joserfc and requests (some 20 MB and 0.25 s) are imported at the first sign-in: a
deployment without ProConnect nor FranceConnect never loads them.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from authlib.integrations.flask_client import FlaskOAuth2App

EXTENSION = "concerto.oidc"
# ProConnect asks for a state and a nonce of 32 characters at least (Authlib's are shorter).
_RANDOM_BYTES = 32
# Clock difference tolerated with the provider on the ID token's dates.
LEEWAY_SECONDS = 60
# Signatures that a published key (the provider's JWKS) verifies.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                   "ES256", "ES384", "ES512", "EdDSA"})


@dataclass(frozen=True)
class Provider:
    """An identity provider: ``name`` names its Authlib client (and its session keys),
    ``prefix`` its settings (<PREFIX>_ISSUER, _CLIENT_ID, _CLIENT_SECRET)."""

    name: str
    label: str
    prefix: str
    scope: str
    authorize_params: tuple[tuple[str, str], ...] = ()

    def settings(self, config: Mapping[str, Any]) -> tuple[str, str, str] | None:
        issuer, client_id, secret = (str(config.get(f"{self.prefix}_{key}") or "")
                                     for key in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"))
        return (issuer.rstrip("/"), client_id, secret) if issuer and client_id and secret \
            else None

    def is_configured(self) -> bool:
        return self.settings(current_app.config) is not None


class SignInError(Exception):
    """A sign-in (or sign-out) with a provider that did not go through, said in French;
    ``status`` is the HTTP status of the page that says it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class SignedIn:
    """The identity a provider vouched for: the ID token's claims, completed by the userinfo
    endpoint's, and the ID token itself (its hint ends the session at the provider)."""

    claims: dict[str, Any]
    id_token: str


@functools.cache
def _registry_class() -> type:
    from authlib.integrations.flask_client import OAuth

    class Registry(OAuth):
        """Authlib's registry, each client rebuilt when its provider's settings change (tests
        change them on a running app; a deployment sets them once)."""

        def __init__(self, app: Flask) -> None:
            super().__init__(app)
            self._built_from: dict[str, tuple[str, str, str]] = {}

        def client_for(self, provider: Provider, settings: tuple[str, str, str]) \
                -> FlaskOAuth2App:
            if self._built_from.get(provider.name) != settings:
                issuer, client_id, secret = settings
                self._clients.pop(provider.name, None)
                self.register(
                    provider.name, client_id=client_id, client_secret=secret,
                    # Read at the first sign-in, not here.
                    server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                    client_kwargs={
                        "scope": provider.scope, "code_challenge_method": "S256",
                        # Both federations document the secret in the token request's body.
                        "token_endpoint_auth_method": "client_secret_post",  # a name  # nosec B105
                        "default_timeout": current_app.config["OIDC_TIMEOUT_SECONDS"]})
                self._built_from[provider.name] = settings
            return self.create_client(provider.name)

    return Registry


def _client_for(provider: Provider, settings: tuple[str, str, str]) -> FlaskOAuth2App:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    registry = app.extensions.get(EXTENSION)
    if registry is None:  # the first sign-in of this process (two at once: one is kept)
        registry = app.extensions.setdefault(EXTENSION, _registry_class()(app))
    return registry.client_for(provider, settings)


def init_oidc(app: Flask) -> None:
    """Nothing to fetch nor import yet; only PROCONNECT_REQUIRED without ProConnect refused."""
    if app.config.get("PROCONNECT_REQUIRED") and not all(
            app.config.get(f"PROCONNECT_{key}") for key in ("ISSUER", "CLIENT_ID",
                                                            "CLIENT_SECRET")):
        raise RuntimeError("PROCONNECT_REQUIRED=1 demande PROCONNECT_ISSUER, "
                           "PROCONNECT_CLIENT_ID et PROCONNECT_CLIENT_SECRET : sans eux, "
                           "personne ne pourrait se connecter.")


def _client(provider: Provider) -> FlaskOAuth2App:
    settings = provider.settings(current_app.config)
    if settings is None:
        raise SignInError(f"La connexion avec {provider.label} n’est pas proposée sur ce "
                          "site.", 404)
    return _client_for(provider, settings)


def _unreachable(provider: Provider) -> SignInError:
    return SignInError(f"{provider.label} ne répond pas pour le moment : réessayez dans "
                       "quelques minutes.", 503)


def _metadata(client: FlaskOAuth2App, provider: Provider) -> dict[str, Any]:
    """The discovery document (read once per process), for the configured issuer only: a
    document naming another one is a wrong setting, or someone else's provider."""
    import requests

    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise _unreachable(provider) from error
    settings = provider.settings(current_app.config)
    if settings is None or str(metadata.get("issuer", "")).rstrip("/") != settings[0]:
        raise SignInError(f"La configuration de {provider.label} ne correspond pas à "
                          f"l’adresse {provider.prefix}_ISSUER : connexion impossible.", 502)
    return metadata


def start(provider: Provider, redirect_uri: str) -> Response:
    """Send the browser to the provider's sign-in page; the state, the nonce and the PKCE
    verifier wait in the session for the callback at ``redirect_uri``."""
    import requests

    client = _client(provider)
    _metadata(client, provider)
    try:
        response: Response = client.authorize_redirect(
            redirect_uri, state=secrets.token_urlsafe(_RANDOM_BYTES),
            nonce=secrets.token_urlsafe(_RANDOM_BYTES), **dict(provider.authorize_params))
    except requests.RequestException as error:
        raise _unreachable(provider) from error
    return response


def finish(provider: Provider) -> SignedIn:
    """The callback's side: check the state, trade the code (with the PKCE verifier) for the
    tokens, check the ID token, then read the userinfo endpoint."""
    import requests
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
    from joserfc.errors import (
        BadSignatureError,
        ClaimError,
        ExpiredTokenError,
        InvalidClaimError,
        InvalidKeyIdError,
        JoseError,
    )

    client = _client(provider)
    metadata = _metadata(client, provider)
    label = provider.label
    try:
        token = client.authorize_access_token(
            leeway=LEEWAY_SECONDS,
            claims_options={"iss": {"essential": True, "value": metadata["issuer"]},
                            "aud": {"essential": True, "value": client.client_id}})
        if "userinfo" not in token:  # no ID token, so nothing was checked
            raise SignInError(f"{label} n’a pas envoyé de jeton d’identité : connexion "
                              "refusée.")
        claims = {**_userinfo(client, metadata, token), **token["userinfo"]}
    except MismatchingStateError as error:
        raise SignInError(
            "Cette demande de connexion n’est plus valable : elle a déjà servi, elle a expiré "
            f"ou elle a été ouverte dans un autre navigateur. Recommencez la connexion avec "
            f"{label}.") from error
    except OAuthError as error:
        if error.error == "access_denied":
            raise SignInError(f"La connexion avec {label} a été annulée.", 403) from error
        raise SignInError(f"{label} a refusé de terminer la connexion (code déjà utilisé ou "
                          "expiré) : recommencez la connexion.") from error
    except ExpiredTokenError as error:
        raise SignInError(f"Le jeton d’identité envoyé par {label} a expiré : recommencez la "
                          "connexion.") from error
    except InvalidClaimError as error:
        if error.claim == "nonce":
            raise SignInError(f"La réponse de {label} ne correspond pas à cette demande de "
                              "connexion (nonce différent) : connexion refusée.") from error
        raise _invalid(label, error.claim) from error
    except ClaimError as error:
        raise _invalid(label, error.claim) from error
    except (BadSignatureError, InvalidKeyIdError) as error:
        raise SignInError(f"La signature de la réponse de {label} n’a pas pu être vérifiée "
                          "avec ses clés publiées : connexion refusée.") from error
    except JoseError as error:
        raise SignInError(f"La réponse de {label} est illisible : connexion refusée.") \
            from error
    except (requests.RequestException, ValueError) as error:
        raise _unreachable(provider) from error
    return SignedIn(claims=claims, id_token=token["id_token"])


def _invalid(label: str, claim: str) -> SignInError:
    return SignInError(f"Le jeton d’identité envoyé par {label} n’est pas valable (champ "
                       f"« {claim} ») : connexion refusée.")


def _userinfo(client: FlaskOAuth2App, metadata: dict[str, Any],
              token: dict[str, Any]) -> dict[str, Any]:
    """The userinfo endpoint's claims: plain JSON, or a JWT signed with the provider's keys
    (ProConnect and FranceConnect sign theirs). Its ``sub`` must be the ID token's."""
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    response = client.get(endpoint, token=token)
    response.raise_for_status()
    if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        claims = _verified_jwt(client, metadata, response.text)
    else:
        claims = response.json()
    if not isinstance(claims, dict) or claims.get("sub") != token["userinfo"].get("sub"):
        raise SignInError("Les informations d’identité ne correspondent pas au jeton "
                          "d’identité : connexion refusée.")
    return claims


def _verified_jwt(client: FlaskOAuth2App, metadata: dict[str, Any], value: str) \
        -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError
    from joserfc.jwk import KeySet
    from joserfc.jws import JWSRegistry

    offered = (metadata.get("userinfo_signing_alg_values_supported")
               or metadata.get("id_token_signing_alg_values_supported") or [])
    # Only signatures by the provider's published keys: never "none", nor an HMAC whose key
    # would be the client secret.
    algorithms = [name for name in offered if name in ASYMMETRIC_ALGORITHMS]
    if not algorithms:
        raise SignInError("Le fournisseur d’identité ne signe pas ses réponses avec une clé "
                          "publiée : connexion refusée.")
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        token = jwt.decode(value, KeySet.import_key_set(client.fetch_jwk_set()),
                           registry=registry)
    except InvalidKeyIdError:  # the provider turned to new keys since we read them
        token = jwt.decode(value, KeySet.import_key_set(client.fetch_jwk_set(force=True)),
                           registry=registry)
    claims = dict(token.claims)
    jwt.JWTClaimsRegistry(iss={"value": metadata["issuer"]},
                          aud={"value": client.client_id}).validate(claims)
    return claims


def end_session(provider: Provider, id_token: str, post_logout_redirect_uri: str) \
        -> Response | None:
    """Send the browser to the provider's end-session endpoint (with the ID token as hint and
    a state), which comes back to ``post_logout_redirect_uri``. None when the provider has no
    such endpoint or cannot be reached: the local session is over either way."""
    try:
        client = _client(provider)
        metadata = _metadata(client, provider)
    except SignInError:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    response: Response = client.logout_redirect(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token,
        state=secrets.token_urlsafe(_RANDOM_BYTES))
    return response


def finish_logout(provider: Provider) -> None:
    """Back from the provider's end-session endpoint: its state must be the one we sent."""
    from authlib.integrations.base_client.errors import OAuthError

    try:
        _client(provider).validate_logout_response()
    except OAuthError as error:
        raise SignInError(f"Ce retour de déconnexion de {provider.label} ne correspond à "
                          "aucune déconnexion demandée ici.") from error


def origins(provider: Provider) -> list[str]:
    """Where the provider's pages are (its issuer's origin, and its end-session endpoint's
    once known): the staff pages' Content-Security-Policy lets the logout form go there."""
    settings = provider.settings(current_app.config)
    if settings is None:
        return []
    client = _client_for(provider, settings)
    urls = [settings[0], str(client.server_metadata.get("end_session_endpoint") or "")]
    found: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        if origin and origin not in found:
            found.append(origin)
    return found
