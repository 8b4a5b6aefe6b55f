"""A real OpenID Connect provider on loopback for the ProConnect and FranceConnect tests:
oidc-provider-mock's Flask app, served by a thread on 127.0.0.1 (a free port). The app's own
calls (discovery, keys, token, userinfo) and the person's steps at the provider (its sign-in
form, its end-session page) go over HTTP to it; nothing leaves the machine.

On top of the mock, what the tests need:
- PKCE checked: the mock ignores ``code_challenge``; here a token request whose
  ``code_verifier`` does not hash (S256) to its code's challenge is refused, as a provider
  does;
- ProConnect and FranceConnect name a scope after each claim (``given_name``,
  ``usual_name``...): the mock is taught them, and keeps releasing only what was asked;
- the ID token can be rewritten (an expiry in the past) or signed by another key (same
  ``kid``) on its way out, as a broken or hostile provider would send it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import oidc_provider_mock
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from joserfc.jws import extract_compact
from oidc_provider_mock import _app as mock_app_module
from oidc_provider_mock import _storage as mock_storage_module
from werkzeug.serving import make_server

CLIENT_ID = "concerto-test"
CLIENT_SECRET = "secret-de-test"
# The claim-named scopes of ProConnect and FranceConnect (standard claims among them are only
# released when their scope is asked; the others, such as siret, always).
CLAIM_SCOPES = ("given_name", "family_name", "usual_name", "siret", "uid")
TIMEOUT = 10


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class LoopbackProvider:
    url: str
    app: flask.Flask
    # code → (code_challenge, code_challenge_method), from the authorization requests.
    challenges: dict[str, tuple[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    # Set by a test: rewrites the ID token's claims, or signs it with another key.
    rewrite_id_token: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    signing_key: RSAKey | None = None
    # Set by a test: the userinfo answer as a signed JWT (application/jwt), as ProConnect and
    # FranceConnect send it, with the provider's key or this one.
    sign_userinfo: bool = False
    userinfo_key: RSAKey | None = None

    def reset(self) -> None:
        self.challenges.clear()
        self.token_requests.clear()
        self.rewrite_id_token = self.signing_key = self.userinfo_key = None
        self.sign_userinfo = False

    def add_user(self, sub: str, **claims: Any) -> None:
        """The identity the provider vouches for when ``sub`` signs in at its form."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=TIMEOUT)
        assert response.status_code == 204, response.text

    def sign_in(self, authorization_url: str, sub: str) -> str:
        """The person at the provider's form, as ``sub``: where it sends them back."""
        assert authorization_url.startswith(f"{self.url}/"), authorization_url
        response = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False,
                                 timeout=TIMEOUT)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def end_session(self, end_session_url: str) -> str:
        """The person at the provider's end-session page, clicking « End session »."""
        assert end_session_url.startswith(f"{self.url}/"), end_session_url
        page = requests.get(end_session_url, timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        query = parse_qs(urlsplit(end_session_url).query)
        back = query["post_logout_redirect_uri"][0] + "?state=" + query["state"][0]
        response = requests.post(f"{self.url}/oauth2/end_session/confirm",
                                 data={"redirect_uri": back}, allow_redirects=False,
                                 timeout=TIMEOUT)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def _check_pkce(provider: LoopbackProvider) -> flask.typing.ResponseReturnValue | None:
    request = flask.request
    if request.path == "/oauth2/token" and request.method == "POST":
        form = request.form.to_dict()
        provider.token_requests.append(form)
        challenge, method = provider.challenges.pop(form.get("code", ""), ("", ""))
        verifier = form.get("code_verifier", "")
        if method != "S256" or not verifier or _s256(verifier) != challenge:
            return flask.jsonify(error="invalid_grant",
                                 error_description="PKCE verification failed"), 400
    return None


def _record_challenge(provider: LoopbackProvider, response: flask.Response) -> flask.Response:
    request = flask.request
    if request.path == "/oauth2/authorize" and request.method == "POST" \
            and response.status_code == 302:
        code = parse_qs(urlsplit(response.headers["Location"]).query).get("code")
        if code:
            provider.challenges[code[0]] = (request.args.get("code_challenge", ""),
                                            request.args.get("code_challenge_method", ""))
    return response


def _tamper_id_token(provider: LoopbackProvider, response: flask.Response) -> flask.Response:
    if flask.request.path != "/oauth2/token" or response.status_code != 200 or not (
            provider.rewrite_id_token or provider.signing_key):
        return response
    body = json.loads(response.get_data())
    original = extract_compact(body["id_token"].encode())
    claims = json.loads(original.payload)
    if provider.rewrite_id_token:
        claims = provider.rewrite_id_token(claims)
    # The provider's own key, unless the test chose another (with the same kid).
    key = provider.signing_key or RSAKey.import_key(
        flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))
    body["id_token"] = jwt.encode(dict(original.headers()), claims, key)
    response.set_data(json.dumps(body))
    return response


def _sign_userinfo(provider: LoopbackProvider, response: flask.Response) -> flask.Response:
    if flask.request.path != "/userinfo" or response.status_code != 200 \
            or not provider.sign_userinfo:
        return response
    key = provider.userinfo_key or RSAKey.import_key(
        flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))
    claims = {**json.loads(response.get_data()), "iss": provider.url, "aud": CLIENT_ID}
    response.set_data(jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key))
    response.content_type = "application/jwt"
    return response


def provider_key_id(provider: LoopbackProvider) -> str:
    keys = requests.get(f"{provider.url}/jwks", timeout=TIMEOUT).json()["keys"]
    return keys[0].get("kid", "")


@pytest.fixture(scope="session")
def _loopback_provider() -> Iterator[LoopbackProvider]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mock_storage_module.Client, "SCOPES_SUPPORTED",
                      (*mock_storage_module.Client.SCOPES_SUPPORTED, *CLAIM_SCOPES))
        patch.setattr(mock_app_module, "_SCOPES_TO_CLAIMS", {
            **mock_app_module._SCOPES_TO_CLAIMS, **{scope: [scope] for scope in CLAIM_SCOPES}})
        app = oidc_provider_mock.app()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        provider = LoopbackProvider(url=f"http://127.0.0.1:{server.server_port}", app=app)
        app.before_request(lambda: _check_pkce(provider))
        # Run last to first: the challenge is read from the response the mock built.
        app.after_request(lambda response: _tamper_id_token(provider, response))
        app.after_request(lambda response: _sign_userinfo(provider, response))
        app.after_request(lambda response: _record_challenge(provider, response))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield provider
        finally:
            server.shutdown()
            thread.join(timeout=5)


@pytest.fixture
def oidc_provider(_loopback_provider: LoopbackProvider) -> Iterator[LoopbackProvider]:
    """The loopback provider, with nothing left over from an earlier test."""
    _loopback_provider.reset()
    yield _loopback_provider
    _loopback_provider.reset()


def configure(app: flask.Flask, prefix: str, provider: LoopbackProvider) -> None:
    """Point the app's ``prefix`` provider (PROCONNECT, FRANCECONNECT) at the loopback one;
    the test's app context puts the settings back afterwards."""
    app.config.update({f"{prefix}_ISSUER": provider.url, f"{prefix}_CLIENT_ID": CLIENT_ID,
                       f"{prefix}_CLIENT_SECRET": CLIENT_SECRET})


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
