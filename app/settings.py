"""Overlay the process environment on a config class, with type coercion."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

from config import DEFAULT_SECRET_KEY

MIN_SECRET_KEY_LENGTH = 32

_BOOLEAN = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False,
            "no": False, "off": False, "": False}

# Settings a deployment may set from the environment, and how to read them.
ENVIRONMENT_SETTINGS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "REDIS_SOCKET_TIMEOUT_MS": int,
    "JOBS_MODE": str,
    "JOBS_QUEUE": str,
    "MAIL_LEASE_SECONDS": int,
    "MAIL_RETRY_BASE_SECONDS": int,
    "MAIL_RETRY_MAX_SECONDS": int,
    "MAIL_TIMEOUT_SECONDS": int,
    "SQLITE_BUSY_TIMEOUT_MS": int,
    "DATABASE_CONNECT_TIMEOUT": int,
    "DATABASE_RETRY_AFTER_SECONDS": int,
    "LOG_FORMAT": str,
    "LOG_LEVEL": str,
    "METRICS_TOKEN": str,
    "METRICS_ALLOWED_NETWORKS": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_BACKEND": str,
    "MAIL_FOLDER": str,
    "BRAND_STATE": bool,
    "BRAND_OPERATOR": str,
    "BRAND_OPERATOR_LONG": str,
    "BRAND_SITE_NAME": str,
    "BRAND_TAGLINE": str,
    "BRAND_CONTACT_EMAIL": str,
    "FEATURED_CAMPAIGN": str,
    "CONCERTO_NOW": str,
    "PUBLIC_BASE_URL": str,
    "CALENDAR_UID_DOMAIN": str,
    "PAGE_CACHE_MAX_PAGES": int,
    "PRESS_CONTACT_NAME": str,
    "PRESS_CONTACT_EMAIL": str,
    "PRESS_CONTACT_PHONE": str,
    "PRESS_KIT_MAX_BYTES": int,
    "REGISTRATION_LINK_DAYS": int,
    "STAFF_IDLE_MINUTES": int,
    "PERMANENT_SESSION_LIFETIME": int,
    "LOGIN_MAX_FAILURES": int,
    "LOGIN_LOCK_MINUTES": int,
    "LOGIN_LIMIT_PER_IP": str,
    "PASSWORD_RESET_LIMIT_PER_IP": str,
    "INVITATION_LINK_DAYS": int,
    "PASSWORD_RESET_MINUTES": int,
    "PASSWORD_MIN_LENGTH": int,
    "REQUIRE_ADMIN_2FA": bool,
    "PROCONNECT_ISSUER": str,
    "PROCONNECT_CLIENT_ID": str,
    "PROCONNECT_CLIENT_SECRET": str,
    "PROCONNECT_REQUIRED": bool,
    "FRANCECONNECT_ISSUER": str,
    "FRANCECONNECT_CLIENT_ID": str,
    "FRANCECONNECT_CLIENT_SECRET": str,
    "OIDC_TIMEOUT_SECONDS": int,
    "REGISTRATION_RETENTION_DAYS": int,
    "CONTRIBUTION_EMAIL_RETENTION_DAYS": int,
    "MAIL_RETENTION_DAYS": int,
    "PRESS_RETENTION_DAYS": int,
    "DATA_CONTROLLER": str,
    "DPO_CONTACT": str,
    "PRIVACY_LEGAL_BASIS": str,
    "LEGAL_PUBLISHER": str,
    "LEGAL_DIRECTOR": str,
    "LEGAL_HOST": str,
    "LEGAL_PAGES_FOLDER": str,
    "ACCESSIBILITY_STATUS": str,
    "ACCESSIBILITY_AUDIT_DATE": str,
    "ACCESSIBILITY_AUDIT_BY": str,
    "ACCESSIBILITY_AUDIT_METHOD": str,
    "ACCESSIBILITY_COMPLIANCE_RATE": str,
    "ACCESSIBILITY_DECLARATION_DATE": str,
    "ACCESSIBILITY_SCHEME_URL": str,
    "CONTRIBUTION_REPORT_THRESHOLD": int,
    "IMPORT_MAX_BYTES": int,
    "RATELIMIT_ENABLED": bool,
    "TRUSTED_PROXIES": int,
    "CONTRIBUTION_LIMIT_PER_IP": str,
    "CONTRIBUTION_LIMIT_PER_EMAIL": str,
    "SUPPORT_LIMIT_PER_IP": str,
    # Only for a plain-HTTP test deployment (benchmarks): production cookies are Secure.
    "SESSION_COOKIE_SECURE": bool,
    "HSTS_SECONDS": int,
    "HSTS_INCLUDE_SUBDOMAINS": bool,
}


def _coerce(name: str, raw: str, kind: type) -> object:
    if kind is bool:
        try:
            return _BOOLEAN[raw.strip().lower()]
        except KeyError:
            raise RuntimeError(f"{name} doit valoir 0 ou 1, pas {raw!r}") from None
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise RuntimeError(f"{name} doit être un nombre entier, pas {raw!r}") from None
    return raw


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_environment(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    """Copy the known settings present in ``environ`` into ``app.config``."""
    environ = os.environ if environ is None else environ
    for name, kind in ENVIRONMENT_SETTINGS.items():
        if name in environ:
            app.config[name] = _coerce(name, environ[name], kind)
    database_url = app.config.pop("DATABASE_URL", None)
    if database_url:
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)


def check_production_settings(app: Flask) -> None:
    """Refuse to serve production with settings that would be unsafe."""
    if app.config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
        raise RuntimeError("SECRET_KEY doit être défini (et secret) en production.")
    if len(app.config["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
        # Sessions and registration links are signed with it: a short key can be guessed.
        raise RuntimeError(
            f"SECRET_KEY doit compter au moins {MIN_SECRET_KEY_LENGTH} caractères en production "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))').")
    if not app.config.get("PUBLIC_BASE_URL"):
        # Links in mails (password links above all) must not be built from the request's Host
        # header, which a client chooses: that would let anyone send reset links to their host.
        raise RuntimeError("PUBLIC_BASE_URL doit être défini en production "
                           "(ex. https://concertations.example.fr).")
