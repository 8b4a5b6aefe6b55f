"""Absolute URLs, inside a request or outside one (mails, calendar files built in the CLI)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

DEFAULT_BASE_URL = "http://127.0.0.1:5000/"


def base_url() -> str:
    """PUBLIC_BASE_URL when set (it must be, in production), else the request's own host."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/") + "/"
    return request.host_url if has_request_context() else DEFAULT_BASE_URL


def absolute_url(endpoint: str, **values: object) -> str:
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def webcal(url: str) -> str:
    """The same feed for calendar clients that subscribe on a webcal:// link."""
    return "webcal://" + url.split("://", 1)[1]
